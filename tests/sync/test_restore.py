"""A hub restored from an old copy: its new work is not taken for changes the centre holds."""

from __future__ import annotations

import shutil
from pathlib import Path

from caseapp.services import contacts
from caseapp.services.context import Actor, Ctx
from caseapp.store.store import open_store
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import PASSPHRASE, centre, enrol_hub, local_id, sync


def _count(ctx: Ctx) -> int:
    return len(contacts.list_contacts(ctx, local_id(ctx, "MIN-2026-00001")))


def test_restored_hub_catches_up(tmp_path: Path) -> None:
    mgr, kw = centre(tmp_path)
    add_woman(kw, "Jane", "Smith")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    folder = tmp_path / "usb"
    path = hub.store.path
    hub.store.close()
    saved = tmp_path / "saved"
    saved.mkdir()
    for part in path.parent.iterdir():
        shutil.copy2(part, saved / part.name)

    hub = Ctx(open_store(path, "kw", PASSPHRASE).store, hub.actor)
    for _ in range(3):
        contacts.log_contact(hub, local_id(hub, "MIN-2026-00001"))
    sync(hub, folder)
    sync(mgr, folder)
    assert _count(mgr) == 3
    hub.store.close()

    for part in saved.iterdir():  # the laptop's disk is restored from the old copy
        shutil.copy2(part, path.parent / part.name)
    opened = open_store(path, "kw", PASSPHRASE, accept_older=True)
    hub = Ctx(opened.store, Actor(hub.actor.user_id, "kw", "keyworker", "kw"))
    assert _count(hub) == 0
    contacts.log_contact(hub, local_id(hub, "MIN-2026-00001"))  # new work before any exchange
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    assert _count(mgr) == 4  # nothing done on either side is lost at the centre
