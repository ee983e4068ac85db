"""Helpers for sync tests: a centre with a hub enrolled from it, exchanges, store contents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from caseapp.models import Woman
from caseapp.services import audit, users
from caseapp.services.context import Actor, Ctx
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import Store, create_store
from caseapp.sync import exchange, pack
from caseapp.sync.rows import to_wire
from caseapp.sync.schema import SPECS, columns

PASSPHRASE = "correct horse battery"
CODE = "TEST-CODE-AAAA-BBBB-CCCC"


def centre(tmp_path: Path) -> tuple[Ctx, Ctx]:
    """A centre store with manager `mgr` and keyworker `kw`: (manager, keyworker) contexts."""
    store, _code = create_store(tmp_path / "centre" / "c.db", "mgr", PASSPHRASE, kdf=FAST_KDF)
    users.create_first_manager(store, "mgr", "Maria Manager")
    mgr = Ctx(store, Actor(1, "mgr", "manager", "Maria Manager"))
    kw = users.add_user(mgr, "kw", "keyworker", PASSPHRASE, kdf=FAST_KDF)
    assert kw.id is not None
    return mgr, Ctx(store, Actor(kw.id, "kw", "keyworker", "kw"))


def enrol_hub(mgr: Ctx, tmp_path: Path, names: list[str], label: str = "hub") -> dict[str, Ctx]:
    """Enrol a hub for `names` and join it: a context per person on the hub's store."""
    blob, code, _uid = pack.enrol(mgr, names, name=label, code=CODE, kdf=FAST_KDF)
    assert code == CODE
    store, _recovery, _counts = pack.join(
        blob, CODE, tmp_path / label / "h.db", lambda _n: PASSPHRASE, kdf=FAST_KDF
    )
    return {name: ctx_for(store, name) for name in names}


def ctx_for(store: Store, name: str) -> Ctx:
    """A context acting as `name` on `store`."""
    with store.read() as session:
        row = (
            session.connection()
            .exec_driver_sql(
                "SELECT id, role, display_name FROM app_user WHERE username = ?", (name,)
            )
            .one()
        )
    return Ctx(store, Actor(int(row[0]), name, str(row[1]), str(row[2])))


def sync(ctx: Ctx, folder: Path) -> exchange.Report:
    """One `caseapp sync DIR` run."""
    folder.mkdir(parents=True, exist_ok=True)
    return exchange.exchange(ctx, folder)


def contents(store: Store) -> dict[str, dict[str, Any]]:
    """Every synced row by uid, as wire values (local ids left out)."""
    from caseapp.sync.rows import row_uid

    out: dict[str, dict[str, Any]] = {}
    with store.read() as session:
        conn = session.connection()
        for spec in SPECS:
            cols = columns(conn, spec.name)
            rows: dict[str, Any] = {}
            for raw in conn.exec_driver_sql(f'SELECT rowid, * FROM "{spec.name}"').fetchall():
                values = dict(zip(cols, raw[1:], strict=True))
                wire = to_wire(conn, spec, values)
                uid = row_uid(conn, spec, int(raw[0]), wire)
                assert uid is not None, f"{spec.name} row without uid"
                rows[uid] = wire
            out[spec.name] = rows
    return out


def open_conflicts(store: Store) -> set[tuple[str, str, str, str]]:
    """Open conflicts as (table, uid, field, sides JSON)."""
    with store.read() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT tbl, uid, field, sides FROM sync_conflict WHERE status = 'open'"
        )
        return {(str(r[0]), str(r[1]), str(r[2]), json.dumps(json.loads(r[3]))) for r in rows}


def local_id(ctx: Ctx, reference: str) -> int:
    """Her id on `ctx`'s store."""
    with ctx.read() as session:
        return int(
            session.connection()
            .exec_driver_sql("SELECT id FROM woman WHERE reference = ?", (reference,))
            .one()[0]
        )


def set_phone(ctx: Ctx, woman_id: int, phone: str) -> None:
    """Change her phone as an edit on `ctx`'s store would (audited, so captured)."""
    with ctx.write() as session:
        woman = session.get(Woman, woman_id)
        assert woman is not None
        woman.phone = phone
        session.add(woman)
        audit.record(session, ctx, "woman_changed", subject_id=woman_id, fields=["phone"])


def phone(ctx: Ctx, reference: str) -> str:
    """Her phone on `ctx`'s store."""
    with ctx.read() as session:
        woman = session.get(Woman, local_id(ctx, reference))
        assert woman is not None
        return woman.phone
