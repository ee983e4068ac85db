"""Every error's exit status is one the README's table lists, and the named ones match it."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import caseapp
from caseapp import errors
from caseapp.cli.main import main
from caseapp.errors import CaseappError

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_codes() -> dict[int, str]:
    """{status: meaning} from the README's "Errors are one line" sentence."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    found = re.search(r"Errors are one line and a non-zero exit status: (.*?)\.", text)
    assert found, "the README no longer lists the exit statuses"
    listed = re.sub(r"\s*\([^)]*\)", "", found.group(1))  # the asides in brackets
    pairs = re.findall(r"(\d+) ([^,]+?)(?=, \d+ |$)", listed)
    return {int(code): meaning.strip() for code, meaning in pairs}


def _every_error_class() -> set[type[CaseappError]]:
    for module in pkgutil.walk_packages(caseapp.__path__, "caseapp."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: set[type[CaseappError]] = set()
    todo: list[type[CaseappError]] = [CaseappError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_the_readme_lists_the_statuses() -> None:
    codes = _readme_codes()
    assert {2, 3, 4, 5, 6, 7, 8, 70, 74} == set(codes), codes


def test_every_error_class_exits_with_a_status_the_readme_lists() -> None:
    codes = _readme_codes()
    wrong = {
        cls.__qualname__: cls.exit_code
        for cls in _every_error_class()
        if cls.exit_code not in codes or cls.exit_code == 70
    }
    assert wrong == {}


@pytest.mark.parametrize(
    ("cls", "meaning"),
    [
        (errors.PassphraseIncorrect, "passphrase"),
        (errors.TooManyAttempts, "attempts"),
        (errors.StoreDamaged, "damage"),
        (errors.StoreInUse, "store in use"),
        (errors.PermissionDenied, "permission"),
        (errors.ValidationError, "invalid input"),
        (errors.StoreExists, "invalid input"),
        (errors.NotFound, "not found"),
        (errors.StoreNotFound, "not found"),
        (errors.ExportError, "export failed"),
        (errors.StoreWriteFailed, "cannot be used"),
    ],
)
def test_named_errors_exit_as_the_readme_says(cls: type[CaseappError], meaning: str) -> None:
    assert meaning in _readme_codes()[cls.exit_code]


def test_a_usage_error_is_status_6_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--no-such-option"], ["verify", "--no-such-option"], ["no-such-command"]):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 6, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "--help" in err, err


def test_a_missing_store_is_7_and_names_the_demo_when_there_is_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from caseapp.services.demo import default_demo_path

    monkeypatch.setenv("CASEAPP_USER", "mgr")
    monkeypatch.setenv("CASEAPP_PASSPHRASE", "whatever it is")
    missing = ["verify", "--store", str(tmp_path / "none.db")]
    assert main(missing) == 7
    assert "demo" not in capsys.readouterr().err
    demo = default_demo_path()
    demo.parent.mkdir(parents=True, exist_ok=True)
    demo.write_bytes(b"")
    assert main(missing) == 7
    err = capsys.readouterr().err
    assert "caseapp demo" in err and str(demo) in err and "demo-passphrase" in err
