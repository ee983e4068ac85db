"""Sync between the centre and hubs: `caseapp sync DIR` and its verbs (enrol, join, ...)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from caseapp.cli.common import add_store_argument, ask_passphrase, file_store_path, unlocked
from caseapp.errors import CaseappError, ValidationError
from caseapp.services.users import check_passphrase
from caseapp.store.atomic import atomic_write_bytes
from caseapp.sync import exchange, pack, prune, review

VERBS = ("enrol", "join", "status", "conflicts", "resolve", "revoke", "prune")
REFUSED_EXIT = 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `sync` command group."""
    p = sub.add_parser(
        "sync",
        help="exchange bundles with the centre or hubs through a folder; enrol and join hubs",
        description="`caseapp sync DIR` applies the bundles in DIR addressed to this store and "
        "writes one for each peer. Also: enrol, join, status, conflicts, resolve, revoke, prune "
        "(`caseapp sync VERB --help`).",
    )
    add_store_argument(p)
    p.add_argument("target", metavar="DIR|VERB")
    p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_sync)


def _parser(verb: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"caseapp sync {verb}")
    p.add_argument("--store", metavar="PATH", default=argparse.SUPPRESS)
    if verb == "join":
        p.add_argument("pack", metavar="FILE")
        return p
    signer = "--as" if verb == "enrol" else "--user"
    p.add_argument(signer, dest="user", metavar="NAME", help="who signs in ($CASEAPP_USER)")
    p.add_argument("--accept-older", action="store_true", help=argparse.SUPPRESS)
    if verb == "enrol":
        p.add_argument(
            "--user",
            dest="people",
            action="append",
            required=True,
            metavar="NAME",
            help="a person whose scope the hub holds (repeat for each)",
        )
        p.add_argument("--out", required=True, metavar="FILE", help="where to write the pack")
        p.add_argument("--name", default="", help="the hub's name (default: its reference code)")
    elif verb in ("status", "conflicts"):
        p.add_argument("--json", action="store_true", help="machine-readable output")
    elif verb == "resolve":
        p.add_argument("conflict", type=int, metavar="ID")
        which = p.add_mutually_exclusive_group(required=True)
        which.add_argument("--keep", type=int, metavar="N", help="keep value N (1, 2 ...)")
        which.add_argument("--value", help="a third value, typed")
    elif verb == "revoke":
        p.add_argument("hub", metavar="HUB", help="the hub's name or store id")
    return p


def cmd_sync(args: argparse.Namespace) -> int:
    """Dispatch `caseapp sync ...`."""
    if args.target in VERBS:
        sub = _parser(args.target).parse_args(args.rest)
        if "store" not in sub:
            sub.store = getattr(args, "store", None)
        return int(globals()[f"_{args.target}"](sub))
    rest = _parser("exchange").parse_args(args.rest)
    rest.store = getattr(args, "store", None)
    return _exchange(Path(args.target), rest)


def _exchange(folder: Path, args: argparse.Namespace) -> int:
    with unlocked(args) as ctx:
        report = exchange.exchange(ctx, folder)
    for peer, count, name in report.sent:
        print(f"sent: {count} change(s) to {peer} in {name}")
    for name, _sender, done in report.applied:
        print(
            f"applied: {name}: {done.applied} change(s), {done.skipped} already held, "
            f"{done.dropped} about records erased or not held here"
            + (f", {done.erased} woman erased" if done.erased else "")
        )
    for name, why in report.skipped:
        print(f"skipped: {name} ({why})")
    for name, why in report.refused:
        print(f"refused: {name}: {why}")
    if report.pruned:
        print(f"pruned: {report.pruned} change(s) every peer holds, from the log")
    for note in report.behind:
        print("behind: " + note)
    print(f"open conflicts: {report.open_conflicts}")
    return REFUSED_EXIT if report.refused else 0


def _log_line(log: Any) -> str:
    return (
        f"change log: {log.entries} entries, {log.size / 1024:.1f} KiB; {log.prunable} every "
        f"peer holds, old enough to prune; {log.erasures} erasure(s) kept for good"
    )


def _enrol(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists():
        raise ValidationError(f"{out} exists; caseapp will not overwrite it.")
    given = os.environ.get("CASEAPP_ENROL_CODE")
    with unlocked(args) as ctx:
        blob, code, hub = pack.enrol(ctx, list(args.people), name=args.name, code=given)
        atomic_write_bytes(out, blob)
    print(f"Enrolment pack for {', '.join(args.people)} written to {out} (hub {hub[:8]}).")
    if given:
        print("The enrolment code is the one in CASEAPP_ENROL_CODE.")
    else:
        print("One-time enrolment code (give it to the hub by another route; shown only now):")
        print(f"  {code}")
    return 0


def _join(args: argparse.Namespace) -> int:
    code = os.environ.get("CASEAPP_ENROL_CODE")
    if code is None:
        if not sys.stdin.isatty():
            raise CaseappError("No enrolment code: run in a terminal or set CASEAPP_ENROL_CODE.")
        code = getpass.getpass("Enrolment code: ")

    def passphrase_for(name: str) -> str:
        return check_passphrase(
            ask_passphrase(
                f"New passphrase for {name}: ", env="CASEAPP_NEW_PASSPHRASE", confirm=True
            )
        )

    path = file_store_path(
        args, "a hub's store is a SQLCipher file on the laptop: give --store a file."
    )
    store, recovery, counts = pack.join(Path(args.pack).read_bytes(), code, path, passphrase_for)
    store.close()
    women = counts.get("woman", 0)
    print(f"Created the hub's store {path} holding {women} women and their records.")
    print("Recovery code (write it down and keep it locked away; it is shown only now):")
    print(f"  {recovery}")
    return 0


def _show(value: Any) -> str:
    return "(empty)" if value in (None, "") else str(value)


def _status(args: argparse.Namespace) -> int:
    with unlocked(args) as ctx:
        state = review.status(ctx)
    if args.json:
        print(json.dumps(asdict(state), indent=2))
        return 0
    print(f"this store: {state.name} ({state.role}, {state.store[:8]})")
    for p in state.peers:
        flag = " REVOKED" if p.revoked else ""
        print(
            f"  {p.name} ({p.role}, {p.store[:8]}){flag}: last sent {p.last_sent or 'never'}, "
            f"last received {p.last_received or 'never'}, {p.waiting} change(s) waiting"
        )
        if p.behind:
            print("    behind: " + prune.behind_note(p.name, p.role))
    if state.log is not None:
        print(_log_line(state.log))
    print(f"open conflicts: {state.open_conflicts}")
    if state.possible_duplicates:
        print(f"possible duplicates: {state.possible_duplicates} (`caseapp sync conflicts`)")
    return 0


def _conflicts(args: argparse.Namespace) -> int:
    with unlocked(args) as ctx:
        found = review.conflicts(ctx)
        twins = review.possible_duplicates(ctx)
    if args.json:
        print(json.dumps([asdict(c) for c in found], indent=2, ensure_ascii=False))
        return 0
    for c in found:
        print(f"#{c.id} {c.reference} {c.table}.{c.field} (was {_show(c.ancestor)}):")
        for n, side in enumerate(c.sides, start=1):
            print(f"  {n}. {_show(side.value)}  by {side.user} at {side.at}")
    print(f"open conflicts: {len(found)}")
    for twin in twins:
        print(f"possible duplicate: {twin.first} and {twin.second} (same name and date of birth)")
    return 0


def _resolve(args: argparse.Namespace) -> int:
    with unlocked(args) as ctx:
        if args.keep is not None:
            found = {c.id: c for c in review.conflicts(ctx)}
            if args.conflict not in found or not 1 <= args.keep <= len(found[args.conflict].sides):
                raise ValidationError("No such conflict or value number.")
            value = found[args.conflict].sides[args.keep - 1].value
        else:
            value = args.value
        review.resolve(ctx, args.conflict, value)
    print(f"Conflict #{args.conflict} resolved; the choice travels with the next sync.")
    return 0


def _prune(args: argparse.Namespace) -> int:
    with unlocked(args) as ctx:
        removed, after = review.prune_log(ctx)
    print(f"pruned: {removed} change(s) every peer holds, from the log")
    print(_log_line(after))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with unlocked(args) as ctx:
        store = review.revoke(ctx, args.hub)
    print(f"Revoked {args.hub} ({store[:8]}): its bundles are refused from now on.")
    return 0
