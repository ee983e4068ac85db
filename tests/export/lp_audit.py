"""An auditor with a linear program: how far can each suppressed cell be narrowed?

For every `[c]` of a return, the smallest and largest values consistent with everything the
return publishes: its shown cells, the totals its tables add up to (a breakdown's cells add up
to the headline count of its population), the sums shown elsewhere (the links), what the
definitions imply (a characteristic or a need is at most the women counted; 1-2-1 and centre
women are among the women supported; an outcome's numerator is at most its denominator) and
non-negativity. A cell is safe when it is not pinned and at least `threshold` whole values
remain possible (docs/domain.md, rule 3).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy.optimize import linprog

from caseapp.export.anonymise import SUPPRESSED, CellRef, Link, RawTable
from caseapp.services.returns import ReturnResult
from caseapp.services.returns_sql import Figures
from caseapp.services.returns_tables import POPULATIONS, links, raw_tables


@dataclass(frozen=True)
class Range:
    """The values a hidden cell can take given what is published (high: inf when unbounded)."""

    cell: CellRef
    low: float
    high: float

    def values(self) -> float:
        """How many whole values are possible."""
        if math.isinf(self.high):
            return math.inf
        return math.floor(self.high + 1e-6) - math.ceil(self.low - 1e-6) + 1


def _shown(result: ReturnResult) -> dict[CellRef, int | str | None]:
    cells: dict[CellRef, int | str | None] = {
        CellRef("headline", row.code): row.value for row in result.headline
    }
    for row in result.outcomes:
        cells[CellRef("outcomes", f"{row.code}/numerator")] = row.numerator
        cells[CellRef("outcomes", f"{row.code}/denominator")] = row.denominator
    for table in result.tables:
        for code, _label, value in table.rows:
            cells[CellRef(table.name, code)] = value
    return cells


def _constraints(
    tables: Sequence[RawTable], joins: Sequence[Link], result: ReturnResult
) -> tuple[list[dict[CellRef, int]], list[dict[CellRef, int]]]:
    """Equalities and inequalities (<= 0), each as cell -> coefficient (constant: None key)."""
    equal: list[dict[CellRef, int]] = []
    at_most: list[dict[CellRef, int]] = []
    totals = {population: CellRef("headline", population) for population, _t in POPULATIONS}
    for table in tables:
        total = table.total or next(
            (cell for p, cell in totals.items() if table.name.startswith(p)), None
        )
        refs = table.refs()
        if table.adds_up and total is not None:
            row = dict.fromkeys(refs, 1)
            row[total] = row.get(total, 0) - 1
            equal.append(row)
        elif total is not None:  # overlapping counts: each at most the women counted
            at_most.extend({ref: 1, total: -1} for ref in refs)
        if table.name == "needs_profile":
            base = CellRef("needs_profile", "women_assessed")
            at_most.extend({ref: 1, base: -1} for ref in refs if ref != base)
    for link in joins:
        goal = link.total or next(
            cell for p, cell in totals.items() if link.members[0].table.startswith(p)
        )
        row = dict.fromkeys(link.members, 1)
        row[goal] = row.get(goal, 0) - 1
        equal.append(row)
    supported = CellRef("headline", "women_supported")
    for code in ("women_engaged_one_to_one", "women_accessed_centre"):
        at_most.append({CellRef("headline", code): 1, supported: -1})
    for outcome in result.outcomes:
        at_most.append(
            {
                CellRef("outcomes", f"{outcome.code}/numerator"): 1,
                CellRef("outcomes", f"{outcome.code}/denominator"): -1,
            }
        )
    return equal, at_most


def audit(result: ReturnResult, found: Figures) -> list[Range]:
    """The range of every suppressed cell of `result` (computed from `found`)."""
    equal, at_most = _constraints(raw_tables(found), links(), result)
    return ranges(_shown(result), equal, at_most)


def ranges(
    shown: Mapping[CellRef, int | str | None],
    equal: list[dict[CellRef, int]],
    at_most: list[dict[CellRef, int]],
) -> list[Range]:
    """The range of every `[c]` in `shown` under `equal` (= 0) and `at_most` (<= 0) sums."""
    hidden = sorted(cell for cell, value in shown.items() if value == SUPPRESSED)
    index = {cell: i for i, cell in enumerate(hidden)}

    def matrix(rows: list[dict[CellRef, int]]) -> tuple[list[list[float]], list[float]]:
        a: list[list[float]] = []
        b: list[float] = []
        for row in rows:
            coefficients = [0.0] * len(hidden)
            constant = 0.0
            for cell, weight in row.items():
                if cell in index:
                    coefficients[index[cell]] += weight
                else:
                    value = shown.get(cell, 0)
                    constant += weight * (value if isinstance(value, int) else 0)
            if any(coefficients):
                a.append(coefficients)
                b.append(-constant)
        return a, b

    a_eq, b_eq = matrix(equal)
    a_ub, b_ub = matrix(at_most)
    found: list[Range] = []
    for cell, i in index.items():
        objective = [0.0] * len(hidden)
        bounds = []
        for sign in (1.0, -1.0):
            objective[i] = sign
            found_lp = linprog(
                objective,
                A_ub=a_ub or None,
                b_ub=b_ub or None,
                A_eq=a_eq or None,
                b_eq=b_eq or None,
                bounds=[(0, None)] * len(hidden),
                method="highs",
            )
            if found_lp.status == 3:  # unbounded
                bounds.append(math.inf)
            else:
                assert found_lp.status == 0, found_lp.message
                bounds.append(sign * found_lp.fun)
        found.append(Range(cell, bounds[0], bounds[1]))
    return found


def too_narrow(result: ReturnResult, found: Figures) -> list[Range]:
    """The suppressed cells that are pinned or narrowed below the threshold."""
    return [r for r in audit(result, found) if r.values() < result.threshold]
