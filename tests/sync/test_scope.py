"""A hub holds only its people's women: one who enters the scope arrives whole, one who leaves
it is removed at the next exchange, and the hub's unsent work on her still reaches the centre."""

from __future__ import annotations

from pathlib import Path

from caseapp.services import allocation, contacts, users
from caseapp.services.context import Actor, Ctx
from caseapp.services.women import open_woman
from caseapp.store.keyslots import FAST_KDF
from caseapp.sync import review
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import PASSPHRASE, centre, enrol_hub, local_id, sync


def _refs(ctx: Ctx) -> set[str]:
    with ctx.read() as session:
        rows = session.connection().exec_driver_sql("SELECT reference FROM woman")
        return {str(r[0]) for r in rows}


def _contacts(ctx: Ctx, reference: str) -> int:
    return len(contacts.list_contacts(ctx, local_id(ctx, reference)))


def test_scope_entry_and_exit(tmp_path: Path) -> None:
    mgr, kw = centre(tmp_path)
    other = users.add_user(mgr, "kw2", "keyworker", PASSPHRASE, kdf=FAST_KDF)
    assert other.id is not None
    kw2 = Ctx(mgr.store, Actor(other.id, "kw2", "keyworker", "kw2"))
    ours = add_woman(kw, "Ours", "Smith")
    theirs = add_woman(kw2, "Theirs", "Jones", born="03/04/1985")
    contacts.log_contact(kw2, theirs.id)
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    folder = tmp_path / "usb"
    assert _refs(hub) == {ours.reference}

    # Work on a woman outside the scope never reaches the hub, nor waits for it.
    contacts.log_contact(kw2, theirs.id)
    assert [p.waiting for p in review.status(mgr).peers] == [0]
    contacts.log_contact(kw, ours.id)
    assert [p.waiting for p in review.status(mgr).peers] == [2]  # her contact, her status
    sync(mgr, folder)
    sync(hub, folder)
    assert _refs(hub) == {ours.reference}

    # The hub logs a contact with "ours" while the centre reallocates her away and "theirs" in.
    contacts.log_contact(hub, local_id(hub, ours.reference))
    allocation.allocate(mgr, ours.id, other.id)
    allocation.allocate(mgr, theirs.id, kw.actor.user_id)
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    assert _refs(hub) == {theirs.reference}
    assert _contacts(hub, theirs.reference) == 2  # her whole record came with her
    assert _contacts(mgr, ours.reference) == 2  # the hub's work on "ours" was not lost
    assert open_woman(hub, local_id(hub, theirs.reference)).woman.keyworker_id == (
        hub.actor.user_id
    )

    # Edits on the newcomer travel back like any other.
    contacts.log_contact(hub, local_id(hub, theirs.reference))
    sync(hub, folder)
    sync(mgr, folder)
    assert _contacts(mgr, theirs.reference) == 3
