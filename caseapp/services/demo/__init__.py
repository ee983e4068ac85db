"""The demo store: a known user and passphrase so anyone can try caseapp in one command."""

from __future__ import annotations

from pathlib import Path

from caseapp import paths
from caseapp.services.users import create_first_manager
from caseapp.store.keyslots import KdfParams
from caseapp.store.store import create_store

DEMO_USER = "demo"
DEMO_PASSPHRASE = "demo-passphrase"


def default_demo_path() -> Path:
    """The demo store lives beside the real one, never in its place."""
    return paths.default_store_path().with_name("demo.db")


def create_demo_store(
    path: Path, *, seed: int = 2026, size: str = "small", kdf: KdfParams | None = None
) -> None:
    """Create a demo store with the demo manager (synthetic data is added by `demo.data`)."""
    store, _code = create_store(path, DEMO_USER, DEMO_PASSPHRASE, kdf=kdf)
    try:
        create_first_manager(store, DEMO_USER, "Demo Manager")
        # Imported here: the synthetic provider is large and only the demo needs it.
        from caseapp.services.demo import data

        data.populate(store, seed=seed, size=size)
    finally:
        store.close()
