"""Capture on a PostgreSQL store: idle until it enrols a hub, keyworkers' writes noted under
their names though their logins cannot read the sync tables, one bundle applied once when two
managers sync at the same moment."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import ProgrammingError

from caseapp.services.context import Actor, Ctx
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import Store
from caseapp.sync import exchange, pack
from caseapp.sync.db import run
from caseapp.sync.pgsync import installed
from tests.conftest import MANAGER
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.pg.conftest import PASSWORD
from tests.pg.test_sync_pg import set_phone
from tests.sync.kit import ctx_for

CODE = "TEST-CODE-AAAA-BBBB-CCCC"
# The first hub enrolled takes reference code number 1 (`sync.pack`: "H" and its number).
FIRST_HUB = "H" + "1"


def manager(store: Store) -> Ctx:
    """The test store's manager `mgr` (user 1)."""
    return Ctx(store, Actor(1, MANAGER, "manager", "Maria Manager"))


def pending(engine: Engine) -> int:
    """Rows waiting in `sync_pending` (read as the owner)."""
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM sync_pending").scalar_one())


def test_a_store_that_never_syncs_notes_nothing(
    store: Store, pg_engine: Engine, make_user: Callable[..., Ctx]
) -> None:
    kw = make_user("kw_idle")
    woman = add_woman(kw, "Jane", "Smith")
    set_phone(kw, woman.reference, "07700 900123")
    with pg_engine.connect() as conn:
        assert installed(conn)  # migration 0012 put the triggers in place
    assert pending(pg_engine) == 0


def test_a_keyworkers_write_is_captured_under_her_name_though_she_cannot_read_the_log(
    store: Store, pg_engine: Engine, make_user: Callable[..., Ctx], tmp_path: Path
) -> None:
    kw = make_user("kw_seen")
    jane = add_woman(kw, "Jane", "Smith").reference
    pack.enrol(manager(store), ["kw_seen"], code=CODE, kdf=FAST_KDF)
    set_phone(kw, jane, "07700 900456")
    # Noted by the owner's trigger; her own unit of work cannot stamp it (no grant), so it
    # waits for a manager's.
    assert pending(pg_engine) >= 1
    raw = kw.store.engine  # her own login, used with raw SQL as any other tool could
    for table in ("sync_pending", "sync_change", "sync_self", "sync_field", "sync_peer"):
        with raw.connect() as conn, pytest.raises(ProgrammingError, match="permission"):
            conn.exec_driver_sql(f"SELECT count(*) FROM {table}")
    with raw.connect() as conn, pytest.raises(ProgrammingError, match="permission"):
        conn.exec_driver_sql(
            "INSERT INTO sync_pending (tbl, rid, op, old, new) VALUES ('woman', 1, 'D', '{}', NULL)"
        )
    # The manager's next unit of work (here a sync) stamps it, under the keyworker's name.
    folder = tmp_path / "usb"
    folder.mkdir()
    exchange.exchange(manager(store), folder)
    assert pending(pg_engine) == 0
    with pg_engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT username, data FROM sync_change WHERE tbl = 'woman' AND op = 'U'"
        ).one()
    assert row[0] == "kw_seen" and "07700 900456" in row[1]


def test_two_managers_syncing_at_once_apply_a_bundle_once(
    store: Store,
    pg_engine: Engine,
    make_user: Callable[..., Ctx],
    tmp_path: Path,
) -> None:
    kw = make_user("kw_twice")
    second = make_user("mgr_second", "manager")
    jane = add_woman(kw, "Jane", "Smith").reference
    blob, _code, _hub = pack.enrol(manager(store), ["kw_twice"], code=CODE, kdf=FAST_KDF)
    hub_store, _recovery, _counts = pack.join(
        blob, CODE, tmp_path / "hub" / "h.db", lambda _n: PASSWORD, kdf=FAST_KDF
    )
    hub = ctx_for(hub_store, "kw_twice")
    set_phone(hub, jane, "07700 900789")
    folder = tmp_path / "usb"
    folder.mkdir()
    exchange.exchange(hub, folder)
    hub_store.close()
    [bundle] = list(folder.iterdir())
    data = bundle.read_bytes()

    results: list[object] = []
    start = threading.Barrier(2)

    def apply(ctx: Ctx) -> None:
        start.wait()
        results.append(exchange.apply_bundle(ctx, data, name=bundle.name))

    threads = [threading.Thread(target=apply, args=(c,)) for c in (manager(store), second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r is None for r in results) == [False, True]  # one applied, one skipped
    with pg_engine.connect() as conn:
        bundles = conn.exec_driver_sql("SELECT count(*) FROM sync_bundle").scalar_one()
        phones = conn.exec_driver_sql("SELECT phone FROM woman").scalars().all()
        checked, first_bad = conn.exec_driver_sql("SELECT * FROM caseapp_audit_verify()").one()
    assert bundles == 1 and phones == ["07700 900789"]
    assert first_bad is None and checked > 0


def test_a_keyworkers_edit_in_progress_while_a_bundle_applies_is_kept_as_a_conflict(
    store: Store,
    pg_engine: Engine,
    make_user: Callable[..., Ctx],
    tmp_path: Path,
) -> None:
    kw = make_user("kw_busy")
    jane = add_woman(kw, "Jane", "Smith").reference
    blob, _code, _hub = pack.enrol(manager(store), ["kw_busy"], code=CODE, kdf=FAST_KDF)
    hub_store, _recovery, _counts = pack.join(
        blob, CODE, tmp_path / "hub" / "h.db", lambda _n: PASSWORD, kdf=FAST_KDF
    )
    set_phone(ctx_for(hub_store, "kw_busy"), jane, "07700 900111")
    folder = tmp_path / "usb"
    folder.mkdir()
    exchange.exchange(ctx_for(hub_store, "kw_busy"), folder)
    hub_store.close()
    [bundle] = list(folder.iterdir())

    # Her edit is written but not yet committed when the manager starts applying the bundle.
    written, release = threading.Event(), threading.Event()

    def edit() -> None:
        with kw.write() as session:
            run(session.connection(), "UPDATE woman SET phone = ? WHERE reference = ?",
                ("07700 900222", jane))  # fmt: skip
            written.set()
            release.wait(30)

    def apply() -> None:
        exchange.apply_bundle(manager(store), bundle.read_bytes(), name=bundle.name)

    editor = threading.Thread(target=edit)
    editor.start()
    assert written.wait(30)
    applier = threading.Thread(target=apply)
    applier.start()
    waiting = threading.Event()
    with pg_engine.connect() as conn:
        for _ in range(1500):  # until the apply waits on a lock her transaction holds
            found = conn.exec_driver_sql("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if found.scalar_one():
                break
            conn.rollback()
            waiting.wait(0.02)
    release.set()
    editor.join()
    applier.join()

    # Neither value was dropped: both are the two sides of one open conflict at the centre.
    with pg_engine.connect() as conn:
        sides = conn.exec_driver_sql(
            "SELECT sides FROM sync_conflict WHERE status = 'open' AND field = 'phone'"
        ).scalar_one()
        shown = conn.exec_driver_sql("SELECT phone FROM woman").scalar_one()
    values = {s["value"] for s in json.loads(sides)}
    assert values == {"07700 900111", "07700 900222"}
    assert shown in values


def test_on_a_postgresql_centre_the_sync_item_is_the_managers(
    store: Store, make_user: Callable[..., Ctx], tmp_path: Path
) -> None:
    from caseapp.errors import PermissionDenied
    from caseapp.sync import desk, review

    kw = make_user("kw_item")
    jane = add_woman(kw, "Jane", "Smith").reference
    pack.enrol(manager(store), ["kw_item"], code=CODE, kdf=FAST_KDF)
    mine = desk.state(manager(store))
    assert (mine.shown, mine.syncs, mine.can_sync, mine.role) == (True, True, True, "centre")
    assert mine.peers == (FIRST_HUB,) and mine.open_conflicts == 0
    # Her login may not read the sync tables: no sync item, no marker, a plain refusal.
    hers = desk.state(kw)
    assert (hers.shown, hers.syncs, hers.can_sync) == (False, False, False)
    assert desk.conflicts_about(kw, jane) == 0
    with pytest.raises(PermissionDenied, match="managers"):
        review.status(kw)


def test_a_revoked_hubs_bundle_is_refused_by_a_postgresql_centre(
    store: Store, pg_engine: Engine, make_user: Callable[..., Ctx], tmp_path: Path
) -> None:
    from caseapp.sync import review

    make_user("kw_gone")
    blob, _code, hub_uid = pack.enrol(manager(store), ["kw_gone"], code=CODE, kdf=FAST_KDF)
    hub_store, _recovery, _counts = pack.join(
        blob, CODE, tmp_path / "hub" / "h.db", lambda _n: PASSWORD, kdf=FAST_KDF
    )
    folder = tmp_path / "usb"
    folder.mkdir()
    exchange.exchange(ctx_for(hub_store, "kw_gone"), folder)
    hub_store.close()
    assert review.revoke(manager(store), FIRST_HUB) == hub_uid
    report = exchange.exchange(manager(store), folder)
    assert len(report.refused) == 1 and not report.applied
    with pg_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sync_bundle").scalar_one() == 0
        refusals = conn.exec_driver_sql(
            "SELECT count(*) FROM auditevent WHERE action = 'sync_refused'"
        ).scalar_one()
    assert refusals == 1


def test_a_woman_erased_on_a_hub_is_erased_at_a_postgresql_centre(
    store: Store, pg_engine: Engine, make_user: Callable[..., Ctx], tmp_path: Path
) -> None:
    from caseapp.services import erasure

    kw = make_user("kw_erase")
    jane = add_woman(kw, "Jane", "Smith").reference
    blob, _code, _hub = pack.enrol(manager(store), [MANAGER, "kw_erase"], code=CODE, kdf=FAST_KDF)
    hub_store, _recovery, _counts = pack.join(
        blob, CODE, tmp_path / "hub" / "h.db", lambda _n: PASSWORD, kdf=FAST_KDF
    )
    set_phone(kw, jane, "07700 900333")  # the centre edits her meanwhile
    erasure.erase(ctx_for(hub_store, MANAGER), jane, confirmation=jane)
    folder = tmp_path / "usb"
    folder.mkdir()
    exchange.exchange(ctx_for(hub_store, MANAGER), folder)
    hub_store.close()
    report = exchange.exchange(manager(store), folder)
    [(_name, _sender, done)] = report.applied
    assert done.erased == 1
    with pg_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM woman").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM referral").scalar_one() == 0
        # Nothing about her is kept to send: only the erasure itself.
        ops = conn.exec_driver_sql("SELECT op FROM sync_change WHERE tbl = 'woman'").scalars()
        assert set(ops) == {"E"}
        checked, first_bad = conn.exec_driver_sql("SELECT * FROM caseapp_audit_verify()").one()
    assert first_bad is None and checked > 0


def test_a_woman_erased_at_a_postgresql_centre_is_erased_on_the_hub(
    store: Store, pg_engine: Engine, make_user: Callable[..., Ctx], tmp_path: Path
) -> None:
    from caseapp.services import erasure

    kw = make_user("kw_erase2")
    jane = add_woman(kw, "Jane", "Smith").reference
    blob, _code, _hub = pack.enrol(manager(store), ["kw_erase2"], code=CODE, kdf=FAST_KDF)
    hub_store, _recovery, _counts = pack.join(
        blob, CODE, tmp_path / "hub" / "h.db", lambda _n: PASSWORD, kdf=FAST_KDF
    )
    hub = ctx_for(hub_store, "kw_erase2")
    set_phone(hub, jane, "07700 900444")  # the hub edits her meanwhile
    erasure.erase(manager(store), jane, confirmation=jane)
    with pg_engine.connect() as conn:
        ops = conn.exec_driver_sql("SELECT op FROM sync_change WHERE tbl = 'woman'").scalars()
        assert set(ops) == {"E"}  # her deletion was logged as an erasure, nothing else kept
    folder = tmp_path / "usb"
    folder.mkdir()
    exchange.exchange(manager(store), folder)
    report = exchange.exchange(hub, folder)
    [(_name, _sender, done)] = report.applied
    assert done.erased == 1
    with hub.read() as session:
        left = run(session.connection(), "SELECT count(*) FROM woman").scalar_one()
    hub_store.close()
    assert left == 0
