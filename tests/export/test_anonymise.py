"""Small-number suppression: primary, secondary, linked cells, and nothing can be worked back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from caseapp.export.anonymise import SUPPRESSED, CellRef, Link, RawTable, ShownTable, suppress
from tests.export.disclosure import pinned_cells


def table(name: str, *counts: int) -> RawTable:
    return RawTable(name, name, tuple((f"c{i}", f"cell {i}", n) for i, n in enumerate(counts)))


def shown(result: tuple[ShownTable, ...], name: str) -> list[int | str]:
    found = next(t for t in result if t.name == name)
    return [value for _code, _label, value in found.rows]


def test_counts_below_the_threshold_are_hidden_zero_and_threshold_are_shown() -> None:
    tables, hidden = suppress([table("t", 0, 1, 9, 10, 11, 9)], [], 10)
    assert shown(tables, "t") == [0, SUPPRESSED, SUPPRESSED, 10, 11, SUPPRESSED]
    assert {h.code for h in hidden} == {"c1", "c2", "c5"}
    assert all(h.rule == "primary" for h in hidden)


def test_a_single_hidden_cell_takes_the_next_smallest_non_zero_cell_with_it() -> None:
    tables, hidden = suppress([table("t", 40, 0, 3, 25, 12, 0)], [], 10)
    assert shown(tables, "t") == [40, 0, SUPPRESSED, 25, SUPPRESSED, 0]
    assert [(h.code, h.rule) for h in hidden] == [("c2", "primary"), ("c4", "secondary")]


def test_two_hidden_cells_adding_up_to_threshold_less_one_need_no_secondary() -> None:
    tables, hidden = suppress([table("t", 40, 4, 5, 25)], [], 10)
    assert shown(tables, "t") == [40, SUPPRESSED, SUPPRESSED, 25]
    assert all(h.rule == "primary" for h in hidden)


def test_hidden_cells_adding_up_to_less_take_another_cell_with_them() -> None:
    # 3 and 4 hidden beside a total: each is 0 to 7, eight values; the threshold asks ten.
    tables, hidden = suppress([table("t", 40, 3, 4, 25)], [], 10)
    assert shown(tables, "t") == [40, SUPPRESSED, SUPPRESSED, SUPPRESSED]
    assert [h.rule for h in hidden] == ["primary", "primary", "secondary"]


def test_overlapping_counts_have_no_total_so_no_secondary() -> None:
    needs = RawTable("needs", "needs", (("MH", "MH", 27), ("DA", "DA", 4), ("SM", "SM", 12)), False)
    tables, _hidden = suppress([needs], [], 10)
    assert shown(tables, "needs") == [27, SUPPRESSED, 12]


def test_a_zero_is_hidden_only_when_no_other_cell_is_left() -> None:
    tables, _hidden = suppress([table("t", 0, 4, 0, 12)], [], 10)
    assert shown(tables, "t") == [0, SUPPRESSED, 0, SUPPRESSED]
    tables, _hidden = suppress([table("t", 0, 4, 0)], [], 10)
    assert shown(tables, "t") == [SUPPRESSED, SUPPRESSED, SUPPRESSED]


def test_forced_cells_are_hidden_and_protected_like_small_ones() -> None:
    forced = {CellRef("t", "c0"): "rule 4a"}
    tables, hidden = suppress([table("t", 40, 30, 25)], [], 10, forced=forced)
    assert shown(tables, "t") == [SUPPRESSED, 30, SUPPRESSED]
    assert [(h.code, h.rule) for h in hidden] == [("c0", "release"), ("c2", "secondary")]


def test_a_table_with_nothing_small_is_untouched() -> None:
    tables, hidden = suppress([table("t", 0, 10, 0, 200)], [], 10)
    assert shown(tables, "t") == [0, 10, 0, 200] and hidden == ()


def test_a_subtotal_shown_elsewhere_gets_a_second_hidden_member() -> None:
    # c1 + c2 is published as "sub"; hiding only c1 would let it be worked out from sub.
    groups = table("groups", 50, 4, 30, 20, 3)
    summary = table("summary", 34, 60)
    link = Link((CellRef("groups", "c1"), CellRef("groups", "c2")), CellRef("summary", "c0"), "")
    tables, _ = suppress([groups, summary], [link], 10)
    groups_shown = shown(tables, "groups")
    assert groups_shown[1] == SUPPRESSED and groups_shown[4] == SUPPRESSED
    assert SUPPRESSED in (groups_shown[2], shown(tables, "summary")[0])


def test_an_equal_cell_elsewhere_is_hidden_with_its_twin() -> None:
    # Young adults equal the 18-24 band: if the band is hidden, so is its twin.
    ages = table("ages", 30, 12, 40, 2)
    counts = table("counts", 12, 50, 70)
    link = Link((CellRef("ages", "c1"),), CellRef("counts", "c0"), "young adults")
    tables, _ = suppress([ages, counts], [link], 10)
    assert shown(tables, "ages")[1] == SUPPRESSED  # the secondary for c3
    assert shown(tables, "counts")[0] == SUPPRESSED


# -- no hidden cell can be worked back: see tests/export/disclosure.py ---------------------


counts = st.lists(st.integers(0, 14), min_size=2, max_size=5)


@settings(max_examples=60, deadline=None)
@given(
    first=counts,
    second=counts,
    subset=st.sets(st.integers(0, 4), min_size=1, max_size=2),
    threshold=st.integers(2, 10),
)
def test_no_hidden_cell_can_be_worked_back_from_any_total(
    first: list[int], second: list[int], subset: set[int], threshold: int
) -> None:
    # `a` is a breakdown whose cells add up to a published total (like ethnicity); `b` holds
    # counts that do not add up (like the characteristics table), one of which is the sum of
    # some of a's cells (ethnic minorities) or equal to one of them (young adults).
    # A proper subset, as in the return: White British and the rest are never minorities.
    members = sorted(i for i in subset if i < len(first) - 1) or [0]
    sub_value = sum(first[i] for i in members)
    a = table("a", *first)
    b = RawTable(
        "b", "b", tuple((f"c{i}", "", n) for i, n in enumerate([sub_value, *second])), False
    )
    sub = CellRef("b", "c0")
    member_refs = tuple(CellRef("a", f"c{i}") for i in members)
    others = tuple(CellRef("a", f"c{i}") for i in range(len(first)) if i not in members)
    links = [
        Link(member_refs, sub, "a subtotal of a shown in b"),
        Link((*others, sub), None, "the rest of a and the subtotal make a's total"),
    ]
    result, hidden = suppress([a, b], links, threshold)
    equations: list[tuple[tuple[CellRef, ...], CellRef | int]] = [
        (a.refs(), sum(first)),
        (member_refs, sub),
        ((*others, sub), sum(first)),
    ]
    assert pinned_cells([a, b], result, equations) == set()
    for t in (a, b):
        for code, _label, count in t.cells:
            ref = CellRef(t.name, code)
            if 1 <= count < threshold:
                assert ref in {CellRef(h.table, h.code) for h in hidden}


def test_no_hidden_cell_of_a_real_return_can_be_worked_back(manager) -> None:  # type: ignore[no-untyped-def]
    from caseapp.services import returns
    from caseapp.services.returns_sql import figures
    from caseapp.services.returns_tables import links, raw_tables
    from tests.export import return_sample

    return_sample.build(manager.store)
    period = return_sample.PERIOD
    with manager.read() as session:
        found = figures(session.connection(), period.start, period.end)
    raw = raw_tables(found)
    result = returns.compute(manager, period)
    assert len(result.suppressed) >= 6
    totals = {
        "women_supported": found.headline["women_supported"],
        "new_referrals": found.headline["new_referrals"],
        "cases_closed": found.headline["cases_closed"],
    }
    equations: list[tuple[tuple[CellRef, ...], CellRef | int]] = []
    for t in raw:
        population = next((p for p in totals if t.name.startswith(p)), None)
        if population is not None and "_by_" in t.name:
            equations.append((t.refs(), totals[population]))
    for link in links():
        equations.append(
            (
                link.members,
                link.total
                if link.total
                else totals[
                    "women_supported"
                    if link.members[0].table.startswith("women")
                    else "new_referrals"
                ],
            )
        )
    assert pinned_cells(raw, result.tables, equations) == set()
