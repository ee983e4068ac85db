"""`caseapp demo --help` names the demo logins and how to point other commands at the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseapp.cli.main import main

README = Path(__file__).resolve().parents[2] / "README.md"


def test_demo_help_names_the_logins(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for needed in ("demo (a manager)", "kw.amina", "kw.beth", "demo-passphrase", "--store PATH"):
        assert needed in out, needed


def test_quick_start_names_the_logins() -> None:
    text = README.read_text(encoding="utf-8")
    quick = text[text.index("## Quick start") : text.index("## Using caseapp")]
    for needed in ("kw.amina", "demo-passphrase", "--store"):
        assert needed in quick, needed


def test_demo_prints_every_login_and_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What the quick start promises `make demo` prints (the store exists, so none is built).
    store = tmp_path / "demo.db"
    store.write_bytes(b"")
    assert main(["demo", "--create-only", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    for needed in ("demo", "kw.amina", "kw.beth", "demo-passphrase", f"--store {store}"):
        assert needed in out, needed
