"""`kill -9` at random moments during audited writes loses nothing committed.

docs/security.md, "Killed mid-write".
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import col, select

from caseapp.models import AuditEvent, Woman
from caseapp.services import audit, maintenance
from caseapp.services.session import lock, unlock
from caseapp.store.store import Store
from tests.conftest import MANAGER, PASSPHRASE

KILLS = 20

# The writer: unlocks, then commits one woman and her audit entry per transaction forever,
# printing each id only after its commit (and the key file's new audit head) is on disk.
WRITER = """
import sys
from pathlib import Path
from caseapp.models import Woman
from caseapp.services import audit
from caseapp.services.session import unlock

ctx = unlock(Path(sys.argv[1]), sys.argv[2], sys.argv[3]).ctx
n = int(sys.argv[4])
while True:
    with ctx.write() as session:
        woman = Woman(
            reference=f"CR-{n:07d}", first_name="Crash", last_name=str(n),
            safe_contact_note="call after six " * 20,
        )
        session.add(woman)
        session.flush()
        audit.record(
            session, ctx, "woman_created", subject_id=woman.id, subject_ref=woman.reference,
            fields=["first_name", "last_name"],
        )
    print(woman.id, flush=True)
    n += 1
"""


def _run_and_kill(path: Path, start: int, after: int) -> list[int]:
    """Start a writer, SIGKILL it once `after` commits are reported; return every reported id."""
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), MANAGER, PASSPHRASE, str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    committed: list[int] = []
    while len(committed) < after:
        line = child.stdout.readline()
        if not line:
            break
        committed.append(int(line))
    # The writer is mid-way through its next transaction, key-file write or print: wherever
    # the parent's read happened to leave it.
    os.kill(child.pid, signal.SIGKILL)
    committed.extend(int(line) for line in child.stdout.read().split())
    child.wait()
    assert child.returncode == -signal.SIGKILL
    return committed


@pytest.mark.slow
def test_case20_kill_9_during_writes_keeps_every_commit(
    new_store: Callable[[], Store], store_path: Path
) -> None:
    new_store().close()
    rng = random.Random(20)
    committed: list[int] = []
    for round_no in range(KILLS):
        # Now and then kill it before its first commit (during unlock or migration).
        after = 0 if round_no % 7 == 3 else rng.randint(1, 40)
        committed += _run_and_kill(store_path, 100_000 * (round_no + 1), after)

        ctx = unlock(store_path, MANAGER, PASSPHRASE).ctx  # the store opens after every kill
        try:
            assert audit.verify_chain(ctx.store).ok
            with ctx.read() as session:
                present = set(session.exec(select(col(Woman.id))).all())
                audited = set(
                    session.exec(
                        select(col(AuditEvent.subject_id)).where(
                            col(AuditEvent.action) == "woman_created"
                        )
                    ).all()
                )
            missing = [i for i in committed if i not in present or i not in audited]
            assert not missing, f"round {round_no}: committed but lost: {missing[:5]}"
            assert present <= audited  # no change without its audit entry, either way round
        finally:
            lock(ctx)

    assert len(committed) > KILLS
    report = maintenance.verify(store_path, MANAGER, PASSPHRASE)
    assert report.ok, report.lines
