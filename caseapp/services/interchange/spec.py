"""The files and columns of the interchange format, exactly as docs/interchange.md lists them."""

from __future__ import annotations

from types import MappingProxyType


def _cols(required: str, optional: str = "") -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(required.split()), tuple(optional.split())


# table -> (required columns, optional columns), in the order the contract lists them;
# export-data writes them in this order.
_SPEC = {
    "women": _cols(
        "woman_ref referral_date",
        "first_name last_name preferred_name date_of_birth phone safe_contact_note borough hub "
        "keyworker referral_source cj_status ethnicity disability gender_identity_same "
        "sexual_orientation religion nationality pregnant dependent_children consent_date "
        "closed_date closure_reason",
    ),
    "engagements": _cols(
        "woman_ref date type attendance",
        "time duration_minutes delivery hub need_areas keyworker note",
    ),
    "group_sessions": _cols("session_ref date title", "hub facilitator status anonymous_attendees"),
    "group_attendance": _cols("session_ref woman_ref", "attendance"),
    "assessments": _cols("woman_ref date kind need_area", "level score note recorded_at"),
    "outcomes": _cols("woman_ref date kind question score", "recorded_at"),
    "activities": _cols("date type", "sessions participants hub description"),
    "flags": _cols("woman_ref type raised_on", "reason cleared_on clear_reason"),
}

# The contract's column order for each file (woman_ref first where it has one).
_ORDER = {
    "women": (
        "woman_ref first_name last_name preferred_name date_of_birth phone safe_contact_note "
        "borough hub keyworker referral_date referral_source cj_status ethnicity disability "
        "gender_identity_same sexual_orientation religion nationality pregnant "
        "dependent_children consent_date closed_date closure_reason"
    ),
    "engagements": (
        "woman_ref date time type attendance duration_minutes delivery hub need_areas "
        "keyworker note"
    ),
    "group_sessions": "session_ref date title hub facilitator status anonymous_attendees",
    "group_attendance": "session_ref woman_ref attendance",
    "assessments": "woman_ref date kind need_area level score note recorded_at",
    "outcomes": "woman_ref date kind question score recorded_at",
    "activities": "date type sessions participants hub description",
    "flags": "woman_ref type raised_on reason cleared_on clear_reason",
}

TABLES = tuple(_SPEC)
REQUIRED = MappingProxyType({t: frozenset(r) for t, (r, _o) in _SPEC.items()})
COLUMNS = MappingProxyType({t: tuple(_ORDER[t].split()) for t in _SPEC})

# Parents before children, so references resolve in one pass.
LOAD_ORDER = (
    "women",
    "group_sessions",
    "engagements",
    "group_attendance",
    "assessments",
    "outcomes",
    "activities",
    "flags",
)

assert all(set(COLUMNS[t]) == set(r) | set(o) for t, (r, o) in _SPEC.items())
assert set(LOAD_ORDER) == set(TABLES)
