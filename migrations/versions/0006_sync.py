"""Sync between a centre and its hubs: identity, change log, peers, conflicts, tombstones.

Existing rows get their uids when the store first takes part in sync (`caseapp sync enrol` or
`join`), not here: a store that never syncs pays nothing, and rows written between this
revision and enrolment would need the same pass anyway.

Revision ID: 0006_sync
Revises: 0005_outcome_recorded_at
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_sync"
down_revision: str | None = "0005_outcome_recorded_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    """Create the sync tables."""
    op.create_table(
        "sync_bundle",
        sa.Column("digest", _text(64), nullable=False),
        sa.Column("sender", _text(32), nullable=False),
        sa.Column("applied", _text(40), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_table(
        "sync_change",
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("origin", _text(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hlc", _text(80), nullable=False),
        sa.Column("username", _text(64), nullable=False),
        sa.Column("tbl", _text(30), nullable=False),
        sa.Column("uid", _text(36), nullable=False),
        sa.Column("owner", _text(36), nullable=False),
        sa.Column("op", _text(1), nullable=False),
        sa.Column("data", _text(1000000), nullable=False),
        sa.PrimaryKeyConstraint("n"),
        sa.UniqueConstraint("origin", "seq", name="uq_sync_change_origin_seq"),
    )
    with op.batch_alter_table("sync_change", schema=None) as batch_op:
        batch_op.create_index("ix_sync_change_owner", ["owner"], unique=False)
        batch_op.create_index("ix_sync_change_row", ["tbl", "uid"], unique=False)
    op.create_table(
        "sync_clock",
        sa.Column("origin", _text(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("origin"),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tbl", _text(30), nullable=False),
        sa.Column("uid", _text(36), nullable=False),
        sa.Column("field", _text(40), nullable=False),
        sa.Column("owner", _text(36), nullable=False),
        sa.Column("sides", _text(200000), nullable=False),
        sa.Column("ancestor", _text(100000), nullable=False),
        sa.Column("opened", _text(80), nullable=False),
        sa.Column("status", _text(10), nullable=False),
        sa.Column("resolved_by", _text(64), nullable=False),
        sa.Column("resolved", _text(80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_conflict_field", ["tbl", "uid", "field", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sync_conflict_owner"), ["owner"], unique=False)
    op.create_table(
        "sync_field",
        sa.Column("tbl", _text(30), nullable=False),
        sa.Column("uid", _text(36), nullable=False),
        sa.Column("field", _text(40), nullable=False),
        sa.Column("stamp", _text(80), nullable=False),
        sa.Column("parents", _text(10000), nullable=False),
        sa.Column("old", _text(100000), nullable=False),
        sa.Column("value", _text(100000), nullable=False),
        sa.Column("username", _text(64), nullable=False),
        sa.Column("owner", _text(36), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "uid", "field", "stamp"),
    )
    with op.batch_alter_table("sync_field", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_field_owner"), ["owner"], unique=False)
    op.create_table(
        "sync_peer",
        sa.Column("store_uid", _text(32), nullable=False),
        sa.Column("name", _text(60), nullable=False),
        sa.Column("role", _text(10), nullable=False),
        sa.Column("kx_public", _text(64), nullable=False),
        sa.Column("sign_public", _text(64), nullable=False),
        sa.Column("acked", _text(100000), nullable=False),
        sa.Column("users", _text(100000), nullable=False),
        sa.Column("held", _text(10000000), nullable=False),
        sa.Column("last_sent", _text(40), nullable=False),
        sa.Column("last_received", _text(40), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("store_uid"),
    )
    op.create_table(
        "sync_pending",
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("tbl", _text(30), nullable=False),
        sa.Column("rid", sa.Integer(), nullable=False),
        sa.Column("op", _text(1), nullable=False),
        sa.Column("old", _text(1000000), nullable=True),
        sa.Column("new", _text(1000000), nullable=True),
        sa.PrimaryKeyConstraint("n"),
    )
    op.create_table(
        "sync_row",
        sa.Column("tbl", _text(30), nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.Column("uid", _text(36), nullable=False),
        sa.Column("origin", _text(32), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "local_id"),
        sa.UniqueConstraint("uid", name="uq_sync_row_uid"),
    )
    op.create_table(
        "sync_self",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_uid", _text(32), nullable=False),
        sa.Column("name", _text(60), nullable=False),
        sa.Column("role", _text(10), nullable=False),
        sa.Column("ref_code", _text(8), nullable=False),
        sa.Column("kx_private", _text(64), nullable=False),
        sa.Column("sign_private", _text(64), nullable=False),
        sa.Column("hlc_wall", sa.Integer(), nullable=False),
        sa.Column("hlc_count", sa.Integer(), nullable=False),
        sa.Column("next_seq", sa.Integer(), nullable=False),
        sa.Column("next_hub", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_tombstone",
        sa.Column("uid", _text(36), nullable=False),
        sa.Column("hlc", _text(80), nullable=False),
        sa.PrimaryKeyConstraint("uid"),
    )


def downgrade() -> None:
    """Drop the sync tables (and the capture triggers that write to them)."""
    conn = op.get_bind()
    for (name,) in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_capture_%'"
    ).fetchall():
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    for table in (
        "sync_tombstone",
        "sync_self",
        "sync_row",
        "sync_pending",
        "sync_peer",
        "sync_field",
        "sync_conflict",
        "sync_clock",
        "sync_change",
        "sync_bundle",
    ):
        op.drop_table(table)
