"""Who is acting on which store: passed to every service function."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlmodel import Session

from caseapp.clock import Clock, current
from caseapp.store.store import Store


@dataclass(frozen=True)
class Actor:
    """The signed-in member of staff."""

    user_id: int
    username: str
    role: str
    display_name: str = ""

    @property
    def is_manager(self) -> bool:
        """Managers see and act on everything of their provider."""
        return self.role == "manager"


@dataclass
class Ctx:
    """A service context: the unlocked store, the actor and the clock. Drop it to lock.

    Every service reads "today" and "now" from `clock` and never from the computer itself.
    """

    store: Store
    actor: Actor
    clock: Clock = field(default_factory=current)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read session on the store."""
        with self.store.read() as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A write session; commits at the end, one writer at a time."""
        with self.store.write() as session:
            yield session
