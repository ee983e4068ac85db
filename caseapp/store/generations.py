"""Generations: the store and its key file only ever move forward, and this computer knows.

The store keeps a generation in its settings, raised at every unlock; the key file's grows at
every save. This computer records the highest of each it has seen per store in the user's
state folder, outside both files, with the erasure digests it has seen. The record is kept by
the store's identity (the random id in its key file, bound into every key slot), not by where
it lives, so an older copy is noticed wherever it is put: back in its folder or in another.
Putting back an older store or key file (so that a changed passphrase works again, a removed
user is back, or an erasure is undone) is then refused, naming both generations; a manager may
accept it explicitly, which is audited and moves both generations past what was seen.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy.exc import OperationalError

from caseapp import paths
from caseapp.errors import CaseappError
from caseapp.store.atomic import atomic_write_bytes

FILE_NAME = "generations.json"
SETTING = "store_generation"


class OlderGeneration(CaseappError):
    """The store or its key file is older than one this computer has already opened."""

    exit_code = 3


def state_dir() -> Path:
    """`$CASEAPP_STATE_DIR`, else the platform's user state folder for caseapp."""
    env = os.environ.get("CASEAPP_STATE_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_state_dir("caseapp", appauthor=False))


@dataclass
class Seen:
    """The highest generations seen on this computer for one store, and erasure digests."""

    store: int = 0
    keys: int = 0
    erasures: list[str] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)


def _load_all() -> dict[str, Any]:
    try:
        data = json.loads((state_dir() / FILE_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def place(store_id: str, path: Path) -> str:
    """How records were kept before they were kept by store id: the id and the folder. Such
    records still count for their store, wherever it is opened now."""
    return f"{store_id} {Path(path).resolve()}"


def _entry(raw: Any) -> tuple[Seen, str]:
    """One record as read from the file (a damaged one: nothing seen)."""
    if not isinstance(raw, dict):
        return Seen(), ""
    try:
        return Seen(
            int(raw.get("store", 0)),
            int(raw.get("keys", 0)),
            [str(e) for e in raw.get("erasures", [])],
            [int(u) for u in raw.get("removed", [])],
        ), str(raw.get("at", ""))
    except (TypeError, ValueError):
        return Seen(), ""


def _merged(data: dict[str, Any], store_id: str) -> tuple[Seen, str, list[str]]:
    """What this computer has seen of a store: its own record joined with every record kept
    per folder before; where it was last opened; and the keys of those older records."""
    own, at = _entry(data.get(store_id))
    older = [k for k in data if k.startswith(f"{store_id} ")]
    total = own
    for key in older:
        was, _at = _entry(data[key])
        total = Seen(
            max(total.store, was.store),
            max(total.keys, was.keys),
            sorted(set(total.erasures) | set(was.erasures)),
            sorted(set(total.removed) | set(was.removed)),
        )
        at = at or key[len(store_id) + 1 :]
    return total, at, older


def seen(store_id: str) -> Seen:
    """What this computer has seen of a store, in any folder (nothing yet: zeros)."""
    return _merged(_load_all(), store_id)[0]


def last_opened_at(store_id: str) -> str:
    """Where this computer last recorded the store (empty when unknown)."""
    return _merged(_load_all(), store_id)[1]


def record(
    store_id: str,
    store: int,
    keys: int,
    erasures: list[str] | None = None,
    removed: list[int] | None = None,
    *,
    at: Path | None = None,
) -> None:
    """Raise the recorded generations (never lower them); add erasure digests, removed users.
    Records kept per folder before are folded into the store's one record."""
    data = _load_all()
    old, was_at, folded = _merged(data, store_id)
    for key in folded:
        del data[key]
    data[store_id] = {
        "store": max(old.store, store),
        "keys": max(old.keys, keys),
        "erasures": sorted(set(old.erasures) | set(erasures or [])),
        "removed": sorted(set(old.removed) | set(removed or [])),
        "at": str(Path(at).resolve()) if at is not None else was_at,
    }
    folder = state_dir()
    # A state folder that cannot be written costs the check, never the person's work.
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write_bytes(folder / FILE_NAME, json.dumps(data, sort_keys=True).encode("utf-8"))


def older_message(store: int, keys: int, was: Seen, at: str = "", here: Path | None = None) -> str:
    """A plain message naming the generations found and the ones seen before (and where the
    newer copy was last opened, when that is another place)."""
    parts = []
    if store < was.store:
        parts.append(f"the store is at generation {store}, but this computer has seen {was.store}")
    if keys < was.keys:
        parts.append(f"the key file is at generation {keys}, but this computer has seen {was.keys}")
    elsewhere = ""
    if at and (here is None or str(Path(here).resolve()) != at):
        elsewhere = f" The newer copy was last opened at {at}."
    return (
        "This is an older copy than one already opened on this computer: "
        + "; ".join(parts)
        + "."
        + elsewhere
        + " An old file may have been put back (a changed passphrase or a removed user "
        "would work again). Nothing was opened; a manager can accept it with --accept-older."
    )


def read_store_generation(conn: Any) -> int:
    """The generation kept in the store (0 for a store from before generations)."""
    row = conn.exec_driver_sql("SELECT value FROM setting WHERE key = ?", (SETTING,)).fetchone()
    try:
        return int(row[0]) if row else 0
    except ValueError:
        return 0


def check(engine: Any, key_file: Any, path: Path, *, accept_older: bool) -> tuple[int, str]:
    """The store's generation, and the refusal message when it or the key file is older
    than seen here (returned only when `accept_older`; otherwise raised)."""
    with engine.connect() as conn:
        current = read_store_generation(conn)
        conn.rollback()
    was = seen(key_file.store_id)
    if current >= was.store and key_file.generation >= was.keys:
        return current, ""
    at = last_opened_at(key_file.store_id)
    message = older_message(current, key_file.generation, was, at, path)
    if not accept_older:
        raise OlderGeneration(message)
    return current, message


def advance(
    engine: Any, key_file: Any, path: Path, data_key: bytes, *, record_at: Path | None = None
) -> int:
    """Move the store at `path` and its key file one generation past anything seen of this
    store on this computer; record both, as opened at `record_at` (default: `path`)."""
    from caseapp.store.store import storage_error  # here: store.py imports this module

    was = seen(key_file.store_id)
    try:
        with engine.begin() as conn:
            new = max(read_store_generation(conn), was.store) + 1
            conn.exec_driver_sql(
                "INSERT INTO setting (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (SETTING, str(new)),
            )
    except OperationalError as exc:
        raise storage_error(exc) from exc  # a read-only store or a full disk, said plainly
    key_file.generation = max(key_file.generation, was.keys)
    key_file.save(paths.key_file_path(Path(path)), data_key)
    record(
        key_file.store_id,
        new,
        key_file.generation,
        key_file.erasures,
        key_file.removed,
        at=record_at or path,
    )
    return int(new)
