"""Store commands: init, passwd, recover, verify."""

from __future__ import annotations

import argparse
import sys

from caseapp.cli.common import (
    add_store_argument,
    add_user_argument,
    ask_passphrase,
    ask_username,
    progress_line,
    store_path,
    store_target,
    unlocked,
)
from caseapp.errors import CaseappError, StoreDamaged
from caseapp.services import maintenance
from caseapp.services.users import check_passphrase, check_username, create_first_manager
from caseapp.store.store import change_passphrase, create_store, open_with_recovery
from caseapp.sync.review import sync_checks


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's commands."""
    p = sub.add_parser("init", help="create a new encrypted store and its first manager")
    add_store_argument(p)
    p.add_argument("--user", metavar="NAME", required=True, help="the first manager's username")
    p.add_argument("--name", metavar="TEXT", default="", help="her display name")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "passwd", help="change your passphrase (your key slot only; on PostgreSQL, your login's)"
    )
    add_store_argument(p)
    add_user_argument(p)
    p.set_defaults(func=cmd_passwd)

    p = sub.add_parser("recover", help="set a user's passphrase with the recovery code")
    add_store_argument(p)
    add_user_argument(p)
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("rekey", help="change the store's data key (managers and admins; audited)")
    add_store_argument(p)
    add_user_argument(p)
    p.set_defaults(func=cmd_rekey)

    p = sub.add_parser("verify", help="check the store's pages, structure and audit chain")
    add_store_argument(p)
    add_user_argument(p)
    p.set_defaults(func=cmd_verify)


def cmd_init(args: argparse.Namespace) -> int:
    """Create a store, print the recovery code once."""
    target = store_target(args)
    username = check_username(args.user)
    passphrase = check_passphrase(ask_passphrase("New passphrase: ", confirm=True))
    if isinstance(target, str):
        return _init_postgresql(target, username, passphrase, args.name)
    path = target
    store, code = create_store(path, username, passphrase)
    try:
        create_first_manager(store, username, args.name)
    finally:
        store.close()
    print(f"Created {path} with manager {username}.")
    print("Recovery code (write it down and keep it locked away; it is shown only now):")
    print(f"  {code}")
    return 0


def _init_postgresql(url: str, username: str, passphrase: str, name: str) -> int:
    """Create the schema, roles and policies as the database's owner, and the first manager.

    The owner signs in by libpq's rules (the URL, `PG*` variables, `.pgpass`); the manager's
    username and passphrase become her own login. There is no key file or recovery code: the
    server's administrator resets logins.
    """
    from caseapp.store.pgstore import create_login, owner_store, sync_serial

    store = owner_store(url)
    try:
        with store.engine.begin() as conn:
            create_login(conn, username, passphrase, "manager")
        create_first_manager(store, username, name)
        sync_serial(store, "app_user")
    finally:
        store.close()
    print(f"Created the caseapp schema in {url} with manager {username} (her own login).")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    """Change a passphrase without touching the store's bytes (on PostgreSQL: her login's)."""
    target = store_target(args)
    username = ask_username(args)
    old = ask_passphrase("Current passphrase: ")
    new = check_passphrase(
        ask_passphrase("New passphrase: ", env="CASEAPP_NEW_PASSPHRASE", confirm=True)
    )
    if isinstance(target, str):
        from caseapp.services.session import lock, unlock
        from caseapp.services.users import change_own_passphrase

        ctx = unlock(target, username, old).ctx  # the server checks the current passphrase
        try:
            change_own_passphrase(ctx, new)
        finally:
            lock(ctx, reason="command finished")
        print("Passphrase changed.")
        return 0
    change_passphrase(target, username, old, new)
    print("Passphrase changed.")
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    """Use the recovery code to give a user a new passphrase."""
    from caseapp.services.context import Actor, Ctx
    from caseapp.services.users import reset_passphrase

    if isinstance(store_target(args), str):
        raise CaseappError(
            "A PostgreSQL store has no recovery code: an admin resets a manager's passphrase "
            "(`caseapp user reset`), or the server's administrator sets her login's password."
        )
    path = store_path(args)
    username = ask_username(args)
    code = ask_passphrase("Recovery code: ", env="CASEAPP_RECOVERY_CODE")
    new = check_passphrase(
        ask_passphrase("New passphrase: ", env="CASEAPP_NEW_PASSPHRASE", confirm=True)
    )
    store = open_with_recovery(path, code)
    try:
        ctx = Ctx(store, Actor(0, "recovery", "admin", "Recovery code"))
        reset_passphrase(ctx, username, new)
    finally:
        store.close()
    print(f"New passphrase set for {username}.")
    return 0


def cmd_rekey(args: argparse.Namespace) -> int:
    """Re-encrypt the store under a fresh key and seal it to every slot."""
    from caseapp.services.users import rekey

    with unlocked(args) as ctx:
        print("Changing the store's key:", flush=True)
        rekey(ctx, progress=progress_line)
    print("Done: keys from earlier key files no longer open this store or its later backups.")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit 0 when the store and its audit chain are whole, non-zero naming what is wrong."""
    report = maintenance.verify(
        store_target(args),
        ask_username(args),
        ask_passphrase(),
        accept_older=args.accept_older,
        extra=sync_checks,
    )
    for line in report.lines:
        print(line)
    if not report.ok:
        raise StoreDamaged(report.summary)
    print(report.summary, file=sys.stdout)
    return 0
