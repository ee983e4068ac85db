"""Eight people adding women and logging contacts at the same time, each with her own login.

Short, for every run; `python -m bench pg` runs the same eight writers for a minute.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from caseapp.services import audit, contacts, women
from caseapp.services.context import Ctx
from caseapp.services.women_types import ReferralInput, WomanInput

WRITERS, EACH = 8, 4


def test_eight_writers_get_unique_references_and_one_sound_chain(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    people = [make_user(f"kw{n}") for n in range(WRITERS)]
    made: list[str] = []
    notes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def work(ctx: Ctx) -> None:
        try:
            start.wait()
            for n in range(EACH):
                info = women.create_woman(
                    ctx,
                    WomanInput(first_name=f"Writer{ctx.actor.user_id}", last_name=f"Woman{n}"),
                    ReferralInput(source="probation"),
                )
                made.append(info.reference)
                note = f"{ctx.actor.username}-{n}"
                contacts.log_contact(ctx, info.id, contacts.ContactInput(note=note))
                notes.append(note)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ctx,)) for ctx in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(made) == [f"MIN-2026-{n:05d}" for n in range(1, WRITERS * EACH + 1)]
    with manager.read() as session:
        conn = session.connection()
        created = conn.exec_driver_sql(
            "SELECT count(*) FROM auditevent WHERE action = 'woman_created'"
        ).scalar_one()
        stored = conn.exec_driver_sql("SELECT note FROM engagement").scalars().all()
    assert created == WRITERS * EACH
    # Every contact written is there exactly once.
    assert sorted(stored) == sorted(notes) and len(set(notes)) == WRITERS * EACH
    report = audit.verify_chain(manager.store)
    assert report.ok, report.message
