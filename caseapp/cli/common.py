"""Shared pieces for CLI commands: credentials, opening the store, printing."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from caseapp.errors import CaseappError

if TYPE_CHECKING:
    from caseapp.services.context import Ctx


def store_path(args: argparse.Namespace) -> Path:
    """The store named by `--store`, else `$CASEAPP_STORE`, else the platform default."""
    given = getattr(args, "store", None)
    if given:
        return Path(given).expanduser()
    from caseapp import paths  # platformdirs: only when the default is needed

    return paths.default_store_path()


def store_target(args: argparse.Namespace) -> Path | str:
    """Like `store_path`, but a `postgresql://` URL (from `--store` or `$CASEAPP_STORE`) is
    kept as text: a path would fold its `//`."""
    given = getattr(args, "store", None) or os.environ.get("CASEAPP_STORE")
    if given and str(given).startswith(("postgresql://", "postgres://")):
        return str(given)
    return store_path(args)


def file_store_path(args: argparse.Namespace, instead: str) -> Path:
    """The store's file, for a command only a SQLCipher file has; `instead` says what to
    do on PostgreSQL (told plainly, rather than looking for a file named like the URL)."""
    if isinstance(store_target(args), str):
        raise CaseappError(f"That works on a SQLCipher store only: on PostgreSQL, {instead}")
    return store_path(args)


def ask_username(args: argparse.Namespace) -> str:
    """`--user`, else `$CASEAPP_USER`, else a prompt."""
    name = getattr(args, "user", None) or os.environ.get("CASEAPP_USER")
    if name:
        return str(name)
    if not sys.stdin.isatty():
        raise CaseappError("No username: pass --user or set CASEAPP_USER.")
    return input("Username: ").strip()


def ask_passphrase(
    prompt: str = "Passphrase: ", *, env: str = "CASEAPP_PASSPHRASE", confirm: bool = False
) -> str:
    """Read a passphrase from `env` when set, else prompt without echo."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise CaseappError(f"No passphrase: run in a terminal or set {env}.")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != first:
        raise CaseappError("The two passphrases differ; nothing was changed.")
    return first


@contextlib.contextmanager
def unlocked(args: argparse.Namespace) -> Iterator[Ctx]:
    """Unlock the store for one command and lock it again afterwards."""
    from caseapp.services.session import lock, unlock  # the store loads only when needed

    path = store_target(args)
    username = ask_username(args)
    passphrase = ask_passphrase()
    outcome = unlock(
        path, username, passphrase, accept_older=bool(getattr(args, "accept_older", False))
    )
    if outcome.failures_since_last:
        print(
            f"Note: {outcome.failures_since_last} failed unlock attempt(s) since the last "
            "successful one.",
            file=sys.stderr,
        )
    try:
        yield outcome.ctx
    finally:
        lock(outcome.ctx, reason="command finished")


def add_store_argument(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """Every command takes `--store PATH`, before or after the command name."""
    parser.add_argument(
        "--store",
        metavar="PATH",
        # SUPPRESS on subcommands so `caseapp --store X verify` keeps X.
        default=None if top else argparse.SUPPRESS,
        help="the store file, or postgresql://host[:port]/dbname"
        " (default: $CASEAPP_STORE or the user data folder)",
    )


def add_user_argument(parser: argparse.ArgumentParser) -> None:
    """Commands that unlock take `--user NAME` (or `$CASEAPP_USER`)."""
    parser.add_argument("--user", metavar="NAME", help="who is signing in ($CASEAPP_USER)")
    parser.add_argument(
        "--accept-older",
        action="store_true",
        help="open a store or key file older than this computer has seen (managers; audited)",
    )


def progress_line(line: str) -> None:
    """Show one step of a long operation as it happens."""
    print(f"  {line}", flush=True)
