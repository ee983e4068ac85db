"""The one clock: the only module that reads the computer's date and time.

Services and the UI read it as `ctx.clock` (the signed-in context's), and the tables'
timestamp defaults through `models.base.utcnow`; both reach the clock installed here. It sits
beside, not inside, the layers so that `models` may use it too. Tests install a
`FrozenClock` (one autouse fixture), so no test depends on the day or the hour it runs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


class Clock:
    """The computer's clock: local date and time for people, UTC for what is stored."""

    def utcnow(self) -> datetime:
        """This moment in UTC (aware)."""
        return datetime.now(UTC)

    def local(self) -> datetime:
        """This moment in the computer's time zone (aware)."""
        return self.utcnow().astimezone()

    def today(self) -> date:
        """The local date, as people at the hub see it."""
        return self.local().date()

    def now(self) -> time:
        """The local time of day, to the minute."""
        return self.local().time().replace(second=0, microsecond=0, tzinfo=None)

    def timestamp(self) -> float:
        """Seconds since the epoch by the wall clock (the idle lock's measure)."""
        return self.utcnow().timestamp()


class FrozenClock(Clock):
    """A clock that reads a set local moment until it is set again or moved on (tests)."""

    def __init__(self, day: date, at: time = time(10, 30)) -> None:
        self._local = datetime.combine(day, at)

    def set(self, day: date | None = None, at: time | None = None) -> None:
        """Make it read `day` at `at` (either left as it is when not given), local time."""
        self._local = datetime.combine(day or self._local.date(), at or self._local.time())

    def set_utc(self, moment: datetime) -> None:
        """Make it read an aware UTC moment (as an audit entry's `at` is stored)."""
        self._local = moment.astimezone().replace(tzinfo=None)

    def advance(self, delta: timedelta) -> None:
        """Move it on (or back, with a negative delta), as a sleeping laptop's clock jumps."""
        self._local += delta

    def local(self) -> datetime:
        """The set moment in the computer's time zone."""
        return self._local.astimezone()

    def utcnow(self) -> datetime:
        """The set moment in UTC."""
        return self._local.astimezone(UTC)


_installed: Clock = Clock()


def current() -> Clock:
    """The clock in use: the computer's, unless a test installed another."""
    return _installed


def install(clock: Clock) -> Clock:
    """Use `clock` from now on, everywhere; returns the one it replaces (to put back)."""
    global _installed
    previous, _installed = _installed, clock
    return previous
