"""`caseapp import PATH`: bring records in from CSV files, a zip of them, or an XLSX workbook."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from caseapp.cli.common import add_store_argument, add_user_argument, unlocked
from caseapp.errors import ValidationError
from caseapp.services.interchange.load import run_import
from caseapp.services.interchange.report import report_target, write_report_csv

EPILOG = """\
PATH is a folder of CSV files (women.csv, engagements.csv, group_sessions.csv,
group_attendance.csv, assessments.csv, outcomes.csv, activities.csv, flags.csv), a .zip of
that folder, or an .xlsx workbook whose sheets are named like the files. The format is in
docs/interchange.md. An import is all or nothing; running it twice adds nothing twice.
"""


class TextProgress:
    """A one-line progress indicator on a terminal, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = 0.0
        self.shown = False

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and (not total or done < total):
            return
        self.last = now
        if total:
            text = f"{label}: {done * 100 // total:3d}% ({done:,} of {total:,})"
        else:
            text = f"{label}: line {done:,}"
        self.stream.write("\r" + text[:78].ljust(78))
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Remove the line before the report is printed."""
        if self.shown:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the import command."""
    p = sub.add_parser(
        "import",
        help="import records from CSV files, a zip of them or an XLSX workbook (managers)",
        description="Check the files and, if every row is right, add their records in one "
        "transaction. Every problem is reported as file:line: column: what is wrong.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_store_argument(p)
    add_user_argument(p)
    p.add_argument("path", metavar="PATH", help="a folder, a .zip or an .xlsx")
    p.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
    p.add_argument("--report", metavar="FILE", help="also write the report as a CSV file")
    p.add_argument("--force", action="store_true", help="replace the --report file if there")
    p.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    """Run the import, print the report; non-zero status when anything is wrong."""
    progress = TextProgress(sys.stderr) if sys.stderr.isatty() else None
    if args.report:  # refused before the import runs, not after it has written
        report_target(Path(args.report), overwrite=args.force)
    with unlocked(args) as ctx:
        try:
            report = run_import(ctx, Path(args.path), dry_run=args.dry_run, progress=progress)
        finally:
            if progress is not None:
                progress.clear()
    for line in report.lines():
        print(line)
    if args.report:
        write_report_csv(report, Path(args.report), overwrite=args.force)
        print(f"Report written to {args.report}.")
    return 0 if report.ok else ValidationError.exit_code
