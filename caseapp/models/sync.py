"""Sync bookkeeping between a centre and its hubs: identity, change log, peers, conflicts.

The rows kept in sync (women and everything attached, groups, activities) are not changed: a
row's store-independent identity (its `uid`) lives in `SyncRow`, and what changed is captured
by triggers into `SyncPending`, then stamped into `SyncChange` in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, String, UniqueConstraint
from sqlalchemy.types import TypeEngine
from sqlmodel import AutoString, Field, SQLModel


def _wide(default: int, *, nullable: bool = False) -> Any:
    """A stamp's milliseconds, or a change number built on them: past 2**31, so 64-bit on
    PostgreSQL (migration 0012; SQLite's integers are 64-bit already)."""
    wide: TypeEngine[int] = Integer().with_variant(BigInteger(), "postgresql")
    return Field(default=default, sa_column=Column(wide, nullable=nullable, default=default))


def _stamp_text() -> Any:
    """A whole stamp (53 characters): SQLite ignores the length, PostgreSQL keeps 80."""
    kind: TypeEngine[str] = AutoString(40).with_variant(String(80), "postgresql")
    return Field(default="", sa_column=Column(kind, nullable=False, default=""))


class SyncSelf(SQLModel, table=True):
    """This store's sync identity (one row, id 1): its id, keys, clock and counters."""

    __tablename__ = "sync_self"

    id: int | None = Field(default=None, primary_key=True)
    store_uid: str = Field(max_length=32)
    name: str = Field(default="", max_length=60)
    role: str = Field(default="centre", max_length=10)
    ref_code: str = Field(default="", max_length=8)
    kx_private: str = Field(default="", max_length=64)
    sign_private: str = Field(default="", max_length=64)
    hlc_wall: int = _wide(0)
    hlc_count: int = 0
    next_seq: int = _wide(1)
    next_hub: int = 1


class SyncPeer(SQLModel, table=True):
    """A store this one exchanges bundles with, its public keys and what it has acknowledged."""

    __tablename__ = "sync_peer"

    store_uid: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=60)
    role: str = Field(default="hub", max_length=10)
    kx_public: str = Field(max_length=64)
    sign_public: str = Field(max_length=64)
    acked: str = Field(default="{}", max_length=100_000)
    users: str = Field(default="[]", max_length=100_000)
    # A hub's women as it last reported them: the centre sends who enters or leaves its scope.
    held: str = Field(default="[]", max_length=10_000_000)
    # The highest entry of this store's audit log the peer has reported holding a copy of.
    audit_acked: int = 0
    last_sent: str = _stamp_text()
    last_received: str = _stamp_text()
    revoked: bool = False


class SyncClock(SQLModel, table=True):
    """The version vector: the highest change sequence applied from each origin store."""

    __tablename__ = "sync_clock"

    origin: str = Field(primary_key=True, max_length=32)
    seq: int = _wide(0)


class SyncRow(SQLModel, table=True):
    """The uid of a synced row with an integer id, and the store that created it."""

    __tablename__ = "sync_row"
    __table_args__ = (UniqueConstraint("uid", name="uq_sync_row_uid"),)

    tbl: str = Field(primary_key=True, max_length=30)
    local_id: int = Field(primary_key=True)
    uid: str = Field(max_length=36)
    origin: str = Field(default="", max_length=32)


class SyncPending(SQLModel, table=True):
    """A row change seen by a capture trigger, waiting to be stamped at commit."""

    __tablename__ = "sync_pending"

    n: int | None = Field(default=None, primary_key=True)
    tbl: str = Field(max_length=30)
    rid: int
    op: str = Field(max_length=1)
    old: str | None = Field(default=None, max_length=1_000_000)
    new: str | None = Field(default=None, max_length=1_000_000)


class SyncChange(SQLModel, table=True):
    """One stamped change from any origin, in the order this store learnt it."""

    __tablename__ = "sync_change"
    __table_args__ = (
        UniqueConstraint("origin", "seq", name="uq_sync_change_origin_seq"),
        Index("ix_sync_change_owner", "owner"),
        Index("ix_sync_change_row", "tbl", "uid"),
    )

    n: int | None = Field(default=None, primary_key=True)
    origin: str = Field(max_length=32)
    seq: int = _wide(0)
    hlc: str = Field(max_length=80)
    username: str = Field(default="", max_length=64)
    tbl: str = Field(max_length=30)
    uid: str = Field(max_length=36)
    owner: str = Field(default="", max_length=36)
    op: str = Field(max_length=1)
    data: str = Field(default="{}", max_length=1_000_000)


class SyncField(SQLModel, table=True):
    """One write of one field: its stamp, the stamps it replaced, value and author."""

    __tablename__ = "sync_field"

    tbl: str = Field(primary_key=True, max_length=30)
    uid: str = Field(primary_key=True, max_length=36)
    field: str = Field(primary_key=True, max_length=40)
    stamp: str = Field(primary_key=True, max_length=80)
    parents: str = Field(default="[]", max_length=10_000)
    old: str = Field(default="null", max_length=100_000)
    value: str = Field(default="null", max_length=100_000)
    username: str = Field(default="", max_length=64)
    owner: str = Field(default="", max_length=36, index=True)


class SyncConflict(SQLModel, table=True):
    """A field written differently on two stores without either seeing the other's value."""

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_field", "tbl", "uid", "field", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    tbl: str = Field(max_length=30)
    uid: str = Field(max_length=36)
    field: str = Field(max_length=40)
    owner: str = Field(default="", max_length=36, index=True)
    sides: str = Field(default="[]", max_length=200_000)
    ancestor: str = Field(default="null", max_length=100_000)
    opened: str = Field(default="", max_length=80)
    status: str = Field(default="open", max_length=10)
    resolved_by: str = Field(default="", max_length=64)
    resolved: str = Field(default="", max_length=80)


class SyncTombstone(SQLModel, table=True):
    """An erased woman's uid: no change about her is ever applied again."""

    __tablename__ = "sync_tombstone"

    uid: str = Field(primary_key=True, max_length=36)
    hlc: str = Field(default="", max_length=80)


class SyncBundle(SQLModel, table=True):
    """A bundle this store has applied (by its hash), so the same file is recognised."""

    __tablename__ = "sync_bundle"

    digest: str = Field(primary_key=True, max_length=64)
    sender: str = Field(max_length=32)
    applied: str = Field(default="", max_length=40)
    changes: int = 0


class SyncAuditEntry(SQLModel, table=True):
    """A copy of an entry of another store's audit chain, as its bundle brought it."""

    __tablename__ = "sync_audit_entry"

    origin: str = Field(primary_key=True, max_length=32)
    seq: int = Field(primary_key=True)
    entry: str = Field(max_length=100_000)
    prev_hmac: str = Field(max_length=64)
    hmac: str = Field(max_length=64)


class SyncAuditBatch(SQLModel, table=True):
    """The signed summary of a run of copied entries: their range, digest and last link."""

    __tablename__ = "sync_audit_batch"

    origin: str = Field(primary_key=True, max_length=32)
    first_seq: int = Field(primary_key=True)
    last_seq: int
    digest: str = Field(max_length=64)
    signature: str = Field(max_length=128)
