"""`caseapp init`, a command that signs in and `verify`, with `--store postgresql://...`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import Engine

from caseapp.cli.main import main
from caseapp.store.pg_checks import WOMAN_TABLES
from tests.pg.conftest import PgServer


def test_init_creates_the_first_manager_as_her_own_login(
    pg_server: PgServer,
    pg_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = pg_server.url(pg_db)
    manager = f"mgr_{pg_db}"  # roles belong to the whole server: one name per test database
    monkeypatch.setenv("PGUSER", "postgres")  # the owner signs in by libpq's own rules
    monkeypatch.setenv("CASEAPP_PASSPHRASE", "a long passphrase for nadia")
    assert main(["init", "--store", url, "--user", manager, "--name", "Nadia"]) == 0
    monkeypatch.delenv("PGUSER")
    # She signs in with her own login: the server checks her passphrase.
    monkeypatch.setenv("CASEAPP_STORE", url)
    assert main(["user", "list", "--user", manager]) == 0
    assert f"{manager:<24} manager" in capsys.readouterr().out
    monkeypatch.setenv("CASEAPP_PASSPHRASE", "not her passphrase")
    assert main(["user", "list", "--user", manager]) == 2


@pytest.fixture
def verified_site(
    pg_server: PgServer, pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """A store made by `caseapp init`, named by `CASEAPP_STORE`; its manager's login."""
    url = pg_server.url(pg_db)
    manager = f"mgr_{pg_db}"
    monkeypatch.setenv("PGUSER", "postgres")
    monkeypatch.setenv("CASEAPP_PASSPHRASE", "a long passphrase for nadia")
    assert main(["init", "--store", url, "--user", manager]) == 0
    monkeypatch.delenv("PGUSER")
    monkeypatch.setenv("CASEAPP_STORE", url)
    return url, manager


def test_verify_passes_on_a_fresh_store_and_says_what_it_checked(
    verified_site: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _url, manager = verified_site
    capsys.readouterr()
    assert main(["verify", "--user", manager]) == 0
    out = capsys.readouterr().out
    assert "schema: at revision" in out
    assert "audit log: audit chain intact" in out
    assert "row-level security: enabled and forced on all" in out
    assert "logins: none of the" in out
    assert "audit table: written only by the server's functions" in out
    assert "Store verified" in out


@pytest.mark.parametrize(
    ("tamper", "found"),
    [
        ("UPDATE auditevent SET detail = 'x' WHERE seq = 1", "audit entry 1 has been altered"),
        ("ALTER TABLE consent DISABLE ROW LEVEL SECURITY", "consent has row-level security off"),
        ("ALTER TABLE flag NO FORCE ROW LEVEL SECURITY", "flag does not force"),
        ("ALTER TABLE referral OWNER TO caseapp_manager", "caseapp_manager owns tables"),
        ("ALTER ROLE {manager} BYPASSRLS", "{manager} bypasses row-level security"),
        ("GRANT INSERT ON auditevent TO caseapp_keyworker", "caseapp_keyworker may write it"),
    ],
)
def test_verify_fails_when_the_server_has_been_changed_behind_the_app(
    verified_site: tuple[str, str],
    pg_engine: Engine,
    capsys: pytest.CaptureFixture[str],
    tamper: str,
    found: str,
) -> None:
    _url, manager = verified_site
    with pg_engine.begin() as conn:  # the schema's owner (or the server's superuser) did it
        conn.exec_driver_sql(tamper.format(manager=f'"{manager}"'))
    capsys.readouterr()
    try:
        assert main(["verify", "--user", manager]) != 0
        captured = capsys.readouterr()
        assert found.format(manager=manager) in captured.out + captured.err
    finally:
        if "BYPASSRLS" in tamper:  # roles outlive the test's database
            with pg_engine.begin() as conn:
                conn.exec_driver_sql(f'ALTER ROLE "{manager}" NOBYPASSRLS')


def test_verify_is_for_managers_and_admins(
    verified_site: tuple[str, str],
    pg_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _url, manager = verified_site
    keyworker = f"kw_{manager}"
    monkeypatch.setenv("CASEAPP_NEW_PASSPHRASE", "her own first passphrase")
    assert main(["user", "add", keyworker, "--user", manager]) == 0
    monkeypatch.setenv("CASEAPP_PASSPHRASE", "her own first passphrase")
    assert main(["verify", "--user", keyworker]) == 5
    with pg_engine.connect() as conn:
        last = conn.exec_driver_sql(
            "SELECT username, action FROM auditevent ORDER BY seq DESC LIMIT 2"
        ).all()
    assert (keyworker, "permission_denied") in [tuple(row) for row in last]


def test_the_tables_verify_checks_are_those_the_migration_secures() -> None:
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0010_postgres_access.py"
    spec = importlib.util.spec_from_file_location("postgres_access", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert sorted(WOMAN_TABLES) == sorted(module.ROW_SECURED)


def test_recover_on_postgresql_says_who_resets_a_passphrase_instead(
    verified_site: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _url, manager = verified_site
    assert main(["recover", "--user", manager]) != 0
    assert "has no recovery code: an admin resets" in capsys.readouterr().err
