"""Outcome answers keep the time they were recorded, to order answers given the same day.

Answers recorded before this revision have no time (NULL): they sort before any answer with
one, and by insertion order among themselves, as they did before.

Revision ID: 0005_outcome_recorded_at
Revises: 0004_drafts
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_outcome_recorded_at"
down_revision: str | None = "0004_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add outcome.recorded_at."""
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.drop_column("recorded_at")
