"""Entry point: parse arguments, run a command, turn errors into one clear line and a status."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from caseapp import __version__
from caseapp.cli.common import add_store_argument, store_target
from caseapp.errors import CaseappError, StoreNotFound

# Each module has `register(subparsers)`; add a line here for a new command group.
COMMAND_MODULES = (
    "caseapp.cli.store_cmds",
    "caseapp.cli.user_cmds",
    "caseapp.cli.demo_cmd",
    "caseapp.cli.import_cmd",
    "caseapp.cli.export_data_cmd",
    "caseapp.cli.return_cmd",
    "caseapp.cli.dataprot_cmds",
    "caseapp.cli.sync_cmd",
)

# Every command, the module that registers it and its one-line help. `caseapp --help` lists
# these without importing any command module (each pulls in the store, SQLAlchemy and more,
# about a second on a busy machine); a command imports only its own module.
# tests/cli/test_startup.py checks this table against what the modules register.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("store_cmds", "create a new encrypted store and its first manager"),
    "passwd": (
        "store_cmds",
        "change your passphrase (your key slot only; on PostgreSQL, your login's)",
    ),
    "recover": ("store_cmds", "set a user's passphrase with the recovery code"),
    "rekey": ("store_cmds", "change the store's data key (managers and admins; audited)"),
    "verify": ("store_cmds", "check the store's pages, structure and audit chain"),
    "user": ("user_cmds", "add, list, remove users or reset a passphrase"),
    "demo": ("demo_cmd", "create (if needed) and open a demo store of synthetic data"),
    "import": (
        "import_cmd",
        "import records from CSV files, a zip of them or an XLSX workbook (managers)",
    ),
    "export-data": (
        "export_data_cmd",
        "export every record as interchange CSV files (managers; recorded)",
    ),
    "return": ("return_cmd", "export the commissioner's anonymised return (managers)"),
    "sar": ("dataprot_cmds", "write a subject access pack (HTML and JSON) for one woman"),
    "erase": ("dataprot_cmds", "erase a woman and everything attached to her (managers)"),
    "retention": ("dataprot_cmds", "review and purge records past the retention period"),
    "audit": ("dataprot_cmds", "list audit entries, newest first, with filters (managers)"),
    "backup": (
        "dataprot_cmds",
        "write an encrypted, checked backup of the store (works while open)",
    ),
    "restore": (
        "dataprot_cmds",
        "check a backup, then put it in place of a store that is not open",
    ),
    "sync": (
        "sync_cmd",
        "exchange bundles with the centre or hubs through a folder; enrol and join hubs",
    ),
}


class CaseappParser(argparse.ArgumentParser):
    """Usage errors are one line and exit 6 (invalid input, the README's table), not 2."""

    def error(self, message: str) -> NoReturn:
        """Say what is wrong in one line and where the usage is; exit 6."""
        self.exit(6, f"{self.prog}: {message} (see `{self.prog} --help`).\n")


def command_in(argv: Sequence[str]) -> str | None:
    """The command named in `argv` (skipping the top-level options), or None."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == "--store":
            skip = True
        elif not token.startswith("-"):
            return token
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; given `argv`, only the module of the command it names is loaded.

    Without `argv` every command module registers itself (what the tests compare with).
    """
    parser = CaseappParser(
        prog="caseapp",
        description="Keywork records and the commissioner's anonymised returns, offline and "
        "encrypted. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"caseapp {__version__}")
    add_store_argument(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if argv is None:
        modules = list(COMMAND_MODULES)
    else:
        named = COMMANDS.get(command_in(argv) or "")
        modules = [f"caseapp.cli.{named[0]}"] if named else []
    for name in modules:
        importlib.import_module(name).register(sub)
    for command, (_module, help_text) in COMMANDS.items():
        if command not in sub.choices:
            # A stand-in so `--help` lists it and a typo is told the choices.
            sub.add_parser(command, help=help_text, add_help=False)
    return parser


def _load_app() -> Callable[..., int]:
    """Import the app (Textual and its widgets) with the garbage collector paused.

    The import makes tens of thousands of objects (classes, functions, stylesheets) that
    live as long as the app: the collections run while they are made free next to nothing
    and walk them again and again, a tenth of the import's CPU. They are frozen after, so
    later collections leave them alone, as the app does with what a screen leaves
    (`caseapp.gc_pacing`).
    """
    gc.disable()
    try:
        from caseapp.app import run_app
    finally:
        gc.enable()
    gc.freeze()
    return run_app


def main(argv: Sequence[str] | None = None) -> int:
    """Run caseapp; return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    # Logging is set up only once there is something to do: `--help` and `--version` have
    # left by now without loading it (or platformdirs).
    from caseapp import logsetup

    log_path = logsetup.configure()
    try:
        if getattr(args, "func", None) is None:
            return _load_app()(store_target(args))  # a postgresql:// URL stays text
        return int(args.func(args) or 0)
    except CaseappError as exc:
        print(f"caseapp: {exc}{_demo_hint(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("caseapp: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
    except OSError as exc:
        # A file caseapp needs cannot be used (a folder where a file should be, permissions):
        # the person can fix that, so name the file and the reason.
        logsetup.log_exception(f"command {getattr(args, 'command', None)}", exc)
        what = f" {exc.filename}" if exc.filename else ""
        print(f"caseapp: cannot use{what}: {exc.strerror or type(exc).__name__}.", file=sys.stderr)
        return 74
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        logsetup.log_exception(f"command {getattr(args, 'command', None)}", exc)
        where = f" Details (no personal data) are in {log_path}." if log_path else ""
        print(f"caseapp: unexpected error ({type(exc).__name__}).{where}", file=sys.stderr)
        return 70


def _demo_hint(exc: CaseappError) -> str:
    """When the store is missing but the demo store exists, how to use the demo instead."""
    if not isinstance(exc, StoreNotFound):
        return ""
    from caseapp.services.demo import DEMO_PASSPHRASE, DEMO_USER, default_demo_path

    demo = default_demo_path()
    if not demo.exists() or str(demo) in str(exc):
        return ""
    return (
        f" The demo store exists: `caseapp demo` opens it, or add `--store {demo}` to any "
        f"command (user {DEMO_USER} or kw.amina, passphrase {DEMO_PASSPHRASE})."
    )
