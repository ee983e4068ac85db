"""The caseload: women the actor may see, filtered, sorted and searched as she types.

Search uses the folded `*_norm` columns (NOCASE, indexed) with `LIKE 'abc%' ESCAPE '\\'`, so
every keystroke is an index range scan; `%` and `_` typed by a person match only themselves.
Who is listed is decided by `access.visible_women`, never by the screen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from caseapp.models import Engagement, Flag, Hub, User, Woman, WomanShare
from caseapp.models.codes import ATTENDED, FLAG_TYPES
from caseapp.services.access import visible_women
from caseapp.services.cancel import Cancel
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.services.validation import fold, read_date

UNALLOCATED = 0
"""`keyworker_id` filter value meaning "no keyworker yet"."""

STATUS_FILTERS = {
    "open": "Open (referred or active)",
    "referred": "Referred",
    "active": "Active",
    "closed": "Closed",
    "all": "All",
}
SORTS = {
    "name": "Name",
    "reference": "Reference",
    "status": "Status",
    "last_contact": "Last contact (oldest first)",
    "hub": "Hub",
}
_REFERENCE = re.compile(r"^[A-Za-z]{1,10}-[0-9-]*$")  # MIN-, MIN-2026-0
_DIGITS = re.compile(r"^\d{1,5}$")


@dataclass(frozen=True)
class WomanRow:
    """One woman as a line in a list: who she is, where, her keyworker, when last seen, flags."""

    id: int
    reference: str
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: date | None
    status: str
    hub_id: int | None
    hub_name: str
    borough_code: str | None
    keyworker_id: int | None
    keyworker_name: str
    last_contact: date | None
    flags: tuple[str, ...]

    @property
    def name(self) -> str:
        """Her name as shown in lists: first and last, with her preferred name if different."""
        return display_name(self.first_name, self.last_name, self.preferred_name)


@dataclass(frozen=True)
class CaseloadQuery:
    """What to list: a search, filters and a sort. Empty values mean "any"."""

    search: str = ""
    status: str = "open"
    hub_id: int | None = None
    borough_code: str | None = None
    keyworker_id: int | None = None
    sort: str = "name"
    limit: int = 200
    offset: int = 0

    @property
    def search_key(self) -> CaseloadQuery:
        """The search, filters and sort without the paging (what a later page continues)."""
        return replace(self, limit=0, offset=0)


@dataclass(frozen=True)
class CaseloadPage:
    """The rows found (at most `limit`) and whether there were more."""

    rows: tuple[WomanRow, ...]
    more: bool
    query: CaseloadQuery = field(default_factory=CaseloadQuery)


def display_name(first: str, last: str, preferred: str = "") -> str:
    """`Jane Smith`, or `Jane Smith (Jay)` when she prefers another name."""
    full = " ".join(part for part in (first, last) if part) or "(no name)"
    if preferred and fold(preferred) != fold(first):
        return f"{full} ({preferred})"
    return full


def escape_like(text: str) -> str:
    """Escape `\\`, `%` and `_` so a LIKE pattern matches them literally (ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix(column: Any, text: str) -> ColumnElement[bool]:
    return col(column).like(escape_like(text) + "%", escape="\\")


def _exact_date(text: str) -> date | None:
    try:
        return read_date(text)
    except ValueError:  # 31/02/2026 matches no one's date of birth; search names instead
        return None


def search_clause(text: str) -> ColumnElement[bool] | None:
    """The WHERE clause for what a person typed, or None when she typed nothing.

    A full date matches date of birth; `MIN-2026-000` a reference prefix; a number up to five
    digits the end of a reference; anything else matches names: each word must begin her
    first, last or preferred name.
    """
    typed = text.strip()
    if not typed:
        return None
    if "/" in typed or (typed[:4].isdigit() and "-" in typed):
        born = _exact_date(typed)
        return col(Woman.date_of_birth) == born if born else literal(False)
    if _DIGITS.match(typed):
        return col(Woman.reference).like("%-" + typed.zfill(5), escape="\\")
    words = fold(typed).split()
    if not words:
        return literal(False)
    names = and_(
        *(
            or_(
                _prefix(Woman.first_norm, word),
                _prefix(Woman.last_norm, word),
                _prefix(Woman.preferred_norm, word),
            )
            for word in words
        )
    )
    if _REFERENCE.match(typed):
        stem = typed.upper()
        # References are stored upper-case in a BINARY column: a range is its indexed prefix.
        # `Smith-` could be a name too, so both are tried.
        reference = and_(col(Woman.reference) >= stem, col(Woman.reference) < stem + "\uffff")
        return or_(reference, names)
    return names


def _last_contact() -> Any:
    return (
        select(func.max(col(Engagement.date)))
        .where(
            col(Engagement.woman_id) == col(Woman.id),
            col(Engagement.attendance).in_(sorted(ATTENDED)),
        )
        .correlate(Woman)
        .scalar_subquery()
    )


def _active_flags() -> Any:
    return (
        select(func.aggregate_strings(col(Flag.type), ";"))
        .where(col(Flag.woman_id) == col(Woman.id), col(Flag.cleared_on).is_(None))
        .correlate(Woman)
        .scalar_subquery()
    )


@cache
def row_select() -> Select[*tuple[Any, ...]]:
    """SELECT the columns of a `WomanRow` (join hub and keyworker; add WHERE and ORDER BY).

    Built once: a `Select` is immutable (`.where()` returns a new one), and building it costs
    more than a keystroke's query on a small caseload.
    """
    last_contact = _last_contact().label("last_contact")
    return (
        core_select(
            col(Woman.id),
            col(Woman.reference),
            col(Woman.first_name),
            col(Woman.last_name),
            col(Woman.preferred_name),
            col(Woman.date_of_birth),
            col(Woman.status),
            col(Woman.hub_id),
            func.coalesce(col(Hub.name), "").label("hub_name"),
            col(Woman.borough_code),
            col(Woman.keyworker_id),
            func.coalesce(func.nullif(col(User.display_name), ""), col(User.username), "").label(
                "keyworker_name"
            ),
            last_contact,
            _active_flags().label("flags"),
        )
        .select_from(Woman)
        .outerjoin(Hub, col(Hub.id) == col(Woman.hub_id))
        .outerjoin(User, col(User.id) == col(Woman.keyworker_id))
    )


def to_rows(result: Sequence[Any]) -> list[WomanRow]:
    """Turn rows from `row_select()` into `WomanRow`s (flags in the code list's order)."""
    rows = []
    for r in result:
        held = set((r.flags or "").split(";")) - {""}
        rows.append(
            WomanRow(
                id=r.id,
                reference=r.reference,
                first_name=r.first_name,
                last_name=r.last_name,
                preferred_name=r.preferred_name,
                date_of_birth=r.date_of_birth,
                status=r.status,
                hub_id=r.hub_id,
                hub_name=r.hub_name,
                borough_code=r.borough_code,
                keyworker_id=r.keyworker_id,
                keyworker_name=r.keyworker_name,
                last_contact=_as_date(r.last_contact),
                flags=tuple(code for code in FLAG_TYPES if code in held),
            )
        )
    return rows


def _as_date(value: object) -> date | None:
    # max() over a Date column comes back from SQLite as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _status_clause(status: str, *, indexed: bool = True) -> ColumnElement[bool] | None:
    # Not `indexed`: compared as `status || ''`, which no index serves, so SQLite walks the
    # name indexes instead of reading every open case by status (a third of the store).
    column: Any = col(Woman.status) if indexed else col(Woman.status).concat("")
    if status == "open":
        return column.in_(("referred", "active"))  # type: ignore[no-any-return]
    if status in ("referred", "active", "closed"):
        return column == status  # type: ignore[no-any-return]
    return None


def _narrow(text: str) -> bool:
    """Whether a search (or none) finds few enough women for the name indexes to lead.

    Nothing typed walks the name index in order and stops at the page; names of two letters
    or more are ranges of the name indexes. One letter matches too many (the status index
    is quicker), and references and dates are not names.
    """
    typed = text.strip()
    if not typed:
        return True
    if "/" in typed or _DIGITS.match(typed) or _REFERENCE.match(typed):
        return False
    if typed[:4].isdigit() and "-" in typed:
        return False
    return all(len(word) >= 2 for word in fold(typed).split())


def order_by(sort: str) -> list[Any]:
    """ORDER BY terms for a sort key (see `SORTS`); ties are broken by name then id."""
    name = [col(Woman.last_norm), col(Woman.first_norm), col(Woman.id)]
    if sort == "reference":
        return [col(Woman.reference)]
    if sort == "status":
        return [col(Woman.status), *name]
    if sort == "last_contact":
        # Women never seen come first: they are the most overdue.
        return [_last_contact().asc().nulls_first(), *name]
    if sort == "hub":
        return [func.coalesce(col(Hub.name), "\uffff"), *name]
    return name


def caseload_where(ctx: Ctx, query: CaseloadQuery) -> list[ColumnElement[bool]]:
    """The WHERE terms for a query: who the actor may see, then search and filters."""
    terms: list[ColumnElement[bool]] = [visible_women(ctx)]
    if ctx.actor.role == "keyworker":
        # The same women as `visible_women` (which still decides), as a list SQLite builds
        # first from the keyworker index and the shares, instead of testing every open case.
        own = core_select(col(Woman.id)).where(col(Woman.keyworker_id) == ctx.actor.user_id)
        shared = core_select(col(WomanShare.woman_id)).where(
            col(WomanShare.user_id) == ctx.actor.user_id
        )
        terms.append(col(Woman.id).in_(own.union_all(shared)))
    found = search_clause(query.search)
    if found is not None:
        terms.append(found)
    status = _status_clause(query.status, indexed=not _narrow(query.search))
    if status is not None:
        terms.append(status)
    if query.hub_id is not None:
        terms.append(col(Woman.hub_id) == query.hub_id)
    if query.borough_code:
        terms.append(col(Woman.borough_code) == query.borough_code)
    if query.keyworker_id == UNALLOCATED:
        terms.append(col(Woman.keyworker_id).is_(None))
    elif query.keyworker_id is not None:
        terms.append(col(Woman.keyworker_id) == query.keyworker_id)
    return terms


def caseload(
    ctx: Ctx, query: CaseloadQuery | None = None, *, cancel: Cancel | None = None
) -> CaseloadPage:
    """List the women the actor may see that match `query` (at most `query.limit`, from
    `query.offset`). With `cancel`, `cancel.cancel()` from another thread stops the query
    and this raises `Cancelled`.
    """
    require(ctx, "women.view")
    query = query or CaseloadQuery()
    if query.sort not in SORTS:
        query = replace(query, sort="name")
    stmt = caseload_statement(ctx, query)
    with ctx.read() as session:
        if cancel is None:
            result = session.execute(stmt).all()
        else:
            with cancel.attached(session):
                result = session.execute(stmt).all()
    rows = to_rows(result)
    if cancel is not None:
        cancel.check()  # replaced while its rows were being made: they are not wanted
    return CaseloadPage(tuple(rows[: query.limit]), len(rows) > query.limit, query)


def caseload_statement(ctx: Ctx, query: CaseloadQuery) -> Select[Any]:
    """The SELECT behind `caseload`: one more row than the page, to tell if there are more."""
    # The page's ids first: sorting matches by name needs only the name columns, so her last
    # contact and flags are then looked up for the rows shown, not for every woman matched.
    ids = core_select(col(Woman.id)).select_from(Woman)
    if query.sort == "hub":
        ids = ids.outerjoin(Hub, col(Hub.id) == col(Woman.hub_id))
    ids = (
        ids.where(*caseload_where(ctx, query))
        .order_by(*order_by(query.sort))
        .limit(query.limit + 1)
        .offset(query.offset or None)
        .correlate(None)
    )
    return row_select().where(col(Woman.id).in_(ids)).order_by(*order_by(query.sort))


def search(ctx: Ctx, text: str, *, limit: int = 20, cancel: Cancel | None = None) -> list[WomanRow]:
    """Women the actor may see matching `text`, open cases first (the palette's jump)."""
    if not text.strip():
        return []
    query = CaseloadQuery(search=text, status="all", sort="status", limit=limit)
    page = caseload(ctx, query, cancel=cancel)
    # Status sorts "active" < "closed" < "referred"; show closed women last.
    return sorted(page.rows, key=lambda r: r.status == "closed")


def rows_for(session: Session, ctx: Ctx, where: Sequence[ColumnElement[bool]]) -> list[WomanRow]:
    """Rows for women matching `where` that the actor may see, by name."""
    stmt = row_select().where(visible_women(ctx), *where).order_by(*order_by("name"))
    return to_rows(session.execute(stmt).all())
