"""Data-protection commands: sar, erase, retention, backup, restore, audit."""

from __future__ import annotations

import argparse
import sys

from caseapp.cli.common import add_store_argument, add_user_argument, unlocked
from caseapp.errors import ValidationError
from caseapp.textsafe import visible


def _add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text)
    add_store_argument(parser)
    add_user_argument(parser)
    return parser


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's commands."""
    p = _add(sub, "erase", "erase a woman and everything attached to her (managers)")
    p.add_argument("reference", help="her case reference")
    p.add_argument("--yes", action="store_true", help="do not ask for the typed confirmation")
    p.add_argument("--reason", default="request", help="recorded in the tombstone")
    p.set_defaults(func=cmd_erase)


def confirm_typed(expected: str, prompt: str, *, assume_yes: bool) -> str:
    """Ask the person to type `expected`; `--yes` answers for scripts."""
    if assume_yes:
        return expected
    if not sys.stdin.isatty():
        raise ValidationError("Confirmation needed: run in a terminal or pass --yes.")
    return input(prompt).strip()


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase one woman after a typed confirmation."""
    from caseapp.services import erasure

    with unlocked(args) as ctx:
        preview = erasure.preview(ctx, args.reference)
        records = sum(n for _, n in preview.records)
        print(
            f"{preview.reference}: {visible(preview.name, limit=60)} ({preview.status}), "
            f"{records} attached record(s). Erasure cannot be undone."
        )
        typed = confirm_typed(
            preview.reference,
            f"Type {preview.reference} to erase her: ",
            assume_yes=args.yes,
        )
        result = erasure.erase(ctx, preview.reference, confirmation=typed, reason=args.reason)
    print(f"Erased {', '.join(result.references)}: {result.total} record(s) removed.")
    if not result.scrubbed:
        print(
            "Note: another window kept the store's journal open; close caseapp everywhere "
            "and run `caseapp verify` to finish clearing it.",
            file=sys.stderr,
        )
    return 0
