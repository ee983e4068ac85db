"""Drafts: what was typed in a form that was open when the store locked or the app died."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from caseapp.models.base import utcnow


class Draft(SQLModel, table=True):
    """One open form's contents, kept (encrypted, like everything in the store) for its author.

    `route` says which screen the form was opened from and `form` which of its forms, both as
    JSON, so the same screen and form can be opened again; `content` maps field to value.
    `woman_id` is set when the form was on a woman's record: the draft is erased with her
    (ON DELETE CASCADE) and is part of her subject access pack.
    """

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    woman_id: int | None = Field(
        default=None, foreign_key="woman.id", ondelete="CASCADE", index=True
    )
    route: str = Field(default="{}", max_length=2000)
    form: str = Field(default="{}", max_length=2000)
    title: str = Field(default="", max_length=200)
    content: str = Field(default="{}", max_length=200_000)
    reason: str = Field(default="autosave", max_length=10)
    saved_at: datetime = Field(default_factory=utcnow)
