"""An attacker for suppressed tables: which hidden cells follow from the published sums."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from caseapp.export.anonymise import SUPPRESSED, CellRef, RawTable, ShownTable


def pinned_cells(
    tables: Sequence[RawTable],
    result: tuple[ShownTable, ...],
    equations: Sequence[tuple[tuple[CellRef, ...], CellRef | int]],
) -> set[CellRef]:
    """Hidden cells whose value follows from what is shown and every published sum.

    The true counts are one solution. A hidden cell can be worked out only if every other
    solution (non-negative counts meeting every sum) gives it the same value, so finding a
    change `d` to the hidden cells that keeps every sum (A d = 0) and every count >= 0 proves
    that the cells it moves cannot be worked out. Moves of -1, 0 or +1 per cell suffice for
    the tables drawn here; a cell no such move reaches is reported as worked out.
    """
    true = {CellRef(t.name, code): count for t in tables for code, _label, count in t.cells}
    hidden = [
        CellRef(t.name, code) for t in result for code, _l, value in t.rows if value == SUPPRESSED
    ]
    rows = []
    for members, goal in equations:
        row = [(1 if ref in members else 0) - (1 if goal == ref else 0) for ref in hidden]
        if any(row):
            rows.append(row)
    # Cells that share no sum move independently: search each group of linked cells alone.
    group = list(range(len(hidden)))

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    for row in rows:
        linked = [i for i, a in enumerate(row) if a]
        for i in linked[1:]:
            group[root(i)] = root(linked[0])
    movable: set[CellRef] = set()
    for leader in {root(i) for i in range(len(hidden))}:
        members_at = [i for i in range(len(hidden)) if root(i) == leader]
        part = [hidden[i] for i in members_at]
        part_rows = [[row[i] for i in members_at] for row in rows]
        part_rows = [row for row in part_rows if any(row)]
        for move in itertools.product((-1, 0, 1), repeat=len(part)):
            steps = list(zip(part, move, strict=True))
            if not any(move) or any(true[ref] + step < 0 for ref, step in steps):
                continue
            if all(sum(a * m for a, m in zip(row, move, strict=True)) == 0 for row in part_rows):
                movable.update(ref for ref, step in steps if step)
    return set(hidden) - movable
