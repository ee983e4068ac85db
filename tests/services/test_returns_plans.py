"""How SQLite runs the return's statements: each costly part is computed once per row."""

from __future__ import annotations

from sqlalchemy import text

from caseapp.services.context import Ctx
from caseapp.services.returns_periods import month_period
from caseapp.services.returns_sql import OUTCOMES

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
