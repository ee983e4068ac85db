"""`caseapp demo`: create a demo store with a known user and passphrase, then open it."""

from __future__ import annotations

import argparse

from caseapp.cli.common import add_store_argument
from caseapp.services.demo import DEMO_PASSPHRASE, DEMO_USER, create_demo_store, default_demo_path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the demo command."""
    p = sub.add_parser(
        "demo",
        help="create (if needed) and open a demo store of synthetic data",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Create (if needed) and open a demo store of synthetic data.\n\n"
            f"Sign in as {DEMO_USER} (a manager), or kw.amina or kw.beth (keyworkers),\n"
            f"all with the passphrase {DEMO_PASSPHRASE}.\n\n"
            "Any other command works on the demo store with --store PATH (the path is\n"
            "printed when the store is made), for example:\n"
            "  caseapp --store PATH return --month 2026-10 --out r"
        ),
    )
    add_store_argument(p)
    p.add_argument("--create-only", action="store_true", help="create it but do not open it")
    p.add_argument("--seed", type=int, default=2026, help="seed for the synthetic data")
    p.add_argument(
        "--size",
        choices=["small", "large"],
        default="small",
        help="large builds the benchmark store (20,000 women, 1,000,000 contacts)",
    )
    p.add_argument("--fresh", action="store_true", help="replace an existing demo store")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    """Create the demo store unless it exists, print how to unlock, open the TUI."""
    from pathlib import Path

    store = getattr(args, "store", None)
    path = Path(store).expanduser() if store else default_demo_path()
    if args.fresh:
        for suffix in ("", "-wal", "-shm", ".keys", ".state", ".lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not path.exists():
        print(f"Creating a demo store of synthetic data at {path} ...")
        create_demo_store(path, seed=args.seed, size=args.size)
    print(f"Demo store: {path}")
    print(f"  manager:    {DEMO_USER}")
    print("  keyworkers: kw.amina, kw.beth")
    print(f"  passphrase: {DEMO_PASSPHRASE} (the same for all three)")
    print(f"  other commands: caseapp --store {path} ...")
    if args.create_only:
        return 0
    from caseapp.app import run_app

    return run_app(path, username=DEMO_USER, demo_hint=DEMO_PASSPHRASE)
