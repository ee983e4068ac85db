"""SQLModel tables and code lists; importing this package registers every table."""

from caseapp.models.audit import AuditEvent, ExportEvent
from caseapp.models.casework import Assessment, AssessmentItem, Engagement, Outcome, PlanGoal
from caseapp.models.drafts import Draft
from caseapp.models.groups import Activity, GroupAttendance, GroupSession
from caseapp.models.reference import Borough, Hub, HubBorough, Setting
from caseapp.models.releases import ReturnRelease
from caseapp.models.sync import (
    SyncAuditBatch,
    SyncAuditEntry,
    SyncBundle,
    SyncChange,
    SyncClock,
    SyncConflict,
    SyncField,
    SyncPeer,
    SyncPending,
    SyncRow,
    SyncSelf,
    SyncTombstone,
)
from caseapp.models.users import User
from caseapp.models.women import Closure, Consent, Flag, Referral, Woman, WomanShare

__all__ = [
    "Activity",
    "Assessment",
    "AssessmentItem",
    "AuditEvent",
    "Borough",
    "Closure",
    "Consent",
    "Draft",
    "Engagement",
    "ExportEvent",
    "Flag",
    "GroupAttendance",
    "GroupSession",
    "Hub",
    "HubBorough",
    "Outcome",
    "PlanGoal",
    "Referral",
    "ReturnRelease",
    "Setting",
    "SyncAuditBatch",
    "SyncAuditEntry",
    "SyncBundle",
    "SyncChange",
    "SyncClock",
    "SyncConflict",
    "SyncField",
    "SyncPeer",
    "SyncPending",
    "SyncRow",
    "SyncSelf",
    "SyncTombstone",
    "User",
    "Woman",
    "WomanShare",
]
