"""The places caseapp can go, for the home screen menu and the command palette.

Each feature adds one `Destination` here; `screen` is "module:Class" so this file imports
nothing heavy and the home screen and palette stay in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Destination:
    """A top-level screen: its key on the home screen, title, class and who may open it."""

    name: str
    key: str
    title: str
    screen: str
    roles: frozenset[str]
    help: str


KEYWORKERS_AND_MANAGERS = frozenset({"keyworker", "manager"})
MANAGERS = frozenset({"manager"})
STAFF_ADMIN = frozenset({"manager", "admin"})

DESTINATIONS: tuple[Destination, ...] = ()
