"""Crash battery for the change of data key: `kill -9` at random moments while a manager
changes the key again and again. After every kill both users still unlock (with the old key
or the new one, never neither), the store verifies, and no half-made key file is left.
CASEAPP_CRASH_SEED replays a run."""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from caseapp import paths
from caseapp.services import users
from caseapp.services.context import Actor, Ctx
from caseapp.services.session import lock, unlock
from caseapp.store.keyslots import FAST_KDF, KeyFile
from caseapp.store.store import Store
from tests.battery.test_crash_battery import run_and_kill, seed, temp_files, verified
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.store import fill

pytestmark = pytest.mark.slow

KILLS = 20
PRELOAD = ["caseapp.services.users", "caseapp.services.session", __name__]


def rekey_child(path: str, env: dict[str, str], out: Connection) -> None:
    """Unlock as the manager and change the key forever, reporting each change."""
    os.environ.update(env)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    ctx = unlock(Path(path), MANAGER, PASSPHRASE).ctx
    out.send(("ready", 0))
    n = 0
    while True:
        users.rekey(ctx)
        n += 1
        out.send(("rekeyed", n))


@pytest.fixture(scope="module")
def forkserver() -> Any:
    """Children fork from a server that has imported caseapp already."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def test_kill_during_rekey_always_leaves_a_working_key(
    forkserver: Any, new_store: Callable[[], Store], store_path: Path, tmp_path: Path
) -> None:
    store = new_store()
    fill(store, 3000)
    users.add_user(
        Ctx(store, Actor(1, MANAGER, "manager")), "kim", "keyworker", PASSPHRASE, kdf=FAST_KDF
    )
    store.close()
    env = {k: os.environ[k] for k in ("XDG_STATE_HOME", "CASEAPP_LOG_DIR", "HOME")}
    run_seed = seed()
    rng = random.Random(run_seed)
    rekeys = 0
    cut_short = 0
    for kill in range(KILLS):
        run = run_and_kill(forkserver, rekey_child, (str(store_path), env), rng.uniform(0.0, 1.0))
        assert run.killed, f"seed {run_seed}, kill {kill}"
        rekeys += len(run.values("rekeyed"))
        # A kill between the rekey's commit and the key file's last save leaves both sets.
        cut_short += KeyFile.load(paths.key_file_path(store_path)).next is not None
        for who in ("kim", MANAGER):
            lock(unlock(store_path, who, PASSPHRASE).ctx)
        verified(store_path, MANAGER, PASSPHRASE, run_seed)
    # A change of key takes a few tenths of a second here, so most kills land inside one.
    assert rekeys >= KILLS // 2, f"seed {run_seed}: the kills should land among many changes"
    assert KeyFile.load(paths.key_file_path(store_path)).next is None
    assert temp_files(store_path.parent) == []
    print(f"seed {run_seed}: {rekeys} rekeys, {cut_short} kills between rekey and key file")
