"""Enrolment: the centre packs a hub's people and their scope; the hub's store is made from it.

The pack is encrypted under a key derived with Argon2id from a one-time code (shown once, or
given as CASEAPP_ENROL_CODE), so the file alone is useless. It carries the hub's own key pairs
(the centre keeps only their public halves), the centre's public keys, the records in the
people's scope with their uids, and the centre's version vector, so the first exchange sends
only what changed after it.
"""

from __future__ import annotations

import json
import os
import secrets
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection

from caseapp.errors import PassphraseIncorrect, PermissionDenied, ValidationError
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.store import migrate
from caseapp.store.keyslots import KdfParams, calibrate, derive
from caseapp.store.store import Store, create_store
from caseapp.sync import capture, identity, prune
from caseapp.sync.bundle import Refused, new_keys, public_keys
from caseapp.sync.capture import load_me
from caseapp.sync.db import lock, run, wire_values
from caseapp.sync.merge import Merger, version_vector
from caseapp.sync.rows import dumps, remembering, row_uid, to_wire
from caseapp.sync.schema import BY_NAME, SPECS, Spec, columns, quote

MAGIC = b"CASEAPP-ENROL 1\n"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
USER_COLUMNS = ("id", "username", "display_name", "role", "active", "created_at")


def new_code() -> str:
    """A one-time enrolment code: 20 characters (100 bits) in groups of four."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(20))
    return "-".join(raw[i : i + 4] for i in range(0, 20, 4))


def _normal(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _seal(payload: dict[str, Any], code: str, params: KdfParams) -> bytes:
    salt, nonce = os.urandom(16), os.urandom(12)
    head = dumps({"kdf": params.as_dict(), "salt": salt.hex(), "nonce": nonce.hex()}).encode()
    key = derive(_normal(code), salt, params)
    body = AESGCM(key).encrypt(nonce, zlib.compress(dumps(payload).encode(), 6), head)
    return MAGIC + len(head).to_bytes(4, "big") + head + body


def _unseal(blob: bytes, code: str) -> dict[str, Any]:
    if not blob.startswith(MAGIC):
        raise Refused("not a caseapp enrolment pack")
    size = int.from_bytes(blob[len(MAGIC) : len(MAGIC) + 4], "big")
    start = len(MAGIC) + 4
    head = blob[start : start + size]
    try:
        meta = json.loads(head)
        params = KdfParams(int(meta["kdf"]["m"]), int(meta["kdf"]["t"]), int(meta["kdf"]["p"]))
        salt, nonce = bytes.fromhex(meta["salt"]), bytes.fromhex(meta["nonce"])
    except (ValueError, KeyError, TypeError) as exc:
        raise Refused("the enrolment pack is damaged") from exc
    key = derive(_normal(code), salt, params)
    try:
        body = AESGCM(key).decrypt(nonce, blob[start + size :], head)
    except InvalidTag as exc:
        raise PassphraseIncorrect(
            "Enrolment code incorrect (or the pack was altered): nothing was created."
        ) from exc
    result: dict[str, Any] = json.loads(zlib.decompress(body))
    return result


# ---- the centre -----------------------------------------------------------------------------


def in_scope(conn: Connection, user_ids: list[int]) -> set[int]:
    """The ids of the women on these people's caseloads or shared with them."""
    marks = ",".join("?" for _ in user_ids) or "NULL"
    rows = run(
        conn,
        f"SELECT id FROM woman WHERE keyworker_id IN ({marks}) "
        f"UNION SELECT woman_id FROM womanshare WHERE user_id IN ({marks})",
        (*user_ids, *user_ids),
    )
    return {int(r[0]) for r in rows}


def _select(spec: Spec, women: str) -> str:
    table = quote(spec.name)
    if spec.owner == "id":
        where = f"t.id IN ({women})"
    elif spec.owner == "woman_id":
        where = f"t.woman_id IN ({women})"
    elif spec.owner == "assessment_id":
        where = f"t.assessment_id IN (SELECT id FROM assessment WHERE woman_id IN ({women}))"
    else:
        where = "1 = 1"
    if spec.natural:
        return f"SELECT t.*, '', '' FROM {table} t WHERE {where}"
    return (
        f"SELECT t.*, s.uid, s.origin FROM {table} t LEFT JOIN sync_row s "
        f"ON s.tbl = '{spec.name}' AND s.local_id = t.id WHERE {where}"
    )


def snapshot(conn: Connection, women: set[int]) -> dict[str, list[dict[str, Any]]]:
    """Every synced row in scope, as wire values with uid and origin."""
    run(conn, "CREATE TEMP TABLE IF NOT EXISTS sync_scope (id INTEGER PRIMARY KEY)")
    run(conn, "DELETE FROM sync_scope")
    if women:
        run(conn, "INSERT INTO sync_scope (id) VALUES (?)", [(w,) for w in sorted(women)])
    out: dict[str, list[dict[str, Any]]] = {}
    with remembering():
        for spec in SPECS:
            cols = columns(conn, spec.name)
            rows = []
            for raw in run(conn, _select(spec, "SELECT id FROM sync_scope")):
                values = wire_values(conn, spec.name, dict(zip(cols, raw[:-2], strict=True)))
                wire = to_wire(conn, spec, values)
                if spec.natural:
                    uid, origin = row_uid(conn, spec, None, wire) or "", ""
                else:
                    uid, origin = str(raw[-2]), str(raw[-1])
                rows.append({"uid": uid, "origin": origin, "v": wire})
            out[spec.name] = rows
    run(conn, "DELETE FROM sync_scope")
    return out


def enrol(
    ctx: Ctx,
    usernames: list[str],
    *,
    name: str = "",
    code: str | None = None,
    kdf: KdfParams | None = None,
) -> tuple[bytes, str, str]:
    """Make an enrolment pack for a hub holding these people's scope (managers).

    Returns the pack's bytes, the one-time code and the new hub's store id.
    """
    if not ctx.actor.is_manager:
        raise PermissionDenied("Only a manager can enrol a hub.")
    if not usernames:
        raise ValidationError("Name at least one person (--user) for the hub.")
    code = code or new_code()
    with ctx.write() as session:
        conn = session.connection()
        lock(conn)
        provider = run(conn, "SELECT value FROM setting WHERE key = 'provider_name'").first()
        me = identity.become_centre(conn, str(provider[0]) if provider else "centre")
        if me.role != "centre":
            raise PermissionDenied("Only the centre's store can enrol a hub.")
        capture.process(conn)
        users = [
            wire_values(conn, "app_user", dict(zip(USER_COLUMNS, r, strict=True)))
            for r in run(conn, f"SELECT {', '.join(USER_COLUMNS)} FROM app_user ORDER BY id")
        ]
        by_name = {str(u["username"]).casefold(): u for u in users}
        scope = []
        for typed in usernames:
            user = by_name.get(typed.casefold())
            if user is None or not user["active"]:
                raise ValidationError(f"No active user called {typed}.")
            scope.append(user)
        women = in_scope(conn, [int(u["id"]) for u in scope])
        row = run(conn, "SELECT next_hub, kx_private, sign_private FROM sync_self").one()
        ref_code = f"H{int(row[0])}"
        run(conn, "UPDATE sync_self SET next_hub = next_hub + 1")
        hub_uid = secrets.token_hex(16)
        hub_kx, hub_sign = new_keys()
        centre_kx_pub, centre_sign_pub = public_keys(str(row[1]), str(row[2]))
        vv = version_vector(conn)
        rows = snapshot(conn, women)
        uids = {r["uid"] for r in rows["woman"]}
        fields = [
            list(r)
            for r in run(
                conn,
                "SELECT tbl, uid, field, stamp, parents, old, value, username, owner "
                "FROM sync_field",
            )
            if r[8] in uids or r[8] == ""
        ]
        conflicts = [
            list(r)
            for r in run(
                conn,
                "SELECT tbl, uid, field, owner, sides, ancestor, opened, status, resolved_by, "
                "resolved FROM sync_conflict",
            )
            if r[3] in uids or r[3] == ""
        ]
        payload = {
            "schema": migrate.head_revision(),
            "centre": {"uid": me.store_uid, "kx": centre_kx_pub, "sign": centre_sign_pub},
            "hub": {
                "uid": hub_uid,
                "name": name or ref_code,
                "ref_code": ref_code,
                "kx": hub_kx,
                "sign": hub_sign,
            },
            "scope": [u["username"] for u in scope],
            "users": users,
            "hubs": [
                [r[0], r[1], int(bool(r[2]))]
                for r in run(conn, "SELECT code, name, active FROM hub")
            ],
            "hub_boroughs": [
                list(r)
                for r in run(
                    conn,
                    "SELECT h.code, b.gss_code FROM hubborough b JOIN hub h ON h.id = b.hub_id",
                )
            ],
            # The centre's sync folder is a path on the centre's computer, not the hub's; the
            # floor of its pruned log is its own.
            "settings": dict(
                run(
                    conn,
                    "SELECT key, value FROM setting WHERE key != ? AND key NOT LIKE ?",
                    ("sync_folder", prune.FLOOR_KEY + "%"),
                ).fetchall()
            ),
            "vv": vv,
            "stamp": me.hlc.tick(capture.now()),
            "rows": rows,
            "fields": fields,
            "conflicts": conflicts,
            "tombstones": [
                [str(r[0]), str(r[1] or "")]
                for r in run(conn, "SELECT uid, hlc FROM sync_tombstone")
            ],
        }
        kx_pub, sign_pub = public_keys(hub_kx, hub_sign)
        run(
            conn,
            "INSERT INTO sync_peer (store_uid, name, role, kx_public, sign_public, acked, users, "
            "held, last_sent, last_received, revoked) "
            "VALUES (?, ?, 'hub', ?, ?, ?, ?, ?, '', '', ?)",
            (
                hub_uid,
                (name or ref_code)[:60],
                kx_pub,
                sign_pub,
                dumps(vv),
                dumps(payload["scope"]),
                dumps(sorted(uids)),
                False,
            ),
        )
        me.save(conn)
        audit.record(
            session,
            ctx,
            "sync_enrolled",
            hub=hub_uid,
            hub_name=name or ref_code,
            users=payload["scope"],
            women=len(women),
        )
    capture.recheck(ctx.store.engine)
    return _seal(payload, code, kdf or calibrate()), code, hub_uid


# ---- the hub --------------------------------------------------------------------------------


def join(
    blob: bytes,
    code: str,
    path: Path,
    passphrase_for: Callable[[str], str],
    *,
    kdf: KdfParams | None = None,
) -> tuple[Store, str, dict[str, int]]:
    """Create a hub's store from a pack; each person named gets a slot with her passphrase.

    Returns the open store, its recovery code and how many rows of each kind it holds.
    """
    payload = _unseal(blob, code)
    if payload["schema"] != migrate.head_revision():
        raise Refused(
            f"the pack was made at schema revision {payload['schema']}; this caseapp is at "
            f"{migrate.head_revision()}: use the same caseapp version on both"
        )
    scope: list[str] = list(payload["scope"])
    passphrases = {name: passphrase_for(name) for name in scope}
    params = kdf or calibrate()
    store, recovery = create_store(path, scope[0], passphrases[scope[0]], kdf=params)
    counts: dict[str, int] = {}
    try:
        ids_by_name = _load(store, payload, counts)
        for name in scope[1:]:
            store.set_slot(ids_by_name[name], name, passphrases[name], params)
    except BaseException:
        store.close()
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        raise
    return store, recovery, counts


def _load(store: Store, payload: Mapping[str, Any], counts: dict[str, int]) -> dict[str, int]:
    scope: list[str] = list(payload["scope"])
    named = {str(u["username"]): u for u in payload["users"]}
    # The people named come first, so the first of them is user 1, whose slot the store has.
    users = [named[n] for n in scope] + [u for u in payload["users"] if u["username"] not in scope]
    ids_by_name: dict[str, int] = {}
    with store.write() as session:
        conn = session.connection()
        for new_id, user in enumerate(users, start=1):
            run(
                conn,
                f"INSERT INTO app_user ({', '.join(USER_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                (new_id, *(user[c] for c in USER_COLUMNS[1:])),
            )
            ids_by_name[str(user["username"])] = new_id
        for code, hub_name, active in payload["hubs"]:
            run(
                conn,
                "INSERT INTO hub (code, name, active) VALUES (?, ?, ?)",
                (code, hub_name, active),
            )
        for code, gss in payload["hub_boroughs"]:
            run(
                conn,
                "INSERT OR IGNORE INTO hubborough (hub_id, gss_code) "
                "SELECT id, ? FROM hub WHERE code = ?",
                (gss, code),
            )
        settings = dict(payload["settings"])
        hub = payload["hub"]
        settings["reference_prefix"] = settings.get("reference_prefix", "MIN") + hub["ref_code"]
        settings["group_reference_prefix"] = (
            settings.get("group_reference_prefix", "GRP") + hub["ref_code"]
        )
        for key, value in settings.items():
            run(conn, "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", (key, value))
        run(
            conn,
            "INSERT INTO sync_self (id, store_uid, name, role, ref_code, kx_private, "
            "sign_private, hlc_wall, hlc_count, next_seq, next_hub) "
            "VALUES (1, ?, ?, 'hub', ?, ?, ?, 0, 0, 1, 0)",
            (hub["uid"], hub["name"], hub["ref_code"], hub["kx"], hub["sign"]),
        )
        centre = payload["centre"]
        run(
            conn,
            "INSERT INTO sync_peer (store_uid, name, role, kx_public, sign_public, acked, users, "
            "held, last_sent, last_received, revoked) "
            "VALUES (?, 'centre', 'centre', ?, ?, ?, '[]', '[]', '', '', 0)",
            (centre["uid"], centre["kx"], centre["sign"], dumps(payload["vv"])),
        )
        for origin, seq in payload["vv"].items():
            run(conn, "INSERT INTO sync_clock (origin, seq) VALUES (?, ?)", (origin, int(seq)))
        me = load_me(conn)
        assert me is not None
        me.hlc.observe(str(payload["stamp"]), capture.now())
        merger = Merger(conn, me)
        for spec in SPECS:
            rows = payload["rows"].get(spec.name, [])
            for row in rows:
                merger.insert(BY_NAME[spec.name], row["uid"], row["origin"], row["v"])
            counts[spec.name] = len(rows)
        if payload["fields"]:
            run(
                conn,
                "INSERT INTO sync_field (tbl, uid, field, stamp, parents, old, value, username, "
                "owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [tuple(f) for f in payload["fields"]],
            )
        if payload["conflicts"]:
            run(
                conn,
                "INSERT INTO sync_conflict (tbl, uid, field, owner, sides, ancestor, opened, "
                "status, resolved_by, resolved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [tuple(c) for c in payload["conflicts"]],
            )
        for tomb in payload["tombstones"]:
            # With its stamp: a removed row suppresses only what is older than its removal.
            uid, stamp = (tomb, "") if isinstance(tomb, str) else (str(tomb[0]), str(tomb[1]))
            run(conn, "INSERT OR IGNORE INTO sync_tombstone (uid, hlc) VALUES (?, ?)", (uid, stamp))
        run(conn, "DELETE FROM sync_pending")
        me.save(conn)
        capture.install(conn)
        audit.append(
            session,
            store,
            "sync_joined",
            user_id=1,
            username=scope[0],
            role=str(users[0]["role"]),
            detail={"centre": centre["uid"], "rows": counts},
        )
    capture.recheck(store.engine)
    return ids_by_name
