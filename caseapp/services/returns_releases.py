"""The release register: what earlier returns published, and what a new one may not show.

Every export of a return is a release, kept in the store (`ReturnRelease`: the period, the
rules and every published cell). Before a new release, each cell that counts women is compared
with the same cell of every earlier release whose period contains the new one, lies inside it
or shares its start: where the two differ by 1 to threshold - 1 and neither is suppressed, the
difference would be a small number of women, so the new release hides its cell
(docs/domain.md, rule 4a). Months inside quarters, and the year to date at the end of one month
against the next, are exactly such pairs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from caseapp.models import ReturnRelease
from caseapp.services.returns_periods import KINDS, Period

Cell = int | str | None


@dataclass(frozen=True)
class Release:
    """An earlier release: its period and the cells it published (`table/cell` → value)."""

    period: Period
    cells: Mapping[str, Cell]

    @property
    def label(self) -> str:
        """The period's name, as the manifest and the screen give it."""
        return self.period.label


def cell_key(table: str, code: str, part: str = "") -> str:
    """`headline/women_supported`, `needs_profile/MH`, `outcomes/outcome_felt_safe/numerator`."""
    return f"{table}/{code}/{part}" if part else f"{table}/{code}"


def nested(a: Period, b: Period) -> bool:
    """Whether one period contains the other or both start on the same day."""
    return (
        a.start == b.start
        or (a.start <= b.start and b.end <= a.end)
        or (b.start <= a.start and a.end <= b.end)
    )


def earlier(session: Session, period: Period) -> tuple[Release, ...]:
    """Every release whose period nests with `period`, oldest first."""
    rows = session.exec(
        select(ReturnRelease)
        .where(col(ReturnRelease.period_from) <= period.end)
        .where(col(ReturnRelease.period_to) >= period.start)
        .order_by(col(ReturnRelease.id))
    ).all()
    found = []
    for row in rows:
        kind = row.period_kind if row.period_kind in KINDS else "range"
        then = Period(row.period_from, row.period_to, kind)
        if nested(then, period):
            found.append(Release(then, json.loads(row.cells)))
    return tuple(found)


def forced(
    raw: Mapping[str, int], releases: Iterable[Release], threshold: int
) -> dict[str, Release]:
    """The cells (of `raw`, counts of women) an earlier release would give away.

    A cell already from 1 to threshold - 1 is hidden anyway; a cell suppressed in the earlier
    release gives nothing away there. Returns each cell with the first release it clashes with.
    """
    out: dict[str, Release] = {}
    releases = tuple(releases)
    for key, value in raw.items():
        if 1 <= value < threshold:
            continue
        for release in releases:
            before = release.cells.get(key)
            if isinstance(before, bool) or not isinstance(before, int):
                continue
            if 1 <= abs(value - before) < threshold:
                out[key] = release
                break
    return out


def record(
    session: Session,
    period: Period,
    threshold: int,
    rules_version: str,
    cells: Mapping[str, Cell],
    manifest_sha256: str,
) -> None:
    """Add a release to the register (inside the export's write transaction)."""
    session.add(
        ReturnRelease(
            period_from=period.start,
            period_to=period.end,
            period_kind=period.kind,
            threshold=threshold,
            rules_version=rules_version,
            manifest_sha256=manifest_sha256,
            cells=json.dumps(dict(cells), separators=(",", ":"), sort_keys=True),
        )
    )


def as_dicts(releases: Iterable[Release]) -> list[dict[str, Any]]:
    """The releases compared, for the manifest: period and its name."""
    return [
        {"from": r.period.start.isoformat(), "to": r.period.end.isoformat(), "label": r.label}
        for r in releases
    ]
