"""Who sees and writes what, enforced by PostgreSQL itself: raw SQL as each login, no services.

Three women: W1 is kw_amina's, W2 and W3 are kw_beth's, and W3 is shared with kw_amina. Every
table holding a woman's data has one row per woman (a draft per keyworker, on her own woman).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections.abc import Iterator
from datetime import date

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel

import caseapp.models  # noqa: F401  (registers every table)
from caseapp.models import (
    Assessment,
    AssessmentItem,
    Closure,
    Consent,
    Draft,
    Engagement,
    Flag,
    GroupAttendance,
    GroupSession,
    Hub,
    Outcome,
    PlanGoal,
    Referral,
    User,
    Woman,
    WomanShare,
)
from caseapp.store import migrate
from tests.pg.conftest import LOGINS, PgServer

DENIED = "denied"

# What each login sees of each table: a number of rows, "all" (every row there is) or denied.
WOMAN_TABLES = (
    "woman",
    "assessment",
    "assessmentitem",
    "closure",
    "consent",
    "engagement",
    "flag",
    "groupattendance",
    "outcome",
    "plangoal",
    "referral",
)
EVERYONE_READS = ("alembic_version", "app_user", "borough", "hub", "hubborough", "setting")
STAFF_WORK = ("activity", "groupsession")
MANAGERS_ONLY = (
    "exportevent",
    "returnrelease",
    "sync_audit_batch",
    "sync_audit_entry",
    "sync_bundle",
    "sync_change",
    "sync_clock",
    "sync_conflict",
    "sync_field",
    "sync_peer",
    "sync_pending",
    "sync_row",
    "sync_self",
    "sync_tombstone",
)


def expected(login: str, table: str) -> int | str:
    """The matrix: what `login` must get from `SELECT count(*) FROM table`."""
    role = LOGINS[login].removeprefix("caseapp_")
    if table in EVERYONE_READS:
        return "all"
    if table == "auditevent":
        return DENIED if role == "keyworker" else "all"
    if table in STAFF_WORK:
        return DENIED if role == "admin" else "all"
    if table in MANAGERS_ONLY:
        return "all" if role == "manager" else DENIED
    if role == "admin":
        return DENIED
    if table == "draft":
        return 1 if role == "keyworker" else 0  # a draft is her author's only
    if table == "womanshare":  # W3's share: seen by managers, its holder and W3's keyworker
        return 1
    if role == "manager":
        return "all"
    return 2  # kw_amina: W1 and W3 (shared with her); kw_beth: W2 and W3


@pytest.fixture
def seeded(pg_engine: Engine) -> dict[str, int]:
    """The three women and one row of every kind each, written as the schema's owner."""
    day = date(2026, 11, 2)
    with Session(pg_engine) as s:
        users = {name: User(username=name, role=LOGINS[name][8:]) for name in LOGINS}
        s.add_all(users.values())
        s.add(Hub(code="HQ", name="Centre"))
        s.flush()
        amina, beth = int(users["kw_amina"].id or 0), int(users["kw_beth"].id or 0)
        women = {
            "W1": Woman(reference="W1", keyworker_id=amina),
            "W2": Woman(reference="W2", keyworker_id=beth),
            "W3": Woman(reference="W3", keyworker_id=beth),
        }
        s.add_all(women.values())
        session = GroupSession(reference="GRP-2026-0001", title="Group", date=day)
        s.add(session)
        s.flush()
        ids = {ref: int(w.id or 0) for ref, w in women.items()}
        session_id = int(session.id or 0)
        s.add(WomanShare(woman_id=ids["W3"], user_id=amina))
        for woman in women.values():
            wid = woman.id
            assert wid is not None
            assessment = Assessment(woman_id=wid, date=day, kind="initial")
            s.add(assessment)
            s.flush()
            assert assessment.id is not None
            s.add_all(
                [
                    AssessmentItem(assessment_id=assessment.id, need_area="N1"),
                    Closure(woman_id=wid, closed_on=day, reason="completed"),
                    Consent(woman_id=wid, given_on=day),
                    Engagement(woman_id=wid, date=day, type="one_to_one", attendance="attended"),
                    Flag(woman_id=wid, type="risk", raised_on=day),
                    GroupAttendance(session_id=session_id, woman_id=wid),
                    Outcome(woman_id=wid, date=day, kind="baseline", question="safety", score=3),
                    PlanGoal(woman_id=wid, need_area="N1", description="goal"),
                    Referral(woman_id=wid, referral_date=day),
                ]
            )
        s.add(Draft(user_id=amina, woman_id=ids["W1"]))
        s.add(Draft(user_id=beth, woman_id=ids["W2"]))
        s.commit()
        return ids


@pytest.fixture
def login(pg_server: PgServer, pg_db: str) -> Iterator[dict[str, Engine]]:
    """An engine per login on the test's database."""
    engines = {name: pg_server.engine(pg_db, user=name) for name in LOGINS}
    yield engines
    for engine in engines.values():
        engine.dispose()


def count(engine: Engine, table: str) -> int | str:
    with engine.connect() as conn:
        try:
            return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
        except DBAPIError as exc:
            assert "permission denied" in str(exc.orig), exc
            return DENIED


def test_role_by_table_matrix(
    seeded: dict[str, int], pg_engine: Engine, login: dict[str, Engine]
) -> None:
    tables = sorted([*SQLModel.metadata.tables, "alembic_version"])
    # Every table is in the matrix: a new table must say who may read it.
    known = {*WOMAN_TABLES, *EVERYONE_READS, *STAFF_WORK, *MANAGERS_ONLY}
    assert set(tables) - known - {"auditevent", "draft", "womanshare"} == set()
    everything = {table: count(pg_engine, table) for table in tables}
    got = {(who, t): count(engine, t) for who, engine in login.items() for t in tables}
    want = {}
    for who in login:
        for table in tables:
            wanted = expected(who, table)
            want[who, table] = everything[table] if wanted == "all" else wanted
    assert got == want


def test_a_keyworker_cannot_change_another_keyworkers_woman(
    seeded: dict[str, int], login: dict[str, Engine]
) -> None:
    with login["kw_amina"].begin() as conn:
        for table, column in (("woman", "id"), ("engagement", "woman_id"), ("flag", "woman_id")):
            changed = conn.execute(
                text(f"UPDATE {table} SET {column} = {column} WHERE {column} = :w"),
                {"w": seeded["W2"]},
            ).rowcount
            assert changed == 0, table
        # Her own woman and the one shared with her she may change.
        changed = conn.execute(
            text("UPDATE woman SET phone = '07700 900000' WHERE id IN (:a, :b)"),
            {"a": seeded["W1"], "b": seeded["W3"]},
        ).rowcount
        assert changed == 2


def test_a_keyworker_cannot_write_for_a_woman_not_hers(
    seeded: dict[str, int], login: dict[str, Engine]
) -> None:
    with pytest.raises(DBAPIError, match="row-level security"):
        with login["kw_amina"].begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO engagement (woman_id, date, type, attendance, duration_minutes,"
                    " delivery, need_areas, note, created_at)"
                    " VALUES (:w, '2026-11-02', 'one_to_one', 'attended', 30, '', '', '', now())"
                ),
                {"w": seeded["W2"]},
            )
    with pytest.raises(DBAPIError, match="row-level security"):
        with login["kw_amina"].begin() as conn:  # nor hand her own woman to someone else
            conn.execute(
                text(
                    "UPDATE woman SET keyworker_id = (SELECT id FROM app_user"
                    " WHERE username = 'kw_beth') WHERE id = :w"
                ),
                {"w": seeded["W1"]},
            )
    with pytest.raises(DBAPIError, match="permission denied"):
        with login["kw_amina"].begin() as conn:  # erasure is a manager's
            conn.execute(text("DELETE FROM woman WHERE id = :w"), {"w": seeded["W1"]})


@pytest.mark.parametrize("who", sorted(LOGINS))
def test_no_login_writes_the_audit_table(
    who: str, seeded: dict[str, int], login: dict[str, Engine]
) -> None:
    for statement in (
        "INSERT INTO auditevent (seq, at, username, role, action, subject_ref, detail,"
        " prev_hmac, hmac) VALUES (999, now(), 'x', 'x', 'forged', '', '', '', '')",
        "UPDATE auditevent SET detail = 'rewritten'",
        "DELETE FROM auditevent",
        "TRUNCATE auditevent",
        "SELECT * FROM caseapp_private.audit_key",
        "SELECT * FROM caseapp_private.audit_pad",
    ):
        with pytest.raises(DBAPIError, match="permission denied"):
            with login[who].begin() as conn:
                conn.exec_driver_sql(statement)


def test_row_security_off_is_refused_not_a_bypass(
    seeded: dict[str, int], login: dict[str, Engine]
) -> None:
    with login["kw_amina"].connect() as conn:
        conn.exec_driver_sql("SET row_security = off")
        with pytest.raises(DBAPIError, match="row-level security"):
            conn.exec_driver_sql("SELECT count(*) FROM woman").scalar_one()


def test_no_app_role_owns_a_table_or_bypasses_security(pg_engine: Engine) -> None:
    roles = ["caseapp_keyworker", "caseapp_manager", "caseapp_admin", *LOGINS]
    with pg_engine.connect() as conn:
        owners = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE tableowner = ANY(:r)"), {"r": roles}
        ).all()
        bypass = conn.execute(
            text(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(:r)"
                " AND (rolbypassrls OR rolsuper OR rolcreaterole)"
            ),
            {"r": roles},
        ).all()
        unforced = conn.execute(
            text(
                "SELECT relname FROM pg_class WHERE relname = ANY(:t)"
                " AND NOT (relrowsecurity AND relforcerowsecurity)"
            ),
            {"t": [*WOMAN_TABLES, "draft", "womanshare"]},
        ).all()
    assert (owners, bypass, unforced) == ([], [], [])


def test_writes_that_skip_the_services_are_audited_in_a_chain(
    seeded: dict[str, int], pg_engine: Engine, login: dict[str, Engine]
) -> None:
    with login["kw_amina"].begin() as conn:
        conn.execute(
            text("UPDATE flag SET reason = 'seen' WHERE woman_id = :w"), {"w": seeded["W1"]}
        )
        conn.exec_driver_sql("SELECT caseapp_audit('woman.view', 1, 'W1', '')")
    with login["mgr_maria"].connect() as conn:
        last = conn.exec_driver_sql(
            "SELECT username, role, action, subject_id, detail FROM auditevent"
            " ORDER BY seq DESC LIMIT 2"
        ).all()
        assert [tuple(row) for row in last] == [
            ("kw_amina", "keyworker", "woman.view", 1, ""),
            ("kw_amina", "keyworker", "row.update", seeded["W1"], "flag"),
        ]
        checked, bad = conn.exec_driver_sql("SELECT * FROM caseapp_audit_verify()").one()
        assert bad is None and checked > 2
    with pg_engine.begin() as conn:  # the owner rewrites history behind the functions' back
        conn.exec_driver_sql("UPDATE auditevent SET detail = 'engagement' WHERE seq = 3")
    with login["adm_alex"].connect() as conn:
        assert conn.exec_driver_sql("SELECT * FROM caseapp_audit_verify()").one() == (2, 3)


def test_the_sql_hmac_is_hmac_sha256(pg_engine: Engine) -> None:
    key, message = b"k" * 70, "entry \N{EN DASH} one".encode()
    with pg_engine.connect() as conn:
        for k in (key, key[:32]):
            got = conn.execute(
                text("SELECT encode(caseapp_private.hmac_sha256(:k, :m), 'hex')"),
                {"k": k, "m": message},
            ).scalar_one()
            assert got == hmac.new(k, message, hashlib.sha256).hexdigest()
            from_pads = conn.execute(
                text(
                    "SELECT encode(sha256(caseapp_private.hmac_pad(:k, 92)"
                    " || sha256(caseapp_private.hmac_pad(:k, 54) || :m)), 'hex')"
                ),
                {"k": k, "m": message},
            ).scalar_one()
            assert from_pads == got


def test_concurrent_appends_leave_no_gap_and_a_sound_chain(
    seeded: dict[str, int], login: dict[str, Engine]
) -> None:
    errors: list[BaseException] = []

    def write(who: str) -> None:
        try:
            for n in range(25):
                with login[who].begin() as conn:
                    conn.exec_driver_sql(f"SELECT caseapp_audit('test.append', {n}, '', '')")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(who,)) for who in sorted(LOGINS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with login["mgr_maria"].connect() as conn:
        seqs = [row[0] for row in conn.exec_driver_sql("SELECT seq FROM auditevent ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))
        appended = conn.exec_driver_sql(
            "SELECT count(*) FROM auditevent WHERE action = 'test.append'"
        ).scalar_one()
        assert appended == 25 * len(LOGINS)
        assert conn.exec_driver_sql("SELECT first_bad FROM caseapp_audit_verify()").scalar() is None


def test_a_keyworker_shares_only_her_own_women(
    seeded: dict[str, int], login: dict[str, Engine]
) -> None:
    share = text(
        "INSERT INTO womanshare (woman_id, user_id)"
        " SELECT :w, id FROM app_user WHERE username = :to"
    )
    with login["kw_amina"].begin() as conn:
        conn.execute(share, {"w": seeded["W1"], "to": "kw_beth"})
    with pytest.raises(DBAPIError, match="row-level security"):
        with login["kw_amina"].begin() as conn:  # W2 is kw_beth's, not hers to share
            conn.execute(share, {"w": seeded["W2"], "to": "kw_amina"})
    with login["kw_beth"].connect() as conn:  # the share made to her opens W1 to her
        assert conn.exec_driver_sql("SELECT count(*) FROM woman").scalar_one() == 3


def visible_rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of a woman's tables and the shares that `engine`'s login reads, sorted."""
    got: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for table in (*WOMAN_TABLES, "draft", "womanshare"):
            rows = conn.exec_driver_sql(f"SELECT to_jsonb(t)::text FROM {table} AS t").all()
            got[table] = sorted(tuple(row) for row in rows)
    return got


def test_the_faster_policies_show_each_login_the_same_rows_as_before(
    seeded: dict[str, int], pg_server: PgServer, pg_db: str, login: dict[str, Engine]
) -> None:
    # The newest policies against 0010's, put back by stepping the migration down.
    now = {who: visible_rows(engine) for who, engine in login.items() if who != "adm_alex"}
    owner = pg_server.engine(pg_db)
    try:
        migrate_to(owner, "0012_pg_sync")
        before = {who: visible_rows(engine) for who, engine in login.items() if who != "adm_alex"}
        migrate_to(owner, "head")
    finally:
        owner.dispose()
    assert now == before
    assert [len(now[who]["engagement"]) for who in sorted(now)] == [2, 2, 3]


def migrate_to(engine: Engine, revision: str) -> None:
    """Move `engine`'s database up or down to `revision` with the project's migrations."""
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)


@pytest.mark.parametrize("who", ["kw_amina", "mgr_maria"])
def test_a_womans_rows_are_checked_by_index_not_by_reading_every_woman(
    who: str, seeded: dict[str, int], pg_engine: Engine, login: dict[str, Engine]
) -> None:
    # Enough women that a sequential scan is never the planner's cheapest way to find one.
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no triggers
        conn.exec_driver_sql(
            "INSERT INTO woman SELECT (jsonb_populate_record(w, jsonb_build_object("
            "'id', 100 + g, 'reference', 'X' || g))).*"
            " FROM woman AS w, generate_series(1, 5000) AS g WHERE w.reference = 'W2'"
        )
        conn.exec_driver_sql("ANALYZE")
    with login[who].connect() as conn:
        for query in (
            "SELECT * FROM engagement WHERE woman_id = %(w)s ORDER BY date DESC",
            "SELECT count(*) FROM flag WHERE woman_id = %(w)s",
            "SELECT * FROM assessmentitem WHERE assessment_id = 1",
        ):
            plan = "\n".join(
                row[0] for row in conn.exec_driver_sql(f"EXPLAIN {query}", {"w": seeded["W1"]})
            )
            assert re.search(r"Seq Scan on woman\b", plan) is None, plan


def test_the_chain_holds_whatever_zone_the_writers_session_is_in(
    seeded: dict[str, int], login: dict[str, Engine]
) -> None:
    # The append runs in the caller's zone; the entry's text reads its time in UTC.
    for zone in ("Pacific/Chatham", "America/St_Johns", "UTC"):
        with login["kw_amina"].begin() as conn:
            conn.exec_driver_sql(f"SET LOCAL TimeZone = '{zone}'")
            conn.execute(
                text("UPDATE flag SET reason = :z WHERE woman_id = :w"),
                {"z": zone, "w": seeded["W1"]},
            )
            conn.exec_driver_sql("SELECT caseapp_audit('test.zone', 1, '', '')")
    with login["mgr_maria"].connect() as conn:
        conn.exec_driver_sql("SET TimeZone = 'Asia/Kathmandu'")
        checked, bad = conn.exec_driver_sql("SELECT * FROM caseapp_audit_verify()").one()
        zoned = conn.exec_driver_sql(
            "SELECT count(*) FROM auditevent WHERE action = 'test.zone'"
        ).scalar_one()
    assert (bad, zoned) == (None, 3) and checked > 3
