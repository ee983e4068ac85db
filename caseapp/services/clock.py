"""Today's date and the time of day for screens and forms, read from the one clock.

Services, screens and forms use `ctx.clock`; code with no context (a benchmark) asks here.
Both reach `caseapp.clock`, the only module that reads the computer's clock, so a test that
freezes it fixes "today" everywhere at once.
"""

from __future__ import annotations

from datetime import date, time

from caseapp.clock import Clock, FrozenClock, current, install

__all__ = ["Clock", "FrozenClock", "current", "install", "now", "today"]


def today() -> date:
    """The local date."""
    return current().today()


def now() -> time:
    """The local time of day, to the minute."""
    return current().now()
