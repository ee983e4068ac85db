"""Small-number suppression for breakdowns of people (docs/domain.md, "Anonymisation rules").

Pure functions over counts: no store, no UI. Primary suppression hides every count from 1 to
`threshold - 1`; secondary suppression then hides more cells until no hidden cell can be worked
out from a total or narrowed to fewer than `threshold` values: within every table whose cells
add up to a published total (a table with one hidden cell, or hidden cells adding up to less
than `threshold - 1`, hides its next smallest cell too) and within every `Link`, a sum that
the reader can see in another place (ethnic minorities is the sum of the minority groups;
young adults is the 18-24 age band). Tables of overlapping counts have no total, so secondary
suppression inside them would protect nothing; only their links are checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SUPPRESSED = "[c]"
RULES_VERSION = "2"

RULES_TEXT = {
    "headline": "Headline counts of sessions, attendances and trainings are exact; a "
    "headline count of women from 1 to threshold - 1 is shown as [c].",
    "primary": "In every breakdown of people, a count from 1 to threshold - 1 is shown as [c]; "
    "zero is shown as 0.",
    "secondary": "Where a breakdown whose cells add up to its total has exactly one [c], or "
    "[c] cells that add up to less than threshold - 1, its next smallest cell (a non-zero one "
    "when there is one) is shown as [c] too, until no [c] can be worked back from the total "
    "or narrowed to fewer than threshold possible values; the same holds for cells that add "
    "up to a figure shown elsewhere (ethnic minorities, young adults). Counts that overlap "
    "(characteristics, needs profile) have no total to work back from and get the primary "
    "rule.",
    "percentages": "A percentage whose denominator is below the threshold is shown as [c], "
    "and so are its numerator and denominator; all three are [c] too when the women who "
    "improved, or those who did not, number from 1 to threshold - 1. With no denominator the "
    "percentage is null.",
    "releases": "Every export is a release, kept in a register. Where a cell counting women "
    "differs by 1 to threshold - 1 from the same cell of an earlier release whose period "
    "contains this one, lies inside it or shares its start, and neither is [c], this release "
    "shows [c] (and secondary suppression is applied again).",
    "suppressed_list": "Every [c] is listed with its rule; which cell of a table was the small "
    "count is not said, because that would give the count away.",
}


@dataclass(frozen=True, order=True)
class CellRef:
    """A cell: its table's name and its category code."""

    table: str
    code: str


@dataclass(frozen=True)
class RawTable:
    """A breakdown before suppression: (code, label, count) rows in display order.

    `adds_up` says whether the cells partition a population whose total is published (a
    woman is in exactly one borough); counts that overlap (characteristics, needs) do not.
    """

    name: str
    title: str
    cells: tuple[tuple[str, str, int], ...]
    adds_up: bool = True
    # The cell elsewhere that publishes the total (a headline count); None: always published.
    total: CellRef | None = None

    def refs(self) -> tuple[CellRef, ...]:
        """References to every cell, in order."""
        return tuple(CellRef(self.name, code) for code, _label, _count in self.cells)


@dataclass(frozen=True)
class Link:
    """Cells (`members`) that add up to `total` (another cell) or to a published exact figure."""

    members: tuple[CellRef, ...]
    total: CellRef | None
    why: str


@dataclass(frozen=True)
class Suppression:
    """One hidden cell and the rule that hid it."""

    table: str
    code: str
    label: str
    rule: str
    reason: str

    def as_dict(self, threshold: int) -> dict[str, str]:
        """The manifest's form: the cell and the rule, not which cell was the small one.

        Saying which cell of a table was the small count and which protects it would tell the
        reader that the first is 1 to threshold - 1 (two such cells adding up to 2 are then
        both 1), so the manifest gives the same reason for every hidden cell of a table.
        """
        if self.rule == "percentage":
            # One reason for every hidden outcome: saying which side was small gives it away.
            reason = (
                "rule 4: the denominator is below the threshold, or the women who improved "
                f"or those who did not are from 1 to {threshold - 1}; numerator, denominator "
                "and percentage are hidden together"
            )
        elif self.rule == "release":
            reason = (
                f"rule 4a: set beside the same cell of the {self.reason}, it would give away "
                f"a difference of 1 to {threshold - 1} or a cell another release hid"
            )
        elif self.table == "headline":
            reason = f"rule 2: a headline count of women from 1 to {threshold - 1}"
        else:
            reason = (
                f"rules 2-3: a count from 1 to {threshold - 1}, or a cell hidden with one so "
                "that it cannot be worked out from a total"
            )
        return {"table": self.table, "cell": self.code, "label": self.label, "reason": reason}


@dataclass(frozen=True)
class ShownTable:
    """A breakdown as it may leave caseapp: each count an int or `[c]`."""

    name: str
    title: str
    rows: tuple[tuple[str, str, int | str], ...]

    def as_dict(self) -> dict[str, int | str]:
        """Category code → shown value."""
        return {code: value for code, _label, value in self.rows}


def percent(numerator: int, denominator: int, threshold: int) -> int | str | None:
    """A whole-number percentage, half rounding up; null with no denominator, `[c]` if small."""
    if denominator <= 0:
        return None
    if denominator < threshold:
        return SUPPRESSED
    return (200 * numerator + denominator) // (2 * denominator)


def is_small(count: int, threshold: int) -> bool:
    """A count of women that may not be published: from 1 to threshold - 1."""
    return 1 <= count < threshold


@dataclass(frozen=True)
class ShownOutcome:
    """An outcome as it may leave: numerator, denominator and percentage, or all three `[c]`."""

    numerator: int | str
    denominator: int | str
    percent: int | str | None
    reason: str | None = None


def outcome(numerator: int, denominator: int, threshold: int) -> ShownOutcome:
    """Rule 4: a suppressed percentage takes its numerator and denominator with it.

    The three are hidden together when the denominator is below the threshold, or when the
    women who improved or those who did not are from 1 to threshold - 1 ("50 of 52 felt
    safer" says 2 did not). Nobody counted is shown as 0 of 0 with no percentage.
    """
    if denominator <= 0:
        return ShownOutcome(numerator, denominator, None)
    if denominator < threshold:
        reason = "the denominator is below the threshold"
    elif is_small(numerator, threshold) or is_small(denominator - numerator, threshold):
        reason = "fewer than the threshold improved, or did not"
    else:
        return ShownOutcome(numerator, denominator, percent(numerator, denominator, threshold))
    return ShownOutcome(SUPPRESSED, SUPPRESSED, SUPPRESSED, reason)


def _next_smallest(
    candidates: Sequence[CellRef],
    values: dict[CellRef, int],
    hidden: dict[CellRef, Suppression],
    linked: frozenset[CellRef],
) -> CellRef | None:
    """The smallest visible candidate, preferring non-zero cells (a hidden 0 protects little).

    When only zeros are left, one that no other sum involves is taken: a zero that is also
    part of a sum shown elsewhere may be worked out there, and would protect nothing.
    """
    ranked = [
        (values[ref] == 0, values[ref], values[ref] == 0 and ref in linked, index, ref)
        for index, ref in enumerate(candidates)
        if ref not in hidden
    ]
    return min(ranked)[-1] if ranked else None


def suppress(
    tables: Sequence[RawTable],
    links: Sequence[Link],
    threshold: int,
    *,
    forced: Mapping[CellRef, str] | None = None,
) -> tuple[tuple[ShownTable, ...], tuple[Suppression, ...]]:
    """Apply primary and secondary suppression; return the shown tables and what was hidden.

    `forced` cells are hidden from the start, with the reason given (rule 4a: an earlier
    release would give them away), and secondary suppression then protects them too.
    """
    if threshold < 1:
        raise ValueError("the threshold must be at least 1")
    values: dict[CellRef, int] = {}
    labels: dict[CellRef, str] = {}
    for table in tables:
        for code, label, count in table.cells:
            ref = CellRef(table.name, code)
            values[ref] = int(count)
            labels[ref] = label
    for link in links:
        for ref in (*link.members, *((link.total,) if link.total else ())):
            if ref not in values:
                raise ValueError(f"link names an unknown cell {ref}")
    hidden: dict[CellRef, Suppression] = {}
    linked = frozenset(
        ref for link in links for ref in (*link.members, *((link.total,) if link.total else ()))
    )

    def hide(ref: CellRef, rule: str, reason: str) -> None:
        hidden[ref] = Suppression(ref.table, ref.code, labels[ref], rule, reason)

    for ref, value in values.items():
        if 1 <= value < threshold:
            hide(ref, "primary", f"count from 1 to {threshold - 1}")
    for ref, why in (forced or {}).items():
        if ref not in values:
            raise ValueError(f"forced names an unknown cell {ref}")
        if ref not in hidden:
            hide(ref, "release", why)

    def too_narrow(inside: Sequence[CellRef]) -> bool:
        # Hidden cells that add up to a known figure S can each be anything from 0 to S:
        # one alone is pinned, and S + 1 possible values must reach the threshold.
        return len(inside) == 1 or (
            bool(inside) and sum(values[ref] for ref in inside) < threshold - 1
        )

    changed = True
    while changed:
        changed = False
        for table in tables:
            if not table.adds_up:
                continue  # no total to work a hidden cell back from
            refs = table.refs()
            inside = [ref for ref in refs if ref in hidden]
            total = hidden.get(table.total) if table.total in values else None
            if total is not None and total.rule == "primary":
                continue  # a small total is not published; every cell of it is small too
            # A total hidden for another reason: the cells must not add up to it.
            narrow = not inside if total is not None else too_narrow(inside)
            if narrow:
                pick = _next_smallest(refs, values, hidden, linked)
                if pick is not None:
                    hide(
                        pick,
                        "secondary",
                        f"{table.name}: its [c] cells could be narrowed from its total",
                    )
                    changed = True
        for link in links:
            unknown = [ref for ref in link.members if ref in hidden]
            total_hidden = link.total is not None and link.total in hidden
            if total_hidden:
                assert link.total is not None
                unknown.append(link.total)
            if not (len(unknown) == 1 or (not total_hidden and too_narrow(unknown))):
                continue
            nonzero = [ref for ref in link.members if values[ref] > 0]
            pick = _next_smallest(nonzero, values, hidden, linked)
            if pick is None and link.total is not None and link.total not in hidden:
                pick = link.total
            if pick is None:
                pick = _next_smallest(link.members, values, hidden, linked)
            if pick is not None:
                hide(
                    pick,
                    "secondary",
                    f"{unknown[0].table}/{unknown[0].code} could be worked out: {link.why}",
                )
                changed = True

    shown = tuple(
        ShownTable(
            table.name,
            table.title,
            tuple(
                (code, label, SUPPRESSED if CellRef(table.name, code) in hidden else count)
                for code, label, count in table.cells
            ),
        )
        for table in tables
    )
    order = {ref: index for index, ref in enumerate(values)}
    return shown, tuple(hidden[ref] for ref in sorted(hidden, key=order.__getitem__))
