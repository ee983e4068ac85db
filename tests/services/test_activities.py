"""Non-client outputs: validation, who sees and changes which, totals, audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from caseapp.errors import NotFound, PermissionDenied, ValidationError
from caseapp.services import activities
from caseapp.services.activities import ActivityInput
from caseapp.services.context import Ctx
from tests.harness.audit import audit_events
from tests.harness.women import add_hub

TODAY = date(2026, 11, 24)


def _record(ctx: Ctx, **kw: object) -> activities.ActivityView:
    args: dict[str, object] = {
        "type": "judiciary_training",
        "date": "20/11/2026",
        "sessions": 2,
        "participants": 14,
        "description": "Magistrates' briefing",
    }
    args.update(kw)
    return activities.record_activity(ctx, ActivityInput(**args))  # type: ignore[arg-type]


def test_record_and_list(manager: Ctx) -> None:
    hub = add_hub(manager.store)
    saved = _record(manager, hub_id=hub)
    assert (saved.type, saved.date, saved.sessions, saved.participants, saved.hub) == (
        "judiciary_training",
        date(2026, 11, 20),
        2,
        14,
        "North Hub",
    )
    assert saved.recorded_by == "Maria Manager"
    assert activities.list_activities(manager) == [saved]
    assert activities.get_activity(manager, saved.id) == saved
    [(_, _, detail)] = audit_events(manager.store, "activity_recorded")
    assert detail["fields"] == ["date", "description", "hub_id", "participants", "sessions", "type"]
    assert "Magistrates" not in str(detail)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "knitting"}, "Type"),
        ({"date": "25/11/2026"}, "future"),
        ({"date": None}, "Date: required"),
        ({"sessions": 0}, "Sessions"),
        ({"sessions": "two"}, "Sessions"),
        ({"participants": -1}, "Participants"),
        ({"participants": 100_001}, "Participants"),
        ({"type": "peer_mentor_training", "participants": 0}, "peer mentors"),
        ({"hub_id": 42}, "Hub"),
        ({"description": "x" * 2001}, "Description"),
    ],
)
def test_refuses_bad_input(manager: Ctx, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _record(manager, **kwargs)
    assert activities.list_activities(manager) == []


def test_update_and_delete(manager: Ctx) -> None:
    saved = _record(manager)
    changed = activities.update_activity(
        manager,
        saved.id,
        ActivityInput("judiciary_training", "20/11/2026", "3", "14", None, "Magistrates' briefing"),
    )
    assert changed.sessions == 3
    [(_, _, detail)] = audit_events(manager.store, "activity_updated")
    assert detail == {"activity_id": saved.id, "fields": ["sessions"]}
    activities.delete_activity(manager, saved.id)
    assert activities.list_activities(manager) == []
    with pytest.raises(NotFound):
        activities.get_activity(manager, saved.id)
    assert len(audit_events(manager.store, "activity_deleted")) == 1


def test_keyworkers_see_and_change_their_own(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    kims = _record(kim, type="peer_mentor_training", participants=6)
    lees = _record(lee, type="professional_training")
    assert [a.id for a in activities.list_activities(kim)] == [kims.id]
    assert {a.id for a in activities.list_activities(manager)} == {kims.id, lees.id}
    with pytest.raises(PermissionDenied, match="you recorded"):
        activities.delete_activity(kim, lees.id)
    with pytest.raises(PermissionDenied):
        activities.update_activity(kim, lees.id, ActivityInput("professional_training", TODAY))
    assert len(audit_events(manager.store, "permission_denied")) == 2
    # A manager may correct anyone's.
    activities.delete_activity(manager, lees.id)
    admin = make_user("ada", role="admin")
    with pytest.raises(PermissionDenied):
        activities.list_activities(admin)


def test_filters_and_totals(manager: Ctx) -> None:
    _record(manager, date="01/04/2026", sessions=1, participants=10)
    _record(manager, date="01/05/2026", sessions=2, participants=20)
    _record(manager, type="peer_mentor_training", date="01/06/2026", sessions=4, participants=5)
    _record(manager, date="01/03/2026", sessions=9, participants=90)  # before the period
    listed = activities.list_activities(
        manager, date_from=date(2026, 4, 1), date_to=date(2027, 3, 31)
    )
    assert [a.date.month for a in listed] == [6, 5, 4]
    sums = {t.type: (t.activities, t.sessions, t.participants) for t in activities.totals(listed)}
    assert sums == {
        "judiciary_training": (2, 3, 30),
        "professional_training": (0, 0, 0),
        "peer_mentor_training": (1, 4, 5),
    }
    only = activities.list_activities(manager, type="peer_mentor_training")
    assert [a.type for a in only] == ["peer_mentor_training"]


def test_problems_name_the_form_field(manager: Ctx) -> None:
    for kwargs, field in (
        ({"sessions": 0}, "sessions"),
        ({"date": "01/01/2030"}, "date"),
        ({"description": "x" * 2001}, "description"),
        ({"type": "peer_mentor_training", "participants": 0}, "participants"),
        ({"hub_id": 42}, "hub"),
    ):
        with pytest.raises(ValidationError) as caught:
            _record(manager, **kwargs)
        assert list(caught.value.fields) == [field]
