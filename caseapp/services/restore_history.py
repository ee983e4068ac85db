"""What a restore must not undo: the replaced store's generation, audit head and erasures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caseapp import paths
from caseapp.errors import StoreDamaged
from caseapp.store import generations
from caseapp.store.keyslots import KeyFile


@dataclass(frozen=True)
class Replaced:
    """What is known of the store a restore replaces: its key file's generation, audit head
    and erasures, joined with what this computer has seen of that store."""

    keys_generation: int
    store_generation: int
    audit_head: dict[str, Any]
    erasures: frozenset[str]
    removed: frozenset[int]


def replaced(target: Path, store_id: str) -> Replaced:
    """Read the key file being replaced. Its erasures count although its MAC cannot be checked
    (the backup's key may be older): a digest matches a reference only under the store's own
    tombstone key, so an added one can erase no one, and what this computer saw is added.
    Users removed since the backup are taken from both too.
    """
    was = generations.seen(store_id)  # in any folder: a restore elsewhere undoes nothing either
    erasures = set(was.erasures)
    removed = set(was.removed)
    head: dict[str, Any] = {}
    keys_generation = was.keys
    try:
        old = KeyFile.load(paths.key_file_path(target))
    except StoreDamaged:
        old = None  # missing or damaged: what this computer remembers has to do
    if old is not None and old.store_id == store_id:
        erasures |= set(old.erasures)
        removed |= set(old.removed)
        head = dict(old.audit_head)
        keys_generation = max(keys_generation, old.generation)
    return Replaced(keys_generation, was.store, head, frozenset(erasures), frozenset(removed))


def elsewhere(target: Path, store_id: str) -> str:
    """Another folder where this computer last opened the store, if it is still there: once
    the restore has moved the generations on, the store there is an older copy."""
    at = generations.last_opened_at(store_id)
    if not at or at == str(Path(target).resolve()) or not Path(at).exists():
        return ""
    return at
