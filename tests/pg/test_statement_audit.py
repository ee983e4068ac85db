"""Migration 0015: a woman's rows audited by statement triggers, still one chained entry a row.

The same three women as the access matrix (W1 kw_amina's, W2 and W3 kw_beth's, W3 shared with
kw_amina), written by raw SQL and by the import's bulk path.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from caseapp.models import Engagement
from caseapp.services.interchange.bulk import insert_rows, next_id
from tests.pg.conftest import PgServer
from tests.pg.test_access_matrix import login, migrate_to, seeded  # noqa: F401  (fixtures)

Entry = tuple[object, ...]


def entries_after(conn: Connection, seq: int) -> list[Entry]:
    """(username, role, action, subject_id, detail) of every entry after `seq`, in order."""
    rows = conn.exec_driver_sql(
        "SELECT username, role, action, subject_id, detail FROM auditevent"
        " WHERE seq > %(s)s ORDER BY seq",
        {"s": seq},
    )
    return [tuple(row) for row in rows]


def last_seq(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM auditevent").scalar_one())


def chain_is_sound(conn: Connection) -> bool:
    checked, bad = conn.exec_driver_sql("SELECT * FROM caseapp_audit_verify()").one()
    return bad is None and checked == last_seq(conn)


def test_a_statement_of_many_rows_appends_one_entry_a_row_in_order(
    seeded: dict[str, int],  # noqa: F811
    login: dict[str, Engine],  # noqa: F811
) -> None:
    w1, w2, w3 = seeded["W1"], seeded["W2"], seeded["W3"]
    with login["mgr_maria"].connect() as conn:
        start = last_seq(conn)
    with login["kw_amina"].begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO engagement (woman_id, date, type, attendance, need_areas, note,"
            " created_at) VALUES (%(a)s, '2026-11-03', 'one_to_one', 'attended', '', '', now()),"
            " (%(b)s, '2026-11-03', 'one_to_one', 'attended', '', '', now()),"
            " (%(a)s, '2026-11-04', 'phone', 'attended', '', '', now())",
            {"a": w3, "b": w1},
        )
        # Every engagement she may see (W1's and W3's), one statement; and one matching none.
        conn.exec_driver_sql("UPDATE engagement SET attendance = 'attended'")
        conn.exec_driver_sql("UPDATE flag SET reason = 'x' WHERE woman_id = %(w)s", {"w": w2})
    with login["mgr_maria"].begin() as conn:
        conn.exec_driver_sql(
            "DELETE FROM flag WHERE woman_id IN (%(a)s, %(b)s)", {"a": w1, "b": w2}
        )
    with login["mgr_maria"].connect() as conn:
        got = entries_after(conn, start)
        assert chain_is_sound(conn)
    amina = ("kw_amina", "keyworker")
    assert got[:3] == [
        (*amina, "row.insert", w3, "engagement"),
        (*amina, "row.insert", w1, "engagement"),
        (*amina, "row.insert", w3, "engagement"),
    ]
    updated = got[3:8]
    assert sorted(e[3] for e in updated) == sorted([w1, w1, w3, w3, w3])  # type: ignore[type-var]
    assert {e[:3] + e[4:] for e in updated} == {(*amina, "row.update", "engagement")}
    # Nothing for the update that matched no row she may see; one entry per row deleted.
    deleted = got[8:]
    assert sorted(e[3] for e in deleted) == sorted([w1, w2])  # type: ignore[type-var]
    assert {e[:3] + e[4:] for e in deleted} == {("mgr_maria", "manager", "row.delete", "flag")}


def test_rows_imported_by_the_bulk_path_are_each_audited_and_checked(
    seeded: dict[str, int],  # noqa: F811
    login: dict[str, Engine],  # noqa: F811
) -> None:
    day, at = date(2026, 11, 5), datetime(2026, 11, 5, 9, 30, tzinfo=UTC)
    columns = ("id", "woman_id", "date", "type", "attendance", "need_areas", "note", "created_at")
    with login["mgr_maria"].begin() as conn:
        start, first = last_seq(conn), next_id(conn, Engagement)
        rows = [
            (first + n, seeded["W1" if n % 2 else "W2"], day, "one_to_one", "attended", "", "", at)
            for n in range(2_500)
        ]
        assert insert_rows(conn, Engagement, rows, columns=columns, chunk=1_000) == 2_500
    with login["mgr_maria"].connect() as conn:
        got = entries_after(conn, start)
        stored = conn.exec_driver_sql(
            "SELECT id, woman_id, date, type, attendance, need_areas, note, created_at"
            " FROM engagement"
            " WHERE id >= %(f)s ORDER BY id",
            {"f": first},
        ).all()
        assert chain_is_sound(conn)
    assert [tuple(r) for r in stored] == rows
    assert got == [("mgr_maria", "manager", "row.insert", r[1], "engagement") for r in rows]
    # A value too long for its column is refused, not cut to fit.
    too_long = [(90_000, seeded["W1"], day, "t" * 21, "attended", "", "", at)]
    with pytest.raises(DBAPIError, match="too long"):
        with login["mgr_maria"].begin() as conn:
            insert_rows(conn, Engagement, too_long, columns=columns)


def triggers_on(conn: Connection, table: str) -> set[str]:
    rows = conn.exec_driver_sql(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE c.relname = %(t)s AND t.tgname LIKE 'caseapp_audit%%' AND NOT t.tgisinternal",
        {"t": table},
    )
    return {str(r[0]) for r in rows}


def test_the_statement_triggers_go_down_to_row_triggers_and_back(
    seeded: dict[str, int],  # noqa: F811
    login: dict[str, Engine],  # noqa: F811
    pg_server: PgServer,
    pg_db: str,
) -> None:
    statement = {"caseapp_audit_insert", "caseapp_audit_update", "caseapp_audit_delete"}
    owner = pg_server.engine(pg_db)
    write = "UPDATE flag SET reason = %(r)s"
    try:
        for revision, expected in (
            ("0014_pg_duplicate_skeletons", {"caseapp_audit_row"}),
            ("head", statement),
        ):
            migrate_to(owner, revision)
            with owner.connect() as conn:
                assert {t: triggers_on(conn, t) for t in ("woman", "flag", "draft")} == {
                    t: expected for t in ("woman", "flag", "draft")
                }
            with login["mgr_maria"].connect() as conn:
                start = last_seq(conn)
            with login["kw_amina"].begin() as conn:  # W1's flag and W3's
                conn.exec_driver_sql(write, {"r": revision})
            with login["mgr_maria"].connect() as conn:
                got = entries_after(conn, start)
                assert chain_is_sound(conn)
            assert sorted(e[3] for e in got) == sorted([seeded["W1"], seeded["W3"]])  # type: ignore[type-var]
            assert {e[2] for e in got} == {"row.update"}
    finally:
        owner.dispose()
