"""Outcome answers: one form's worth at a time, parenting only with children, access, audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from caseapp.errors import PermissionDenied, ValidationError
from caseapp.services import outcomes
from caseapp.services.context import Ctx
from tests.harness.audit import audit_events
from tests.harness.women import insert_woman

TODAY = date(2026, 11, 24)


def test_record_a_review_in_one_call(manager: Ctx) -> None:
    woman = insert_woman(manager.store, children=2)
    saved = outcomes.record_outcomes(
        manager,
        woman,
        kind="review",
        date="24/11/2026",
        answers={
            "felt_safe": 4,
            "health_wellbeing": "3",
            "financial_management": None,
            "parenting": 5,
        },
    )
    assert saved.date == TODAY and saved.kind == "review"
    assert saved.answers == (("felt_safe", 4), ("health_wellbeing", 3), ("parenting", 5))
    assert saved.score("financial_management") is None
    [(subject, _ref, detail)] = audit_events(manager.store, "outcomes_recorded")
    assert subject == woman
    assert detail == {"fields": ["felt_safe", "health_wellbeing", "parenting"], "kind": "review"}


def test_answering_again_the_same_day_replaces(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    outcomes.record_outcomes(manager, woman, kind="baseline", date=TODAY, answers={"felt_safe": 2})
    again = outcomes.record_outcomes(
        manager,
        woman,
        kind="baseline",
        date=TODAY,
        answers={"felt_safe": 3, "health_wellbeing": 2},
    )
    assert again.answers == (("felt_safe", 3), ("health_wellbeing", 2))
    assert outcomes.list_outcomes(manager, woman) == [again]
    # The same answers once more change nothing and are not audited.
    outcomes.record_outcomes(manager, woman, kind="baseline", date=TODAY, answers={"felt_safe": 3})
    assert len(audit_events(manager.store, "outcomes_recorded")) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"answers": {"felt_safe": 6}}, "from 1 to 5"),
        ({"answers": {"felt_safe": 0}}, "from 1 to 5"),
        ({"answers": {"felt_safe": "x"}}, "whole number"),
        ({"answers": {"happiness": 3}}, "Question"),
        ({"answers": {"felt_safe": None, "parenting": ""}}, "at least one"),
        ({"kind": "monthly"}, "Kind"),
        ({"date": "25/11/2026"}, "future"),
    ],
)
def test_refuses_bad_answers(manager: Ctx, kwargs: dict[str, object], message: str) -> None:
    woman = insert_woman(manager.store)
    args: dict[str, object] = {"kind": "review", "date": TODAY, "answers": {"felt_safe": 3}}
    args.update(kwargs)
    with pytest.raises(ValidationError, match=message):
        outcomes.record_outcomes(manager, woman, **args)  # type: ignore[arg-type]
    assert outcomes.list_outcomes(manager, woman) == []


def test_parenting_only_where_she_has_children(manager: Ctx) -> None:
    none = insert_woman(manager.store, children=0)
    unknown = insert_woman(manager.store, children=None)
    with pytest.raises(ValidationError, match="no dependent children"):
        outcomes.record_outcomes(
            manager, none, kind="baseline", date=TODAY, answers={"parenting": 3}
        )
    # Skipping parenting is fine, and with children not recorded it may be answered.
    outcomes.record_outcomes(
        manager,
        none,
        kind="baseline",
        date=TODAY,
        answers={"felt_safe": 3, "parenting": None},
    )
    outcomes.record_outcomes(
        manager, unknown, kind="baseline", date=TODAY, answers={"parenting": 3}
    )
    assert outcomes.start_outcomes(manager, none).has_children is False
    assert outcomes.start_outcomes(manager, unknown).has_children is None


def test_start_shows_baseline_latest_and_suggests_kind(manager: Ctx) -> None:
    woman = insert_woman(manager.store, "Ama", "Owusu", children=1)
    start = outcomes.start_outcomes(manager, woman)
    assert (start.suggested_kind, start.has_children, start.name) == ("baseline", True, "Ama Owusu")
    outcomes.record_outcomes(
        manager,
        woman,
        kind="baseline",
        date=date(2026, 2, 1),
        answers={"felt_safe": 2},
    )
    outcomes.record_outcomes(
        manager,
        woman,
        kind="review",
        date=date(2026, 6, 1),
        answers={"felt_safe": 4},
    )
    outcomes.record_outcomes(
        manager,
        woman,
        kind="review",
        date=date(2026, 1, 1),
        answers={"health_wellbeing": 4},
    )
    start = outcomes.start_outcomes(manager, woman)
    assert start.suggested_kind == "review"
    assert (start.baseline_score("felt_safe"), start.latest_score("felt_safe")) == (2, 4)
    assert start.baseline_score("parenting") is None
    # A review with no baseline before it is not a "latest" against anything.
    assert start.latest_score("health_wellbeing") is None
    closed = insert_woman(manager.store, status="closed")
    outcomes.record_outcomes(manager, closed, kind="baseline", date=TODAY, answers={"felt_safe": 2})
    assert outcomes.start_outcomes(manager, closed).suggested_kind == "exit"


def test_history_grouped_oldest_first(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    for day, kind, score in ((date(2026, 6, 1), "review", 4), (date(2026, 2, 1), "baseline", 2)):
        outcomes.record_outcomes(manager, woman, kind=kind, date=day, answers={"felt_safe": score})
    history = outcomes.list_outcomes(manager, woman)
    assert [(s.date, s.kind, s.score("felt_safe")) for s in history] == [
        (date(2026, 2, 1), "baseline", 2),
        (date(2026, 6, 1), "review", 4),
    ]


def test_keyworker_access(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    woman = insert_woman(manager.store, keyworker_id=kim.actor.user_id)
    outcomes.record_outcomes(kim, woman, kind="baseline", date=TODAY, answers={"felt_safe": 2})
    with pytest.raises(PermissionDenied):
        outcomes.record_outcomes(lee, woman, kind="review", date=TODAY, answers={"felt_safe": 5})
    with pytest.raises(PermissionDenied):
        outcomes.list_outcomes(lee, woman)
    assert len(audit_events(manager.store, "permission_denied")) == 2
    assert outcomes.list_outcomes(kim, woman)[0].score("felt_safe") == 2


def test_problems_name_the_question(manager: Ctx) -> None:
    woman = insert_woman(manager.store, children=0)
    for answers, field in (({"felt_safe": 9}, "felt_safe"), ({"parenting": 3}, "parenting")):
        with pytest.raises(ValidationError) as caught:
            outcomes.record_outcomes(manager, woman, kind="review", date=TODAY, answers=answers)
        assert list(caught.value.fields) == [field]
