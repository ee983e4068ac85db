"""Running `caseapp` in-process (fast, for flows) and as a process (exit codes, stderr)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from caseapp.cli.main import main
from caseapp.store.keyslots import FAST_KDF


@dataclass(frozen=True)
class Ran:
    """What a run of `caseapp` produced."""

    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def fresh_log_handlers() -> Iterator[None]:
    """main() attaches a file handler once per process; drop it so each test logs to its tmp."""
    yield
    logger = logging.getLogger("caseapp")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


@pytest.fixture
def fast_init(monkeypatch: pytest.MonkeyPatch) -> None:
    """`caseapp init` calibrates Argon2id for ~0.7 s a slot; tests use the floor instead."""
    monkeypatch.setattr("caseapp.store.store.calibrate", lambda: FAST_KDF)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fast_init: None):
    """Run `caseapp ARGS` in this process with extra environment variables."""

    def run(*args: str, **env: str) -> Ran:
        with monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            capsys.readouterr()
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse (--help, bad arguments)
                code = int(exc.code or 0)
            captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli_process():
    """Run `caseapp ARGS` as a real process (no terminal on stdin) with extra environment."""

    def run(*args: str, **env: str) -> Ran:
        result = subprocess.run(
            [sys.executable, "-m", "caseapp", *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **env},
            timeout=120,
        )
        return Ran(result.returncode, result.stdout, result.stderr)

    return run


def one_clean_line(err: str) -> str:
    """Assert stderr is one `caseapp: ...` line without a traceback; return it."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("caseapp: ")
    return lines[0]
