"""Entry point: parse arguments, run a command, turn errors into one clear line and a status."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from caseapp import __version__, logsetup
from caseapp.cli.common import add_store_argument, store_path
from caseapp.errors import CaseappError

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


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        prog="caseapp",
        description="Keywork records and the commissioner's anonymised returns, offline and "
        "encrypted. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"caseapp {__version__}")
    add_store_argument(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run caseapp; return the exit status."""
    log_path = logsetup.configure()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "func", None) is None:
            from caseapp.app import run_app

            return run_app(store_path(args))
        return int(args.func(args) or 0)
    except CaseappError as exc:
        print(f"caseapp: {exc}", file=sys.stderr)
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
