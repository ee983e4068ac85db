"""Applying a bundle is one transaction: a kill -9 part-way leaves none of it, and the bundle
applies whole afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from caseapp.services import audit, contacts
from caseapp.services.context import Actor, Ctx
from caseapp.store.store import open_store
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import PASSPHRASE, centre, contents, enrol_hub, local_id
from tests.sync.test_bundles import _bundle_for, _counts

DYING_APPLY = """
import os, signal, sys
from pathlib import Path
from caseapp.services.context import Actor, Ctx
from caseapp.store.store import open_store
from caseapp.sync import exchange, merge

opened = open_store(Path(sys.argv[1]), "mgr", sys.argv[3])
ctx = Ctx(opened.store, Actor(1, "mgr", "manager", "mgr"))
real = merge.Merger._apply_one
seen = [0]

def dying(self, change):
    seen[0] += 1
    if seen[0] == 4:  # some changes are written inside the transaction by now
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, change)

merge.Merger._apply_one = dying
exchange.apply_bundle(ctx, Path(sys.argv[2]).read_bytes())
"""


def test_kill_during_apply_leaves_nothing(tmp_path: Path) -> None:
    mgr, kw = centre(tmp_path)
    add_woman(kw, "Jane", "Smith")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    jane = local_id(hub, "MIN-2026-00001")
    for _ in range(4):
        contacts.log_contact(hub, jane)
    add_woman(hub, "Ann", "Lee", born="02/03/1991")
    bundle = tmp_path / "b.casesync"
    bundle.write_bytes(_bundle_for(hub, "centre"))
    before = contents(mgr.store), _counts(mgr)
    path = mgr.store.path
    mgr.store.close()

    died = subprocess.run(
        [sys.executable, "-c", DYING_APPLY, str(path), str(bundle), PASSPHRASE],
        env=os.environ.copy(),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert died.returncode == -signal.SIGKILL, died.stderr.decode()[-2000:]

    opened = open_store(path, "mgr", PASSPHRASE)
    again = Ctx(opened.store, Actor(1, "mgr", "manager", "mgr"))
    try:
        assert (contents(again.store), _counts(again)) == before
        from caseapp.sync import exchange

        done = exchange.apply_bundle(again, bundle.read_bytes())
        assert done is not None and done[1].applied >= 6
        assert contents(again.store) == contents(hub.store)
        assert audit.verify_chain(again.store).ok
    finally:
        opened.store.close()
        hub.store.close()
