"""Headline metrics of the return, each edge built by hand (docs/domain.md, "Metrics")."""

from __future__ import annotations

from datetime import date

import pytest

from caseapp.errors import PermissionDenied, ValidationError
from caseapp.services import returns
from caseapp.services.context import Ctx
from caseapp.services.returns_periods import date_range, month_period
from caseapp.services.returns_sql import figures
from caseapp.services.returns_sql import headline as sql_headline
from tests.fixtures.returns_builder import Rows

OCT = month_period(2026, 10)
BEFORE, FIRST, MID, LAST, AFTER = (
    date(2026, 9, 30),
    date(2026, 10, 1),
    date(2026, 10, 15),
    date(2026, 10, 31),
    date(2026, 11, 1),
)


def headline(ctx: Ctx, period=OCT) -> dict[str, int]:
    """The exact headline figures, before anonymisation."""
    with ctx.read() as session:
        return sql_headline(session.connection(), period.start, period.end)


def test_empty_store_gives_zero_everywhere(manager: Ctx) -> None:
    values = headline(manager)
    assert set(values) == set(returns.HEADLINE_CODES)
    assert [row.code for row in returns.compute(manager, OCT).headline] == list(
        returns.HEADLINE_CODES
    )
    assert set(values.values()) == {0}


def test_attended_and_late_count_but_not_missed_or_cancelled(manager: Ctx) -> None:
    rows = Rows(manager.store)
    attended, late, dna, by_her, by_us = (rows.woman() for _ in range(5))
    rows.contact(attended, MID, "one_to_one", "attended")
    rows.contact(late, MID, "one_to_one", "late")
    rows.contact(dna, MID, "one_to_one", "did_not_attend")
    rows.contact(by_her, MID, "one_to_one", "cancelled_by_woman")
    rows.contact(by_us, MID, "drop_in", "cancelled_by_service")
    rows.save()
    values = headline(manager)
    assert values["women_supported"] == 2
    assert values["women_engaged_one_to_one"] == 2
    assert values["women_accessed_centre"] == 2
    assert values["one_to_one_sessions"] == 2


def test_period_includes_both_end_dates_and_nothing_one_day_outside(manager: Ctx) -> None:
    rows = Rows(manager.store)
    on_first, on_last, day_before, day_after = (rows.woman() for _ in range(4))
    rows.contact(on_first, FIRST)
    rows.contact(on_last, LAST)
    rows.contact(day_before, BEFORE)
    rows.contact(day_after, AFTER)
    rows.referral(on_first, FIRST)
    rows.referral(day_before, BEFORE)
    rows.referral(day_after, AFTER)
    rows.activity(BEFORE, "judiciary_training", sessions=5)
    rows.activity(AFTER, "judiciary_training", sessions=7)
    rows.activity(LAST, "judiciary_training", sessions=1)
    rows.closure(on_last, LAST, "goals_met")
    rows.closure(day_after, AFTER, "goals_met")
    rows.group(BEFORE, heads=4)
    rows.group(AFTER, heads=4)
    rows.save()
    values = headline(manager)
    assert values["women_supported"] == 2
    assert values["one_to_one_sessions"] == 2
    assert values["new_referrals"] == 1
    assert values["judiciary_training_sessions"] == 1
    assert values["cases_closed"] == 1
    assert values["group_sessions_delivered"] == 0
    assert headline(manager, date_range(BEFORE, AFTER))["women_supported"] == 4


def test_one_woman_many_contacts_is_one_woman_and_many_sessions(manager: Ctx) -> None:
    rows = Rows(manager.store)
    her = rows.woman()
    for day in (FIRST, MID, LAST):
        rows.contact(her, day, "one_to_one")
    rows.contact(her, MID, "drop_in")
    rows.save()
    values = headline(manager)
    assert values["women_supported"] == 1
    assert values["women_engaged_one_to_one"] == 1
    assert values["women_accessed_centre"] == 1
    assert values["one_to_one_sessions"] == 3


def test_phone_only_contacts_support_her_but_not_at_the_centre(manager: Ctx) -> None:
    rows = Rows(manager.store)
    phone_type, drop_in_by_phone, video_one_to_one = (rows.woman() for _ in range(3))
    rows.contact(phone_type, MID, "phone", delivery="phone")
    rows.contact(drop_in_by_phone, MID, "drop_in", delivery="phone")
    rows.contact(video_one_to_one, MID, "one_to_one", delivery="video")
    rows.save()
    values = headline(manager)
    assert values["women_supported"] == 3
    assert values["women_accessed_centre"] == 0
    # A 1-2-1 by video is still a 1-2-1 session; it is just not at the centre.
    assert values["women_engaged_one_to_one"] == 1
    assert values["one_to_one_sessions"] == 1


@pytest.mark.parametrize(
    ("kind", "delivery", "at_centre"),
    [
        ("one_to_one", None, True),
        ("one_to_one", "in_person", True),
        ("drop_in", None, True),
        ("drop_in", "", True),
        ("peer_mentoring", "in_person", True),
        ("peer_mentoring", "video", False),
        ("advocacy", "in_person", False),
        ("outreach", "in_person", False),
        ("court_support", None, False),
        ("video", "video", False),
    ],
)
def test_centre_access_is_in_person_centre_types(
    manager: Ctx, kind: str, delivery: str | None, at_centre: bool
) -> None:
    rows = Rows(manager.store)
    rows.contact(rows.woman(), MID, kind, delivery=delivery)
    rows.save()
    values = headline(manager)
    assert values["women_supported"] == 1
    assert values["women_accessed_centre"] == int(at_centre)


def test_group_sessions_delivered_and_attendances(manager: Ctx) -> None:
    rows = Rows(manager.store)
    a, b, c, d = (rows.woman() for _ in range(4))
    rows.group(MID, register={a: "attended", b: "late", c: "did_not_attend"}, heads=2)
    rows.group(MID, register={c: "did_not_attend"})  # nobody came: not delivered
    rows.group(MID)  # empty: not delivered
    rows.group(MID, heads=5)  # a head count only: delivered
    rows.group(MID, status="cancelled", register={d: "attended"}, heads=3)
    rows.save()
    values = headline(manager)
    assert values["group_sessions_delivered"] == 2
    assert values["group_attendances"] == 2 + 2 + 5
    # Registers of held sessions are contacts; a cancelled session counts for nothing.
    assert values["women_accessed_centre"] == 2
    assert values["women_supported"] == 2
    assert values["women_engaged_one_to_one"] == 0


def test_a_woman_only_on_a_cancelled_session_is_not_supported_anywhere(manager: Ctx) -> None:
    rows = Rows(manager.store)
    held, cancelled = rows.woman(borough="E09000007"), rows.woman(borough="E09000012")
    rows.group(MID, register={held: "attended"})
    rows.group(MID, status="cancelled", register={cancelled: "attended"})
    rows.save()
    with manager.read() as session:
        found = figures(session.connection(), OCT.start, OCT.end)
    assert found.headline["women_supported"] == 1
    assert found.breakdowns["women_supported"]["borough"] == {"E09000007": 1}


def test_a_woman_on_a_register_and_at_a_1_2_1_counts_once(manager: Ctx) -> None:
    rows = Rows(manager.store)
    her = rows.woman()
    rows.contact(her, MID, "one_to_one")
    rows.group(FIRST, register={her: "attended"})
    rows.save()
    values = headline(manager)
    assert values["women_supported"] == 1
    assert values["women_accessed_centre"] == 1


def test_judiciary_training_is_not_professional_training(manager: Ctx) -> None:
    rows = Rows(manager.store)
    rows.activity(MID, "judiciary_training", sessions=3, participants=40)
    rows.activity(LAST, "judiciary_training", sessions=2, participants=15)
    rows.activity(MID, "professional_training", sessions=6, participants=80)
    rows.activity(MID, "peer_mentor_training", sessions=4, participants=7)
    rows.activity(FIRST, "peer_mentor_training", sessions=1, participants=3)
    rows.save()
    values = headline(manager)
    assert values["judiciary_training_sessions"] == 5
    assert values["peer_mentors_trained"] == 10


def test_new_referrals_counts_women_not_referrals(manager: Ctx) -> None:
    rows = Rows(manager.store)
    twice, once = rows.woman(), rows.woman()
    rows.referral(twice, FIRST)
    rows.referral(twice, LAST, "court")
    rows.referral(once, MID)
    rows.save()
    assert headline(manager)["new_referrals"] == 2


def test_cases_closed_by_reason_uses_her_latest_closure(manager: Ctx) -> None:
    rows = Rows(manager.store)
    women = [rows.woman() for _ in range(16)]
    for her in women[:11]:
        rows.closure(her, MID, "goals_met")
    for her in women[11:14]:
        rows.closure(her, MID, "chose_to_end")
    rows.closure(women[14], FIRST, "not_engaged")
    rows.closure(women[14], LAST, "moved_away")  # reopened and closed again
    rows.closure(women[15], BEFORE, "goals_met")
    rows.save()
    result = returns.compute(manager, OCT, threshold=2)
    assert {r.code: r.value for r in result.headline}["cases_closed"] == 15
    table = next(t for t in result.tables if t.name == "cases_closed_by_reason").as_dict()
    assert table["goals_met"] == 11
    assert table["not_engaged"] == 0
    # moved_away (1) is below the threshold of 2, and chose_to_end (the next smallest
    # non-zero cell) is hidden with it so that it cannot be worked out from the total.
    assert table["moved_away"] == "[c]"
    assert table["chose_to_end"] == "[c]"
    assert list(table.values()).count("[c]") == 2


def test_small_headline_counts_of_women_are_hidden_but_not_sessions(manager: Ctx) -> None:
    rows = Rows(manager.store)
    for _ in range(3):
        her = rows.woman()
        rows.referral(her, MID)
        rows.contact(her, MID, "one_to_one")
        rows.contact(her, LAST, "one_to_one")
        rows.closure(her, LAST, "goals_met")
    rows.group(MID, heads=4)
    rows.save()
    result = returns.compute(manager, OCT)
    values = {row.code: row.value for row in result.headline}
    for code in returns.WOMEN_COUNTS:
        assert values[code] == "[c]", code
    assert values["one_to_one_sessions"] == 6
    assert values["group_sessions_delivered"] == 1 and values["group_attendances"] == 4
    hidden = {s.code for s in result.suppressed if s.table == "headline"}
    assert hidden == set(returns.WOMEN_COUNTS)
    assert headline(manager)["women_supported"] == 3


def test_only_managers_compute_the_return(manager: Ctx, make_user) -> None:
    keyworker = make_user("kate")
    with pytest.raises(PermissionDenied):
        returns.compute(keyworker, OCT)
    with pytest.raises(PermissionDenied):
        returns.trend(keyworker, OCT.end)


@pytest.mark.parametrize("threshold", [0, 1, 101])
def test_threshold_out_of_range_is_refused(manager: Ctx, threshold: int) -> None:
    with pytest.raises(ValidationError):
        returns.compute(manager, OCT, threshold=threshold)


def test_trend_gives_twelve_months_of_headline_totals(manager: Ctx) -> None:
    rows = Rows(manager.store)
    her = rows.woman()
    rows.contact(her, date(2025, 11, 3))
    rows.contact(her, MID)
    rows.contact(her, date(2025, 10, 31))  # thirteen months back: outside the chart
    rows.save()
    points = returns.trend(manager, LAST)
    assert [p.period.start for p in points] == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        *(date(2026, m, 1) for m in range(1, 11)),
    ]
    assert points[0].period.start == date(2025, 11, 1)
    assert points[-1].period.end == LAST
    assert [p.values["one_to_one_sessions"] for p in points] == [1] + [0] * 10 + [1]


def test_the_trend_and_the_full_return_count_the_same_way(manager: Ctx) -> None:
    # The full return takes the distinct-women figures from its breakdown scan; the trend
    # counts them alone. Both must agree, month by month.
    from caseapp.services.returns_sql import headline as headline_sql
    from tests.export import return_sample

    return_sample.build(manager.store)
    with manager.read() as session:
        conn = session.connection()
        for period in (OCT, OCT.shifted(-1), date_range(BEFORE, AFTER)):
            assert dict(figures(conn, period.start, period.end).headline) == headline_sql(
                conn, period.start, period.end
            )
