"""User administration: `caseapp user add|list|remove|reset`."""

from __future__ import annotations

import argparse

from caseapp.cli.common import (
    add_store_argument,
    add_user_argument,
    ask_passphrase,
    progress_line,
    unlocked,
)
from caseapp.models.codes import ROLES
from caseapp.services import users
from caseapp.store.pgstore import PgStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `user` command group."""
    group = sub.add_parser("user", help="add, list, remove users or reset a passphrase")
    verbs = group.add_subparsers(dest="verb", required=True, metavar="add|list|remove|reset")

    p = verbs.add_parser("add", help="add a user with an initial passphrase")
    add_store_argument(p)
    add_user_argument(p)
    p.add_argument("username")
    p.add_argument("--role", choices=list(ROLES), default="keyworker")
    p.add_argument("--name", default="", help="display name")
    p.set_defaults(func=cmd_add)

    p = verbs.add_parser("list", help="list users")
    add_store_argument(p)
    add_user_argument(p)
    p.add_argument("--all", action="store_true", help="include removed users")
    p.set_defaults(func=cmd_list)

    p = verbs.add_parser(
        "remove",
        help="remove a user (her slot goes and the store's key changes; on PostgreSQL, "
        "her login ends)",
    )
    add_store_argument(p)
    add_user_argument(p)
    p.add_argument("username")
    p.set_defaults(func=cmd_remove)

    p = verbs.add_parser("reset", help="set a new passphrase for a keyworker")
    add_store_argument(p)
    add_user_argument(p)
    p.add_argument("username")
    p.set_defaults(func=cmd_reset)


def cmd_add(args: argparse.Namespace) -> int:
    """Add a user."""
    with unlocked(args) as ctx:
        new = ask_passphrase(
            f"Initial passphrase for {args.username}: ", env="CASEAPP_NEW_PASSPHRASE", confirm=True
        )
        user = users.add_user(ctx, args.username, args.role, new, display_name=args.name)
    print(f"Added {user.username} ({user.role}).")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print users one per line."""
    with unlocked(args) as ctx:
        rows = users.list_users(ctx, include_removed=args.all)
    print(f"{'USERNAME':<24} {'ROLE':<10} {'STATUS':<8} NAME")
    for u in rows:
        status = "active" if u.active else "removed"
        print(f"{u.username:<24} {u.role:<10} {status:<8} {u.display_name}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove a user."""
    with unlocked(args) as ctx:
        on_server = isinstance(ctx.store, PgStore)
        if not on_server:
            print(f"Removing {args.username} and changing the store's key:", flush=True)
        users.remove_user(ctx, args.username, progress=progress_line)
    if on_server:
        print(
            f"Removed {args.username}; her login can no longer sign in to the server and her "
            "open sessions were ended. Her name stays on the records and the audit log."
        )
        return 0
    print(
        f"Removed {args.username}; she can no longer unlock this store, and the key from any "
        "key file she kept opens neither it nor a later backup."
    )
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Reset a keyworker's passphrase."""
    with unlocked(args) as ctx:
        new = ask_passphrase(
            f"New passphrase for {args.username}: ", env="CASEAPP_NEW_PASSPHRASE", confirm=True
        )
        users.reset_passphrase(ctx, args.username, new)
    print(f"New passphrase set for {args.username}.")
    return 0
