"""Support plans: goals per need area with a target date and a status; goals that are overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, union
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from caseapp.errors import NotFound, ValidationError
from caseapp.models import PlanGoal, Woman, WomanShare
from caseapp.models.codes import GOAL_STATUSES, NEED_AREAS
from caseapp.services import audit
from caseapp.services.access import get_visible_woman, visible_women
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.services.recording import check_code, clean_field, keyed, user_names, woman_name
from caseapp.services.validation import parse_date

DESCRIPTION_LIMIT = 2000
# A target further off than this is almost always a mistyped year.
TARGET_HORIZON = timedelta(days=5 * 366)


@dataclass(frozen=True)
class GoalView:
    """A goal in her support plan."""

    id: int
    woman_id: int
    need_area: str
    description: str
    target_date: date | None
    status: str
    created_by: str

    def is_overdue(self, today: date) -> bool:
        """Open and past its target date (as `overdue_condition` says in SQL)."""
        return self.status == "open" and self.target_date is not None and self.target_date < today


@dataclass(frozen=True)
class OverdueGoal:
    """An open goal past its target date, with whose it is (for the home screen)."""

    goal_id: int
    woman_id: int
    reference: str
    name: str
    need_area: str
    description: str
    target_date: date
    days_overdue: int


def _view(goal: PlanGoal, names: dict[int, str]) -> GoalView:
    assert goal.id is not None
    return GoalView(
        goal.id,
        goal.woman_id,
        goal.need_area,
        goal.description,
        goal.target_date,
        goal.status,
        names.get(goal.created_by_id or 0, ""),
    )


def _clean(
    need_area: str, description: str, target_date: str | date | None, today: date
) -> tuple[str, str, date]:
    area = check_code(need_area, NEED_AREAS, "Need area")
    text = clean_field(description, "Goal", "description", limit=DESCRIPTION_LIMIT, multiline=True)
    if not text:
        raise ValidationError("Goal: say what she is aiming for.", {"description": "required"})
    with keyed("target_date"):
        target = parse_date(target_date, "Target date", today=today)
    if target is None:
        raise ValidationError("Target date: required.", {"target_date": "required"})
    if target > today + TARGET_HORIZON:
        raise ValidationError(
            "Target date: more than five years ahead; check the year.", {"target_date": "far"}
        )
    return area, text, target


def _load(session: Session, ctx: Ctx, goal_id: int) -> tuple[PlanGoal, Woman]:
    goal = session.get(PlanGoal, goal_id)
    if goal is None:
        raise NotFound("No such goal.")
    return goal, get_visible_woman(session, ctx, goal.woman_id)


def add_goal(
    ctx: Ctx,
    woman_id: int,
    *,
    need_area: str,
    description: str,
    target_date: str | date | None,
) -> GoalView:
    """Add an open goal to her support plan.

    Raises:
        ValidationError: unknown need area, empty description, missing or far-off target.
        PermissionDenied: she is not on the actor's caseload (audited).
    """
    require(ctx, "women.edit", subject_id=woman_id)
    area, text, target = _clean(need_area, description, target_date, ctx.clock.today())
    with ctx.write() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        goal = PlanGoal(
            woman_id=woman_id,
            need_area=area,
            description=text,
            target_date=target,
            status="open",
            created_by_id=ctx.actor.user_id,
        )
        session.add(goal)
        session.flush()
        audit.record(
            session,
            ctx,
            "goal_added",
            subject_id=woman_id,
            subject_ref=woman.reference,
            fields=["need_area", "description", "target_date", "status"],
            goal_id=goal.id,
        )
        return _view(goal, user_names(session, [goal.created_by_id]))


def update_goal(
    ctx: Ctx,
    goal_id: int,
    *,
    need_area: str,
    description: str,
    target_date: str | date | None,
    status: str,
) -> GoalView:
    """Change a goal: its area, wording, target date or status.

    Raises:
        NotFound: no such goal.
        ValidationError: as for `add_goal`, or an unknown status.
        PermissionDenied: she is not on the actor's caseload (audited).
    """
    require(ctx, "women.edit")
    area, text, target = _clean(need_area, description, target_date, ctx.clock.today())
    status = check_code(status, GOAL_STATUSES, "Status")
    changes = {"need_area": area, "description": text, "target_date": target, "status": status}
    return _change(ctx, goal_id, changes)


def set_goal_status(ctx: Ctx, goal_id: int, status: str) -> GoalView:
    """Mark a goal open, achieved, partly achieved or not achieved."""
    require(ctx, "women.edit")
    return _change(ctx, goal_id, {"status": check_code(status, GOAL_STATUSES, "Status")})


def _change(ctx: Ctx, goal_id: int, changes: dict[str, object]) -> GoalView:
    """Apply checked `changes` to a goal of a woman the actor may see; audit what differed."""
    with ctx.write() as session:
        goal, woman = _load(session, ctx, goal_id)
        fields = [name for name, value in changes.items() if getattr(goal, name) != value]
        if fields:
            for name, value in changes.items():
                setattr(goal, name, value)
            goal.updated_at = ctx.clock.utcnow()
            session.add(goal)
            audit.record(
                session,
                ctx,
                "goal_updated",
                subject_id=woman.id,
                subject_ref=woman.reference,
                fields=fields,
                goal_id=goal_id,
            )
        return _view(goal, user_names(session, [goal.created_by_id]))


def delete_goal(ctx: Ctx, goal_id: int) -> None:
    """Remove a goal added in error (a goal she did not reach is marked, not deleted)."""
    require(ctx, "women.edit")
    with ctx.write() as session:
        goal, woman = _load(session, ctx, goal_id)
        session.delete(goal)
        audit.record(
            session,
            ctx,
            "goal_deleted",
            subject_id=woman.id,
            subject_ref=woman.reference,
            goal_id=goal_id,
        )


def list_goals(ctx: Ctx, woman_id: int) -> list[GoalView]:
    """Her goals: open ones first by target date, then the rest, most recent target first."""
    with ctx.read() as session:
        get_visible_woman(session, ctx, woman_id)
        goals = session.exec(select(PlanGoal).where(col(PlanGoal.woman_id) == woman_id)).all()
        names = user_names(session, (g.created_by_id for g in goals))
    views = [_view(g, names) for g in goals]
    open_goals = sorted(
        (g for g in views if g.status == "open"), key=lambda g: (g.target_date or date.max, g.id)
    )
    closed = sorted(
        (g for g in views if g.status != "open"),
        key=lambda g: (g.target_date or date.min, g.id),
        reverse=True,
    )
    return open_goals + closed


def _caseload_ids(user_id: int) -> SelectOfScalar[int | None]:
    return select(col(Woman.id)).where(col(Woman.keyworker_id) == user_id)


def overdue_condition(today: date) -> ColumnElement[bool]:
    """The one definition of an overdue goal (a `PlanGoal` condition), for lists and home.

    Open, and its target date has passed: a goal due today is not overdue yet. Only women
    whose case is open are listed; the callers add that and who may see her.
    """
    return and_(col(PlanGoal.status) == "open", col(PlanGoal.target_date) < today)


def overdue_goals(
    ctx: Ctx, *, caseload_only: bool = False, limit: int | None = 100
) -> list[OverdueGoal]:
    """Open goals past their target date, for women the actor may see whose case is open.

    Args:
        ctx: who is acting; keyworkers see their own caseload and women shared with them.
        caseload_only: only women allocated to the actor (a manager's own caseload).
        limit: at most this many, the longest overdue first (None for all).
    """
    today = ctx.clock.today()
    query = (
        select(PlanGoal, Woman)
        .join(Woman, col(Woman.id) == col(PlanGoal.woman_id))
        .where(overdue_condition(today), col(Woman.status) != "closed", visible_women(ctx))
        .order_by(col(PlanGoal.target_date), col(PlanGoal.id))
    )
    if caseload_only:
        query = query.where(col(PlanGoal.woman_id).in_(_caseload_ids(ctx.actor.user_id)))
    elif not ctx.actor.is_manager:
        # visible_women stays the rule; this lets SQLite start from her few women (by
        # index) instead of every overdue goal in the provider.
        shared = select(col(WomanShare.woman_id)).where(
            col(WomanShare.user_id) == ctx.actor.user_id
        )
        query = query.where(
            col(PlanGoal.woman_id).in_(union(_caseload_ids(ctx.actor.user_id), shared))
        )
    if limit is not None:
        query = query.limit(limit)
    with ctx.read() as session:
        rows = session.exec(query).all()
    result = []
    for goal, woman in rows:
        assert goal.id is not None and woman.id is not None and goal.target_date is not None
        result.append(
            OverdueGoal(
                goal.id,
                woman.id,
                woman.reference,
                woman_name(woman),
                goal.need_area,
                goal.description,
                goal.target_date,
                (today - goal.target_date).days,
            )
        )
    return result
