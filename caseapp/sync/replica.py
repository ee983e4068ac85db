"""A hub's audit chain, copied to the centre with each bundle, and the check `verify` runs on it.

The centre cannot recompute a hub's HMACs (the key is the hub's), so each run of entries comes
with the hub's Ed25519 signature over its range and the SHA-256 of its entries. `verify` checks,
for every hub, that the copies run from the first entry without a gap, that each links to the one
before (its previous HMAC), and that every signed summary still matches the entries it covers:
an entry changed, removed or reordered at the centre is found.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection

from caseapp.sync.capture import Me
from caseapp.sync.db import run
from caseapp.sync.rows import dumps

GENESIS = "0" * 64
COLUMNS = (
    "seq",
    "at",
    "user_id",
    "username",
    "role",
    "action",
    "subject_id",
    "subject_ref",
    "detail",
    "prev_hmac",
    "hmac",
)


def _message(origin: str, first: int, last: int, digest: str) -> bytes:
    return f"caseapp audit copy|{origin}|{first}|{last}|{digest}".encode()


def _digest(entries: list[dict[str, Any]]) -> str:
    return hashlib.sha256(dumps(entries).encode()).hexdigest()


def outgoing(conn: Connection, me: Me, peer_role: str, acked: int) -> dict[str, Any] | None:
    """A hub's audit entries the centre has not reported holding, signed; else None."""
    if me.role != "hub" or peer_role != "centre":
        return None
    rows = run(
        conn, f"SELECT {', '.join(COLUMNS)} FROM auditevent WHERE seq > ? ORDER BY seq", (acked,)
    ).fetchall()
    if not rows:
        return None
    entries = [dict(zip(COLUMNS, r, strict=True)) for r in rows]
    first, last, digest = int(entries[0]["seq"]), int(entries[-1]["seq"]), _digest(entries)
    sign = run(conn, "SELECT sign_private FROM sync_self WHERE id = 1").one()[0]
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(str(sign)))
    signature = key.sign(_message(me.store_uid, first, last, digest)).hex()
    return {"entries": entries, "first": first, "last": last, "signature": signature}


def receive(conn: Connection, origin: str, block: dict[str, Any]) -> None:
    """Keep a run of a hub's entries and its signed summary (entries already held stay)."""
    entries = list(block["entries"])
    run(
        conn,
        "INSERT OR IGNORE INTO sync_audit_entry (origin, seq, entry, prev_hmac, hmac) "
        "VALUES (?, ?, ?, ?, ?)",
        [(origin, int(e["seq"]), dumps(e), str(e["prev_hmac"]), str(e["hmac"])) for e in entries],
    )
    run(
        conn,
        "INSERT OR REPLACE INTO sync_audit_batch (origin, first_seq, last_seq, digest, signature) "
        "VALUES (?, ?, ?, ?, ?)",
        (origin, int(block["first"]), int(block["last"]), _digest(entries), block["signature"]),
    )


def held(conn: Connection, origin: str) -> int:
    """The highest entry of `origin`'s chain held here without a gap before it."""
    seqs = [
        int(r[0])
        for r in run(
            conn, "SELECT seq FROM sync_audit_entry WHERE origin = ? ORDER BY seq", (origin,)
        )
    ]
    top = 0
    for seq in seqs:
        if seq != top + 1:
            break
        top = seq
    return top


def verify(conn: Connection) -> list[tuple[bool, str]]:
    """For each hub whose chain is copied here: whether it is whole, and a line saying so."""
    lines = []
    for origin, name, public in run(
        conn, "SELECT store_uid, name, sign_public FROM sync_peer WHERE role = 'hub' ORDER BY name"
    ).fetchall():
        rows = list(
            run(
                conn,
                "SELECT seq, entry, prev_hmac, hmac FROM sync_audit_entry WHERE origin = ? "
                "ORDER BY seq",
                (origin,),
            )
        )
        if not rows:
            continue
        problem = _check(conn, str(origin), str(public), rows)
        lines.append(
            (not problem, f"audit copy of {name}: {problem or f'intact ({len(rows)} entries)'}")
        )
    return lines


def _check(conn: Connection, origin: str, public: str, rows: list[Any]) -> str:
    prev = GENESIS
    by_seq: dict[int, dict[str, Any]] = {}
    for expected, (seq, entry, prev_hmac, hmac) in enumerate(rows, start=1):
        if int(seq) != expected:
            return f"entry {expected} is missing"
        if prev_hmac != prev:
            return f"entry {seq} does not follow entry {int(seq) - 1}"
        parsed = json.loads(entry)
        if parsed.get("hmac") != hmac or parsed.get("prev_hmac") != prev_hmac:
            return f"entry {seq} has been altered"
        by_seq[int(seq)] = parsed
        prev = str(hmac)
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
    for first, last, digest, signature in run(
        conn,
        "SELECT first_seq, last_seq, digest, signature FROM sync_audit_batch WHERE origin = ?",
        (origin,),
    ):
        entries = [by_seq.get(s) for s in range(int(first), int(last) + 1)]
        if any(e is None for e in entries):
            return f"entries {first}-{last} are not all held"
        if _digest([e for e in entries if e is not None]) != digest:
            return f"entries {first}-{last} do not match the hub's signed summary"
        try:
            key.verify(bytes.fromhex(signature), _message(origin, int(first), int(last), digest))
        except (InvalidSignature, ValueError):
            return f"the hub's signature over entries {first}-{last} does not match"
    return ""
