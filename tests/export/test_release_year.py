"""A year of releases on the demo store: no suppressed cell comes back by differencing two."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

from sqlmodel import select

from caseapp.models import ReturnRelease
from caseapp.services import returns
from caseapp.services.context import Ctx
from caseapp.services.demo.data import populate
from caseapp.services.returns_metrics import HEADLINE_CODES, WOMEN_COUNTS
from caseapp.services.returns_periods import Period, date_range, month_period, quarter_period
from caseapp.services.returns_releases import Release, nested, released, remainder

TODAY = date(2026, 11, 24)
YEAR_START = date(2025, 4, 1)


def manager_order() -> list[Period]:
    """Each month, then the year to date; each quarter when it ends; the year at the end."""
    order: list[Period] = []
    for step in range(12):
        month = month_period(2025 + (3 + step) // 12, (3 + step) % 12 + 1)
        order.append(month)
        order.append(date_range(YEAR_START, month.end))
        if month.end.month in (3, 6, 9, 12):
            order.append(quarter_period(month.end.year, (month.end.month - 1) // 3 + 1))
    order.append(date_range(YEAR_START, date(2026, 3, 31)))
    return order


def counts_women(key: str) -> bool:
    table, code, *part = key.split("/")
    if table == "headline":
        return code in WOMEN_COUNTS
    return part != ["percent"]


def test_a_year_of_releases_gives_nothing_away_by_differencing(
    manager: Ctx, tmp_path: Path
) -> None:
    populate(manager.store, seed=7, size="small", today=TODAY)
    order = manager_order()
    assert len(order) == 12 + 12 + 4 + 1
    hidden_by_releases = 0
    for number, period in enumerate(order):
        result = returns.export(manager, period, "json", tmp_path / f"{number:02d}.json")
        hidden_by_releases += result.because_of_releases
    assert hidden_by_releases > 0, "the register should have had work to do"
    with manager.read() as session:
        made = released(session)
        assert len(session.exec(select(ReturnRelease.id)).all()) == len(order)
    threshold = 10
    by_span: dict[tuple[date, date], list[Release]] = {}
    for release in made:
        by_span.setdefault((release.period.start, release.period.end), []).append(release)
    recovered: list[tuple[object, ...]] = []
    for first, second in itertools.combinations(made, 2):
        if not nested(first.period, second.period):
            continue
        rest = remainder(first.period, second.period)
        thirds = by_span.get(rest, []) if rest else []
        for key, a in first.cells.items():
            b = second.cells.get(key)
            if not counts_women(key) or not isinstance(a, int) or not isinstance(b, int):
                continue
            # A small number of women as the difference of two shown cells ...
            if 1 <= abs(a - b) < threshold:
                recovered.append((first.label, second.label, key, a, b))
            # ... or a cell another release hid, given back exactly by the difference.
            for third in thirds:
                if third.cells.get(key) == "[c]":
                    recovered.append((first.label, second.label, key, third.label))
    assert recovered == []
    # Every headline figure is in every release, and service counts stay exact.
    assert all(f"headline/{code}" in r.cells for r in made for code in HEADLINE_CODES)
    assert all(isinstance(r.cells["headline/one_to_one_sessions"], int) for r in made)
