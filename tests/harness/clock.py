"""The tests' fixed "today" and "now"; `tests/conftest.py` freezes the one clock at them."""

from __future__ import annotations

from datetime import date, time

import pytest

from caseapp.clock import FrozenClock

TODAY = date(2026, 11, 24)
NOW = time(10, 30)


@pytest.fixture(autouse=True)
def fixed_clock(clock: FrozenClock) -> FrozenClock:
    """The clock `tests/conftest.py` freezes for every test (kept for modules importing it)."""
    return clock
