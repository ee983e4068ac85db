"""`caseapp import` and `caseapp export-data` from the command line: exit codes and reports."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from caseapp.services import users
from caseapp.services.context import Actor, Ctx
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import Store, open_store
from tests.cli.conftest import Ran, cli, fast_init, fresh_log_handlers
from tests.conftest import MANAGER, PASSPHRASE
from tests.services.import_kit import MALFORMED, VALID, fingerprint

__all__ = ["cli", "fast_init", "fresh_log_handlers"]  # the CLI tests' fixtures, shared here

Cli = Callable[..., Ran]
CREDS = {"CASEAPP_USER": MANAGER, "CASEAPP_PASSPHRASE": PASSPHRASE}


@pytest.fixture
def closed(new_store: Callable[[], Store], store_path: Path) -> Path:
    """A store with a manager and a keyworker, closed so the command can open it."""
    store = new_store()
    users.add_user(
        Ctx(store, Actor(1, MANAGER, "manager")), "kw.beth", "keyworker", PASSPHRASE, kdf=FAST_KDF
    )
    store.close()
    return store_path


def _fingerprint(path: Path) -> tuple[dict[str, int], int]:
    store = open_store(path, MANAGER, PASSPHRASE).store
    try:
        return fingerprint(store)
    finally:
        store.close()


def test_malformed_files_exit_non_zero_name_each_bad_line_and_change_nothing(
    cli: Cli, closed: Path, tmp_path: Path
) -> None:
    before = _fingerprint(closed)
    report = tmp_path / "report.csv"
    ran = cli("import", "--store", str(closed), str(MALFORMED), "--report", str(report), **CREDS)
    assert ran.code == 6
    lines = ran.out.splitlines()
    assert lines[0] == "Import refused: 19 problem(s) in malformed. Nothing was written."
    for expected in (
        'women.csv:2: date_of_birth: "30/02/1990" is not a real date',
        'women.csv:3: date_of_birth: "2099-01-01": a date of birth cannot be today or in the '
        "future",
        'women.csv:4: woman_ref: "BAD-01" is already on line 2',
        "outcomes.csv:1: score: required column is missing",
        'engagements.csv:3: woman_ref: "NOBODY" is not in women.csv or in the store',
    ):
        assert expected in lines
    assert "Traceback" not in ran.err
    # The unlock and lock are audited; nothing else changed.
    after = _fingerprint(closed)
    assert after[0] | {"auditevent": 0} == before[0] | {"auditevent": 0}
    with report.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert sum(r[0] == "error" for r in rows) == 19


def test_dry_run_then_import_then_again(cli: Cli, closed: Path) -> None:
    dry = cli("import", "--store", str(closed), str(VALID), "--dry-run", **CREDS)
    assert dry.code == 0
    assert dry.out.startswith("Would create 22 record(s)")
    real = cli("import", "--store", str(closed), str(VALID), **CREDS)
    assert real.code == 0 and real.out.startswith("Created 22 record(s)")
    again = cli("import", "--store", str(closed), str(VALID), **CREDS)
    assert again.code == 0
    assert again.out.startswith("Created 0 record(s); skipped 17 identical; matched 5")
    assert "  engagements.csv: 4 row(s); 0 new; 4 identical row(s) already held, skipped" in (
        again.out.splitlines()
    )


def test_export_data_command(cli: Cli, closed: Path, tmp_path: Path) -> None:
    assert cli("import", "--store", str(closed), str(VALID), **CREDS).code == 0
    ran = cli("export-data", "--store", str(closed), "--out", str(tmp_path / "out"), **CREDS)
    assert ran.code == 0, ran.err
    assert "women.csv" in ran.out and "sha256" in ran.out
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[0] == "activities.csv"


def test_keyworkers_are_refused(cli: Cli, closed: Path, tmp_path: Path) -> None:
    as_keyworker = {"CASEAPP_USER": "kw.beth", "CASEAPP_PASSPHRASE": PASSPHRASE}
    ran = cli("export-data", "--store", str(closed), "--out", str(tmp_path / "o"), **as_keyworker)
    assert ran.code == 5 and "may not export the store's data" in ran.err
    ran = cli("import", "--store", str(closed), str(VALID), **as_keyworker)
    assert ran.code == 5 and "may not import records" in ran.err


def test_a_missing_path(cli: Cli, closed: Path, tmp_path: Path) -> None:
    ran = cli("import", "--store", str(closed), str(tmp_path / "nothing"), **CREDS)
    assert ran.code == 6 and "does not exist" in ran.err


def test_an_existing_report_file_is_refused_before_the_import_runs(
    cli: Cli, closed: Path, tmp_path: Path
) -> None:
    before = _fingerprint(closed)
    report = tmp_path / "report.csv"
    report.write_text("kept", "utf-8")
    ran = cli("import", "--store", str(closed), str(VALID), "--report", str(report), **CREDS)
    assert ran.code != 0 and "already there" in ran.err
    assert report.read_text("utf-8") == "kept"
    assert _fingerprint(closed) == before
    args = ("import", "--store", str(closed), str(VALID), "--report", str(report), "--force")
    ran = cli(*args, **CREDS)
    assert ran.code == 0, ran.err
    assert report.read_text("utf-8") != "kept"
