"""Changing the data key: SQLCipher rekeys the store and every slot is sealed to the new key.

Removing a user must revoke her: with the old data key (from any key file she kept) she could
otherwise open the store and every later backup with plain sqlcipher3. Rotation is crash-safe
in three steps, each durable before the next:

1. the slots sealed to the new key are written into the key file as `next` (still under the
   old key's MAC), so the new key can be unwrapped by the same passphrases;
2. `PRAGMA rekey` re-encrypts every page in one transaction (in WAL mode the commit frame
   makes it all or nothing);
3. the key file is saved with the next slots in place of the current ones.

A kill before step 2 commits leaves the old key working: the next open drops `next` and the
rotation, still due, runs again. A kill after it leaves the old key failing: the next open
unwraps the next slot with the same passphrase, finds that it opens the store, and finishes
step 3. So at every moment the old or the new key opens the store, never neither.

Keys that must outlive a rotation (the audit chain's HMAC, the erasure tombstones, the backup
queue) are derived once from the store's first data key and kept inside the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3

from caseapp import paths
from caseapp.errors import StoreDamaged, ValidationError
from caseapp.store.engine import raw_connect
from caseapp.store.keyslots import KeyFile, new_data_key, subkey

# Purposes whose keys stay the same across rotations; kept as settings `key:<purpose>`.
STABLE_PURPOSES = ("audit hmac", "erasure tombstone", "backup queue")
STABLE_PREFIX = "key:"

Progress = Callable[[str], None]


def quiet(_line: str) -> None:
    return None


def opens(path: Path, key: bytes) -> bool:
    """Whether `key` opens the store at `path` (read only; the file is left as it was)."""
    try:
        conn = raw_connect(path, key)
    except sqlcipher3.DatabaseError:
        return False
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


def stable_keys(conn: object, data_key: bytes) -> dict[str, bytes]:
    """The keys that outlive rotation: stored ones, else derived from `data_key` (never
    rotated yet, so it is the first key). `conn` is a keyed DB-API connection."""
    stored: dict[str, str] = {}
    try:
        rows = conn.execute(  # type: ignore[attr-defined]
            "SELECT key, value FROM setting WHERE key LIKE 'key:%'"
        ).fetchall()
        stored = {str(k): str(v) for k, v in rows}
    except sqlcipher3.OperationalError:
        stored = {}  # a store being created has no setting table yet
    return {
        purpose: bytes.fromhex(stored[STABLE_PREFIX + purpose])
        if STABLE_PREFIX + purpose in stored
        else subkey(data_key, purpose)
        for purpose in STABLE_PURPOSES
    }


def _keep_stable_keys(conn: object, data_key: bytes) -> None:
    keys = stable_keys(conn, data_key)
    conn.execute("BEGIN IMMEDIATE")  # type: ignore[attr-defined]
    for purpose, key in keys.items():
        conn.execute(  # type: ignore[attr-defined]
            "INSERT OR IGNORE INTO setting (key, value) VALUES (?, ?)",
            (STABLE_PREFIX + purpose, key.hex()),
        )
    conn.execute("COMMIT")  # type: ignore[attr-defined]


def old_kind_slots(key_file: KeyFile) -> list[str]:
    """Who holds a slot that wraps the data key directly (made before key-pair slots)."""
    names = [s.username for s in key_file.slots if not s.rewrappable]
    if key_file.recovery is not None and not key_file.recovery.rewrappable:
        names.append("the recovery code")
    return names


def prepare(key_file: KeyFile, new_key: bytes) -> None:
    """Seal `new_key` to every slot and the recovery slot, as `next` (step 1, unsaved)."""
    old_kind = old_kind_slots(key_file)
    if old_kind:
        raise ValidationError(
            "These key slots are of the old kind and cannot be moved to a new key: "
            f"{', '.join(old_kind)}. Each must unlock once (the recovery code with "
            "`caseapp recover`); the key changes at the first unlock after that."
        )
    store_id = key_file.store_id
    key_file.next = {
        "slots": [s.rewrap(store_id, new_key).as_dict() for s in key_file.slots],
        "recovery": key_file.recovery.rewrap(store_id, new_key).as_dict()
        if key_file.recovery
        else None,
    }


def promote(key_file: KeyFile) -> None:
    """Put the next slots in place of the current ones (step 3, unsaved)."""
    slots, recovery = key_file.next_slots()
    key_file.slots = slots
    key_file.recovery = recovery
    key_file.next = None
    key_file.rotation_due = False


def rotate(path: Path, key_file: KeyFile, old_key: bytes, progress: Progress = quiet) -> bytes:
    """Rekey a store nobody has open (the caller holds its lock); return the new data key."""
    path = Path(path)
    key_path = paths.key_file_path(path)
    started = time.perf_counter()
    new_key = new_data_key()
    progress(f"Sealing the new key to {len(key_file.slots)} key slot(s) and the recovery slot")
    prepare(key_file, new_key)
    key_file.save(key_path, old_key)
    conn = raw_connect(path, old_key)
    try:
        _keep_stable_keys(conn, old_key)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        progress(f"Re-encrypting {pages:,} pages ({pages * 4 // 1024:,} MiB)")
        # PRAGMA takes no bound parameters: the text is only the hex of our own random key.
        conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"").fetchall()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()
    promote(key_file)
    key_file.save(key_path, new_key)
    progress(f"Key changed in {time.perf_counter() - started:.1f} s")
    return new_key


def settle(path: Path, key_file: KeyFile, key: bytes, open_next: Callable[[], bytes]) -> bytes:
    """Finish or undo a rotation that a crash cut short; return the key that opens the store.

    `key` came from the current slot (the key file's MAC already checked under it);
    `open_next` unwraps the same person's next slot, and is called only when needed.
    """
    if key_file.next is None:
        return key
    key_path = paths.key_file_path(Path(path))
    if opens(path, key):
        # The rekey never committed: forget the half-made next slots; the rotation stays due.
        key_file.next = None
        key_file.rotation_due = True
        key_file.save(key_path, key)
        return key
    new_key = open_next()
    if not opens(path, new_key):
        raise StoreDamaged(
            "The store opens with neither its old nor its new key: restore it from a backup."
        )
    promote(key_file)
    key_file.save(key_path, new_key)
    return new_key


def rotate_if_due(path: Path, key_file: KeyFile, key: bytes) -> tuple[bytes, bool]:
    """At unlock: run a rotation that is due (a user was removed and the key has not changed
    yet). It waits while a slot of the old kind cannot be sealed to a new key. Returns the
    key that opens the store and whether a rotation ran."""
    if not key_file.rotation_due or old_kind_slots(key_file):
        return key, False
    return rotate(path, key_file, key), True


def engine_stable_keys(engine: Any, data_key: bytes) -> dict[str, bytes]:
    """`stable_keys` through an engine's raw connection."""
    raw = engine.raw_connection()
    try:
        return stable_keys(raw.driver_connection, data_key)
    finally:
        raw.close()
