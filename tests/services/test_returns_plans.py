"""How SQLite runs the return's statements: each costly part is computed once per row."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from caseapp.models.codes import ATTENDED
from caseapp.services.context import Ctx
from caseapp.services.returns_periods import month_period
from caseapp.services.returns_sql import ONE_TO_ONE_SESSIONS, OUTCOMES, one_to_one_statement
from tests.fixtures.returns_builder import Rows

OCT = month_period(2026, 10)


def plan(ctx: Ctx, statement: str) -> list[str]:
    """The `EXPLAIN QUERY PLAN` lines of `statement` for October 2026."""
    params = {"start": OCT.start.isoformat(), "end": OCT.end.isoformat()}
    with ctx.read() as session:
        rows = session.connection().execute(text(f"EXPLAIN QUERY PLAN {statement}"), params)
        return [str(row[3]) for row in rows]


def test_each_womans_latest_answer_is_looked_up_once(manager: Ctx) -> None:
    # The latest answer is both filtered on (answered at all) and compared with the baseline:
    # unless it is materialised, SQLite looks it up twice for every woman and question
    # (a tenth of the year's return on the large store).
    lines = plan(manager, OUTCOMES.text)
    assert "MATERIALIZE latest" in lines
    assert sum(line.startswith("CORRELATED SCALAR SUBQUERY") for line in lines) == 2


def test_one_to_one_sessions_are_looked_up_day_by_day(manager: Ctx) -> None:
    # The covering index starts (date, type, attendance): each day's attended 1-2-1s are
    # found directly, rather than every contact of the period read to count some of them.
    statement = one_to_one_statement("sqlite").text.replace(":attended", "('attended', 'late')")
    lines = plan(manager, statement)
    assert any("(date=? AND type=? AND attendance=?)" in line for line in lines), lines


@pytest.mark.parametrize(
    ("start", "end", "counted"),
    [
        (date(2028, 2, 28), date(2028, 3, 1), 3),  # a leap day inside
        (date(2028, 2, 29), date(2028, 2, 29), 1),  # one day
        (date(2028, 1, 1), date(2028, 2, 27), 1),
        (date(2028, 3, 2), date(2028, 1, 1), 0),  # ends before it starts
    ],
)
def test_one_to_one_sessions_by_day_count_as_the_definition(
    manager: Ctx, start: date, end: date, counted: int
) -> None:
    rows = Rows(manager.store)
    her = rows.woman()
    for day in (date(2028, 1, 1), date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1)):
        rows.contact(her, day, "one_to_one")
    rows.contact(her, date(2028, 2, 29), "drop_in")
    rows.contact(her, date(2028, 2, 29), "one_to_one", attendance="did_not_attend")
    rows.contact(her, date(2028, 3, 2), "one_to_one")
    rows.save()
    params = {"start": start.isoformat(), "end": end.isoformat(), "attended": sorted(ATTENDED)}
    with manager.read() as session:
        conn = session.connection()
        by_day = conn.execute(one_to_one_statement("sqlite"), params).scalar_one()
        defined = conn.execute(ONE_TO_ONE_SESSIONS, params).scalar_one()
    assert by_day == defined == counted
