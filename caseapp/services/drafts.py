"""Drafts: an open form's contents, kept for the member of staff who typed them.

A draft is written when the store locks with a form open (by key or when idle) and, while she
types, every few seconds, so that a crash or a killed terminal loses at most those seconds. It
is read back at her next unlock and deleted when the form is saved or discarded. Drafts are
hers alone: no other user, manager or not, can list or read them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, delete, select

from caseapp.models.base import utcnow
from caseapp.models.drafts import Draft
from caseapp.services.context import Ctx

REASONS = ("lock", "autosave")


@dataclass(frozen=True)
class DraftView:
    """A draft as the UI needs it: where it was typed, which form, and what was typed."""

    id: int
    woman_id: int | None
    route: dict[str, Any]
    form: dict[str, Any]
    title: str
    content: dict[str, Any]
    reason: str
    saved_at: datetime


def _view(row: Draft) -> DraftView:
    assert row.id is not None
    return DraftView(
        id=row.id,
        woman_id=row.woman_id,
        route=json.loads(row.route),
        form=json.loads(row.form),
        title=row.title,
        content=json.loads(row.content),
        reason=row.reason,
        saved_at=row.saved_at,
    )


def save_draft(
    ctx: Ctx,
    *,
    route: dict[str, Any],
    form: dict[str, Any],
    content: dict[str, Any],
    title: str = "",
    woman_id: int | None = None,
    reason: str = "autosave",
    draft_id: int | None = None,
) -> int:
    """Write (or overwrite `draft_id`, if it is hers) a draft; return its id."""
    if reason not in REASONS:
        raise ValueError(f"unknown draft reason {reason!r}")
    with ctx.write() as session:
        row = session.get(Draft, draft_id) if draft_id is not None else None
        if row is None or row.user_id != ctx.actor.user_id:
            row = Draft(user_id=ctx.actor.user_id)
        row.woman_id = woman_id
        row.route = json.dumps(route, sort_keys=True)
        row.form = json.dumps(form, sort_keys=True)
        row.title = title[:200]
        row.content = json.dumps(content, sort_keys=True)
        row.reason = reason
        row.saved_at = utcnow()
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def my_drafts(ctx: Ctx) -> list[DraftView]:
    """The signed-in user's drafts, newest first."""
    with ctx.read() as session:
        rows = session.exec(
            select(Draft)
            .where(col(Draft.user_id) == ctx.actor.user_id)
            .order_by(col(Draft.saved_at).desc(), col(Draft.id).desc())
        ).all()
        return [_view(row) for row in rows]


def delete_draft(ctx: Ctx, draft_id: int) -> None:
    """Delete one of her drafts (saved or discarded); someone else's is left alone."""
    with ctx.write() as session:
        session.execute(
            delete(Draft).where(col(Draft.id) == draft_id, col(Draft.user_id) == ctx.actor.user_id)
        )


def drafts_about(ctx: Ctx, woman_id: int) -> list[DraftView]:
    """Every draft typed on a woman's record, whoever typed it (for her subject access pack).

    Callers check the right to see her pack; drafts are otherwise never shown to anyone but
    their author.
    """
    with ctx.read() as session:
        rows = session.exec(
            select(Draft).where(col(Draft.woman_id) == woman_id).order_by(col(Draft.id))
        ).all()
        return [_view(row) for row in rows]
