"""`caseapp user add|remove|reset` and `passwd` on PostgreSQL: each user is her own login."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from caseapp.cli.main import main
from caseapp.models import User, Woman
from tests.pg.conftest import PASSWORD, PgServer

MANAGER_PASS = "a long passphrase for nadia"
KW_PASS = "keyworker's first passphrase"


@dataclass
class Site:
    """One test's store: its URL and the names of its logins (unique on the whole server)."""

    url: str
    db: str
    socket_dir: str
    manager: str
    keyworker: str

    def connect(self, user: str, password: str) -> psycopg.Connection[tuple[object, ...]]:
        """A raw connection, as any other tool would make one."""
        return psycopg.connect(host=self.socket_dir, dbname=self.db, user=user, password=password)


def run(
    monkeypatch: pytest.MonkeyPatch, user: str, passphrase: str, *argv: str, new: str = ""
) -> int:
    """One command as `user`, her passphrase (and a new one) given as the CLI reads them."""
    monkeypatch.setenv("CASEAPP_PASSPHRASE", passphrase)
    if new:
        monkeypatch.setenv("CASEAPP_NEW_PASSPHRASE", new)
    else:
        monkeypatch.delenv("CASEAPP_NEW_PASSPHRASE", raising=False)
    return main([*argv, "--user", user])


@pytest.fixture
def site(pg_server: PgServer, pg_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A store made by `caseapp init` with its manager, and a keyworker she added."""
    url = pg_server.url(pg_db)
    here = Site(url, pg_db, pg_server.socket_dir, f"mgr_{pg_db}", f"kw_{pg_db}")
    monkeypatch.setenv("PGUSER", "postgres")
    monkeypatch.setenv("CASEAPP_PASSPHRASE", MANAGER_PASS)
    assert main(["init", "--store", url, "--user", here.manager]) == 0
    monkeypatch.delenv("PGUSER")
    monkeypatch.setenv("CASEAPP_STORE", url)
    assert (
        run(monkeypatch, here.manager, MANAGER_PASS, "user", "add", here.keyworker, new=KW_PASS)
        == 0
    )
    yield here


def audit_actions(engine: Engine) -> list[tuple[str, str, str]]:
    """(who, action, detail) of every audit entry, in order."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT username, action, detail FROM auditevent ORDER BY seq"))
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def signs_in(site: Site, user: str, password: str) -> bool:
    """Whether the server lets `user` in with `password`."""
    try:
        site.connect(user, password).close()
    except psycopg.OperationalError:
        return False
    return True


def test_an_added_keyworker_signs_in_and_sees_only_her_caseload(
    site: Site,
    pg_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Session(pg_engine) as s:
        mine = s.exec(select(User).where(User.username == site.keyworker)).one()
        assert (mine.role, mine.active) == ("keyworker", True)
        s.add_all(
            [Woman(reference="W1", keyworker_id=mine.id), Woman(reference="W2", keyworker_id=1)]
        )
        s.commit()
    with site.connect(site.keyworker, KW_PASS) as conn:
        assert conn.execute("SELECT reference FROM woman").fetchall() == [("W1",)]
        # Her login is in the keyworker group and nothing more.
        assert conn.execute("SELECT pg_has_role('caseapp_manager', 'MEMBER')").fetchone() == (
            False,
        )
    capsys.readouterr()
    assert run(monkeypatch, site.keyworker, KW_PASS, "user", "list") == 0
    assert f"{site.keyworker:<24} keyworker" in capsys.readouterr().out
    assert "user_added" in [a for _, a, _ in audit_actions(pg_engine)]
    who, _, detail = next(e for e in audit_actions(pg_engine) if e[1] == "user_added")
    assert who == site.manager and site.keyworker in detail and "keyworker" in detail


def test_the_server_keeps_a_scram_verifier_made_on_the_client(
    site: Site, pg_engine: Engine
) -> None:
    with pg_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :n"), {"n": site.keyworker}
        ).scalar_one()
    assert stored.startswith("SCRAM-SHA-256$")
    # A passphrase sent as it is never becomes anyone's password.
    with (
        site.connect(site.manager, MANAGER_PASS) as conn,
        pytest.raises(psycopg.errors.InvalidParameterValue),
    ):
        conn.execute("SELECT caseapp_reset_login(%s, %s)", (site.keyworker, "plain passphrase"))


def test_reset_gives_her_a_new_passphrase_and_the_old_one_stops_working(
    site: Site, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = "her second passphrase"
    assert (
        run(monkeypatch, site.manager, MANAGER_PASS, "user", "reset", site.keyworker, new=new) == 0
    )
    assert not signs_in(site, site.keyworker, KW_PASS)
    assert signs_in(site, site.keyworker, new)
    assert run(monkeypatch, site.keyworker, KW_PASS, "user", "list") == 2
    assert run(monkeypatch, site.keyworker, new, "user", "list") == 0
    assert (site.manager, "passphrase_reset") in [(w, a) for w, a, _ in audit_actions(pg_engine)]


def test_a_manager_may_not_reset_another_managers_passphrase(
    site: Site, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = f"mgr2_{site.db}"
    assert (
        run(
            monkeypatch,
            site.manager,
            MANAGER_PASS,
            "user",
            "add",
            other,
            "--role",
            "manager",
            new=KW_PASS,
        )
        == 0
    )
    assert (
        run(monkeypatch, site.manager, MANAGER_PASS, "user", "reset", other, new="taken over now")
        == 5
    )
    assert signs_in(site, other, KW_PASS)
    assert (site.manager, "permission_denied") in [(w, a) for w, a, _ in audit_actions(pg_engine)]


def test_removing_her_ends_her_login_and_her_open_session(
    site: Site,
    pg_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    open_before = site.connect(site.keyworker, KW_PASS)
    capsys.readouterr()
    assert run(monkeypatch, site.manager, MANAGER_PASS, "user", "remove", site.keyworker) == 0
    out = capsys.readouterr().out
    assert "login can no longer sign in" in out and "key" not in out
    assert not signs_in(site, site.keyworker, KW_PASS)
    with pytest.raises(psycopg.Error):
        open_before.execute("SELECT count(*) FROM woman").fetchone()
    open_before.close()
    assert run(monkeypatch, site.keyworker, KW_PASS, "user", "list") == 2
    with Session(pg_engine) as s:
        row = s.exec(select(User).where(User.username == site.keyworker)).one()
    assert not row.active and row.removed_at is not None  # kept: records name her
    with pg_engine.connect() as conn:
        role = conn.execute(
            text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :n"), {"n": site.keyworker}
        ).one()
    assert role == (False,)
    assert (site.manager, "user_removed") in [(w, a) for w, a, _ in audit_actions(pg_engine)]


def test_neither_herself_nor_the_last_manager_can_be_removed(
    site: Site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, site.manager, MANAGER_PASS, "user", "remove", site.manager) != 0
    assert "cannot remove yourself" in capsys.readouterr().err
    with (
        site.connect(site.manager, MANAGER_PASS) as conn,
        pytest.raises(psycopg.errors.InvalidParameterValue),
    ):
        conn.execute("SELECT caseapp_remove_login(%s)", (site.manager,))
    assert signs_in(site, site.manager, MANAGER_PASS)


def test_a_keyworker_cannot_add_a_user_by_the_cli_or_by_sql(
    site: Site, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    intruder = f"x_{site.db}"
    assert run(monkeypatch, site.keyworker, KW_PASS, "user", "add", intruder, new=KW_PASS) == 5
    assert (site.keyworker, "permission_denied") in [(w, a) for w, a, _ in audit_actions(pg_engine)]
    with (
        site.connect(site.keyworker, KW_PASS) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(
            "SELECT caseapp_add_login(%s, '', 'manager', %s)",
            (intruder, "SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA"),
        )
    with pg_engine.connect() as conn:
        assert (
            conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": intruder}).first()
            is None
        )


def test_passwd_changes_her_own_login_passphrase(
    site: Site, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = "ﬁne pässwörd ünïcode"  # the ligature is folded by SASLprep on both sides
    assert run(monkeypatch, site.keyworker, "not her passphrase", "passwd", new=new) == 2
    assert run(monkeypatch, site.keyworker, KW_PASS, "passwd", new=new) == 0
    assert not signs_in(site, site.keyworker, KW_PASS)
    assert signs_in(site, site.keyworker, new)
    assert (site.keyworker, "passphrase_changed") in [
        (w, a) for w, a, _ in audit_actions(pg_engine)
    ]
    assert run(monkeypatch, site.keyworker, new, "passwd", new="short") != 0  # the same rules
    assert signs_in(site, site.keyworker, new)


def test_an_admin_resets_a_managers_passphrase(
    site: Site, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = f"adm_{site.db}"
    assert (
        run(
            monkeypatch,
            site.manager,
            MANAGER_PASS,
            "user",
            "add",
            admin,
            "--role",
            "admin",
            new=KW_PASS,
        )
        == 0
    )
    assert (
        run(monkeypatch, admin, KW_PASS, "user", "reset", site.manager, new="the manager's new one")
        == 0
    )
    assert signs_in(site, site.manager, "the manager's new one")
    assert (admin, "passphrase_reset") in [(w, a) for w, a, _ in audit_actions(pg_engine)]


def test_an_owner_who_may_only_create_roles_runs_it_all(
    pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider's owner is no superuser: CREATEROLE, and ADMIN of the groups she created."""
    name = f"own{next(pg_server.names)}"
    admin = pg_server.engine("postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN CREATEROLE PASSWORD '{PASSWORD}'")
        for group in ("caseapp_keyworker", "caseapp_manager", "caseapp_admin"):
            # What the server records when she creates the groups on a new server herself.
            conn.exec_driver_sql(
                f"GRANT {group} TO {name} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE"
            )
        conn.exec_driver_sql(f"CREATE DATABASE {name} OWNER {name}")
    here = Site(pg_server.url(name), name, pg_server.socket_dir, f"mgr_{name}", f"kw_{name}")
    try:
        monkeypatch.setenv("PGUSER", name)
        monkeypatch.setenv("PGPASSWORD", PASSWORD)
        monkeypatch.setenv("CASEAPP_PASSPHRASE", MANAGER_PASS)
        assert main(["init", "--store", here.url, "--user", here.manager]) == 0
        monkeypatch.delenv("PGUSER")
        monkeypatch.delenv("PGPASSWORD")
        monkeypatch.setenv("CASEAPP_STORE", here.url)
        assert (
            run(monkeypatch, here.manager, MANAGER_PASS, "user", "add", here.keyworker, new=KW_PASS)
            == 0
        )
        assert (
            run(
                monkeypatch,
                here.manager,
                MANAGER_PASS,
                "user",
                "reset",
                here.keyworker,
                new="second one",
            )
            == 0
        )
        assert signs_in(here, here.keyworker, "second one")
        assert run(monkeypatch, here.keyworker, "second one", "passwd", new="third passphrase") == 0
        assert run(monkeypatch, here.manager, MANAGER_PASS, "verify") == 0
        open_before = here.connect(here.keyworker, "third passphrase")
        assert run(monkeypatch, here.manager, MANAGER_PASS, "user", "remove", here.keyworker) == 0
        assert not signs_in(here, here.keyworker, "third passphrase")
        # The owner may not end her session, but out of her group it reads nothing.
        with pytest.raises(psycopg.Error):
            open_before.execute("SELECT count(*) FROM woman").fetchone()
        open_before.close()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def test_the_functions_never_touch_a_login_that_is_not_caseapp_staff(
    site: Site, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manager may write `app_user` rows: one naming the server's superuser gives no power
    over it, and a user may not be added under a login the server already has."""
    assert run(monkeypatch, site.manager, MANAGER_PASS, "user", "add", "postgres", new=KW_PASS) == 6
    with Session(pg_engine) as s:
        s.add(User(username="postgres", role="keyworker", display_name="not staff"))
        s.commit()
    assert (
        run(monkeypatch, site.manager, MANAGER_PASS, "user", "reset", "postgres", new=KW_PASS) != 0
    )
    assert run(monkeypatch, site.manager, MANAGER_PASS, "user", "remove", "postgres") == 0
    with pg_engine.connect() as conn:
        role = conn.execute(
            text("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'postgres'")
        ).one()
        assert tuple(role) == (True, True)
        assert conn.execute(text("SELECT 1")).scalar() == 1  # the owner still signs in
