"""Rule 3 proved with linear programs: no suppressed cell is pinned or narrowed below threshold."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseapp.export.anonymise import CellRef, RawTable, suppress
from caseapp.services import returns
from caseapp.services.context import Ctx
from caseapp.services.demo.data import populate
from caseapp.services.returns_periods import Period, financial_year, month_period, quarter_period
from caseapp.services.returns_sql import figures
from tests.export import return_sample
from tests.export.lp_audit import audit, ranges, too_narrow

TODAY = date(2026, 11, 24)


def exact(ctx: Ctx, period: Period):  # type: ignore[no-untyped-def]
    with ctx.read() as session:
        return figures(session.connection(), period.start, period.end)


def test_every_suppressed_cell_of_the_sample_return_keeps_threshold_values(manager: Ctx) -> None:
    return_sample.build(manager.store)
    period = return_sample.PERIOD
    result = returns.compute(manager, period)
    found = audit(result, exact(manager, period))
    outcomes = sum(1 for s in result.suppressed if s.table == "outcomes")
    assert len(found) == len(result.suppressed) + outcomes  # numerator and denominator
    assert too_narrow(result, exact(manager, period)) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 30), min_size=2, max_size=7),
    st.lists(st.integers(0, 30), min_size=2, max_size=7),
    st.integers(2, 12),
)
def test_two_breakdowns_of_one_population_never_narrow_a_cell(
    first: list[int], second: list[int], threshold: int
) -> None:
    # Two breakdowns of the same women (their totals must agree), and the headline total.
    second[-1] += sum(first) - sum(second)
    if second[-1] < 0:
        first[-1] -= second[-1]
        second[-1] = 0
    total = sum(first)
    headline = RawTable("headline", "h", (("p", "p", total),), adds_up=False)
    head = CellRef("headline", "p")
    tables = [
        headline,
        RawTable("a", "a", tuple((f"c{i}", "", n) for i, n in enumerate(first)), total=head),
        RawTable("b", "b", tuple((f"c{i}", "", n) for i, n in enumerate(second)), total=head),
    ]
    shown_tables, _hidden = suppress(tables, [], threshold)
    shown = {CellRef(t.name, code): value for t in shown_tables for code, _label, value in t.rows}
    equal = [{**dict.fromkeys(t.refs(), 1), head: -1} for t in tables[1:]]
    narrow = [r for r in ranges(shown, equal, []) if r.values() < threshold]
    # A total below the threshold is hidden with every cell, and cannot be narrowed further
    # than its own smallness: only then may a range be short.
    assert narrow == [] or 1 <= total < threshold


def test_the_auditor_catches_a_pinned_cell(manager: Ctx) -> None:
    # Without secondary suppression the one hidden borough follows from the total.
    from caseapp.export import anonymise

    return_sample.build(manager.store)
    period = return_sample.PERIOD
    result = returns.compute(manager, period)
    table = next(t for t in result.tables if t.name == "women_supported_by_borough")
    values = exact(manager, period).breakdowns["women_supported"]["borough"]
    rows = tuple(
        (code, label, anonymise.SUPPRESSED if code == "E09000012" else values.get(code, 0))
        for code, label, _value in table.rows
    )
    leaky = returns.ReturnResult(
        **{
            **result.__dict__,
            "tables": tuple(
                anonymise.ShownTable(t.name, t.title, rows) if t is table else t
                for t in result.tables
            ),
        }
    )
    pinned = too_narrow(leaky, exact(manager, period))
    assert [r.cell.code for r in pinned if r.cell.table == table.name] == ["E09000012"]


@pytest.mark.parametrize(
    "period",
    [month_period(2026, 10), quarter_period(2026, 3), financial_year(2025)],
    ids=["month", "quarter", "year"],
)
def test_every_table_of_a_demo_return_is_safe(manager: Ctx, period: Period) -> None:
    populate(manager.store, seed=7, size="small", today=TODAY)
    result = returns.compute(manager, period)
    assert result.suppressed, "the demo return should have something to hide"
    assert too_narrow(result, exact(manager, period)) == []
