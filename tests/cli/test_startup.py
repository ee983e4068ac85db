"""Start-up: `--help` and `--version` load no heavy library; Alembic only for a store behind."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from caseapp.cli import main as cli_main
from caseapp.services.users import create_first_manager
from caseapp.store import migrate
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import create_store
from tests.conftest import MANAGER, PASSPHRASE

HEAVY = ("textual", "sqlalchemy", "alembic", "sqlmodel", "openpyxl")


# Not one of these may load before the unlock screen is drawn: the store and its libraries
# load in the unlock screen's threads (its warm-up, the unlock), and the forms after unlocking.
NOT_BEFORE_UNLOCK = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "pydantic",
    "sqlcipher3",
    "argon2",
    "openpyxl",
    "hypothesis",
    "psycopg",
    "textual.widgets._text_area",
)


def _loaded_after(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """Run `code` in a fresh Python; return which of `heavy` it loaded."""
    report = f"print('LOADED:' + ','.join(m for m in {heavy!r} if m in sys.modules))"
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


def test_what_the_unlock_screen_runs_loads_no_store_library(tmp_path: Path) -> None:
    # What `caseapp` imports up to its unlock screen, the screen itself, and the two checks
    # the screen makes while it is drawn (another window; tries left after a failure).
    path = tmp_path / "s.db"
    code = (
        "from pathlib import Path\n"
        "from caseapp.cli.main import build_parser\n"
        "from caseapp import logsetup\n"
        "from caseapp.app import build_app\n"
        "from caseapp.screens.unlock import UnlockScreen\n"
        "from caseapp.services.session import attempts_note, store_availability\n"
        f"path = Path({str(path)!r})\n"
        "build_parser([]).parse_args(['--store', str(path)])\n"
        "build_app(path, username='mgr')\n"
        "UnlockScreen(path, username='mgr')\n"
        "assert store_availability(path).startswith('No store at')\n"
        "assert attempts_note(path) == ''\n"
    )
    assert _loaded_after(code, NOT_BEFORE_UNLOCK) == []


def test_after_the_warm_up_an_unlock_imports_nothing_more(tmp_path: Path) -> None:
    # The unlock screen's warm-up calls load_unlock_modules() first: the unlock a quick typist
    # starts meanwhile then goes straight to its key derivation instead of importing.
    path = tmp_path / "s.db"
    store, _code = create_store(path, MANAGER, PASSPHRASE, kdf=FAST_KDF)
    create_first_manager(store, MANAGER)
    store.close()
    code = (
        "from pathlib import Path\n"
        "from caseapp.services.session import load_unlock_modules, lock, unlock\n"
        "load_unlock_modules()\n"
        "new = []\n"
        "sys.addaudithook(lambda e, a: e == 'import' and a[0] not in sys.modules"
        " and new.append(a[0]))\n"
        f"opened = unlock(Path({str(path)!r}), {MANAGER!r}, {PASSPHRASE!r})\n"
        "lock(opened.ctx)\n"
        "print('NEW:' + ','.join(new))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert ran.stdout.rsplit("NEW:", 1)[1].strip() == ""
