"""The outcome rule: earliest baseline ever, the latest review or exit answer in the period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from caseapp.export import anonymise
from caseapp.export.anonymise import percent
from caseapp.services import returns
from caseapp.services.context import Ctx
from caseapp.services.returns_periods import month_period
from caseapp.services.returns_sql import outcomes
from tests.fixtures.returns_builder import Rows

OCT = month_period(2026, 10)
LONG_AGO = date(2025, 3, 1)
BEFORE, EARLY, MID, LATE, AFTER = (
    date(2026, 9, 30),
    date(2026, 10, 2),
    date(2026, 10, 15),
    date(2026, 10, 31),
    date(2026, 11, 1),
)


def exact(ctx: Ctx) -> dict[str, tuple[int, int]]:
    """Improved and counted per question, before anonymisation."""
    with ctx.read() as session:
        found = outcomes(session.connection(), OCT.start, OCT.end)
    return {f"outcome_{o.question}": (o.numerator, o.denominator) for o in found}


def felt_safe(ctx: Ctx) -> tuple[int, int]:
    return exact(ctx)["outcome_felt_safe"]


def shown(ctx: Ctx, threshold: int) -> tuple[int | str, int | str, int | str | None]:
    result = returns.compute(ctx, OCT, threshold=threshold)
    row = next(r for r in result.outcomes if r.code == "outcome_felt_safe")
    return row.numerator, row.denominator, row.percent


def answers(ctx: Ctx, *given: tuple[date, str, int], question: str = "felt_safe") -> None:
    rows = Rows(ctx.store)
    her = rows.woman()
    for day, kind, score in given:
        rows.outcome(her, day, question, kind, score)
    rows.save()


def test_baseline_before_the_period_and_a_better_review_in_it(manager: Ctx) -> None:
    answers(manager, (LONG_AGO, "baseline", 2), (MID, "review", 4))
    assert felt_safe(manager) == (1, 1)


@pytest.mark.parametrize("score", [1, 2])
def test_the_same_or_a_worse_answer_is_counted_but_not_improved(manager: Ctx, score: int) -> None:
    answers(manager, (LONG_AGO, "baseline", 2), (MID, "exit", score))
    assert felt_safe(manager) == (0, 1)


def test_answers_of_one_day_are_ordered_by_kind_not_by_insertion(manager: Ctx) -> None:
    # The exit is entered before the review of the same day, yet it is her latest answer.
    answers(manager, (LONG_AGO, "baseline", 2), (MID, "exit", 4), (MID, "review", 1))
    assert felt_safe(manager) == (1, 1)


def test_answers_of_one_day_and_kind_are_ordered_by_when_they_were_recorded(
    manager: Ctx,
) -> None:
    rows = Rows(manager.store)
    her = rows.woman()
    rows.outcome(her, LONG_AGO, "felt_safe", "baseline", 2)
    at = datetime(2026, 10, 15, 9, 0, tzinfo=UTC)
    rows.outcome(her, MID, "felt_safe", "review", 5, recorded_at=at.replace(hour=11))
    rows.outcome(her, MID, "felt_safe", "review", 1, recorded_at=at)
    rows.save()
    assert felt_safe(manager) == (1, 1)


def test_the_latest_answer_in_the_period_wins(manager: Ctx) -> None:
    answers(manager, (LONG_AGO, "baseline", 2), (EARLY, "review", 5), (LATE, "exit", 2))
    answers(manager, (LONG_AGO, "baseline", 2), (EARLY, "review", 1), (LATE, "review", 3))
    assert felt_safe(manager) == (1, 2)


def test_answers_after_the_period_are_ignored(manager: Ctx) -> None:
    answers(manager, (LONG_AGO, "baseline", 1), (AFTER, "review", 5))
    answers(manager, (LONG_AGO, "baseline", 1), (MID, "review", 1), (AFTER, "exit", 5))
    assert felt_safe(manager) == (0, 1)


def test_answers_before_the_period_do_not_count(manager: Ctx) -> None:
    answers(manager, (LONG_AGO, "baseline", 1), (BEFORE, "review", 5))
    assert felt_safe(manager) == (0, 0)


def test_no_baseline_means_not_counted(manager: Ctx) -> None:
    answers(manager, (EARLY, "review", 1), (LATE, "exit", 5))
    assert felt_safe(manager) == (0, 0)


def test_the_earliest_baseline_is_hers_whenever_it_was_given(manager: Ctx) -> None:
    # A second baseline (4) must not replace the first (1): 3 is better than 1.
    answers(manager, (LONG_AGO, "baseline", 1), (EARLY, "baseline", 4), (LATE, "review", 3))
    assert felt_safe(manager) == (1, 1)


def test_a_baseline_inside_the_period_then_a_later_review(manager: Ctx) -> None:
    answers(manager, (EARLY, "baseline", 2), (LATE, "review", 3))
    assert felt_safe(manager) == (1, 1)


def test_only_answers_dated_after_the_baseline_count(manager: Ctx) -> None:
    # A review on the baseline's own day, or before it, is not "after it".
    answers(manager, (MID, "baseline", 1), (MID, "review", 5))
    answers(manager, (MID, "baseline", 1), (EARLY, "review", 5))
    assert felt_safe(manager) == (0, 0)


def test_each_question_is_reported_separately(manager: Ctx) -> None:
    rows = Rows(manager.store)
    her = rows.woman()
    rows.outcome(her, LONG_AGO, "parenting", "baseline", 1)
    rows.outcome(her, MID, "parenting", "review", 4)
    rows.outcome(her, LONG_AGO, "felt_safe", "baseline", 4)
    rows.outcome(her, MID, "financial_management", "review", 5)
    rows.save()
    assert exact(manager) == {
        "outcome_felt_safe": (0, 0),
        "outcome_health_wellbeing": (0, 0),
        "outcome_financial_management": (0, 0),
        "outcome_parenting": (1, 1),
    }


def test_percentages_are_suppressed_below_the_threshold_and_null_without_women(
    manager: Ctx,
) -> None:
    for score in (5, 5, 5, 5, 1, 1, 1, 1):
        answers(manager, (LONG_AGO, "baseline", 2), (MID, "review", score))
    assert shown(manager, threshold=4) == (4, 8, 50)
    # Below the threshold the percentage goes, and its numerator and denominator with it.
    assert shown(manager, threshold=9) == ("[c]", "[c]", "[c]")
    result = returns.compute(manager, OCT, threshold=9)
    hidden = [s for s in result.suppressed if s.table == "outcomes"]
    assert [(s.code, s.rule) for s in hidden] == [("outcome_felt_safe", "percentage")]
    parenting = next(r for r in result.outcomes if r.code == "outcome_parenting")
    assert (parenting.numerator, parenting.denominator, parenting.percent) == (0, 0, None)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (50, 52, ("[c]", "[c]", "[c]")),  # "50 of 52 felt safer" says 2 did not
        (2, 52, ("[c]", "[c]", "[c]")),  # 2 women improved
        (42, 52, (42, 52, 81)),
        (52, 52, (52, 52, 100)),
        (0, 52, (0, 52, 0)),
        (5, 9, ("[c]", "[c]", "[c]")),
        (0, 0, (0, 0, None)),
    ],
)
def test_an_outcome_is_hidden_whole_when_either_side_is_small(
    numerator: int, denominator: int, expected: tuple[object, ...]
) -> None:
    found = anonymise.outcome(numerator, denominator, 10)
    assert (found.numerator, found.denominator, found.percent) == expected


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(1, 8, 13), (5, 8, 63), (189, 200, 95), (188, 200, 94), (2, 3, 67), (1, 3, 33), (0, 10, 0)],
)
def test_percent_rounds_half_up(numerator: int, denominator: int, expected: int) -> None:
    assert percent(numerator, denominator, 2) == expected


def test_percent_of_nobody_is_null() -> None:
    assert percent(0, 0, 10) is None
