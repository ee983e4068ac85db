"""A provider moves its records from a SQLCipher store to PostgreSQL and back, through the CLI.

`caseapp export-data` from the laptop store, `caseapp import` into the server's database, then
the same the other way: the return (every metric, breakdown and outcome) is identical on all
three stores, and the files exported from PostgreSQL are byte for byte those from SQLCipher.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from caseapp.cli.main import main
from caseapp.models import User
from caseapp.services import contacts, returns, users, women
from caseapp.services.context import Actor, Ctx
from caseapp.services.demo.data import populate
from caseapp.services.returns_periods import financial_year, month_period
from caseapp.services.women_types import ReferralInput, WomanInput
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import Store, create_store, open_store
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.clock import TODAY
from tests.pg.conftest import PASSWORD, PgServer, ensure_login

PERIODS = (financial_year(2024), financial_year(2025), month_period(2026, 10))


def run(monkeypatch: pytest.MonkeyPatch, passphrase: str, *args: str) -> int:
    """`caseapp ARGS` in this process, signed in as the manager with `passphrase`."""
    with monkeypatch.context() as patch:
        patch.setenv("CASEAPP_PASSPHRASE", passphrase)
        return main([*args, "--user", MANAGER])


def keyworkers(ctx: Ctx) -> list[str]:
    """The usernames of the store's keyworkers (the import looks staff up by username)."""
    with ctx.read() as session:
        staff = session.exec(select(User).where(col(User.role) == "keyworker")).all()
    return sorted(person.username for person in staff)


def same_return(one: Ctx, other: Ctx) -> None:
    """Every figure of the return (metrics, breakdowns, outcomes, suppression) is the same."""
    for period in PERIODS:
        mine, theirs = returns.compute(one, period), returns.compute(other, period)
        assert mine == theirs, period.label
        assert any(row.value for row in mine.headline), period.label


def test_export_then_import_into_postgresql_and_back_gives_the_same_return(
    new_store: Callable[[], Store],
    store_path: Path,
    store: Store,
    pg_server: PgServer,
    pg_db: str,
    pg_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    laptop = new_store()
    populate(laptop, seed=11, size="small", today=TODAY)
    on_laptop = Ctx(laptop, Actor(1, MANAGER, "manager", "Maria Manager"))
    staff = keyworkers(on_laptop)
    laptop.close()

    # The server's staff are set up first: each keyworker her own login and staff row.
    for name in staff:
        ensure_login(pg_server, name, "keyworker")
    with Session(pg_engine) as session:
        session.add_all(User(username=n, role="keyworker", display_name=n) for n in staff)
        session.commit()

    url = pg_server.url(pg_db)
    out = tmp_path / "from-laptop"
    out.mkdir()
    assert run(monkeypatch, PASSPHRASE, "export-data", "--store", str(store_path), "--out",
               str(out)) == 0  # fmt: skip
    assert run(monkeypatch, PASSWORD, "import", "--store", url, str(out)) == 0, capsys.readouterr()

    reopened = open_store(store_path, MANAGER, PASSPHRASE).store
    try:
        on_laptop = Ctx(reopened, Actor(1, MANAGER, "manager", "Maria Manager"))
        on_server = Ctx(store, Actor(1, MANAGER, "manager", "Maria Manager"))
        same_return(on_laptop, on_server)
    finally:
        reopened.close()

    # And back: from the server to a new laptop store.
    back = tmp_path / "from-server"
    back.mkdir()
    assert run(monkeypatch, PASSWORD, "export-data", "--store", url, "--out", str(back)) == 0
    for exported in sorted(out.glob("*.csv")):
        assert (back / exported.name).read_bytes() == exported.read_bytes(), exported.name

    second_path = tmp_path / "second" / "caseapp.db"
    second, _code = create_store(second_path, MANAGER, PASSPHRASE, kdf=FAST_KDF)
    try:
        users.create_first_manager(second, MANAGER, "Maria Manager")
        on_second = Ctx(second, Actor(1, MANAGER, "manager", "Maria Manager"))
        for name in staff:
            users.add_user(on_second, name, "keyworker", PASSPHRASE, kdf=FAST_KDF)
    finally:
        second.close()
    assert run(monkeypatch, PASSPHRASE, "import", "--store", str(second_path), str(back)) == 0

    second = open_store(second_path, MANAGER, PASSPHRASE).store
    try:
        same_return(
            Ctx(second, Actor(1, MANAGER, "manager")), Ctx(store, Actor(1, MANAGER, "manager"))
        )
    finally:
        second.close()

    on_server = Ctx(store, Actor(1, MANAGER, "manager", "Maria Manager"))
    # The server's id sequences moved past the imported rows: her next contact and the
    # next woman are stored, not refused as a duplicate id.
    new = women.create_woman(
        on_server, WomanInput(first_name="New", last_name="Arrival"), ReferralInput(source="self")
    )
    contacts.log_contact(on_server, new.id, contacts.ContactInput(note="after the move"))
    assert len(contacts.list_contacts(on_server, new.id)) == 1


def test_the_backup_command_leaves_a_server_to_its_own_tools(
    store: Store,
    pg_server: PgServer,
    pg_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `caseapp backup` copies a SQLCipher file; a PostgreSQL store is backed up by pg_dump or
    # pg_basebackup (the README says how), so the command refuses rather than writing a file.
    out = tmp_path / "backup.db"
    code = run(monkeypatch, PASSWORD, "backup", "--store", pg_server.url(pg_db), "--out", str(out))
    assert code == 6
    assert not out.exists()
    said = capsys.readouterr().err
    assert said.startswith("caseapp: ")  # one line, not a traceback
    # It says what to do instead, not that no store exists at a path made of the URL.
    assert "pg_dump" in said and "No store at" not in said
