"""`caseapp return` on the command line: periods, refusals and errors with their exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from caseapp.cli.main import main
from caseapp.services.context import Ctx
from tests.conftest import MANAGER, PASSPHRASE


@pytest.fixture
def closed_store(manager: Ctx, make_user: Callable[..., Ctx], store_path: Path) -> Path:
    make_user("kate", "keyworker")
    manager.store.close()
    return store_path


def run(store: Path, user: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("CASEAPP_USER", user)
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    return main(["return", "--store", str(store), *args])


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        (["--month", "2026-10"], "2026-10-01", "2026-10-31"),
        (["--quarter", "2026Q3"], "2026-07-01", "2026-09-30"),
        (["--year", "2025"], "2025-04-01", "2026-03-31"),
        (["--from", "01/02/2024", "--to", "2024-02-29"], "2024-02-01", "2024-02-29"),
    ],
)
def test_each_kind_of_period(
    closed_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    period: list[str],
    first: str,
    last: str,
) -> None:
    out = tmp_path / "out.json"
    args = [*period, "--format", "json", "--out", str(out)]
    assert run(closed_store, MANAGER, *args, monkeypatch=monkeypatch) == 0
    assert f'"from": "{first}"' in out.read_text("utf-8")
    assert f'"to": "{last}"' in out.read_text("utf-8")
    printed = capsys.readouterr().out
    assert str(out) in printed and "out.json.manifest.json" in printed


def test_a_keyworker_is_refused_with_exit_5(
    closed_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "october"
    status = run(
        closed_store, "kate", "--month", "2026-10", "--out", str(out), monkeypatch=monkeypatch
    )
    assert status == 5
    assert "may not export the commissioner's return" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--month", "2026-13"],
        ["--month", "October"],
        ["--quarter", "2026Q5"],
        ["--year", "twenty"],
        ["--from", "2026-10-01"],
        ["--from", "2026-10-31", "--to", "2026-10-01"],
        ["--from", "2026-02-30", "--to", "2026-03-01"],
        ["--month", "2026-10", "--threshold", "1"],
    ],
)
def test_bad_periods_and_thresholds_exit_6(
    closed_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    status = run(
        closed_store, MANAGER, *args, "--out", str(tmp_path / "x"), monkeypatch=monkeypatch
    )
    assert status == 6
    err = capsys.readouterr().err
    assert err.startswith("caseapp: ") and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_a_missing_folder_exits_8(
    closed_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "missing" / "r.xlsx"
    status = run(
        closed_store,
        MANAGER,
        "--month",
        "2026-10",
        "--format",
        "xlsx",
        "--out",
        str(out),
        monkeypatch=monkeypatch,
    )
    assert status == 8
    assert "does not exist" in capsys.readouterr().err


def test_to_without_from_is_refused_by_the_parser(
    closed_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit) as exited:
        run(
            closed_store,
            MANAGER,
            "--to",
            "2026-10-01",
            "--out",
            str(tmp_path / "x"),
            monkeypatch=monkeypatch,
        )
    assert exited.value.code == 6  # a usage error: invalid input, as the README's table says


def test_a_dry_run_shows_the_return_and_releases_nothing(
    closed_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        run(closed_store, MANAGER, "--month", "2026-10", "--dry-run", monkeypatch=monkeypatch) == 0
    )
    printed = capsys.readouterr().out
    assert "Dry run: the return for October 2026" in printed
    assert "women_supported: 0" in printed
    assert "Checked against earlier releases: none." in printed
    assert "Nothing was written and nothing released." in printed
    # Not released: a real export of a period containing October is checked against nothing.
    out = tmp_path / "q4.json"
    args = ["--quarter", "2026Q4", "--format", "json", "--out", str(out)]
    args.append("--allow-incomplete")  # the quarter has not ended on the tests' day
    assert run(closed_store, MANAGER, *args, monkeypatch=monkeypatch) == 0
    manifest = (tmp_path / "q4.json.manifest.json").read_text("utf-8")
    assert '"compared": []' in manifest
    # Released now: the dry run of October names the quarter it was checked against.
    assert (
        run(closed_store, MANAGER, "--month", "2026-10", "--dry-run", monkeypatch=monkeypatch) == 0
    )
    assert "Checked against earlier releases: 2026 Q4." in capsys.readouterr().out


def test_out_is_required_without_a_dry_run(
    closed_store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(closed_store, MANAGER, "--month", "2026-10", monkeypatch=monkeypatch) == 6
    assert "--out is required" in capsys.readouterr().err
