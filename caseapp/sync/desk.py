"""What the app calls for sync: who sees it, the folder chosen once, sync now, conflicts.

A thin layer over `exchange` and `review` for the home screen's sync item, the Conflicts
screen and the marker on her record, so the UI never reads the sync tables itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from caseapp.errors import NotFound, PermissionDenied, ValidationError
from caseapp.models import Setting
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.services.recording import name_of
from caseapp.sync import exchange, pgsync, review
from caseapp.sync.capture import load_me
from caseapp.sync.db import is_pg, run

FOLDER_KEY = "sync_folder"
"""The setting holding this store's sync folder (this store's own: enrolment leaves it out)."""

TABLE_TITLES = {
    "woman": "her record",
    "referral": "referral",
    "consent": "consent",
    "flag": "flag",
    "closure": "closure",
    "engagement": "contact",
    "assessment": "assessment",
    "plangoal": "plan goal",
    "outcome": "outcome",
    "groupsession": "group session",
    "activity": "activity",
}


@dataclass(frozen=True)
class SyncState:
    """This store's part in sync as the signed-in person sees it on the home screen."""

    shown: bool  # whether she sees a sync item at all
    syncs: bool  # whether the store takes part in sync
    can_sync: bool  # whether she may run `sync now` here
    role: str  # "centre", "hub" or "" (not syncing)
    peers: tuple[str, ...]
    last_exchange: str  # local "dd/mm HH:MM" (short: it shares a line), or "" for never
    folder: str
    open_conflicts: int  # those she may see


@dataclass(frozen=True)
class SyncOutcome:
    """What `sync now` did, counted for one notification."""

    folder: str
    sent: int  # bundles written
    sent_changes: int
    applied: int  # bundles applied
    applied_changes: int
    skipped: int
    refused: tuple[str, ...]  # "file: why"
    open_conflicts: int
    behind: tuple[str, ...] = ()  # a note for each peer lacking changes no longer logged

    def summary(self) -> str:
        """One plain sentence for the notification."""
        parts = [
            f"sent {self.sent} bundle(s) ({self.sent_changes} change(s))",
            f"applied {self.applied} ({self.applied_changes} change(s))",
            f"skipped {self.skipped}",
            f"refused {len(self.refused)}",
            f"{self.open_conflicts} open conflict(s)",
        ]
        text = "Synced with " + self.folder + ": " + ", ".join(parts) + "."
        for line in self.refused:
            text += f"\nRefused {line}"
        for note in self.behind:
            text += "\n" + note
        return text


@dataclass(frozen=True)
class ConflictView:
    """An open conflict ready to show: what it is about and each value with who and when."""

    id: int
    reference: str
    name: str  # hers, as the app shows it ("" for a group session or activity)
    what: str  # "her record: phone"
    before: str  # the value before both edits, shown
    sides: tuple[tuple[str, str, str], ...]  # (value shown, author, local time)
    values: tuple[Any, ...]  # each side's value as kept (what "keep N" writes)


def show_value(value: Any) -> str:
    """A conflicting value as a person reads it."""
    return "(empty)" if value in (None, "") else str(value)


def local_time(iso: str, shape: str = "%d/%m/%Y %H:%M") -> str:
    """An ISO UTC time as local day and time."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime(shape)
    except ValueError:
        return iso


def _syncs(ctx: Ctx) -> str:
    """The store's sync role, or "" when it takes no part in sync."""
    with ctx.read() as session:
        conn = session.connection()
        # On a PostgreSQL centre only managers' logins may read the sync tables: to anyone
        # else the store shows no sync item, as a store that does not sync.
        if is_pg(conn) and not pgsync.may_sync(conn):
            return ""
        me = load_me(conn)
    return me.role if me is not None else ""


def _may_sync(ctx: Ctx, role: str) -> bool:
    # The centre's store exchanges through its managers; on a hub, everyone enrolled on it.
    return role == "hub" or (role == "centre" and ctx.actor.is_manager)


def folder(ctx: Ctx) -> str:
    """The folder chosen for this store, or "" before one was chosen."""
    with ctx.read() as session:
        row = session.get(Setting, FOLDER_KEY)
        return row.value if row else ""


def state(ctx: Ctx) -> SyncState:
    """What the home screen's sync item shows (not shown: a keyworker where nothing syncs)."""
    role = _syncs(ctx)
    if not role:
        shown = ctx.actor.is_manager
        return SyncState(shown, False, False, "", (), "", "", 0)
    status = review.status(ctx, log=False)
    stamps = [t for p in status.peers for t in (p.last_sent, p.last_received) if t]
    return SyncState(
        True,
        True,
        _may_sync(ctx, role),
        role,
        tuple(p.name for p in status.peers if not p.revoked),
        local_time(max(stamps), "%d/%m %H:%M") if stamps else "",
        folder(ctx),
        len(review.conflicts(ctx)),
    )


def set_folder(ctx: Ctx, path: str) -> str:
    """Remember the folder `sync now` uses on this store; returns it as kept (absolute)."""
    if not _may_sync(ctx, _syncs(ctx)):
        raise PermissionDenied("Only a manager at the centre, or someone on a hub, syncs.")
    typed = path.strip()
    if not typed:
        raise ValidationError("Type a folder.", {"folder": "Type the folder, e.g. /media/usb"})
    chosen = Path(typed).expanduser()
    if not chosen.is_dir():
        raise ValidationError(
            f"{chosen} is not a folder.", {"folder": "Not a folder here: is the stick in?"}
        )
    kept = str(chosen.resolve())
    with ctx.write() as session:
        row = session.get(Setting, FOLDER_KEY) or Setting(key=FOLDER_KEY, value=kept)
        row.value = kept
        session.add(row)
        audit.record(session, ctx, "setting_changed", fields=[FOLDER_KEY])
    return kept


def sync_now(ctx: Ctx) -> SyncOutcome:
    """Exchange with the folder chosen before: apply what is addressed here, write bundles."""
    role = _syncs(ctx)
    if not role:
        raise NotFound("This store does not sync: enrol a hub with `caseapp sync enrol`.")
    if not _may_sync(ctx, role):
        raise PermissionDenied("Only a manager can sync the centre's store.")
    chosen = folder(ctx)
    if not chosen:
        raise ValidationError("Choose the sync folder first.")
    if not Path(chosen).is_dir():
        raise ValidationError(
            f"{chosen} is not there: is the stick in? (ctrl+p: Change the sync folder)"
        )
    report = exchange.exchange(ctx, Path(chosen))
    return SyncOutcome(
        chosen,
        len(report.sent),
        sum(n for _p, n, _f in report.sent),
        len(report.applied),
        sum(done.applied for _f, _s, done in report.applied),
        len(report.skipped),
        tuple(f"{name}: {why}" for name, why in report.refused),
        report.open_conflicts,
        tuple(report.behind),
    )


def _view(c: review.Conflict, names: dict[str, str]) -> ConflictView:
    return ConflictView(
        c.id,
        c.reference,
        names.get(c.reference, ""),
        f"{TABLE_TITLES.get(c.table, c.table)}: {c.field.replace('_', ' ')}",
        show_value(c.ancestor),
        tuple((show_value(s.value), s.user, local_time(s.at)) for s in c.sides),
        tuple(s.value for s in c.sides),
    )


def conflicts(ctx: Ctx) -> list[ConflictView]:
    """The open conflicts she may see (none where nothing syncs)."""
    if not _syncs(ctx):
        return []
    found = review.conflicts(ctx)
    refs = sorted({c.reference for c in found if c.reference})
    names: dict[str, str] = {}
    if refs:
        marks = ",".join("?" for _ in refs)
        with ctx.read() as session:
            rows = run(
                session.connection(),
                "SELECT reference, first_name, last_name, preferred_name FROM woman "
                f"WHERE reference IN ({marks})",
                tuple(refs),
            )
            names = {str(r[0]): name_of(str(r[1]), str(r[2]), str(r[3]), str(r[0])) for r in rows}
    return [_view(c, names) for c in found]


def conflicts_about(ctx: Ctx, reference: str) -> int:
    """How many open conflicts are about her (0 where nothing syncs): her record's marker."""
    if not _syncs(ctx):
        return 0
    return len(review.conflicts_for(ctx, reference))


def keep(ctx: Ctx, conflict: ConflictView, number: int) -> Any:
    """Keep value `number` (1 is the first) of an open conflict; returns the value kept."""
    if not 1 <= number <= len(conflict.values):
        raise ValidationError(f"There is no value {number}.")
    value = conflict.values[number - 1]
    review.resolve(ctx, conflict.id, value)
    return value


def resolve_typed(ctx: Ctx, conflict: ConflictView, typed: str) -> Any:
    """Resolve with a third value she typed (a number where both values are numbers)."""
    kept = [v for v in conflict.values if v not in (None, "")]
    value: Any = typed.strip()
    if kept and all(isinstance(v, int) and not isinstance(v, bool) for v in kept):
        if not value.lstrip("-").isdigit():
            raise ValidationError("Type a whole number.", {"value": "Type a whole number"})
        value = int(value)
    elif value == "" and any(v is None for v in conflict.values):
        value = None
    review.resolve(ctx, conflict.id, value)
    return value
