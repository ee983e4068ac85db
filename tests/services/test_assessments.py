"""Needs assessments: validation, corrections, access, audit and the distance travelled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from caseapp.errors import NotFound, PermissionDenied, ValidationError
from caseapp.services import assessments
from caseapp.services.assessments import ItemInput
from caseapp.services.audit import verify_chain
from caseapp.services.context import Ctx
from tests.harness.audit import audit_events
from tests.harness.women import insert_woman

TODAY = date(2026, 11, 24)


def _items(**scores: tuple[str | None, int | None]) -> list[ItemInput]:
    return [ItemInput(area, level, score) for area, (level, score) in scores.items()]


def test_record_and_read_back(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    saved = assessments.record_assessment(
        manager,
        woman,
        kind="baseline",
        date="01/03/2026",
        items=[
            ItemInput("MH", "high", 3, "Anxious; on a waiting list"),
            ItemInput("ACC", "medium", "5"),
            ItemInput("FIN"),  # nothing typed: not saved
        ],
        note="First meeting",
    )
    assert saved.date == date(2026, 3, 1)
    assert [i.need_area for i in saved.items] == ["ACC", "MH"]  # need-area order
    assert saved.item("MH") == assessments.AssessmentItemView(
        "MH", "high", 3, "Anxious; on a waiting list"
    )
    assert saved.item("FIN") is None
    assert saved.assessor == "Maria Manager"
    assert assessments.get_assessment(manager, saved.id) == saved
    assert assessments.list_assessments(manager, woman) == [saved]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "intake"}, "Kind"),
        ({"date": "25/11/2026"}, "future"),
        ({"date": "31/02/2026"}, "not a real date"),
        ({"date": ""}, "required"),
        ({"items": [ItemInput("MH", None, 11)]}, "from 1 to 10"),
        ({"items": [ItemInput("MH", None, 0)]}, "from 1 to 10"),
        ({"items": [ItemInput("MH", None, "six")]}, "whole number"),
        ({"items": [ItemInput("MH", "severe", 4)]}, "level"),
        ({"items": [ItemInput("XX", "low", 4)]}, "Need area"),
        ({"items": [ItemInput("MH", "low", 4), ItemInput("MH", "high", 2)]}, "twice"),
        ({"items": [ItemInput("MH"), ItemInput("SM")]}, "at least one"),
        ({"items": [ItemInput("MH", "low", 4, "x\x00y")]}, "NUL"),
    ],
)
def test_refuses_bad_input(manager: Ctx, kwargs: dict[str, object], message: str) -> None:
    woman = insert_woman(manager.store)
    args: dict[str, object] = {
        "kind": "review",
        "date": "24/11/2026",
        "items": [ItemInput("MH", "low", 4)],
    }
    args.update(kwargs)
    with pytest.raises(ValidationError, match=message):
        assessments.record_assessment(manager, woman, **args)  # type: ignore[arg-type]
    assert assessments.list_assessments(manager, woman) == []


def test_update_replaces_items_and_audits_field_names_only(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    saved = assessments.record_assessment(
        manager,
        woman,
        kind="baseline",
        date=date(2026, 3, 1),
        items=[ItemInput("MH", "high", 3, "secret words"), ItemInput("SM", "low", 8)],
    )
    updated = assessments.update_assessment(
        manager,
        saved.id,
        kind="baseline",
        date=date(2026, 3, 1),
        items=[ItemInput("MH", "high", 4, "secret words"), ItemInput("DA", "medium", 5)],
    )
    assert [(i.need_area, i.score) for i in updated.items] == [("MH", 4), ("DA", 5)]
    [(subject, ref, detail)] = audit_events(manager.store, "assessment_updated")
    assert subject == woman and ref.startswith("MIN-")
    assert detail["fields"] == sorted(["MH.score", "SM.level", "SM.score", "DA.level", "DA.score"])
    assert "secret" not in str(audit_events(manager.store, "assessment_recorded"))
    # Saving it unchanged records nothing.
    assessments.update_assessment(
        manager,
        saved.id,
        kind="baseline",
        date=date(2026, 3, 1),
        items=[ItemInput("MH", "high", 4, "secret words"), ItemInput("DA", "medium", 5)],
    )
    assert len(audit_events(manager.store, "assessment_updated")) == 1
    assert verify_chain(manager.store).ok


def test_delete(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    saved = assessments.record_assessment(
        manager, woman, kind="review", date=TODAY, items=_items(MH=("low", 6))
    )
    assessments.delete_assessment(manager, saved.id)
    assert assessments.list_assessments(manager, woman) == []
    with pytest.raises(NotFound):
        assessments.get_assessment(manager, saved.id)
    assert len(audit_events(manager.store, "assessment_deleted")) == 1


def test_keyworker_only_her_own_women(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    hers = insert_woman(manager.store, keyworker_id=kim.actor.user_id)
    saved = assessments.record_assessment(
        kim, hers, kind="baseline", date=TODAY, items=_items(MH=("low", 6))
    )
    assert assessments.list_assessments(kim, hers) == [saved]
    with pytest.raises(PermissionDenied):
        assessments.record_assessment(
            lee, hers, kind="review", date=TODAY, items=_items(MH=("low", 7))
        )
    with pytest.raises(PermissionDenied):
        assessments.distance_travelled(lee, hers)
    with pytest.raises(PermissionDenied):
        assessments.update_assessment(
            lee, saved.id, kind="review", date=TODAY, items=_items(MH=("low", 7))
        )
    denials = audit_events(manager.store, "permission_denied")
    assert [d[0] for d in denials] == [hers, hers, hers]
    assert all(d[2]["permission"] == "women.view" for d in denials)
    with pytest.raises(NotFound):
        assessments.distance_travelled(kim, 999_999)


def test_admin_may_not_assess(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    admin = make_user("ada", role="admin")
    woman = insert_woman(manager.store)
    with pytest.raises(PermissionDenied):
        assessments.record_assessment(
            admin, woman, kind="baseline", date=TODAY, items=_items(MH=("low", 6))
        )


def test_distance_travelled_baseline_against_latest(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    record = assessments.record_assessment
    record(
        manager,
        woman,
        kind="baseline",
        date=date(2026, 1, 10),
        items=_items(MH=("high", 2), ACC=("medium", 4), SM=("low", None)),
    )
    record(
        manager,
        woman,
        kind="review",
        date=date(2026, 4, 10),
        items=_items(MH=("medium", 5), ACC=("high", 3), DA=("low", 7)),
    )
    record(
        manager,
        woman,
        kind="exit",
        date=date(2026, 9, 1),
        items=_items(MH=("low", 8)),
    )
    result = assessments.distance_travelled(manager, woman)
    areas = {a.need_area: a for a in result.areas}
    assert list(areas) == ["ACC", "ETE", "FIN", "MH", "PH", "SM", "PAR", "DA", "SW", "ATB"]
    mh = areas["MH"]
    assert mh.baseline is not None and mh.baseline.score == 2
    assert mh.latest is not None and (mh.latest.score, mh.latest.kind) == (8, "exit")
    assert mh.change == 6
    assert [p.score for p in mh.history] == [2, 5, 8]
    assert areas["ACC"].change == -1
    # A level with no score is history but not a distance.
    assert areas["SM"].baseline is None and len(areas["SM"].history) == 1
    # First scored at review: measured from that first score; nothing since.
    da = areas["DA"]
    assert da.baseline is not None and da.baseline.kind == "review"
    assert da.latest is None and da.change is None
    assert areas["ETE"].history == ()
    assert [a.kind for a in result.assessments] == ["baseline", "review", "exit"]


def test_earliest_baseline_wins_even_when_entered_later(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    assessments.record_assessment(
        manager,
        woman,
        kind="review",
        date=date(2026, 6, 1),
        items=_items(MH=("low", 7)),
    )
    assessments.record_assessment(
        manager,
        woman,
        kind="baseline",
        date=date(2026, 2, 1),
        items=_items(MH=("high", 3)),
    )
    mh = assessments.distance_travelled(manager, woman).areas[3]
    assert mh.need_area == "MH"
    assert mh.baseline is not None and mh.baseline.date == date(2026, 2, 1)
    assert mh.change == 4


def test_start_suggests_kind(manager: Ctx) -> None:
    woman = insert_woman(manager.store, "Ama", "Owusu")
    start = assessments.start_assessment(manager, woman)
    assert (start.suggested_kind, start.previous, start.name) == ("baseline", None, "Ama Owusu")
    first = assessments.record_assessment(
        manager, woman, kind="baseline", date=TODAY, items=_items(MH=("low", 6))
    )
    start = assessments.start_assessment(manager, woman)
    assert start.suggested_kind == "review" and start.current is None
    assert start.previous == first
    second = assessments.record_assessment(
        manager, woman, kind="exit", date=TODAY, items=_items(MH=("low", 9))
    )
    # Correcting the exit: compared with the one before it, and its own kind kept.
    editing = assessments.start_assessment(manager, woman, assessment_id=second.id)
    assert (editing.current, editing.previous, editing.suggested_kind) == (second, first, "exit")
    with pytest.raises(NotFound):
        assessments.start_assessment(manager, woman, assessment_id=second.id + 100)


def test_problems_name_the_area_or_field(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    for kwargs, field in (
        ({"items": [ItemInput("MH", "low", 12)]}, "MH"),
        ({"items": [ItemInput("DA", "severe", 3)]}, "DA"),
        ({"items": [ItemInput("MH")]}, "items"),
        ({"date": "tomorrow"}, "date"),
        ({"kind": "x"}, "kind"),
    ):
        args: dict[str, object] = {"kind": "review", "date": TODAY, "items": _items(MH=("low", 4))}
        args.update(kwargs)
        with pytest.raises(ValidationError) as caught:
            assessments.record_assessment(manager, woman, **args)  # type: ignore[arg-type]
        assert list(caught.value.fields) == [field]
