"""Return indexes: outcome answers by kind and date, for the commissioner's return.

The return finds the women who gave a review or exit answer in the period; without this index
that is a scan of every answer ever given (measured in bench/bench_returns.py).

Revision ID: 0003_return_indexes
Revises: 0002_casework
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_return_indexes"
down_revision: str | None = "0002_casework"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the covering index for "who answered in the period"."""
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outcome_kind_date", ["kind", "date", "question", "woman_id"], unique=False
        )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_kind_date")
