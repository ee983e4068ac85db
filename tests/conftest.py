"""Shared fixtures: every test gets its own folders and, when asked, a real encrypted store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from caseapp import clock as the_clock
from caseapp.clock import FrozenClock
from caseapp.services import users
from caseapp.services.context import Actor, Ctx
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import Store, create_store
from tests.harness.clock import NOW, TODAY

MANAGER = "mgr"
PASSPHRASE = "correct horse battery"

# On a loaded CI machine one example can take seconds: a per-example deadline or the "too
# slow" health check would fail a property on timing alone, never on what it checks.
settings.register_profile("caseapp", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("caseapp")


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the store, log, data and config folders at `tmp_path`; never touch a real home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("CASEAPP_STORE", str(tmp_path / "store" / "caseapp.db"))
    monkeypatch.setenv("CASEAPP_LOG_DIR", str(tmp_path / "log"))
    for name in ("CASEAPP_USER", "CASEAPP_PASSPHRASE", "CASEAPP_NEW_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture(autouse=True)
def clock() -> Iterator[FrozenClock]:
    """Freeze the one clock at 24/11/2026 10:30 (far from midnight) for every test.

    Every service, screen and timestamp reads it. A test that needs another day or hour
    asks for this fixture and calls `clock.set(...)`, `clock.set_utc(...)` or
    `clock.advance(...)`; nothing patches a module's attributes.
    """
    frozen = FrozenClock(TODAY, NOW)
    previous = the_clock.install(frozen)
    yield frozen
    the_clock.install(previous)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Where the test's store lives."""
    return tmp_path / "store" / "caseapp.db"


@pytest.fixture
def new_store(store_path: Path) -> Callable[[], Store]:
    """Factory: create a store with manager `mgr` (fast KDF) and return it open."""

    def make() -> Store:
        store, _code = create_store(store_path, MANAGER, PASSPHRASE, kdf=FAST_KDF)
        users.create_first_manager(store, MANAGER, "Maria Manager")
        return store

    return make


@pytest.fixture
def store(new_store: Callable[[], Store]) -> Iterator[Store]:
    """An open, empty store with one manager; closed after the test."""
    opened = new_store()
    yield opened
    opened.close()


@pytest.fixture
def manager(store: Store) -> Ctx:
    """A service context for the store's manager."""
    return Ctx(store, Actor(1, MANAGER, "manager", "Maria Manager"))


@pytest.fixture
def make_user(manager: Ctx) -> Callable[..., Ctx]:
    """Factory: add a user (fast KDF) and return a context acting as her on the same store."""

    def make(username: str, role: str = "keyworker", passphrase: str = PASSPHRASE) -> Ctx:
        user = users.add_user(manager, username, role, passphrase, kdf=FAST_KDF)
        return Ctx(manager.store, Actor(user.id, user.username, user.role, user.display_name))

    return make


@pytest.fixture
def closed_store(new_store: Callable[[], Store], store_path: Path) -> Path:
    """A store of a few thousand rows, checkpointed and closed; returns its path."""
    from tests.harness.store import fill

    store = new_store()
    fill(store)
    store.close()
    return store_path


@pytest.fixture
def closed_store_path(new_store: Callable[[], Store], store_path: Path) -> Path:
    """An empty store with its manager, closed; returns its path."""
    new_store().close()
    return store_path
