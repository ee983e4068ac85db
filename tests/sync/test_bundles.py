"""Bundles: replay and order change nothing; tampering, a wrong recipient, an unknown or revoked
signer and another schema revision are refused before anything is written; erasure wins."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from caseapp.services import audit, contacts, erasure, women
from caseapp.services.context import Ctx
from caseapp.services.women import open_woman
from caseapp.services.women_types import as_input
from caseapp.sync import exchange, review
from caseapp.sync.bundle import Header, Refused, new_keys, seal
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import centre, contents, enrol_hub, local_id, sync


def _edit(ctx: Ctx, woman_id: int, **changes: Any) -> None:
    detail = open_woman(ctx, woman_id).woman
    women.edit_woman(ctx, woman_id, replace(as_input(detail), **changes))


def _bundle_for(ctx: Ctx, peer_name: str) -> bytes:
    with ctx.write() as session:
        conn = session.connection()
        me = exchange.me_of(conn)
        peer = next(p for p in exchange.peer_rows(conn) if p[1] == peer_name)
        blob, _n, _h = exchange.make_bundle(session, me, peer)
        me.save(conn)
    return blob


def _counts(ctx: Ctx) -> tuple[int, int]:
    with ctx.read() as session:
        conn = session.connection()
        changes = conn.exec_driver_sql("SELECT count(*) FROM sync_change").one()[0]
        women_ = conn.exec_driver_sql("SELECT count(*) FROM woman").one()[0]
    return int(changes), int(women_)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Ctx, Ctx, Ctx]:
    mgr, kw = centre(tmp_path)
    add_woman(kw, "Jane", "Smith")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    return mgr, kw, hub


def test_replay_and_older_bundles_change_nothing(pair: tuple[Ctx, Ctx, Ctx]) -> None:
    mgr, _kw, hub = pair
    jane = local_id(hub, "MIN-2026-00001")
    _edit(hub, jane, phone="1")
    older = _bundle_for(hub, "centre")
    _edit(hub, jane, phone="2")
    contacts.log_contact(hub, jane)
    newer = _bundle_for(hub, "centre")
    assert exchange.apply_bundle(mgr, newer) is not None
    after = contents(mgr.store), _counts(mgr)
    assert exchange.apply_bundle(mgr, newer) is None  # the same file again
    done = exchange.apply_bundle(mgr, older)  # an older one after a newer
    assert done is not None and done[1].applied == 0
    assert (contents(mgr.store), _counts(mgr)) == after
    assert open_woman(mgr, 1).woman.phone == "2"


def test_refusals_write_nothing(pair: tuple[Ctx, Ctx, Ctx], tmp_path: Path) -> None:
    mgr, _kw, hub = pair
    _edit(hub, local_id(hub, "MIN-2026-00001"), phone="07700 900001")
    good = _bundle_for(hub, "centre")
    before = contents(mgr.store), _counts(mgr)

    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0x01
    with pytest.raises(Refused, match="signature does not match"):
        exchange.apply_bundle(mgr, bytes(flipped))

    other_hub = enrol_hub(mgr, tmp_path, ["mgr"], label="other")["mgr"]
    with pytest.raises(Refused, match="addressed to another store"):
        exchange.apply_bundle(other_hub, good)

    with mgr.read() as session:
        me = exchange.me_of(session.connection())
    _stranger_kx, stranger_sign = new_keys()
    forged = seal(
        {"sender": "f" * 32, "recipient": me.store_uid, "vv": {}, "changes": []},
        Header("f" * 32, me.store_uid, "0006_sync", "0"),
        _own_kx_public(mgr),
        stranger_sign,
    )
    with pytest.raises(Refused, match="does not know"):
        exchange.apply_bundle(mgr, forged)

    hub_sign = _sign_private(hub)
    future = seal(
        {"sender": _uid(hub), "recipient": me.store_uid, "vv": {}, "changes": []},
        Header(_uid(hub), me.store_uid, "9999_from_the_future", "0"),
        _own_kx_public(mgr),
        hub_sign,
    )
    with pytest.raises(Refused, match="schema revision 9999_from_the_future"):
        exchange.apply_bundle(mgr, future)

    assert (contents(mgr.store), _counts(mgr)) == before
    refused = [a for a in _actions(mgr) if a == "sync_refused"]
    assert len(refused) == 3

    review.revoke(mgr, "hub")
    with pytest.raises(Refused, match="revoked"):
        exchange.apply_bundle(mgr, good)
    assert (contents(mgr.store), _counts(mgr)) == before


def _actions(ctx: Ctx) -> list[str]:
    with ctx.read() as session:
        return [
            str(r[0])
            for r in session.connection().exec_driver_sql(
                "SELECT action FROM auditevent ORDER BY seq"
            )
        ]


def _uid(ctx: Ctx) -> str:
    with ctx.read() as session:
        return str(session.connection().exec_driver_sql("SELECT store_uid FROM sync_self").one()[0])


def _sign_private(ctx: Ctx) -> str:
    with ctx.read() as session:
        return str(
            session.connection().exec_driver_sql("SELECT sign_private FROM sync_self").one()[0]
        )


def _own_kx_public(ctx: Ctx) -> str:
    from caseapp.sync.bundle import public_keys

    with ctx.read() as session:
        row = (
            session.connection()
            .exec_driver_sql("SELECT kx_private, sign_private FROM sync_self")
            .one()
        )
    return public_keys(str(row[0]), str(row[1]))[0]


def test_erasure_wins_over_edits_and_late_bundles(
    pair: tuple[Ctx, Ctx, Ctx], tmp_path: Path
) -> None:
    mgr, _kw, hub = pair
    folder = tmp_path / "usb"
    jane_hub = local_id(hub, "MIN-2026-00001")
    # The hub edits her and logs contacts while the centre erases her.
    _edit(hub, jane_hub, phone="07700 900002")
    contacts.log_contact(hub, jane_hub)
    late = _bundle_for(hub, "centre")
    erasure.erase(mgr, "MIN-2026-00001", confirmation="MIN-2026-00001")
    done = exchange.apply_bundle(mgr, late)  # made before the hub heard of the erasure
    assert done is not None and done[1].dropped >= 2 and done[1].applied == 0
    assert _counts(mgr)[1] == 0

    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    assert _counts(hub)[1] == 0 and _counts(mgr)[1] == 0
    assert contents(mgr.store) == contents(hub.store)
    for ctx in (mgr, hub):
        with ctx.read() as session:
            conn = session.connection()
            leftovers = conn.exec_driver_sql(
                "SELECT count(*) FROM sync_change WHERE op != 'E' AND owner IN "
                "(SELECT uid FROM sync_tombstone)"
            ).one()[0]
            assert leftovers == 0
        assert audit.verify_chain(ctx.store).ok
    with hub.read() as session:
        detail = (
            session.connection()
            .exec_driver_sql(
                "SELECT detail FROM auditevent WHERE action = 'sync_applied' ORDER BY seq"
            )
            .fetchall()
        )
    assert any(json.loads(d[0])["discarded_edits"] >= 2 for d in detail)
    assert "sync_erasure_applied" in _actions(hub)


def test_folder_junk_is_refused_unread(
    pair: tuple[Ctx, Ctx, Ctx], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mgr, _kw, hub = pair
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "junk.casesync").write_bytes(b"not a bundle at all")
    (folder / "link.casesync").symlink_to(tmp_path / "elsewhere")
    (folder / "big.casesync").write_bytes(b"x" * 2048)
    monkeypatch.setattr(exchange, "MAX_FILE", 1024)
    report = exchange.exchange(mgr, folder)
    refused = dict(report.refused)
    assert "not a caseapp sync bundle" in refused["junk.casesync"]
    assert "not a plain file" in refused["link.casesync"]
    assert "larger than any bundle" in refused["big.casesync"]
    assert report.applied == []
    del hub
