"""A row identified by its columns, removed and made again, is made again everywhere.

A share or a register line takes a uid derived from its key, so the row made again has the
uid of the one removed: its re-creation is later than the removal and revives it on every
store (a removal only suppresses what is older than it). Removal and re-creation on different
stores, unseen by each other, end the same way everywhere: the later of the two wins.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from caseapp.services import allocation, erasure, group_register, groups
from caseapp.services.context import Ctx
from tests.sync.kit import contents, local_id
from tests.sync.test_prune import Three


def _lines(world: Three) -> dict[str, int]:
    """How many register lines and shares each store holds."""
    out = {}
    for side, ctx in world.stores.items():
        held = contents(ctx.store)
        out[side] = len(held["groupattendance"]) * 100 + len(held["womanshare"])
    return out


def _session(world: Three) -> tuple[int, int]:
    """A session run by north's keyworker with the shared woman on its register, everywhere."""
    sid = groups.create_session(
        world.mgr,
        title="Art",
        date=date(2026, 1, 5),
        facilitator_id=world.north_person,
        copy_previous=False,
    ).session.id
    assert sid is not None
    group_register.add_to_register(world.mgr, sid, [local_id(world.mgr, world.shared)])
    world.settle()
    return sid, local_id(world.mgr, world.shared)


def _north_session(world: Three, sid: int) -> int:
    with world.stores["north"].read() as session:
        row = session.connection().exec_driver_sql(
            "SELECT id FROM groupsession WHERE reference = "
            "(SELECT reference FROM groupsession WHERE id = ?)",
            (sid,),
        )
        found = row.first()
    assert found is not None
    return int(found[0])


def test_share_ended_and_made_again_between_exchanges(tmp_path: Path) -> None:
    world = Three(tmp_path)
    world.settle()
    wid, kw2 = local_id(world.mgr, world.shared), _kw2(world.mgr)
    before = _lines(world)
    allocation.unshare_woman(world.mgr, wid, kw2)
    allocation.share_woman(world.mgr, wid, kw2)
    world.settle()
    world.check({})
    assert _lines(world) == before
    world.close()


def test_register_line_removed_and_added_again(tmp_path: Path) -> None:
    world = Three(tmp_path)
    sid, wid = _session(world)
    before = _lines(world)
    group_register.remove_from_register(world.mgr, sid, wid)
    group_register.add_to_register(world.mgr, sid, [wid])
    world.settle()
    world.check({})
    assert _lines(world) == before
    world.close()


def test_removed_on_one_store_made_again_later_on_another(tmp_path: Path) -> None:
    """The centre removes the line; north, unseen, removes it and adds it again later: the
    later re-creation wins everywhere."""
    world = Three(tmp_path)
    sid, wid = _session(world)
    before = _lines(world)
    group_register.remove_from_register(world.mgr, sid, wid)
    north = world.stores["north"]
    nsid, nwid = _north_session(world, sid), local_id(north, world.shared)
    group_register.remove_from_register(north, nsid, nwid)
    group_register.add_to_register(north, nsid, [nwid])
    world.sync("south", "north", "centre", "south", "north")
    world.settle()
    world.check({})
    assert _lines(world) == before
    world.close()


def test_made_again_on_one_store_removed_later_on_another(tmp_path: Path) -> None:
    """North removes the line and adds it again; the centre, unseen, removes it later: the
    later removal wins everywhere."""
    world = Three(tmp_path)
    sid, wid = _session(world)
    before = _lines(world)
    north = world.stores["north"]
    nsid, nwid = _north_session(world, sid), local_id(north, world.shared)
    group_register.remove_from_register(north, nsid, nwid)
    group_register.add_to_register(north, nsid, [nwid])
    group_register.remove_from_register(world.mgr, sid, wid)
    world.sync("centre", "south", "north", "centre")
    world.settle()
    world.check({})
    after = _lines(world)
    assert all(after[s] == before[s] - 100 for s in after), (before, after)
    world.close()


def test_erased_woman_with_a_share_made_again_stays_erased(tmp_path: Path) -> None:
    """Her share removed and made again on a hub while the centre erases her: she stays gone."""
    world = Three(tmp_path)
    world.settle()
    north = world.stores["north"]
    nwid, kw2 = local_id(north, world.shared), _kw2(north)
    erasure.erase(world.mgr, world.shared, confirmation=world.shared)
    allocation.unshare_woman(north, nwid, kw2)
    allocation.share_woman(north, nwid, kw2)
    world.settle()
    for side, ctx in world.stores.items():
        held = contents(ctx.store)
        assert world.shared not in {w["reference"] for w in held["woman"].values()}, side
        assert not held["womanshare"], side
    world.close()


def _kw2(ctx: Ctx) -> int:
    with ctx.read() as session:
        row = session.connection().exec_driver_sql("SELECT id FROM app_user WHERE username = 'kw2'")
        return int(row.one()[0])
