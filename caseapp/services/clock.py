"""Today's date and the time of day as people at the hub see them (local time).

Every screen asks here rather than calling `date.today()` itself, so tests and snapshots can
fix "today" in one place and see the same dates on every run.
"""

from __future__ import annotations

from datetime import date, datetime, time


def today() -> date:
    """The local date."""
    return date.today()


def now() -> time:
    """The local time of day, to the minute."""
    return datetime.now().time().replace(second=0, microsecond=0)
