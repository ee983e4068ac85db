"""Sync: copies of a hub's audit chain at the centre, with the hub's signed summaries.

Revision ID: 0008_sync_audit_replica
Revises: 0007_return_release
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_sync_audit_replica"
down_revision: str | None = "0007_return_release"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    """Create the replica tables; peers start with nothing of this store's log acknowledged."""
    op.create_table(
        "sync_audit_batch",
        sa.Column("origin", _text(32), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("digest", _text(64), nullable=False),
        sa.Column("signature", _text(128), nullable=False),
        sa.PrimaryKeyConstraint("origin", "first_seq"),
    )
    op.create_table(
        "sync_audit_entry",
        sa.Column("origin", _text(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry", _text(100000), nullable=False),
        sa.Column("prev_hmac", _text(64), nullable=False),
        sa.Column("hmac", _text(64), nullable=False),
        sa.PrimaryKeyConstraint("origin", "seq"),
    )
    with op.batch_alter_table("sync_peer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audit_acked", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("sync_peer", schema=None) as batch_op:
        batch_op.drop_column("audit_acked")
    op.drop_table("sync_audit_entry")
    op.drop_table("sync_audit_batch")
