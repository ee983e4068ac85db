"""Start-up: `--help` and `--version` load no heavy library; Alembic only for a store behind."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from caseapp.cli import main as cli_main
from caseapp.store import migrate
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import create_store
from tests.conftest import MANAGER, PASSPHRASE

HEAVY = ("textual", "sqlalchemy", "alembic", "sqlmodel", "openpyxl")


def _loaded_after(code: str) -> list[str]:
    """Run `code` in a fresh Python; return which of HEAVY it loaded."""
    report = f"print('LOADED:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    probe = f"import sys\n{code}\n{report}\n"
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    line = ran.stdout.rsplit("LOADED:", 1)[1].strip()
    return [m for m in line.split(",") if m]


def test_help_and_version_load_no_heavy_library() -> None:
    for argv in (["--help"], ["--version"]):
        code = (
            "from caseapp.cli.main import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass"
        )
        assert _loaded_after(code) == [], argv


def test_the_command_table_matches_what_the_modules_register() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    registered: dict[str, tuple[str, str]] = {}
    for name in cli_main.COMMAND_MODULES:
        before = set(sub.choices)
        importlib.import_module(name).register(sub)
        helps = {action.dest: action.help for action in sub._choices_actions}
        for command in set(sub.choices) - before:
            registered[command] = (name.rsplit(".", 1)[1], str(helps[command]))
    assert registered == cli_main.COMMANDS


def test_a_command_is_parsed_with_its_own_module() -> None:
    args = cli_main.build_parser(["--store", "x.db", "verify"]).parse_args(
        ["--store", "x.db", "verify"]
    )
    assert args.command == "verify" and callable(args.func)


def test_the_head_read_from_the_scripts_is_alembics() -> None:
    assert (
        migrate.head_revision()
        == ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    )


def test_unlocking_an_up_to_date_store_does_not_load_alembic(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store, _code = create_store(path, MANAGER, PASSPHRASE, kdf=FAST_KDF)
    store.close()
    code = (
        "from caseapp.store.store import open_store\n"
        f"opened = open_store({str(path)!r}, {MANAGER!r}, {PASSPHRASE!r})\n"
        "opened.store.close()"
    )
    assert "alembic" not in _loaded_after(code)
