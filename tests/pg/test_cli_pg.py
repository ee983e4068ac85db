"""`caseapp init`, a command that signs in and `verify`, with `--store postgresql://...`."""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from caseapp.cli.main import main
from caseapp.services import users
from caseapp.services.context import Actor, Ctx
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.pg_checks import WOMAN_TABLES
from caseapp.store.store import Store
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.women import insert_woman_with_every_record
from tests.pg.conftest import PASSWORD, PgServer
from tests.services.import_kit import VALID


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
    assert "audit triggers: every write to the 13 tables is audited" in out
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
        (
            "ALTER TABLE engagement DISABLE TRIGGER caseapp_audit_insert",
            "engagement: caseapp_audit_insert is disabled",
        ),
        ("DROP TRIGGER caseapp_audit_delete ON flag", "flag: caseapp_audit_delete is missing"),
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


# -- the same command-line checks on both kinds of store ------------------------------------


@dataclass
class Site:
    """A store the CLI reaches by `--store`, its manager's context for seeding, her login."""

    store: str
    ctx: Ctx
    user: str
    passphrase: str
    add_keyworker: Callable[[str], object]


@pytest.fixture(params=["sqlcipher", "postgresql"])
def site(
    request: pytest.FixtureRequest,
    new_store: Callable[[], Store],
    store_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Site]:
    """A SQLCipher file or a PostgreSQL database, its manager `mgr` able to sign in."""
    if request.param == "sqlcipher":
        opened, where, passphrase = new_store(), str(store_path), PASSPHRASE

        def add_keyworker(name: str) -> object:
            mgr = Ctx(opened, Actor(1, MANAGER, "manager"))
            return users.add_user(mgr, name, "keyworker", PASSPHRASE, kdf=FAST_KDF)
    else:
        pg_server: PgServer = request.getfixturevalue("pg_server")
        opened = request.getfixturevalue("store")  # tests/pg/conftest.py: mgr's own login
        where, passphrase = pg_server.url(request.getfixturevalue("pg_db")), PASSWORD
        add_keyworker = request.getfixturevalue("make_user")  # her own login
    monkeypatch.setenv("CASEAPP_PASSPHRASE", passphrase)
    ctx = Ctx(opened, Actor(1, MANAGER, "manager", "Maria Manager"))
    yield Site(where, ctx, MANAGER, passphrase, add_keyworker)
    opened.close()


def _run(site: Site, *args: str) -> int:
    site.ctx.store.close()  # a SQLCipher file is locked while open; the CLI opens its own
    return main([*args, "--store", site.store, "--user", site.user])


def test_user_add_and_list_on_both_engines(
    site: Site, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    keyworker = f"kw_cli_{abs(hash(site.store)) % 10**6}"  # logins outlive a PG test database
    monkeypatch.setenv("CASEAPP_NEW_PASSPHRASE", "her own first passphrase")
    assert _run(site, "user", "add", keyworker, "--name", "Kim Keyworker") == 0
    capsys.readouterr()
    assert main(["user", "list", "--store", site.store, "--user", site.user]) == 0
    out = capsys.readouterr().out
    assert f"{MANAGER:<24} manager" in out and f"{keyworker:<24} keyworker" in out
    monkeypatch.setenv("CASEAPP_PASSPHRASE", "her own first passphrase")
    # She signs in with her own passphrase, and may not add staff: the same on both engines.
    refused = ["user", "add", f"{keyworker}_x", "--store", site.store, "--user", keyworker]
    assert main(refused) == 5
    assert main(["user", "list", "--store", site.store, "--user", keyworker]) == 0
    assert f"{keyworker}_x" not in capsys.readouterr().out


def test_a_dry_run_of_the_return_on_both_engines(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    insert_woman_with_every_record(site.ctx, "MIN-2026-00001")
    assert _run(site, "return", "--month", "2026-10", "--dry-run") == 0
    printed = capsys.readouterr().out
    assert "Dry run: the return for October 2026" in printed
    assert "Checked against earlier releases: none." in printed
    assert "Nothing was written and nothing released." in printed
    assert main(["return", "--store", site.store, "--user", site.user, "--year", "2026",
                 "--dry-run", "--allow-incomplete"]) == 0  # fmt: skip
    assert "Dry run: the return for" in capsys.readouterr().out


def test_erase_and_the_audit_log_on_both_engines(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    insert_woman_with_every_record(site.ctx, "MIN-2026-00001")
    insert_woman_with_every_record(site.ctx, "MIN-2026-00002")
    assert _run(site, "erase", "MIN-2026-00001", "--yes") == 0
    assert "Erased MIN-2026-00001" in capsys.readouterr().out
    assert main(["erase", "MIN-2026-00001", "--yes", "--store", site.store,
                 "--user", site.user]) != 0  # fmt: skip
    capsys.readouterr()
    base = ["audit", "--store", site.store, "--user", site.user]
    assert main([*base, "--limit", "2"]) == 0
    assert "--before" in capsys.readouterr().out
    assert main([*base, "--from", "30/02/2026"]) == 6


def test_import_export_data_and_subject_access_on_both_engines(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.add_keyworker("kw.beth")  # the import kit's keyworker
    assert _run(site, "import", str(VALID), "--dry-run") == 0
    assert capsys.readouterr().out.startswith("Would create 22 record(s)")
    assert _run(site, "import", str(VALID)) == 0
    assert capsys.readouterr().out.startswith("Created 22 record(s)")
    assert _run(site, "import", str(VALID)) == 0
    assert capsys.readouterr().out.startswith(
        "Created 0 record(s); skipped 17 identical; matched 5"
    )
    assert _run(site, "export-data", "--out", str(tmp_path / "out")) == 0
    printed = capsys.readouterr().out
    assert "women.csv" in printed and "sha256" in printed
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[0] == "activities.csv"
    reference = _first_reference(tmp_path / "out" / "women.csv")
    assert _run(site, "sar", reference, "--out", str(tmp_path / "sar")) == 0
    printed = capsys.readouterr().out
    files = sorted(p.name for p in (tmp_path / "sar").iterdir())
    assert len(files) == 2 and all(name in printed for name in files)


def _first_reference(women_csv: Path) -> str:
    with women_csv.open(encoding="utf-8", newline="") as handle:
        return str(next(csv.DictReader(handle))["woman_ref"])
