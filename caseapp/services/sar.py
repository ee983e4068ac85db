"""Subject access: everything held about one woman, as a readable HTML page and as JSON.

The pack holds her record and everything attached to it, who opened or changed her record
(the audit entries whose subject she is) and every export that included her data. The HTML is
self-contained (no script, no remote content) and every value in it is escaped and has its
control characters made visible; the JSON keeps the stored values exactly, codes and all.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from caseapp import __version__
from caseapp.export.files import (
    FileExists as FileExists,  # re-exported: the subject requests screen asks before replacing
)
from caseapp.export.files import check_out_dir, check_target, refuse_existing
from caseapp.export.staged import StagedFiles
from caseapp.models import (
    Assessment,
    AssessmentItem,
    Closure,
    Consent,
    Draft,
    Engagement,
    ExportEvent,
    Flag,
    GroupAttendance,
    GroupSession,
    Hub,
    Outcome,
    PlanGoal,
    Referral,
    User,
    Woman,
    WomanShare,
)
from caseapp.models import codes as c
from caseapp.services import audit, settings
from caseapp.services.audit_log import AuditEntry, about_woman
from caseapp.services.context import Ctx
from caseapp.services.erasure import normalise_reference, visible_woman_by_reference
from caseapp.services.permissions import require
from caseapp.services.validation import show_date
from caseapp.textsafe import visible

FORMAT = "caseapp-subject-access"
VERSION = 1
# Export kinds whose files hold only counts with small numbers suppressed: no row about her.
AGGREGATE_KINDS = frozenset({"return"})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")

# Columns that are copies of others (folded names for search) or internal keys.
_HIDDEN = frozenset(
    {"id", "woman_id", "assessment_id", "session_id", "first_norm", "last_norm", "preferred_norm"}
)

# Code lists per section, so the page shows "Probation practitioner" rather than `probation`.
_CODES: Mapping[str, Mapping[str, Mapping[str, str]]] = {
    "woman": {
        "status": c.WOMAN_STATUSES,
        "borough_code": c.BOROUGH_NAMES,
        "ethnicity": c.ETHNICITIES,
        "disability": c.YES_NO_DECLINED,
        "gender_identity_same": c.YES_NO_DECLINED,
        "sexual_orientation": c.SEXUAL_ORIENTATIONS,
        "religion": c.RELIGIONS,
        "nationality": c.NATIONALITIES,
        "pregnant": c.YES_NO_DECLINED,
        "closure_reason": c.CLOSURE_REASONS,
    },
    "referrals": {"source": c.REFERRAL_SOURCES, "cj_status": c.CJ_STATUSES},
    "flags": {"type": c.FLAG_TYPES},
    "closures": {"reason": c.CLOSURE_REASONS},
    "contacts": {
        "type": c.ENGAGEMENT_TYPES,
        "attendance": c.ATTENDANCE,
        "delivery": c.DELIVERY_MODES,
        "need_areas": c.NEED_AREAS,
    },
    "assessments": {"kind": c.ASSESSMENT_KINDS},
    "assessment_items": {"need_area": c.NEED_AREAS, "level": c.NEED_LEVELS},
    "plan_goals": {"need_area": c.NEED_AREAS, "status": c.GOAL_STATUSES},
    "outcomes": {"kind": c.ASSESSMENT_KINDS, "question": c.OUTCOME_QUESTIONS},
    "group_sessions": {"status": c.GROUP_STATUSES, "attendance": c.ATTENDANCE},
}

_TITLES = (
    ("woman", "Her record"),
    ("shared_with", "Staff her record is shared with"),
    ("referrals", "Referrals"),
    ("consents", "Consent"),
    ("flags", "Flags (including cleared ones)"),
    ("closures", "Closures and reopenings"),
    ("contacts", "Contacts"),
    ("assessments", "Needs assessments"),
    ("plan_goals", "Support plan"),
    ("outcomes", "Outcome answers"),
    ("group_sessions", "Group sessions she was registered at"),
    ("audit", "Who opened or changed her record"),
    ("exports", "Exports that included her data"),
    ("drafts", "Unsaved drafts typed on her record"),
)


@dataclass(frozen=True)
class SarResult:
    """The pack written: her reference, the two files, and how many entries each section has."""

    reference: str
    html_path: Path
    json_path: Path
    sections: tuple[tuple[str, int], ...]


def _plain(value: object) -> object:
    """A JSON-ready value: dates as ISO text."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    return value


class _Names:
    """Looks up staff and hub names once per pack."""

    def __init__(self, session: Session) -> None:
        self.staff = {u.id: u.display_name or u.username for u in session.exec(select(User)).all()}
        self.hubs = {h.id: h.name for h in session.exec(select(Hub)).all()}

    def row(self, obj: SQLModel) -> dict[str, object]:
        """A stored row as a dict: internal keys dropped, staff and hubs by name."""
        out: dict[str, object] = {}
        # Table column order, so the page reads the way the record is laid out.
        for column in type(obj).__table__.columns:  # type: ignore[attr-defined]
            key, value = column.key, getattr(obj, column.key)
            if key in _HIDDEN:
                continue
            if key == "hub_id":
                out["hub"] = self.hubs.get(value, "") if value is not None else None
            elif key.endswith("_id"):
                out[key[:-3]] = (
                    self.staff.get(value, f"user {value}") if value is not None else None
                )
            else:
                out[key] = _plain(value)
        return out


def _rows(session: Session, model: type[SQLModel], woman_id: int, order: Any) -> list[Any]:
    return list(
        session.exec(
            select(model).where(model.woman_id == woman_id).order_by(order)  # type: ignore[attr-defined]
        ).all()
    )


def _audit(entries: Sequence[AuditEntry]) -> list[dict[str, object]]:
    return [
        {
            "seq": e.seq,
            "at": _plain(e.at),
            "user": e.username,
            "role": e.role,
            "action": e.action,
            "detail": e.detail,
        }
        for e in entries
    ]


def _exports(session: Session, woman: Woman, names: _Names) -> list[dict[str, object]]:
    assert woman.id is not None
    events = session.exec(
        select(ExportEvent)
        .where(col(ExportEvent.at) >= woman.created_at)
        .order_by(col(ExportEvent.at))
    ).all()
    out: list[dict[str, object]] = []
    for event in events:
        if event.subject_id is not None and event.subject_id != woman.id:
            continue  # a pack about someone else
        if event.subject_id == woman.id:
            included = "her record (a pack about her alone)"
        elif event.kind in AGGREGATE_KINDS:
            included = (
                "anonymised counts only: small numbers suppressed, no name, date of birth, "
                "reference or note; no row about her left the service"
            )
        else:
            included = "every record in the store at the time, hers among them"
        out.append(
            {
                "at": _plain(event.at),
                "kind": event.kind,
                "by": names.staff.get(event.user_id, "") if event.user_id else "",
                "period_from": event.period_from,
                "period_to": event.period_to,
                "included": included,
                "files": _file_names(event.files),
            }
        )
    return out


def _file_names(files: str) -> list[str]:
    try:
        parsed = json.loads(files) if files else []
    except ValueError:
        return [files]
    if isinstance(parsed, list):
        return [str(f.get("name", "")) if isinstance(f, dict) else str(f) for f in parsed]
    return [str(parsed)]


def collect(session: Session, ctx: Ctx, woman: Woman) -> dict[str, Any]:
    """Everything held about her, as plain JSON-ready data."""
    wid = woman.id
    assert wid is not None
    names = _Names(session)
    assessments = []
    for a in _rows(session, Assessment, wid, col(Assessment.date)):
        entry = names.row(a)
        items = session.exec(
            select(AssessmentItem)
            .where(col(AssessmentItem.assessment_id) == a.id)
            .order_by(col(AssessmentItem.need_area))
        ).all()
        entry["items"] = [names.row(i) for i in items]
        assessments.append(entry)
    groups = session.exec(
        select(GroupSession, GroupAttendance)
        .join(GroupAttendance, col(GroupAttendance.session_id) == col(GroupSession.id))
        .where(col(GroupAttendance.woman_id) == wid)
        .order_by(col(GroupSession.date))
    ).all()
    shares = session.exec(select(WomanShare).where(col(WomanShare.woman_id) == wid)).all()
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": _plain(ctx.clock.utcnow()),
        "generated_by": ctx.actor.display_name or ctx.actor.username,
        "provider": settings.get(ctx, "provider_name"),
        "app_version": __version__,
        "reference": woman.reference,
        "woman": names.row(woman),
        "shared_with": [{"staff": names.staff.get(s.user_id, "")} for s in shares],
        "referrals": [
            names.row(r) for r in _rows(session, Referral, wid, col(Referral.referral_date))
        ],
        "consents": [names.row(r) for r in _rows(session, Consent, wid, col(Consent.given_on))],
        "flags": [names.row(r) for r in _rows(session, Flag, wid, col(Flag.raised_on))],
        "closures": [names.row(r) for r in _rows(session, Closure, wid, col(Closure.closed_on))],
        "contacts": [names.row(r) for r in _rows(session, Engagement, wid, col(Engagement.date))],
        "assessments": assessments,
        "plan_goals": [names.row(r) for r in _rows(session, PlanGoal, wid, col(PlanGoal.id))],
        "outcomes": [names.row(r) for r in _rows(session, Outcome, wid, col(Outcome.date))],
        "group_sessions": [
            {
                "reference": g.reference,
                "title": g.title,
                "date": _plain(g.date),
                "hub": names.hubs.get(g.hub_id, "") if g.hub_id else None,
                "facilitator": names.staff.get(g.facilitator_id, "") if g.facilitator_id else None,
                "status": g.status,
                "attendance": a.attendance,
            }
            for g, a in groups
        ],
        "audit": _audit(about_woman(session, wid, woman.reference)),
        "exports": _exports(session, woman, names),
        # Drafts typed on her record are about her, so they are in her pack (who typed them
        # and when, and what); a draft typed anywhere else is never linked to her.
        "drafts": [
            {
                "typed_by": names.staff.get(d.user_id, ""),
                "saved_at": _plain(d.saved_at),
                "form": d.title,
                "content": "\n".join(
                    f"{field}: {_show('', field, value)}"
                    for field, value in json.loads(d.content).items()
                    if value not in ("", None, [])
                ),
            }
            for d in _rows(session, Draft, wid, col(Draft.id))
        ],
    }


# -- the readable page --------------------------------------------------------------------


_LABELS = {
    "cj_status": "Criminal-justice status",
    "police_bcu": "Police BCU",
    "referrer_org": "Referrer organisation",
    "gender_identity_same": "Gender identity the same as at birth",
    "borough_code": "Borough",
    "is_synthetic": "Synthetic (demonstration) record",
    "need_areas": "Need areas",
}


def _label(field: str) -> str:
    return _LABELS.get(field) or field.replace("_", " ").capitalize()


def _show(section: str, field: str, value: object) -> str:
    """A value as a person reads it: labels for codes, 24/11/2026 for dates, Yes/No."""
    if value is None or value == "":
        return "—"
    codes = _CODES.get(section, {}).get(field)
    if codes is not None and isinstance(value, str):
        return "; ".join(c.label(codes, part) for part in value.split(";") if part)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    # Only real dates are reformatted: a name or note such as "2025-13-45" stays as typed.
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        with contextlib.suppress(ValueError):
            return show_date(date.fromisoformat(value))
    if isinstance(value, str) and re.fullmatch(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+(\+00:00)?", value
    ):
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(value)
            return f"{show_date(moment.date())} {moment:%H:%M} UTC"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _cell(section: str, field: str, value: object) -> str:
    text = visible(_show(section, field, value), keep_newlines=True)
    return html.escape(text).replace("\n", "<br>")


def _table(section: str, rows: Sequence[Mapping[str, object]]) -> str:
    if not rows:
        return "<p class=none>Nothing held.</p>"
    fields = [k for k in rows[0] if k != "items"]
    head = "".join(f"<th>{html.escape(_label(f))}</th>" for f in fields)
    body = []
    for row in rows:
        cells = "".join(f"<td>{_cell(section, f, row.get(f))}</td>" for f in fields)
        body.append(f"<tr>{cells}</tr>")
        items = row.get("items")
        if isinstance(items, list) and items:
            inner = _table("assessment_items", items)
            body.append(f"<tr><td colspan={len(fields)}>{inner}</td></tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _record(section: str, record: Mapping[str, object]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(_label(k))}</th><td>{_cell(section, k, v)}</td></tr>"
        for k, v in record.items()
    )
    return f"<table class=record>{rows}</table>"


_STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}"
    "th,td{border:1px solid #999;padding:.2em .4em;text-align:left;vertical-align:top}"
    "th{background:#eee}.record th{width:30%}.none{color:#555}"
)


def render_html(pack: Mapping[str, Any]) -> str:
    """The pack as one self-contained HTML page."""
    ref = html.escape(visible(str(pack["reference"])))
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<meta http-equiv=Content-Security-Policy "
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Subject access: {ref}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Information held about {ref}</h1>",
        "<p>"
        + html.escape(
            f"Prepared by {visible(str(pack['provider']))} on "
            f"{_show('', 'at', pack['generated_at'])} by {visible(str(pack['generated_by']))}. "
            "It lists everything caseapp holds about her, who opened or changed her record, and "
            "every export that included her data. The JSON file beside this page holds the "
            "same information as stored."
        )
        + "</p>",
    ]
    for key, title in _TITLES:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        # A pack made before a section existed (drafts came later) shows it as empty.
        value = pack.get(key, [])
        parts.append(_record(key, value) if isinstance(value, dict) else _table(key, value))
    parts.append("</body></html>")
    return "\n".join(parts)


def _file_stem(reference: str, day: date) -> str:
    safe_ref = _SAFE_NAME.sub("_", reference).strip("_") or "woman"
    return f"subject-access-{safe_ref}-{day.isoformat()}"


def export_pack(ctx: Ctx, reference: str, out_dir: Path, *, overwrite: bool = False) -> SarResult:
    """Write her subject access pack (HTML and JSON) into `out_dir` (managers); recorded.

    Args:
        ctx: who is acting; needs the `sar` permission (a refusal is audited).
        reference: her case reference.
        out_dir: an existing folder, or one to create inside an existing folder.
        overwrite: replace a pack already there (one made the same day has the same names);
            without it that is refused with `FileExists` and nothing is written or recorded.

    The files are written in full under temporary names, the export is recorded, and only
    then are they renamed: a failure leaves neither a file nor a record, and a kill never
    leaves a pack with no record.
    """
    require(ctx, "sar", subject_ref=normalise_reference(reference))
    # Her files are staged, the pack is recorded and committed, and only then do the files
    # take their names: a kill can never leave a subject access pack nobody knows of.
    with StagedFiles() as staged:
        with ctx.write() as session:
            woman = visible_woman_by_reference(session, ctx, reference)
            assert woman.id is not None
            folder = check_out_dir(Path(out_dir), create=True)
            stem = _file_stem(woman.reference, ctx.clock.utcnow().date())
            html_path = check_target(folder, f"{stem}.html")
            json_path = check_target(folder, f"{stem}.json")
            if not overwrite:
                refuse_existing((html_path, json_path))
            pack = collect(session, ctx, woman)
            json_bytes = json.dumps(pack, indent=1, ensure_ascii=False).encode("utf-8")
            html_sha = staged.write(html_path, render_html(pack).encode("utf-8", "replace"))
            json_sha = staged.write(json_path, json_bytes)
            files = [
                {"name": html_path.name, "sha256": html_sha},
                {"name": json_path.name, "sha256": json_sha},
            ]
            session.add(
                ExportEvent(
                    kind="sar",
                    user_id=ctx.actor.user_id,
                    subject_id=woman.id,
                    files=json.dumps(files, separators=(",", ":")),
                    manifest_sha256=json_sha,
                )
            )
            sections = tuple(
                (key, 1 if isinstance(pack[key], dict) else len(pack[key])) for key, _ in _TITLES
            )
            audit.record(
                session,
                ctx,
                "sar_exported",
                subject_id=woman.id,
                subject_ref=woman.reference,
                sections=dict(sections),
            )
        staged.publish()  # committed: now the files may have their names
    return SarResult(woman.reference, html_path, json_path, sections)
