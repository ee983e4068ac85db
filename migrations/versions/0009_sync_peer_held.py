"""Sync: the column of women each hub holds, on stores that took revision 0006 before it had it.

Revision 0006 gained `sync_peer.held` after some working stores had already taken it; this
adds the column where it is missing and does nothing elsewhere.

Revision ID: 0009_sync_peer_held
Revises: 0008_sync_audit_replica
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_sync_peer_held"
down_revision: str | None = "0008_sync_audit_replica"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `sync_peer.held` if this store lacks it."""
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("sync_peer")}
    if "held" in have:
        return
    with op.batch_alter_table("sync_peer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "held",
                sqlmodel.sql.sqltypes.AutoString(length=10000000),
                nullable=False,
                server_default="[]",
            )
        )


def downgrade() -> None:
    """Nothing: revision 0006 owns the column."""
