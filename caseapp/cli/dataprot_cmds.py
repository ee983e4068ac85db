"""Data-protection commands: sar, erase, retention, backup, restore, audit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from caseapp.cli.common import (
    add_store_argument,
    add_user_argument,
    ask_passphrase,
    ask_username,
    file_store_path,
    unlocked,
)
from caseapp.errors import StoreInUse, ValidationError
from caseapp.services import retention
from caseapp.services.validation import show_date
from caseapp.textsafe import visible

SERVER_BACKUPS = (
    "back the server up with its own tools (pg_dump, pg_basebackup and point-in-time "
    "recovery: the README's section on PostgreSQL says how)."
)


def _add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text)
    add_store_argument(parser)
    add_user_argument(parser)
    return parser


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's commands."""
    p = _add(sub, "sar", "write a subject access pack (HTML and JSON) for one woman")
    p.add_argument("reference", help="her case reference")
    p.add_argument("--out", metavar="DIR", required=True, type=Path, help="folder for the pack")
    p.add_argument("--force", action="store_true", help="replace a pack made the same day")
    p.set_defaults(func=cmd_sar)

    p = _add(sub, "erase", "erase a woman and everything attached to her (managers)")
    p.add_argument("reference", help="her case reference")
    p.add_argument("--yes", action="store_true", help="do not ask for the typed confirmation")
    p.add_argument("--reason", default="request", help="recorded in the tombstone")
    p.set_defaults(func=cmd_erase)

    group = sub.add_parser("retention", help="review and purge records past the retention period")
    verbs = group.add_subparsers(dest="verb", required=True, metavar="list|purge|policy")
    p = _add(verbs, "list", "list women past the retention period")
    p.set_defaults(func=cmd_retention_list)
    p = _add(verbs, "purge", "erase women past the retention period (typed confirmation)")
    p.add_argument("references", nargs="*", metavar="REF", help="whom to purge (default: all)")
    p.add_argument("--yes", action="store_true", help="do not ask for the typed confirmation")
    p.add_argument(
        "--clock-is-right",
        action="store_true",
        help="purge although the clock reads earlier than the newest audit entry",
    )
    p.set_defaults(func=cmd_retention_purge)
    p = _add(verbs, "policy", "show or set the years a record is kept after closure")
    p.add_argument("--years", type=int, help="the new retention period in years")
    p.set_defaults(func=cmd_retention_policy)

    p = _add(sub, "audit", "list audit entries, newest first, with filters (managers)")
    p.add_argument("--by", default="", metavar="USER", help="only this user's entries")
    p.add_argument("--woman", default="", metavar="REF", help="only entries about this woman")
    p.add_argument("--action", default="", help="only this action (e.g. erased, unlock)")
    p.add_argument("--from", dest="date_from", default="", metavar="DATE", help="from this day")
    p.add_argument("--to", dest="date_to", default="", metavar="DATE", help="to this day")
    p.add_argument("--limit", type=int, default=50, help="entries to show (default 50)")
    p.add_argument("--before", type=int, metavar="SEQ", help="only entries before this number")
    p.set_defaults(func=cmd_audit)

    p = _add(sub, "backup", "write an encrypted, checked backup of the store (works while open)")
    p.add_argument("--out", metavar="FILE", required=True, type=Path, help="the backup file")
    p.set_defaults(func=cmd_backup)

    p = _add(sub, "restore", "check a backup, then put it in place of a store that is not open")
    p.add_argument("file", type=Path, help="the backup file")
    p.add_argument("--replace", action="store_true", help="replace an existing store")
    p.set_defaults(func=cmd_restore)


def confirm_typed(expected: str, prompt: str, *, assume_yes: bool) -> str:
    """Ask the person to type `expected`; `--yes` answers for scripts."""
    if assume_yes:
        return expected
    if not sys.stdin.isatty():
        raise ValidationError("Confirmation needed: run in a terminal or pass --yes.")
    return input(prompt).strip()


def cmd_sar(args: argparse.Namespace) -> int:
    """Write her subject access pack."""
    from caseapp.services import sar

    with unlocked(args) as ctx:
        result = sar.export_pack(ctx, args.reference, args.out, overwrite=args.force)
    print(f"Subject access pack for {result.reference}:")
    print(f"  {result.html_path}")
    print(f"  {result.json_path}")
    return 0


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


def cmd_backup(args: argparse.Namespace) -> int:
    """Back up the store; beside a running caseapp window, without taking its lock."""
    from caseapp.services import backup
    from caseapp.services.session import lock, unlock

    path = file_store_path(args, SERVER_BACKUPS)
    username, passphrase = ask_username(args), ask_passphrase()
    try:
        ctx = unlock(path, username, passphrase).ctx
    except StoreInUse:
        info = backup.create_beside_running_app(path, username, passphrase, args.out)
        note = " (caseapp is open elsewhere: the audit log records it at the next unlock)"
    else:
        try:
            info = backup.create(ctx, args.out)
        finally:
            lock(ctx, reason="command finished")
        note = ""
    print(f"Backed up to {info.path}: {info.rows} rows, checked after writing{note}.")
    print(f"  SHA-256 {info.sha256}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup after checking it; the store must not be open anywhere."""
    from caseapp.services import backup

    target = file_store_path(args, SERVER_BACKUPS)
    manifest = backup.inspect(args.file)
    print(f"{args.file.name}: {backup.describe(manifest)}.")
    report = backup.restore(
        args.file, target, ask_username(args), ask_passphrase(), replace=args.replace
    )
    print(f"Restored {target}: every check passed (pages, row counts, key file, audit log).")
    print(f"  audit log now at entry {report.audit_seq}")
    if report.replaced_audit_seq > report.audit_seq:
        print(
            f"  the replaced store's log reached entry {report.replaced_audit_seq}; its head is "
            "recorded in the restore entry"
        )
    if report.reerased:
        n = len(report.reerased)
        print(
            f"  {n} {'woman' if n == 1 else 'women'} erased after this backup was taken "
            f"{'was' if n == 1 else 'were'} erased again before the store could be opened"
        )
    if report.superseded:
        print(
            f"  the store at {report.superseded} is now an older copy of this one: this computer "
            "refuses to open it unless a manager accepts it with --accept-older"
        )
    return 0


def _print_review(review: retention.Review) -> None:
    print(
        f"Policy: kept {review.years} years after closure. Today {show_date(review.today)}: "
        f"{len(review.candidates)} record(s) past it."
    )
    if review.candidates:
        print(f"{'REFERENCE':<18} {'CLOSED':<10} {'DUE':<10} NAME")
    for c in review.candidates:
        print(
            f"{visible(c.reference, limit=18):<18} {show_date(c.closed_on):<10} "
            f"{show_date(c.due_on):<10} {visible(c.name, limit=40)}"
        )
    if review.clock_message:
        print(f"Warning: {review.clock_message}", file=sys.stderr)


def cmd_retention_list(args: argparse.Namespace) -> int:
    """List women past the retention period."""
    with unlocked(args) as ctx:
        _print_review(retention.review(ctx))
    return 0


def cmd_retention_purge(args: argparse.Namespace) -> int:
    """Erase the listed (or all) women past the retention period after a typed confirmation."""
    with unlocked(args) as ctx:
        review = retention.review(ctx)
        _print_review(review)
        refs = args.references or [c.reference for c in review.candidates]
        if not refs:
            print("Nothing to purge.")
            return 0
        phrase = retention.confirmation_phrase(len(refs))
        typed = confirm_typed(
            phrase, f"Type '{phrase}' to erase {len(refs)} record(s): ", assume_yes=args.yes
        )
        result = retention.purge(ctx, refs, confirmation=typed, clock_confirmed=args.clock_is_right)
    print(f"Purged {len(result.references)} record(s): {result.total} rows removed.")
    return 0


def cmd_retention_policy(args: argparse.Namespace) -> int:
    """Show or set the retention period."""
    from caseapp.services import settings

    with unlocked(args) as ctx:
        if args.years is not None:
            retention.set_policy(ctx, args.years)
        years = settings.get_int(ctx, "retention_years")
    print(f"Records are kept {years} years after closure.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Print audit entries newest first."""
    from caseapp.services import audit_log

    flt = audit_log.make_filter(
        username=args.by,
        woman_ref=args.woman,
        action=args.action,
        date_from=args.date_from,
        date_to=args.date_to,
    )
    with unlocked(args) as ctx:
        page = audit_log.query(ctx, flt, before=args.before, limit=args.limit)
    print(f"{'SEQ':>7} {'WHEN (UTC)':<16} {'USER':<14} {'ACTION':<20} {'WOMAN':<15} DETAIL")
    for e in page.entries:
        print(
            f"{e.seq:>7} {show_date(e.at.date())} {e.at:%H:%M} "
            f"{visible(e.username, limit=14):<14} {visible(e.action, limit=20):<20} "
            f"{visible(e.subject_ref, limit=15):<15} {visible(e.detail, limit=80)}"
        )
    if page.next_before is not None:
        print(f"(more: add --before {page.next_before})")
    return 0
