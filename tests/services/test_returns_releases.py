"""Rule 4a: a new release may not let a suppressed figure be recovered by differencing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import select

from caseapp.models import ReturnRelease
from caseapp.services import returns
from caseapp.services.context import Ctx
from caseapp.services.returns_periods import Period, date_range, month_period
from caseapp.services.returns_releases import Release, forced, nested
from tests.fixtures.returns_builder import Rows

APRIL = date(2026, 4, 1)
TO_SEPTEMBER = date_range(APRIL, date(2026, 9, 30))
TO_OCTOBER = date_range(APRIL, date(2026, 10, 31))


def referred(ctx: Ctx, before: int, in_october: int, source: str = "liaison_diversion") -> None:
    """`before` women referred from probation in the summer, `in_october` more in October."""
    rows = Rows(ctx.store)
    for index in range(before):
        rows.referral(rows.woman(), APRIL + timedelta(days=index), "probation")
    for index in range(in_october):
        rows.referral(rows.woman(), date(2026, 10, 1 + index), source)
    rows.save()


def cell(result: returns.ReturnResult, table: str, code: str) -> int | str:
    return next(t for t in result.tables if t.name == table).as_dict()[code]


def release(ctx: Ctx, period: Period, out: Path) -> returns.ExportResult:
    return returns.export(ctx, period, "json", out / f"{period.start}-{period.end}.json")


def test_the_year_to_date_cannot_give_away_octobers_one_referral(
    manager: Ctx, tmp_path: Path
) -> None:
    referred(manager, before=15, in_october=1)
    october = returns.compute(manager, month_period(2026, 10))
    assert cell(october, "new_referrals_by_source", "liaison_diversion") == "[c]"
    release(manager, TO_SEPTEMBER, tmp_path)
    # Without the register, the year to date would show 1 from liaison and diversion: the
    # suppressed October cell exactly. Both are hidden as counts from 1 to 9 here ...
    to_october = returns.compute(manager, TO_OCTOBER)
    assert cell(to_october, "new_referrals_by_source", "liaison_diversion") == "[c]"
    # ... and so is every cell that moved by 1 since September's release (15 then 16): the
    # total, and her borough, would otherwise give her away by subtraction.
    assert cell(to_october, "new_referrals_by_source", "probation") == 15
    assert cell(to_october, "new_referrals_by_borough", "E09000007") == "[c]"
    headline = {row.code: row.value for row in to_october.headline}
    assert headline["new_referrals"] == "[c]"
    why = {(s.table, s.code) for s in to_october.because_of_releases}
    assert ("new_referrals_by_borough", "E09000007") in why
    assert ("headline", "new_referrals") in why
    assert ("new_referrals_by_source", "liaison_diversion") not in why  # small anyway
    assert [r.label for r in to_october.compared] == [TO_SEPTEMBER.label]


def test_the_manifest_says_how_many_cells_earlier_releases_hid(
    manager: Ctx, tmp_path: Path
) -> None:
    referred(manager, before=15, in_october=1)
    first = release(manager, TO_SEPTEMBER, tmp_path)
    assert first.because_of_releases == 0
    second = release(manager, TO_OCTOBER, tmp_path)
    manifest = json.loads(second.manifest.read_text("utf-8"))
    earlier = manifest["earlier_releases"]
    assert earlier["compared"] == [
        {"from": "2026-04-01", "to": "2026-09-30", "label": TO_SEPTEMBER.label}
    ]
    assert earlier["suppressed_because_of_them"] == second.because_of_releases > 0
    assert {
        "table": "new_referrals_by_borough",
        "cell": "E09000007",
        "label": "Camden",
        "release": TO_SEPTEMBER.label,
    } in earlier["cells"]
    reasons = [s["reason"] for s in manifest["suppressed"] if s["cell"] == "E09000007"]
    assert reasons and reasons[0].startswith("rule 4a")


def test_differences_of_zero_or_at_least_the_threshold_are_safe(
    manager: Ctx, tmp_path: Path
) -> None:
    referred(manager, before=15, in_october=10, source="probation")
    release(manager, TO_SEPTEMBER, tmp_path)
    to_october = returns.compute(manager, TO_OCTOBER)
    assert cell(to_october, "new_referrals_by_source", "probation") == 25
    assert to_october.because_of_releases == ()
    # The same period again: nothing moved, nothing to hide.
    again = returns.compute(manager, TO_SEPTEMBER)
    assert cell(again, "new_referrals_by_source", "probation") == 15
    assert again.because_of_releases == ()


def test_periods_that_do_not_nest_are_not_compared(manager: Ctx, tmp_path: Path) -> None:
    referred(manager, before=15, in_october=1)
    release(manager, month_period(2026, 9), tmp_path)
    assert returns.compute(manager, month_period(2026, 10)).compared == ()
    assert nested(TO_OCTOBER, month_period(2026, 9))  # inside it
    assert nested(TO_SEPTEMBER, TO_OCTOBER)  # the same start
    assert not nested(month_period(2026, 9), month_period(2026, 10))


def test_a_cell_suppressed_in_either_release_gives_nothing_away() -> None:
    before = Release(TO_SEPTEMBER, {"t/a": "[c]", "t/b": 12, "t/c": None})
    raw = {"t/a": 14, "t/b": 5, "t/c": 20, "t/d": 30}
    assert forced(raw, TO_OCTOBER, [before], 10)[0] == {}
    assert forced({"t/b": 13}, TO_OCTOBER, [before], 10)[0] == {"t/b": before}


def test_a_difference_that_is_a_cell_hidden_in_a_third_release_is_hidden() -> None:
    # October hid a cell of 12 (to protect a small one beside it); the year to date moves by
    # exactly 12 from September's: shown both times, the difference would give it back.
    october = Release(month_period(2026, 10), {"t/a": "[c]", "t/b": 40})
    september = Release(TO_SEPTEMBER, {"t/a": 30, "t/b": 100})
    clashes, compared = forced({"t/a": 42, "t/b": 140}, TO_OCTOBER, [october, september], 10)
    assert clashes == {"t/a": september}
    assert compared == (october, september)


def test_the_register_holds_every_published_cell_and_nothing_about_anyone(
    manager: Ctx, tmp_path: Path
) -> None:
    referred(manager, before=15, in_october=1)
    result = release(manager, TO_SEPTEMBER, tmp_path)
    with manager.read() as session:
        row = session.exec(select(ReturnRelease)).one()
    cells = json.loads(row.cells)
    assert cells["headline/new_referrals"] == 15
    assert cells["outcomes/outcome_felt_safe/percent"] is None
    assert (row.period_from, row.period_to, row.threshold) == (APRIL, date(2026, 9, 30), 10)
    assert row.manifest_sha256 == result.manifest_sha256
    columns = {c.name for c in inspect(ReturnRelease).columns}
    assert not any("woman" in name or "user" in name for name in columns)
    assert not ReturnRelease.__table__.foreign_keys  # type: ignore[attr-defined]
