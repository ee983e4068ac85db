"""A PostgreSQL centre: enrol a hub, join it on a SQLCipher store, exchange both ways.

The centre is the test's PostgreSQL database (the manager and a keyworker each sign in with
their own login); the hub is a SQLCipher store in tmp_path. Everything a person does goes
through `caseapp ...` (`main`) where the command line has the verb, as tests/sync does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from caseapp.cli.main import main
from caseapp.models import Woman
from caseapp.services import audit
from caseapp.services.context import Actor, Ctx
from caseapp.store.store import Store
from caseapp.sync.db import run, wire_values
from caseapp.sync.rows import row_uid, to_wire
from caseapp.sync.schema import SPECS, columns
from tests.conftest import MANAGER
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.pg.conftest import PASSWORD, PgServer

KEYWORKER = "kw_sync"


def set_phone(ctx: Ctx, reference: str, phone: str) -> None:
    """Change her phone through an audited unit of work, as an edit screen does."""
    with ctx.write() as session:
        woman_id = int(
            run(
                session.connection(), "SELECT id FROM woman WHERE reference = ?", (reference,)
            ).one()[0]
        )
        woman = session.get(Woman, woman_id)
        assert woman is not None
        woman.phone = phone
        session.add(woman)
        audit.record(session, ctx, "woman_changed", subject_id=woman_id, fields=["phone"])


def phone(ctx: Ctx, reference: str) -> str:
    """Her phone on `ctx`'s store."""
    with ctx.read() as session:
        row = run(
            session.connection(), "SELECT phone FROM woman WHERE reference = ?", (reference,)
        ).one()
    return str(row[0])


def ctx_on(store: Store, name: str) -> Ctx:
    """A context acting as `name` on a SQLCipher store."""
    with store.read() as session:
        row = run(
            session.connection(),
            "SELECT id, role, display_name FROM app_user WHERE username = ?",
            (name,),
        ).one()
    return Ctx(store, Actor(int(row[0]), name, str(row[1]), str(row[2])))


def contents(store: Store) -> dict[str, dict[str, Any]]:
    """Every synced row by uid as wire values (local ids left out), on either kind of store."""
    out: dict[str, dict[str, Any]] = {}
    with store.read() as session:
        conn = session.connection()
        for spec in SPECS:
            cols = columns(conn, spec.name)
            select = "0" if spec.natural else "rowid"  # PostgreSQL: the id
            rows: dict[str, Any] = {}
            for raw in run(conn, f'SELECT {select}, * FROM "{spec.name}"').fetchall():
                values = wire_values(conn, spec.name, dict(zip(cols, raw[1:], strict=True)))
                wire = to_wire(conn, spec, values)
                uid = row_uid(conn, spec, int(raw[0]), wire)
                assert uid is not None, f"{spec.name} row without uid"
                rows[uid] = wire
            out[spec.name] = rows
    return out


def enrolled_hub(mgr: Ctx, tmp_path: Path) -> tuple[Store, Ctx, Path]:
    """A keyworker's hub enrolled from the centre: its store, her context there, and an empty
    folder to carry bundles."""
    from caseapp.store.keyslots import FAST_KDF
    from caseapp.sync import pack

    blob, code, _hub = pack.enrol(mgr, [KEYWORKER], code="TEST-CODE-AAAA-BBBB", kdf=FAST_KDF)
    hub_store, _recovery, _counts = pack.join(
        blob, code, tmp_path / "hub" / "h.db", lambda _n: PASSWORD, kdf=FAST_KDF
    )
    usb = tmp_path / "usb"
    usb.mkdir()
    return hub_store, ctx_on(hub_store, KEYWORKER), usb


def id_on(ctx: Ctx, reference: str) -> int:
    """Her row id on the store `ctx` works on (ids differ between stores; references do not)."""
    with ctx.read() as session:
        found = run(session.connection(), "SELECT id FROM woman WHERE reference = ?", (reference,))
        return int(found.one()[0])


@pytest.fixture
def centre(store: Store, make_user: Callable[..., Ctx]) -> Iterator[tuple[Ctx, Ctx]]:
    """The PostgreSQL centre: its manager `mgr` and a keyworker, each her own login."""
    mgr = Ctx(store, Actor(1, MANAGER, "manager", "Maria Manager"))
    yield mgr, make_user(KEYWORKER)


def cli(*args: str) -> int:
    """`caseapp ARGS...`."""
    return main(list(args))


def test_a_hub_and_a_postgresql_centre_exchange_both_ways(
    centre: tuple[Ctx, Ctx],
    pg_server: PgServer,
    pg_db: str,
    pg_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mgr, kw = centre
    url = pg_server.url(pg_db)
    jane = add_woman(kw, "Jane", "Smith").reference
    hub_path, out, usb = tmp_path / "hub" / "h.db", tmp_path / "pack.caseapp", tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSWORD)
    monkeypatch.setenv("CASEAPP_NEW_PASSPHRASE", PASSWORD)
    monkeypatch.setenv("CASEAPP_ENROL_CODE", "ABCD-EFGH-JKLM-NPQR-STUV")

    assert cli("--store", url, "sync", "enrol", "--as", MANAGER, "--user", KEYWORKER,
               "--out", str(out)) == 0  # fmt: skip
    assert cli("sync", "join", str(out), "--store", str(hub_path)) == 0
    assert "holding 1 women" in capsys.readouterr().out

    # Both sides change her phone before they meet (a conflict); the hub also logs a contact
    # and the centre's keyworker, through her own login, adds a second woman.
    from caseapp.services import contacts
    from caseapp.store.store import open_store

    hub_store = open_store(hub_path, KEYWORKER, PASSWORD).store
    hub = ctx_on(hub_store, KEYWORKER)
    set_phone(hub, jane, "07700 900001")
    with hub.read() as session:
        hub_jane = int(
            run(session.connection(), "SELECT id FROM woman WHERE reference = ?", (jane,)).one()[0]
        )
    contacts.log_contact(hub, hub_jane)
    hub_store.close()
    set_phone(kw, jane, "07700 900002")
    rose = add_woman(kw, "Rose", "Ayres").reference

    monkeypatch.setenv("CASEAPP_USER", KEYWORKER)
    assert cli("--store", str(hub_path), "sync", str(usb)) == 0
    monkeypatch.setenv("CASEAPP_USER", MANAGER)
    assert cli("--store", url, "sync", str(usb)) == 0
    printed = capsys.readouterr().out
    assert "applied:" in printed and "sent:" in printed and "open conflicts: 1" in printed
    monkeypatch.setenv("CASEAPP_USER", KEYWORKER)
    assert cli("--store", str(hub_path), "sync", str(usb)) == 0
    assert "open conflicts: 1" in capsys.readouterr().out

    # The hub's contact is at the centre; the centre's new woman is on the hub.
    with pg_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM engagement").scalar_one() == 1
        # The keyworker's edit was stamped under her name, though her login cannot read the log.
        authors = {
            str(r[0])
            for r in conn.exec_driver_sql(
                "SELECT username FROM sync_change WHERE tbl = 'woman' AND op = 'U'"
            )
        }
        assert KEYWORKER in authors
    hub_store = open_store(hub_path, KEYWORKER, PASSWORD).store
    hub = ctx_on(hub_store, KEYWORKER)
    assert phone(hub, rose) == ""
    assert phone(hub, jane) == phone(kw, jane)
    hub_store.close()

    monkeypatch.setenv("CASEAPP_USER", MANAGER)
    assert cli("--store", url, "sync", "status", "--json") == 0
    state = json.loads(capsys.readouterr().out)
    assert state["role"] == "centre" and state["open_conflicts"] == 1
    assert [p["role"] for p in state["peers"]] == ["hub"] and state["peers"][0]["last_received"]

    # The conflict as the centre's manager sees it, resolved there, and closed on the hub.
    assert cli("--store", url, "sync", "conflicts", "--json") == 0
    [conflict] = json.loads(capsys.readouterr().out)
    assert conflict["field"] == "phone" and conflict["reference"] == jane
    assert {s["value"] for s in conflict["sides"]} == {"07700 900001", "07700 900002"}
    assert {s["user"] for s in conflict["sides"]} == {KEYWORKER}
    keep = 1 + [s["value"] for s in conflict["sides"]].index("07700 900001")
    assert cli("--store", url, "sync", "resolve", str(conflict["id"]), "--keep", str(keep)) == 0
    assert cli("--store", url, "sync", str(usb)) == 0
    assert "open conflicts: 0" in capsys.readouterr().out
    monkeypatch.setenv("CASEAPP_USER", KEYWORKER)
    assert cli("--store", str(hub_path), "sync", str(usb)) == 0
    assert "open conflicts: 0" in capsys.readouterr().out
    hub_store = open_store(hub_path, KEYWORKER, PASSWORD).store
    assert phone(ctx_on(hub_store, KEYWORKER), jane) == "07700 900001"
    # Both stores hold the same records, value for value (local ids aside).
    assert contents(hub_store) == contents(mgr.store)
    hub_store.close()
    assert phone(kw, jane) == "07700 900001"

    # The server's audit chain still verifies after every apply, and the hub's copy is whole.
    with pg_engine.connect() as conn:
        checked, first_bad = conn.exec_driver_sql("SELECT * FROM caseapp_audit_verify()").one()
        actions = {
            str(r[0]) for r in conn.exec_driver_sql("SELECT DISTINCT action FROM auditevent")
        }
    assert first_bad is None and checked > 0
    assert {"sync_enrolled", "sync_applied", "sync_sent", "sync_conflict_resolved"} <= actions
    monkeypatch.setenv("CASEAPP_USER", MANAGER)
    assert cli("--store", url, "verify") == 0
    assert "audit copy of" in capsys.readouterr().out


def test_rows_with_natural_keys_travel_both_ways_and_conflict(
    centre: tuple[Ctx, Ctx], pg_engine: Engine, tmp_path: Path
) -> None:
    from caseapp.services import allocation, group_register, groups
    from caseapp.sync import exchange

    mgr, kw = centre
    jane = add_woman(kw, "Jane", "Smith")
    hub_store, hub, usb = enrolled_hub(mgr, tmp_path)
    hub_jane = id_on(hub, jane.reference)
    # The hub holds a group with Jane on its register and shares her with the manager.
    made = groups.create_session(hub, title="Healthy relationships", date="today")
    group_register.add_to_register(hub, made.session.id, [hub_jane])
    allocation.share_woman(hub, hub_jane, ctx_on(hub_store, MANAGER).actor.user_id)
    exchange.exchange(hub, usb)
    exchange.exchange(mgr, usb)
    with pg_engine.connect() as conn:
        session_id = int(conn.exec_driver_sql("SELECT id FROM groupsession").scalar_one())
        assert conn.exec_driver_sql("SELECT count(*) FROM womanshare").scalar_one() == 1
        assert conn.exec_driver_sql("SELECT attendance FROM groupattendance").scalar_one() == (
            "attended"
        )
    # Both mark her on the register differently; the centre ends the share.
    group_register.mark_register(hub, made.session.id, {hub_jane: "late"})
    group_register.mark_register(mgr, session_id, {jane.id: "did_not_attend"})
    allocation.unshare_woman(mgr, jane.id, 1)
    for ctx in (hub, mgr, hub):
        exchange.exchange(ctx, usb)

    assert contents(hub_store) == contents(mgr.store)
    with pg_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM womanshare").scalar_one() == 0
        [(table, field, sides)] = conn.exec_driver_sql(
            "SELECT tbl, field, sides FROM sync_conflict WHERE status = 'open'"
        ).all()
    assert (table, field) == ("groupattendance", "attendance")
    assert {s["value"] for s in json.loads(sides)} == {"late", "did_not_attend"}
    with hub_store.read() as session:
        open_on_hub = run(
            session.connection(), "SELECT tbl, field FROM sync_conflict WHERE status = 'open'"
        ).all()
    assert [tuple(r) for r in open_on_hub] == [("groupattendance", "attendance")]
    hub_store.close()


def test_rows_with_natural_keys_removed_and_made_again_on_a_postgresql_centre(
    centre: tuple[Ctx, Ctx], pg_engine: Engine, tmp_path: Path
) -> None:
    """A register line and a share removed and made again between exchanges (on the centre,
    then on the hub) are held by both sides: the re-creation revives the removed row."""
    from caseapp.services import allocation, group_register, groups
    from caseapp.sync import exchange

    mgr, kw = centre
    jane = add_woman(kw, "Jane", "Smith")
    hub_store, hub, usb = enrolled_hub(mgr, tmp_path)
    hub_jane = id_on(hub, jane.reference)
    made = groups.create_session(hub, title="Healthy relationships", date="today")
    group_register.add_to_register(hub, made.session.id, [hub_jane])
    manager_on_hub = ctx_on(hub_store, MANAGER).actor.user_id
    allocation.share_woman(hub, hub_jane, manager_on_hub)
    for ctx in (hub, mgr, hub):
        exchange.exchange(ctx, usb)
    with pg_engine.connect() as conn:
        session_id = int(conn.exec_driver_sql("SELECT id FROM groupsession").scalar_one())
    group_register.remove_from_register(mgr, session_id, jane.id)
    group_register.add_to_register(mgr, session_id, [jane.id], attendance="late")
    allocation.unshare_woman(mgr, jane.id, 1)
    allocation.share_woman(mgr, jane.id, 1)
    for ctx in (mgr, hub, mgr):
        exchange.exchange(ctx, usb)
    group_register.remove_from_register(hub, made.session.id, hub_jane)
    group_register.add_to_register(hub, made.session.id, [hub_jane])
    allocation.unshare_woman(hub, hub_jane, manager_on_hub)
    allocation.share_woman(hub, hub_jane, manager_on_hub)
    for ctx in (hub, mgr, hub):
        exchange.exchange(ctx, usb)

    assert contents(hub_store) == contents(mgr.store)
    with pg_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM womanshare").scalar_one() == 1
        assert conn.exec_driver_sql("SELECT attendance FROM groupattendance").scalar_one() == (
            "attended"
        )
    hub_store.close()
