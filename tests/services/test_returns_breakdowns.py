"""Breakdowns of women supported and new referrals, and the needs profile (exact, in SQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from caseapp.services import returns
from caseapp.services.context import Ctx
from caseapp.services.returns_periods import month_period
from caseapp.services.returns_sql import Figures, figures
from tests.fixtures.returns_builder import Rows

OCT = month_period(2026, 10)
MID, LAST = date(2026, 10, 15), date(2026, 10, 31)


def exact(ctx: Ctx) -> Figures:
    with ctx.read() as session:
        return figures(session.connection(), OCT.start, OCT.end)


def supported(rows: Rows, **woman: object) -> int:
    her = rows.woman(**woman)  # type: ignore[arg-type]
    rows.contact(her, MID, "drop_in")
    return her


def test_borough_and_ethnicity_with_not_recorded(manager: Ctx) -> None:
    rows = Rows(manager.store)
    supported(rows, borough="E09000007", ethnicity="black_african")
    supported(rows, borough="E09000007", ethnicity="white_british")
    supported(rows, borough="E09000033", ethnicity="prefer_not_to_say")
    supported(rows, borough=None, ethnicity=None)
    rows.save()
    found = exact(manager).breakdowns["women_supported"]
    assert found["borough"] == {"E09000007": 2, "E09000033": 1, None: 1}
    assert found["ethnicity"] == {
        "black_african": 1,
        "white_british": 1,
        "prefer_not_to_say": 1,
        None: 1,
    }
    # Ethnic minorities: every known group but White British; declining is not a group.
    assert found["characteristics"]["ethnic_minorities"] == 1


def test_ethnic_minorities_counts_every_known_group_but_white_british(manager: Ctx) -> None:
    rows = Rows(manager.store)
    for code in ("white_irish", "white_other", "mixed_other", "asian_indian", "other_arab"):
        supported(rows, ethnicity=code)
    supported(rows, ethnicity="white_british")
    rows.save()
    assert exact(manager).breakdowns["women_supported"]["characteristics"]["ethnic_minorities"] == 5


def test_age_band_is_her_age_on_the_last_day_of_the_period(manager: Ctx) -> None:
    rows = Rows(manager.store)
    supported(rows, dob=date(2002, 10, 31))  # 24th birthday on the last day: 24
    supported(rows, dob=date(2001, 11, 1))  # 25 the day after the period: still 24
    supported(rows, dob=date(2001, 10, 31))  # 25 on the last day: 25-34
    supported(rows, dob=date(1961, 10, 31))  # 65 on the last day
    supported(rows, dob=date(1961, 11, 1))  # still 64
    supported(rows, dob=date(2009, 1, 1))  # 17: not an adult age, so not recorded
    supported(rows, dob=None)
    rows.save()
    found = exact(manager).breakdowns["women_supported"]
    assert found["age_band"] == {"18-24": 2, "25-34": 1, "55-64": 1, "65+": 1, None: 2}
    assert found["characteristics"]["young_adults"] == 2


def test_characteristics(manager: Ctx) -> None:
    rows = Rows(manager.store)
    supported(rows, nationality="foreign", pregnant="yes", children=2)
    supported(rows, nationality="uk", pregnant="no", children=0)
    supported(rows, nationality="prefer_not_to_say", pregnant=None, children=None)
    supported(rows, nationality="foreign", pregnant="no", children=1)
    rows.save()
    found = exact(manager).breakdowns["women_supported"]["characteristics"]
    assert found["foreign_nationals"] == 2
    assert found["pregnant"] == 1
    assert found["with_dependent_children"] == 2


def test_referral_source_of_women_supported_is_her_latest_referral_by_the_end(
    manager: Ctx,
) -> None:
    rows = Rows(manager.store)
    her = supported(rows)
    rows.referral(her, date(2025, 1, 1), "court")
    rows.referral(her, date(2026, 3, 1), "self")
    rows.referral(her, date(2026, 11, 20), "prison")  # after the period: not hers yet
    no_referral = supported(rows)
    assert no_referral
    rows.save()
    found = exact(manager).breakdowns
    assert found["women_supported"]["source"] == {"self": 1, None: 1}
    # The referral breakdown covers only referrals dated in the period: none here.
    assert found["new_referrals"].get("source", {}) == {}


def test_a_woman_referred_after_the_period_keeps_her_recorded_source(manager: Ctx) -> None:
    rows = Rows(manager.store)
    her = supported(rows)  # contacts in October, referral recorded in November
    rows.referral(her, date(2026, 11, 20), "liaison_diversion")
    rows.referral(her, date(2026, 12, 1), "prison")
    rows.save()
    assert exact(manager).breakdowns["women_supported"]["source"] == {"liaison_diversion": 1}


def test_new_referrals_by_source_uses_her_latest_referral_in_the_period(manager: Ctx) -> None:
    rows = Rows(manager.store)
    twice = rows.woman(borough="E09000001")
    rows.referral(twice, date(2026, 10, 2), "police_diversion")
    rows.referral(twice, date(2026, 10, 20), "court")
    once = rows.woman(borough="E09000002")
    rows.referral(once, date(2026, 10, 20), None)
    earlier = rows.woman()
    rows.referral(earlier, date(2026, 9, 1), "self")
    rows.save()
    found = exact(manager).breakdowns["new_referrals"]
    assert found["source"] == {"court": 1, None: 1}
    assert found["borough"] == {"E09000001": 1, "E09000002": 1}


def test_needs_profile_uses_each_womans_latest_assessment_in_the_period(manager: Ctx) -> None:
    rows = Rows(manager.store)
    a, b, c = (rows.woman() for _ in range(3))
    rows.assessment(a, date(2026, 10, 2), {"MH": "high", "ACC": "high"}, "baseline")
    rows.assessment(a, date(2026, 10, 20), {"MH": "medium", "ACC": "low"})
    rows.assessment(b, date(2026, 10, 5), {"MH": "none", "DA": "high", "FIN": "medium"})
    rows.assessment(c, date(2026, 9, 30), {"SM": "high"})  # before the period
    rows.assessment(c, date(2026, 11, 1), {"SM": "high"})  # after it
    rows.save()
    found = exact(manager)
    assert found.women_assessed == 2
    assert dict(found.needs) == {"MH": 1, "DA": 1, "FIN": 1}


def test_assessments_of_one_day_are_ordered_by_kind_then_when_recorded(manager: Ctx) -> None:
    rows = Rows(manager.store)
    a, b = rows.woman(), rows.woman()
    # Her exit is entered before her baseline of the same day: the exit is still the latest.
    rows.assessment(a, MID, {"MH": "high"}, "exit")
    rows.assessment(a, MID, {"DA": "high"}, "baseline")
    # Two reviews of one day: the one recorded later wins, whatever order they were entered.
    at = datetime(2026, 10, 15, 9, 0, tzinfo=UTC)
    rows.assessment(b, MID, {"FIN": "high"}, "review", recorded_at=at.replace(hour=11))
    rows.assessment(b, MID, {"SM": "high"}, "review", recorded_at=at)
    rows.save()
    found = exact(manager)
    assert found.women_assessed == 2
    assert dict(found.needs) == {"MH": 1, "FIN": 1}


def test_a_small_number_of_women_assessed_is_hidden_with_their_needs(manager: Ctx) -> None:
    rows = Rows(manager.store)
    her = rows.woman()
    rows.assessment(her, MID, {"PAR": "high"})
    rows.save()
    needs = next(t for t in returns.compute(manager, OCT).tables if t.name == "needs_profile")
    assert needs.as_dict()["women_assessed"] == "[c]"
    assert needs.as_dict()["PAR"] == "[c]"
    assert needs.as_dict()["MH"] == 0


def test_every_category_is_listed_and_unknown_codes_count_as_not_recorded(
    manager: Ctx,
) -> None:
    rows = Rows(manager.store)
    for _ in range(12):
        supported(rows, ethnicity="<free text typed by mistake>")
    rows.save()
    result = returns.compute(manager, OCT)
    table = next(t for t in result.tables if t.name == "women_supported_by_ethnicity")
    codes = [code for code, _label, _value in table.rows]
    assert len(codes) == 21 and codes[-1] == "not_recorded"
    assert table.as_dict()["not_recorded"] == 12
    assert "<free text typed by mistake>" not in repr(result)


def test_suppressed_breakdown_cells_and_headline_exact(manager: Ctx) -> None:
    rows = Rows(manager.store)
    for _ in range(12):
        supported(rows, borough="E09000007")
    for _ in range(4):  # 4 + 5 hidden: each could be 0 to 9, ten values
        supported(rows, borough="E09000008")
    for _ in range(5):
        supported(rows, borough="E09000009")
    rows.save()
    result = returns.compute(manager, OCT)
    assert {r.code: r.value for r in result.headline}["women_supported"] == 21
    boroughs = next(t for t in result.tables if t.name == "women_supported_by_borough")
    cells = boroughs.as_dict()
    assert (cells["E09000007"], cells["E09000008"], cells["E09000009"]) == (12, "[c]", "[c]")
    assert cells["E09000001"] == 0
