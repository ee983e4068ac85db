"""`caseapp init` and a command that signs in, with `--store postgresql://...`."""

from __future__ import annotations

import pytest

from caseapp.cli.main import main
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
