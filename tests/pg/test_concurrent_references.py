"""Several logins numbering group sessions and women at the same moment: unique, no gaps.

Short (a few seconds): each writer waits at a barrier, then creates a session and a woman in
turn, so the transactions that take the next numbers overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from caseapp.services import groups, women
from caseapp.services.context import Ctx
from caseapp.services.women_types import ReferralInput, WomanInput

WRITERS, EACH = 6, 3


def test_session_and_woman_references_stay_unique_and_gap_free(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    people = [make_user(f"ref_kw{n}") for n in range(WRITERS)]
    sessions: list[str] = []
    made: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def work(ctx: Ctx) -> None:
        try:
            start.wait()
            for n in range(EACH):
                register = groups.create_session(
                    ctx, title=f"Group {ctx.actor.username}", date="2026-11-30"
                )
                sessions.append(register.session.reference)
                info = women.create_woman(
                    ctx,
                    WomanInput(first_name=f"Ref{ctx.actor.user_id}", last_name=f"Woman{n}"),
                    ReferralInput(source="probation"),
                )
                made.append(info.reference)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ctx,)) for ctx in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = WRITERS * EACH
    assert sorted(sessions) == [f"GRP-2026-{n:04d}" for n in range(1, total + 1)]
    assert sorted(made) == [f"MIN-2026-{n:05d}" for n in range(1, total + 1)]
