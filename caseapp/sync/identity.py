"""Joining sync: a store's identity and uids for the rows it already holds."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection

from caseapp.sync import capture, ids
from caseapp.sync.bundle import new_keys
from caseapp.sync.capture import Me, load_me
from caseapp.sync.db import run
from caseapp.sync.schema import SPECS, quote

CHUNK = 20_000


def ensure_uids(conn: Connection, origin: str) -> int:
    """Give every synced row with an integer id a uid if it has none; return how many."""
    made = 0
    for spec in SPECS:
        if spec.natural:
            continue
        after = -1
        while True:
            # Walks the table by id, a chunk at a time, looking each mapping up by its key.
            ids_ = [
                int(r[0])
                for r in run(
                    conn,
                    f"SELECT t.id FROM {quote(spec.name)} t LEFT JOIN sync_row s "
                    "ON s.tbl = ? AND s.local_id = t.id "
                    "WHERE t.id > ? AND s.uid IS NULL ORDER BY t.id LIMIT ?",
                    (spec.name, after, CHUNK),
                )
            ]
            if not ids_:
                break
            after = ids_[-1]
            stamp = capture.now()
            run(
                conn,
                "INSERT INTO sync_row (tbl, local_id, uid, origin) VALUES (?, ?, ?, ?)",
                [(spec.name, i, ids.uuid7(stamp), origin) for i in ids_],
            )
            made += len(ids_)
    return made


def become_centre(conn: Connection, name: str) -> Me:
    """Make this store a centre the first time it enrols a hub; return its identity."""
    me = load_me(conn)
    if me is not None:
        return me
    kx, sign = new_keys()
    store_uid = secrets.token_hex(16)
    run(
        conn,
        "INSERT INTO sync_self (id, store_uid, name, role, ref_code, kx_private, sign_private, "
        "hlc_wall, hlc_count, next_seq, next_hub) "
        "VALUES (1, ?, ?, 'centre', '', ?, ?, 0, 0, 1, 1)",
        (store_uid, name[:60], kx, sign),
    )
    ensure_uids(conn, store_uid)
    capture.install(conn)
    me = load_me(conn)
    assert me is not None
    return me
