"""The tests' fixed "today" and "now", and the fixture that fixes them in `services.clock`."""

from __future__ import annotations

from datetime import date, time

import pytest

TODAY = date(2026, 11, 24)
NOW = time(10, 30)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make "today" 24/11/2026 and "now" 10:30 everywhere the app asks `services.clock`.

    Autouse in every test module that imports it.
    """
    from caseapp.services import clock

    monkeypatch.setattr(clock, "today", lambda: TODAY)
    monkeypatch.setattr(clock, "now", lambda: NOW)
