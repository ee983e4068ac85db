"""Non-client outputs: training for the judiciary and professionals, peer mentors trained."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from caseapp.errors import NotFound, ValidationError
from caseapp.models import Activity
from caseapp.models.codes import ACTIVITY_TYPES
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.services.permissions import require, require_for
from caseapp.services.recording import (
    check_code,
    check_hub,
    check_int,
    clean_field,
    hub_names,
    past_date,
    user_names,
)

DESCRIPTION_LIMIT = 2000
SESSIONS_MAX = 1000
PARTICIPANTS_MAX = 100_000


@dataclass(frozen=True)
class ActivityInput:
    """An activity as typed in the form (numbers may still be text)."""

    type: str
    date: str | date | None
    sessions: int | str = 1
    participants: int | str = 0
    hub_id: int | None = None
    description: str = ""


@dataclass(frozen=True)
class ActivityView:
    """A recorded activity."""

    id: int
    date: date
    type: str
    sessions: int
    participants: int
    hub_id: int | None
    hub: str
    description: str
    recorded_by_id: int | None
    recorded_by: str


@dataclass(frozen=True)
class ActivityTotals:
    """Sessions and participants of one activity type over a list."""

    type: str
    activities: int
    sessions: int
    participants: int


def _clean(entered: ActivityInput, today: date | None) -> dict[str, object]:
    kind = check_code(entered.type, ACTIVITY_TYPES, "Type")
    participants = check_int(entered.participants, "Participants", 0, PARTICIPANTS_MAX)
    if kind == "peer_mentor_training" and participants == 0:
        # The return's `peer_mentors_trained` is this number: zero would be a silent gap.
        raise ValidationError(
            "Participants: how many peer mentors were trained (at least 1).",
            {"participants": "required"},
        )
    return {
        "type": kind,
        "date": past_date(entered.date, "Date", today),
        "sessions": check_int(entered.sessions, "Sessions", 1, SESSIONS_MAX),
        "participants": participants,
        "description": clean_field(
            entered.description,
            "Description",
            "description",
            limit=DESCRIPTION_LIMIT,
            multiline=True,
        ),
    }


def _views(session: Session, rows: list[Activity]) -> list[ActivityView]:
    hubs = hub_names(session, (a.hub_id for a in rows))
    staff = user_names(session, (a.created_by_id for a in rows))
    return [
        ActivityView(
            a.id or 0,
            a.date,
            a.type,
            a.sessions,
            a.participants,
            a.hub_id,
            hubs.get(a.hub_id or 0, ""),
            a.description,
            a.created_by_id,
            staff.get(a.created_by_id or 0, ""),
        )
        for a in rows
    ]


def _load(session: Session, ctx: Ctx, activity_id: int) -> Activity:
    """An activity the actor recorded, or any activity for a manager; refusals are audited."""
    require(ctx, "activities.record")
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise NotFound("No such activity.")
    require_for(
        ctx,
        "activities.others",
        owner_id=activity.created_by_id,
        message="You can change only the activities you recorded; ask a manager.",
    )
    return activity


def record_activity(ctx: Ctx, entered: ActivityInput) -> ActivityView:
    """Record a non-client output.

    Raises:
        ValidationError: unknown type, a future date, numbers out of range, an unknown hub,
            or a peer-mentor training with nobody trained.
        PermissionDenied: the role may not record activities (audited).
    """
    require(ctx, "activities.record")
    values = _clean(entered, ctx.clock.today())
    with ctx.write() as session:
        values["hub_id"] = check_hub(session, entered.hub_id)
        activity = Activity(created_by_id=ctx.actor.user_id, **values)  # type: ignore[arg-type]
        session.add(activity)
        session.flush()
        audit.record(
            session,
            ctx,
            "activity_recorded",
            fields=[name for name, value in values.items() if value not in (None, "")],
            activity_id=activity.id,
        )
        return _views(session, [activity])[0]


def update_activity(ctx: Ctx, activity_id: int, entered: ActivityInput) -> ActivityView:
    """Correct an activity (the keyworker who recorded it, or a manager)."""
    values = _clean(entered, ctx.clock.today())
    with ctx.write() as session:
        activity = _load(session, ctx, activity_id)
        values["hub_id"] = check_hub(session, entered.hub_id)
        fields = [name for name, value in values.items() if getattr(activity, name) != value]
        if fields:
            for name, value in values.items():
                setattr(activity, name, value)
            session.add(activity)
            audit.record(session, ctx, "activity_updated", fields=fields, activity_id=activity_id)
        return _views(session, [activity])[0]


def delete_activity(ctx: Ctx, activity_id: int) -> None:
    """Remove an activity recorded in error."""
    with ctx.write() as session:
        activity = _load(session, ctx, activity_id)
        session.delete(activity)
        audit.record(session, ctx, "activity_deleted", activity_id=activity_id)


def list_activities(
    ctx: Ctx,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    type: str | None = None,
    limit: int = 1000,
) -> list[ActivityView]:
    """Activities newest first: all of them for a manager, her own for a keyworker."""
    require(ctx, "activities.record")
    query = select(Activity)
    if not ctx.actor.is_manager:
        query = query.where(col(Activity.created_by_id) == ctx.actor.user_id)
    if date_from is not None:
        query = query.where(col(Activity.date) >= date_from)
    if date_to is not None:
        query = query.where(col(Activity.date) <= date_to)
    if type:
        query = query.where(col(Activity.type) == check_code(type, ACTIVITY_TYPES, "Type"))
    query = query.order_by(col(Activity.date).desc(), col(Activity.id).desc()).limit(limit)
    with ctx.read() as session:
        return _views(session, list(session.exec(query).all()))


def get_activity(ctx: Ctx, activity_id: int) -> ActivityView:
    """One activity the actor may change."""
    with ctx.read() as session:
        return _views(session, [_load(session, ctx, activity_id)])[0]


def totals(activities: list[ActivityView]) -> list[ActivityTotals]:
    """Per type, how many activities, sessions and participants are in `activities`."""
    result = []
    for kind in ACTIVITY_TYPES:
        rows = [a for a in activities if a.type == kind]
        result.append(
            ActivityTotals(
                kind,
                len(rows),
                sum(a.sessions for a in rows),
                sum(a.participants for a in rows),
            )
        )
    return result
