"""The tamper-evident audit log and the record of exports."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from caseapp.models.base import utcnow


class AuditEvent(SQLModel, table=True):
    """One entry in the hash chain: `hmac` covers this entry and the previous entry's `hmac`."""

    seq: int = Field(primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, index=True)
    username: str = Field(default="", max_length=64)
    role: str = Field(default="", max_length=20)
    action: str = Field(max_length=40, index=True)
    subject_id: int | None = Field(default=None, index=True)
    subject_ref: str = Field(default="", max_length=40)
    detail: str = Field(default="", max_length=4000)
    prev_hmac: str = Field(max_length=64)
    hmac: str = Field(max_length=64)


class ExportEvent(SQLModel, table=True):
    """A file set that left caseapp (a return, a data export, a subject access pack)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    kind: str = Field(max_length=30)
    user_id: int | None = None
    period_from: str = Field(default="", max_length=10)
    period_to: str = Field(default="", max_length=10)
    files: str = Field(default="", max_length=8000)
    manifest_sha256: str = Field(default="", max_length=64)
    subject_id: int | None = Field(default=None, index=True)
