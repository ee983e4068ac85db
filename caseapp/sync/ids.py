"""Store-independent identities: UUIDv7 row uids and the hybrid logical clock's stamps."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

# Rows without an integer id (a register line, a share, an assessment's need area) get a uid
# derived from their natural key, so two stores adding the same line make the same uid.
NAMESPACE = uuid.UUID("6f1d2c1e-5a4b-4c1e-9d7e-2b8f0a9c3e11")

Wall = Callable[[], float]


def uuid7(now: float | None = None) -> str:
    """A UUIDv7: 48 bits of Unix milliseconds, then random bits (RFC 9562)."""
    ms = int((time.time() if now is None else now) * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | (0x7 << 76) | ((rand >> 68) & 0xFFF) << 64
    value |= (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def natural_uid(table: str, *parts: str) -> str:
    """The uid of a row identified by its natural key (its parents' uids and its own key)."""
    return str(uuid.uuid5(NAMESPACE, "|".join((table, *parts))))


@dataclass
class Hlc:
    """A hybrid logical clock: wall milliseconds, a counter, and the store id as tie-break.

    Stamps are text that sorts in causal-then-store order, so "the later stamp, then the
    store id" is plain string comparison.
    """

    store: str
    wall: int = 0
    count: int = 0

    def tick(self, now: float) -> str:
        """Stamp a local event."""
        ms = int(now * 1000)
        if ms > self.wall:
            self.wall, self.count = ms, 0
        else:
            self.count += 1
        return self.stamp()

    def observe(self, stamp: str, now: float) -> None:
        """Move past a stamp received from another store, so later local stamps sort after."""
        wall, count = parse(stamp)
        ms = int(now * 1000)
        top = max(self.wall, wall, ms)
        if top == self.wall == wall:
            self.count = max(self.count, count) + 1
        elif top == self.wall:
            self.count += 1
        elif top == wall:
            self.count = count + 1
        else:
            self.count = 0
        self.wall = top

    def stamp(self) -> str:
        """The current stamp."""
        return f"{self.wall:013d}.{self.count:06d}.{self.store}"


def parse(stamp: str) -> tuple[int, int]:
    """The wall milliseconds and counter of a stamp."""
    wall, count, _store = stamp.split(".", 2)
    return int(wall), int(count)
