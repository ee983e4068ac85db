"""Checks and look-ups shared by the assessment, plan, outcome, group and activity services."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from caseapp.errors import ValidationError
from caseapp.models import Hub, User, Woman
from caseapp.services.context import Ctx
from caseapp.services.hubs import list_hubs
from caseapp.services.validation import clean_text, parse_date


@dataclass(frozen=True)
class Choice:
    """An id and its label, for a picker (a hub or a member of staff)."""

    id: int
    label: str


def name_of(first: str, last: str, preferred: str, reference: str) -> str:
    """The name to show for her: preferred (or first) name and last name, else her reference."""
    return f"{preferred or first} {last}".strip() or reference


def woman_name(woman: Woman) -> str:
    """`name_of` for a loaded woman."""
    return name_of(woman.first_name, woman.last_name, woman.preferred_name, woman.reference)


def field_key(label: str) -> str:
    """The form field a label names: `Target date` is `target_date`."""
    return "_".join(label.lower().split())


@contextlib.contextmanager
def keyed(key: str) -> Iterator[None]:
    """Re-raise a `ValidationError` from a shared check under the form field `key`."""
    try:
        yield
    except ValidationError as error:
        hint = next(iter(error.fields.values()), str(error))
        raise ValidationError(str(error), {key: hint}) from error


def check_code(
    value: str | None, codes: Mapping[str, str], label: str, *, key: str | None = None
) -> str:
    """`value` if it is one of `codes`, else a `ValidationError` listing what is allowed."""
    code = (value or "").strip()
    if code not in codes:
        allowed = ", ".join(codes)
        raise ValidationError(
            f"{label}: choose one of {allowed}.", {key or field_key(label): "choose one"}
        )
    return code


def check_int(
    value: int | str | None, label: str, low: int, high: int, *, key: str | None = None
) -> int:
    """A whole number from `low` to `high` (strings typed in a form are accepted)."""
    text = str(value).strip() if value is not None else ""
    hint = f"a whole number from {low} to {high}"
    if not text.lstrip("-").isdigit():
        raise ValidationError(f"{label}: type {hint}.", {key or field_key(label): hint})
    number = int(text)
    if not low <= number <= high:
        raise ValidationError(
            f"{label}: must be from {low} to {high}.", {key or field_key(label): hint}
        )
    return number


def past_date(value: str | date | None, label: str, today: date | None) -> date:
    """A required date that is not in the future (field `date`)."""
    with keyed("date"):
        result = parse_date(value, label, today=today, allow_future=False)
    if result is None:
        raise ValidationError(f"{label}: required.", {"date": "required"})
    return result


def clean_field(
    value: str | None, label: str, key: str, *, limit: int, multiline: bool = False
) -> str:
    """`validation.clean_text` with its problem reported under the form field `key`."""
    with keyed(key):
        return clean_text(value, label, limit=limit, multiline=multiline)


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of the given users (removed users keep their name for history)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(
        select(col(User.id), col(User.display_name), col(User.username)).where(
            col(User.id).in_(wanted)
        )
    )
    return {uid: display or username for uid, display, username in rows if uid is not None}


def hub_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the given hubs."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(col(Hub.id), col(Hub.name)).where(col(Hub.id).in_(wanted)))
    return {hub_id: name for hub_id, name in rows if hub_id is not None}


def check_hub(session: Session, hub_id: int | None) -> int | None:
    """`hub_id` if it names an active hub (or is None)."""
    if hub_id is None:
        return None
    hub = session.get(Hub, hub_id)
    if hub is None or not hub.active:
        raise ValidationError("Hub: choose one of the provider's hubs.", {"hub": "choose"})
    return hub_id


def hub_choices(ctx: Ctx) -> list[Choice]:
    """The active hubs, by name, for a picker."""
    return [Choice(hub.id, hub.name) for hub in list_hubs(ctx)]


def staff_choices(ctx: Ctx) -> list[Choice]:
    """Active keyworkers and managers (who may facilitate a group), by name."""
    with ctx.read() as session:
        rows = session.exec(
            select(col(User.id), col(User.display_name), col(User.username))
            .where(col(User.active), col(User.role).in_(("keyworker", "manager")))
            .order_by(col(User.display_name), col(User.username))
        )
        return [
            Choice(uid, display or username) for uid, display, username in rows if uid is not None
        ]
