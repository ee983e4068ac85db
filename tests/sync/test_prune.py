"""Pruning the change log: bounded over many exchanges, nothing lost, erasures kept, joins whole.

The centre and two hubs (overlapping scopes, hubs meeting through the centre) exchange month
after month; entries every peer holds go once a month old. The log stays the size of one
month's work, the stores still hold the same records and conflicts, a hub restored from an
old copy is named as behind, an erased woman's values are nowhere in the sync tables, and a
hub enrolled after pruning starts from a whole snapshot.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from caseapp.cli.main import main
from caseapp.services import allocation, audit, contacts, erasure, users
from caseapp.services.context import Actor, Ctx
from caseapp.services.women import open_woman
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import open_store
from caseapp.sync import capture, desk, exchange, prune, review
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import PASSPHRASE, centre, contents, enrol_hub, local_id, open_conflicts, sync
from tests.sync.test_three_stores import _edit, _refs, _restricted

MONTH = 31 * 86_400.0


class Three:
    """The centre and two hubs: north holds kw's women, south kw2's, both the shared one."""

    def __init__(self, root: Path) -> None:
        mgr, kw1 = centre(root)
        made = users.add_user(mgr, "kw2", "keyworker", PASSPHRASE, kdf=FAST_KDF)
        assert made.id is not None
        kw2 = Ctx(mgr.store, Actor(made.id, "kw2", "keyworker", "kw2"))
        own1 = [add_woman(kw1, f"One{i}", "Smith", born=f"0{i + 1}/01/1990") for i in range(2)]
        own2 = [add_woman(kw2, f"Two{i}", "Jones", born=f"0{i + 1}/02/1991") for i in range(2)]
        shared = add_woman(kw1, "Both", "Khan", born="05/05/1985")
        allocation.share_woman(kw1, shared.id, made.id)
        self.root = root
        self.mgr = mgr
        self.north_person = kw1.actor.user_id  # north holds her caseload and shares
        self.stores = {
            "centre": mgr,
            "north": enrol_hub(mgr, root, ["kw"], label="north")["kw"],
            "south": enrol_hub(mgr, root, ["kw2"], label="south")["kw2"],
        }
        self.shared = shared.reference
        self.scope = {
            "centre": [w.reference for w in (*own1, *own2, shared)],
            "north": [w.reference for w in (*own1, shared)],
            "south": [w.reference for w in (*own2, shared)],
        }
        self.folder = root / "share"

    def sync(self, *sides: str) -> None:
        for side in sides:
            sync(self.stores[side], self.folder)

    def settle(self) -> None:
        """Exchange until every store holds everything and knows the others do."""
        self.sync("north", "south", "centre", "north", "south", "centre", "north", "south")

    def uids(self) -> dict[str, str]:
        with self.mgr.read() as session:
            conn = session.connection()
            return {
                ref: str(
                    conn.exec_driver_sql(
                        "SELECT uid FROM sync_row WHERE tbl = 'woman' AND local_id = ?",
                        (local_id(self.mgr, ref),),
                    ).one()[0]
                )
                for ref in self.scope["centre"]
            }

    def check(self, written: dict[tuple[str, str], dict[str, str]]) -> set[Any]:
        """Each hub holds its scope as the centre does; the same conflicts; nothing lost."""
        full = contents(self.mgr.store)
        uid = self.uids()
        every = open_conflicts(self.mgr.store)
        for side in ("north", "south"):
            held = {uid[r] for r in self.scope[side]}
            assert _refs(self.stores[side]) == set(self.scope[side]), side
            assert contents(self.stores[side].store) == _restricted(full, held), side
            assert open_conflicts(self.stores[side].store) == {c for c in every if c[1] in held}
        for (ref, name), by_side in written.items():
            current = getattr(open_woman(self.mgr, local_id(self.mgr, ref)).woman, name)
            kept = {
                str(s["value"])
                for c in every
                if c[1] == uid[ref] and c[2] == name
                for s in json.loads(c[3])
            }
            for value in by_side.values():
                assert value == current or value in kept, (ref, name, value)
            if len(set(by_side.values())) > 1:  # written on two stores unseen: one conflict
                assert len([c for c in every if c[1] == uid[ref] and c[2] == name]) == 1
        for ctx in self.stores.values():
            assert audit.verify_chain(ctx.store).ok
        return every

    def close(self) -> None:
        for ctx in self.stores.values():
            ctx.store.close()


def _log(ctx: Ctx) -> tuple[int, int]:
    with ctx.read() as session:
        size = prune.measure(session.connection())
    return size.entries, size.size


def _actions(ctx: Ctx) -> list[str]:
    with ctx.read() as session:
        rows = session.connection().exec_driver_sql("SELECT action FROM auditevent ORDER BY seq")
        return [str(r[0]) for r in rows]


@pytest.fixture
def month(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Sync's clock, moved on by hand (a month per round)."""
    day = [1_790_000_000.0]
    monkeypatch.setattr(capture, "clock", [lambda: day[0]])
    return day


ROUNDS = 4


def test_log_stays_bounded_over_rounds(tmp_path: Path, month: list[float]) -> None:
    world = Three(tmp_path)
    counts: dict[str, list[int]] = {side: [] for side in world.stores}
    made = 0
    counter = 0
    for _round in range(ROUNDS):
        month[0] += MONTH
        written: dict[tuple[str, str], dict[str, str]] = {}
        for side in ("north", "south"):  # the shared woman's phone on both hubs: a conflict
            counter += 1
            _edit(world.stores[side], world.shared, "phone", f"07{counter:06d}")
            written.setdefault((world.shared, "phone"), {})[side] = f"07{counter:06d}"
        for side, ctx in world.stores.items():
            for ref in world.scope[side][:2]:
                counter += 1
                _edit(ctx, ref, "safe_contact_note", f"note {counter}")
                written.setdefault((ref, "safe_contact_note"), {})[side] = f"note {counter}"
                contacts.log_contact(ctx, local_id(ctx, ref))
                made += 3  # an edit, a contact and its engagement row
        made += 2
        world.settle()
        world.check(written)
        for side, ctx in world.stores.items():
            counts[side].append(_log(ctx)[0])
    size = {side: _log(ctx) for side, ctx in world.stores.items()}
    print(f"log after {ROUNDS} rounds (entries, bytes): {size}; per round: {counts}")
    for side, seen in counts.items():
        # One month's work, whatever the number of months: older entries every peer holds go.
        assert seen[-1] <= seen[0] + 2, (side, seen)
        assert seen[-1] < made / 2, (side, seen, made)
    assert "sync_pruned" in _actions(world.mgr)
    world.close()


def test_young_entries_stay_until_a_month_old(
    tmp_path: Path,
    month: list[float],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    mgr, kw = centre(tmp_path)
    add_woman(kw, "Jane", "Smith")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    contacts.log_contact(hub, local_id(hub, "MIN-2026-00001"))
    folder = tmp_path / "usb"
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    before = review.status(mgr).log
    assert before is not None and before.entries >= 2 and before.prunable == 0
    month[0] += MONTH
    centre_path = mgr.store.path
    mgr.store.close()
    rc = main(["sync", "status", "--store", str(centre_path), "--user", "mgr"])
    out = capsys.readouterr().out
    assert rc == 0 and f"change log: {before.entries} entries" in out
    assert f"{before.entries} every peer holds, old enough to prune" in out
    rc = main(["sync", "prune", "--store", str(centre_path), "--user", "mgr"])
    out = capsys.readouterr().out
    assert rc == 0 and f"pruned: {before.entries} change(s)" in out
    assert "change log: 0 entries" in out
    opened = open_store(centre_path, "mgr", PASSPHRASE).store
    mgr = Ctx(opened, mgr.actor)
    assert "sync_pruned" in _actions(mgr)
    # Nothing is sent again, and the records are the same on both.
    for _ in range(2):
        sync(hub, folder)
        assert sync(mgr, folder).sent[0][1] == 0
    assert contents(mgr.store) == contents(hub.store)


def test_hub_restored_from_before_the_floor_is_named_behind(
    tmp_path: Path, month: list[float]
) -> None:
    mgr, kw = centre(tmp_path)
    add_woman(kw, "Jane", "Smith")
    add_woman(kw, "Ann", "Other", born="02/03/1980")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    folder = tmp_path / "usb"
    path = hub.store.path
    hub.store.close()
    saved = tmp_path / "saved"
    shutil.copytree(path.parent, saved)
    hub = Ctx(open_store(path, "kw", PASSPHRASE).store, hub.actor)
    contacts.log_contact(hub, local_id(hub, "MIN-2026-00001"))
    erasure.erase(mgr, "MIN-2026-00002", confirmation="MIN-2026-00002")
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    month[0] += MONTH
    report = sync(mgr, folder)
    assert report.pruned >= 1 and report.behind == []
    hub.store.close()
    shutil.rmtree(path.parent)
    shutil.copytree(saved, path.parent)  # the laptop's disk restored from before all that
    opened = open_store(path, "kw", PASSPHRASE, accept_older=True).store
    hub = Ctx(opened, Actor(hub.actor.user_id, "kw", "keyworker", "kw"))
    sync(hub, folder)
    desk.set_folder(mgr, str(folder))
    said = desk.sync_now(mgr)  # the app's sync now says so too
    assert [p.behind for p in review.status(mgr).peers] == [True]
    [note] = said.behind
    assert note.startswith(review.status(mgr).peers[0].name) and "enrol it again" in note
    assert note in said.summary()
    sync(hub, folder)
    # The erasure was kept in the log: the restored hub still erases her.
    assert _refs(hub) == {"MIN-2026-00001"}


def test_erased_woman_leaves_no_values_in_the_sync_tables(
    tmp_path: Path, month: list[float]
) -> None:
    world = Three(tmp_path)
    north, south = world.stores["north"], world.stores["south"]
    _edit(north, world.shared, "phone", "07111222333")
    _edit(south, world.shared, "phone", "07999888777")  # a conflict, relayed through the centre
    _edit(north, world.shared, "safe_contact_note", "ring after six")
    contacts.log_contact(south, local_id(south, world.shared))
    world.settle()
    assert any(c[2] == "phone" for c in open_conflicts(world.mgr.store))
    erasure.erase(world.mgr, world.shared, confirmation=world.shared)
    _edit(north, world.shared, "phone", "07000000001")  # unseen by the erasure: discarded
    world.settle()
    month[0] += MONTH
    world.settle()
    for side, ctx in world.stores.items():
        assert world.shared not in _refs(ctx)
        with ctx.read() as session:
            conn = session.connection()
            text = " ".join(
                str(r)
                for table in ("sync_change", "sync_field", "sync_conflict", "sync_pending")
                for r in conn.exec_driver_sql(f"SELECT * FROM {table}").fetchall()
            )
            erased = conn.exec_driver_sql("SELECT count(*) FROM sync_change WHERE op = 'E'").one()[
                0
            ]
        for value in ("07111222333", "07999888777", "07000000001", "ring after six", "Khan"):
            assert value not in text, (side, value)
        assert erased == 1, side  # the erasure itself stays, however old
    world.close()


def test_hub_enrolled_after_pruning_starts_whole(tmp_path: Path, month: list[float]) -> None:
    world = Three(tmp_path)
    written: dict[tuple[str, str], dict[str, str]] = {}
    for n, side in enumerate(("north", "south", "centre")):
        ref = world.scope[side][0]
        _edit(world.stores[side], ref, "safe_contact_note", f"before {n}")
        written[(ref, "safe_contact_note")] = {side: f"before {n}"}
    _edit(world.stores["north"], world.shared, "phone", "07111")
    _edit(world.stores["south"], world.shared, "phone", "07222")
    world.settle()
    month[0] += MONTH
    world.settle()
    assert _log(world.mgr)[0] == 0  # everything every peer holds has gone
    world.stores["south"].store.close()
    west = enrol_hub(world.mgr, tmp_path, ["kw2"], label="west")["kw2"]
    world.stores["south"] = west
    with west.read() as session:
        assert prune.floor(session.connection()) == {}  # the centre's floor stays its own
    with world.mgr.read() as session:
        assert prune.floor(session.connection())
    _edit(west, world.scope["south"][0], "safe_contact_note", "from west")
    written[(world.scope["south"][0], "safe_contact_note")] = {"south": "from west"}
    world.settle()
    every = world.check(written)
    assert len([c for c in every if c[2] == "phone"]) == 1
    world.close()


def _bundle(ctx: Ctx) -> bytes:
    with ctx.write() as session:
        conn = session.connection()
        me = exchange.me_of(conn)
        [peer] = exchange.peer_rows(conn)
        blob, _n, _h = exchange.make_bundle(session, me, peer)
        me.save(conn)
    return blob


def test_a_woman_left_out_while_the_hub_still_holds_her_is_removed_and_comes_back_whole(
    tmp_path: Path,
) -> None:
    mgr, kw = centre(tmp_path)
    made = users.add_user(mgr, "kw2", "keyworker", PASSPHRASE, kdf=FAST_KDF)
    assert made.id is not None
    kw2 = Ctx(mgr.store, Actor(made.id, "kw2", "keyworker", "kw2"))
    add_woman(kw, "Jane", "Smith")
    other = add_woman(kw2, "Rose", "Ayres", born="02/02/1982")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    allocation.share_woman(mgr, other.id, kw.actor.user_id)
    exchange.apply_bundle(hub, _bundle(mgr))  # she enters the hub's scope
    assert other.reference in _refs(hub)
    # Before the hub reports holding her, she leaves its scope and is edited at the centre:
    # the centre leaves the edit out, sends a later edit of someone in scope (so the hub
    # holds the centre's changes past hers), and does not know to tell the hub to remove her.
    allocation.unshare_woman(mgr, other.id, kw.actor.user_id)
    _edit(mgr, other.reference, "phone", "07700 900123")
    _edit(mgr, "MIN-2026-00001", "phone", "07700 900456")
    exchange.apply_bundle(hub, _bundle(mgr))
    assert _refs(hub) == {"MIN-2026-00001"}  # the hub removes her as the centre would have
    # She is shared again: the hub reports it does not hold her, and she is sent whole.
    allocation.share_woman(mgr, other.id, kw.actor.user_id)
    exchange.apply_bundle(mgr, _bundle(hub))
    exchange.apply_bundle(hub, _bundle(mgr))
    with hub.read() as session:
        phone = (
            session.connection()
            .exec_driver_sql("SELECT phone FROM woman WHERE reference = ?", (other.reference,))
            .scalar_one()
        )
    assert phone == "07700 900123"


def test_a_woman_entering_a_hub_after_pruning_brings_her_open_conflicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Her conflict's changes were pruned once every peer held them (north held the log
    # position, not her): sharing her with north sends her whole, conflict included.
    monkeypatch.setattr(prune, "KEEP_DAYS", 0)
    world = Three(tmp_path)
    ref = world.scope["south"][0]
    _edit(world.stores["centre"], ref, "safe_contact_note", "said at the centre")
    _edit(world.stores["south"], ref, "safe_contact_note", "said at the south hub")
    world.settle()
    world.settle()
    assert all(_log(ctx)[0] == 0 for ctx in world.stores.values())
    assert len(open_conflicts(world.mgr.store)) == 1
    allocation.share_woman(world.mgr, local_id(world.mgr, ref), world.north_person)
    world.scope["north"].append(ref)
    world.settle()
    world.check({})
    assert open_conflicts(world.stores["north"].store) == open_conflicts(world.mgr.store)
    world.close()
