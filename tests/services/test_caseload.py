"""The caseload: who is listed for whom, search as you type, filters, sorting, waiting-for-me."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from caseapp.errors import PermissionDenied
from caseapp.services import hubs
from caseapp.services.allocation import share_woman
from caseapp.services.caseload import (
    UNALLOCATED,
    CaseloadQuery,
    caseload,
    caseload_statement,
    escape_like,
    row_select,
    search,
    search_clause,
)
from caseapp.services.contacts import ContactInput, log_contact
from caseapp.services.context import Ctx
from caseapp.services.flags import raise_flag
from caseapp.services.women import close_woman
from tests.harness.women import add_woman


def names(ctx: Ctx, **query: object) -> list[str]:
    return [r.name for r in caseload(ctx, CaseloadQuery(**query)).rows]  # type: ignore[arg-type]


@pytest.fixture
def two_caseloads(manager: Ctx, make_user: Callable[..., Ctx]) -> tuple[Ctx, Ctx]:
    anna = make_user("anna")
    bea = make_user("bea")
    add_woman(anna, "Jane", "Smith")
    add_woman(anna, "Janet", "Jones", born="1980-01-01")
    add_woman(anna, "Ruth", "Percent%", born="1981-01-01")
    add_woman(bea, "Jana", "Underscore_x", born="1982-01-01")
    add_woman(bea, "Mary", "Jackson", preferred_name="Moll", born="1983-05-06")
    return anna, bea


def test_keyworker_sees_only_her_caseload(two_caseloads: tuple[Ctx, Ctx], manager: Ctx) -> None:
    anna, bea = two_caseloads
    assert names(anna) == ["Janet Jones", "Ruth Percent%", "Jane Smith"]
    assert names(bea) == ["Mary Jackson (Moll)", "Jana Underscore_x"]
    assert len(names(manager)) == 5


def test_search_by_name_prefix_preferred_name_and_words(two_caseloads: tuple[Ctx, Ctx]) -> None:
    anna, bea = two_caseloads
    assert names(anna, search="jan") == ["Janet Jones", "Jane Smith"]
    assert names(anna, search="JANE") == ["Janet Jones", "Jane Smith"]
    assert names(anna, search="jane sm") == ["Jane Smith"]
    assert names(anna, search="smi") == ["Jane Smith"]
    assert names(bea, search="mol") == ["Mary Jackson (Moll)"]
    assert names(anna, search="mith") == []


def test_search_by_reference_number_and_birth_date(two_caseloads: tuple[Ctx, Ctx]) -> None:
    anna, bea = two_caseloads
    assert names(anna, search="MIN-2026-00001") == ["Jane Smith"]
    assert names(anna, search="min-2026-0000") == ["Janet Jones", "Ruth Percent%", "Jane Smith"]
    assert names(anna, search="2") == ["Janet Jones"]
    assert names(bea, search="06/05/1983") == ["Mary Jackson (Moll)"]
    assert names(bea, search="1983-05-06") == ["Mary Jackson (Moll)"]
    assert names(bea, search="31/02/1983") == []


def test_percent_and_underscore_match_only_themselves(
    two_caseloads: tuple[Ctx, Ctx], manager: Ctx
) -> None:
    anna, bea = two_caseloads
    # A keyworker searching `%` sees only her caseload, and only literal matches.
    assert names(anna, search="%") == []
    assert names(anna, search="percent%") == ["Ruth Percent%"]
    assert names(bea, search="percent%") == []
    assert names(manager, search="_") == []
    assert names(manager, search="underscore_") == ["Jana Underscore_x"]
    assert names(manager, search="underscore%") == []
    assert escape_like("a%b_c\\") == "a\\%b\\_c\\\\"


def test_sql_in_a_search_is_just_text(two_caseloads: tuple[Ctx, Ctx], manager: Ctx) -> None:
    anna, _bea = two_caseloads
    assert names(anna, search="'; DROP TABLE woman;--") == []
    assert len(names(manager)) == 5


def test_search_uses_the_name_indexes(manager: Ctx) -> None:
    clause = search_clause("jan")
    assert clause is not None
    stmt = row_select().where(clause)
    compiled = stmt.compile(manager.store.engine, compile_kwargs={"render_postcompile": True})
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    with manager.store.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
    details = " ".join(str(row[-1]) for row in plan)
    assert "ix_woman_first_norm" in details and "ix_woman_last_norm" in details
    assert "SCAN woman" not in details


def plan(ctx: Ctx, **query: object) -> str:
    """SQLite's plan for the caseload's statement, as one line."""
    stmt = caseload_statement(ctx, CaseloadQuery(**query))  # type: ignore[arg-type]
    compiled = stmt.compile(ctx.store.engine, compile_kwargs={"render_postcompile": True})
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    with ctx.store.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
    return " / ".join(str(row[-1]) for row in rows)


def test_open_cases_are_found_through_the_name_and_keyworker_indexes(
    two_caseloads: tuple[Ctx, Ctx], manager: Ctx
) -> None:
    # Reading every open case by status and testing each (a third of a large store) is what
    # made a keystroke's query slow; names of two letters or more are index ranges.
    for typed in ("", "ja", "jane sm"):
        details = plan(manager, search=typed)
        assert "ix_woman_status" not in details, (typed, details)
    assert "ix_woman_last_norm" in plan(manager, search="smi")
    anna, _bea = two_caseloads
    for typed in ("", "j", "smi"):
        details = plan(anna, search=typed)
        assert "ix_woman_keyworker_status" in details, (typed, details)
    assert names(anna, search="j") == ["Janet Jones", "Jane Smith"]


def test_filters_by_status_hub_borough_and_keyworker(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    hub = hubs.add_hub(manager, "HACK", "Hackney Hub", ["Hackney"])
    a = add_woman(manager, "Ann", "Able", hub_id=hub.id, borough="Hackney")
    add_woman(manager, "Bet", "Baker", borough="Camden", keyworker_id=anna.actor.user_id)
    c = add_woman(manager, "Cat", "Cole", born="1970-01-01")
    close_woman(manager, c.id, "moved_away", closed_on="2026-11-20")
    log_contact(manager, a.id, ContactInput(date="2026-11-20"))
    assert names(manager) == ["Ann Able", "Bet Baker"]
    assert names(manager, status="closed") == ["Cat Cole"]
    assert names(manager, status="all") == ["Ann Able", "Bet Baker", "Cat Cole"]
    assert names(manager, status="active") == ["Ann Able"]
    assert names(manager, status="referred") == ["Bet Baker"]
    assert names(manager, hub_id=hub.id) == ["Ann Able"]
    assert names(manager, borough_code="E09000007") == ["Bet Baker"]
    assert names(manager, keyworker_id=anna.actor.user_id) == ["Bet Baker"]
    assert names(manager, keyworker_id=UNALLOCATED) == ["Ann Able"]


def test_rows_carry_hub_keyworker_last_contact_and_flags(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    hub = hubs.add_hub(manager, "HACK", "Hackney Hub")
    woman = add_woman(anna, hub_id=hub.id)
    log_contact(anna, woman.id, ContactInput(date="2026-11-10"))
    log_contact(
        anna,
        woman.id,
        ContactInput(date="2026-11-20", attendance="did_not_attend"),
    )
    raise_flag(anna, woman.id, "self_harm", "disclosed")
    raise_flag(anna, woman.id, "marac", "referred to MARAC")
    row = caseload(anna).rows[0]
    assert row.hub_name == "Hackney Hub"
    assert row.keyworker_name == "anna"
    # The last contact is the last one she attended.
    assert row.last_contact == date(2026, 11, 10)
    assert row.flags == ("marac", "self_harm")
    assert row.status == "active"


def test_sorts(manager: Ctx) -> None:
    b = add_woman(manager, "Bea", "Zed", born="1990-01-01")
    a = add_woman(manager, "Amy", "Young", born="1991-01-01")
    add_woman(manager, "Cora", "Xu", born="1992-01-01")
    log_contact(manager, a.id, ContactInput(date="2026-11-01"))
    log_contact(manager, b.id, ContactInput(date="2026-11-20"))
    assert names(manager, sort="name") == ["Cora Xu", "Amy Young", "Bea Zed"]
    assert names(manager, sort="reference") == ["Bea Zed", "Amy Young", "Cora Xu"]
    assert names(manager, sort="last_contact") == ["Cora Xu", "Amy Young", "Bea Zed"]
    assert names(manager, sort="status") == ["Amy Young", "Bea Zed", "Cora Xu"]
    assert names(manager, sort="nonsense") == ["Cora Xu", "Amy Young", "Bea Zed"]


def test_limit_reports_more(manager: Ctx) -> None:
    for i in range(5):
        add_woman(manager, f"Name{i}", "Same", born=f"199{i}-01-01")
    page = caseload(manager, CaseloadQuery(limit=3))
    assert len(page.rows) == 3 and page.more
    assert not caseload(manager, CaseloadQuery(limit=5)).more


def test_shared_women_are_on_the_caseload(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    woman = add_woman(anna, "Shared", "Woman")
    assert names(bea) == []
    share_woman(anna, woman.id, bea.actor.user_id)
    assert names(bea) == ["Shared Woman"]
    assert [r.name for r in search(bea, "shar")] == ["Shared Woman"]


def test_admin_has_no_caseload(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    admin = make_user("root", role="admin")
    add_woman(manager)
    with pytest.raises(PermissionDenied):
        caseload(admin)


def test_palette_search_lists_closed_women_last(manager: Ctx) -> None:
    closed = add_woman(manager, "Anna", "Closed", born="1970-01-01")
    close_woman(manager, closed.id, "goals_met")
    add_woman(manager, "Anna", "Open", born="1971-01-01")
    assert [r.name for r in search(manager, "anna")] == ["Anna Open", "Anna Closed"]
    assert search(manager, "   ") == []
