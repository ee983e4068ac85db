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
from datetime import date, timedelta
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


def released(session: Session) -> tuple[Release, ...]:
    """Every release in the register, oldest first (a few dozen a year)."""
    found = []
    for row in session.exec(select(ReturnRelease).order_by(col(ReturnRelease.id))).all():
        kind = row.period_kind if row.period_kind in KINDS else "range"
        found.append(Release(Period(row.period_from, row.period_to, kind), json.loads(row.cells)))
    return tuple(found)


def remainder(a: Period, b: Period) -> tuple[date, date] | None:
    """The days in one of two nested periods but not the other, when they form one span."""
    if a == b:
        return None
    longer, shorter = (a, b) if (a.end - a.start) > (b.end - b.start) else (b, a)
    if longer.start == shorter.start:
        return shorter.end + timedelta(days=1), longer.end
    if longer.end == shorter.end:
        return longer.start, shorter.start - timedelta(days=1)
    return None


def forced(
    raw: Mapping[str, int], period: Period, releases: Iterable[Release], threshold: int
) -> tuple[dict[str, Release], tuple[Release, ...]]:
    """The cells (of `raw`, counts of women) earlier releases would give away, and those compared.

    A cell is hidden when it differs by 1 to threshold - 1 from the same shown cell of a release
    whose period nests with `period` (rule 4a); and when the difference between the two would be
    the cell of a third release that hid it (the year to date at the end of October, less the
    year to date at the end of September, is October). A cell already from 1 to threshold - 1 is
    hidden anyway. Returns each cell with the release it clashes with.
    """
    every = tuple(releases)
    compared = tuple(r for r in every if nested(r.period, period))
    hid = {(r.period.start, r.period.end): r for r in every}
    out: dict[str, Release] = {}
    for key, value in raw.items():
        if 1 <= value < threshold:
            continue
        for release in compared:
            before = release.cells.get(key)
            if isinstance(before, bool) or not isinstance(before, int):
                continue
            rest = remainder(release.period, period)
            third = hid.get(rest) if rest is not None else None
            if 1 <= abs(value - before) < threshold or (
                third is not None and third.cells.get(key) == "[c]"
            ):
                out[key] = release
                break
    return out, compared


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
