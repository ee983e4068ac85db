"""`caseapp export-data --out DIR`: every record in the interchange format (managers only)."""

from __future__ import annotations

import argparse
from pathlib import Path

from caseapp.cli.common import add_store_argument, add_user_argument, unlocked
from caseapp.services.export_data import export_data


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the export-data command."""
    p = sub.add_parser(
        "export-data",
        help="export every record as interchange CSV files (managers; recorded)",
        description="Write every record the interchange format carries to CSV files that "
        "`caseapp import` reads, to move a caseload to another store. The files hold personal "
        "data: keep them encrypted and delete them when the move is done.",
    )
    add_store_argument(p)
    add_user_argument(p)
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the CSV files")
    p.add_argument("--force", action="store_true", help="replace files already in the folder")
    p.set_defaults(func=cmd_export_data)


def cmd_export_data(args: argparse.Namespace) -> int:
    """Export and list what was written."""
    with unlocked(args) as ctx:
        result = export_data(ctx, Path(args.out), overwrite=args.force)
    print(f"Exported to {result.folder}:")
    for f in result.files:
        print(f"  {f.name:<22} {f.rows:>9,} rows  sha256 {f.sha256}")
    print("These files hold personal data: keep them safe and delete them when done.")
    return 0
