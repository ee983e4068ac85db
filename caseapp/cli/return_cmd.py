"""`caseapp return`: export the commissioner's anonymised return (managers only)."""

from __future__ import annotations

import argparse
from pathlib import Path

from caseapp.cli.common import add_store_argument, add_user_argument, unlocked
from caseapp.errors import ValidationError
from caseapp.services import returns
from caseapp.services.returns_periods import (
    Period,
    parse_month,
    parse_quarter,
    parse_range,
    parse_year,
)

EPILOG = """\
periods (both end dates included):
  --month 2026-10        October 2026
  --quarter 2026Q3       the calendar quarter July-September 2026
  --year 2025            the financial year 1 April 2025 - 31 March 2026
  --from DATE --to DATE  any two dates (2026-10-01 or 01/10/2026)

--dry-run prints what would be released (the figures, every suppressed cell and why, and the
earlier releases it was checked against) and writes nothing.

--out: for csv a folder (created if its parent exists) that receives one file per table and
manifest.json; for xlsx and json a file (or a folder to receive return-FROM-to-TO.xlsx) with
NAME.EXT.manifest.json beside it. Files already there are refused unless --force.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the return command."""
    p = sub.add_parser(
        "return",
        help="export the commissioner's anonymised return (managers)",
        description="Compute the commissioner's return for a period, anonymise it and write "
        "it with a manifest. Only managers may export.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_store_argument(p)
    add_user_argument(p)
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--month", metavar="YYYY-MM", help="a calendar month")
    when.add_argument("--quarter", metavar="YYYYQn", help="a calendar quarter (Q3 = Jul-Sep)")
    when.add_argument("--year", metavar="YYYY", help="the financial year starting 1 April YYYY")
    when.add_argument("--from", dest="date_from", metavar="DATE", help="first day (with --to)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day (with --from)")
    p.add_argument("--format", choices=returns.FORMATS, default="csv", help="default: csv")
    p.add_argument(
        "--threshold",
        type=int,
        metavar="N",
        help="suppress counts from 1 to N-1 (default: the store's setting)",
    )
    p.add_argument("--out", metavar="PATH", help="where to write (see below)")
    p.add_argument("--force", action="store_true", help="replace files already there")
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="export a period that has not ended (the manifest says the figures are incomplete)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would be released, and why, without writing or releasing anything",
    )
    p.set_defaults(func=cmd_return)


def period_from_args(args: argparse.Namespace) -> Period:
    """The period the arguments name."""
    if args.date_to and not args.date_from:
        raise ValidationError("--to needs --from.")
    if args.month:
        return parse_month(args.month)
    if args.quarter:
        return parse_quarter(args.quarter)
    if args.year:
        return parse_year(args.year)
    if not args.date_to:
        raise ValidationError("--from needs --to.")
    return parse_range(args.date_from, args.date_to)


def cmd_return(args: argparse.Namespace) -> int:
    """Export the return and say what was written (or, with --dry-run, what would be)."""
    period = period_from_args(args)
    if not args.dry_run and not args.out:
        raise ValidationError("--out is required (or --dry-run to see the return first).")
    with unlocked(args) as ctx:
        if args.dry_run:
            show_dry_run(returns.compute(ctx, period, threshold=args.threshold))
            return 0
        result = returns.export(
            ctx,
            period,
            args.format,
            Path(args.out),
            threshold=args.threshold,
            overwrite=args.force,
            allow_incomplete=args.allow_incomplete,
        )
    print(f"Return for {period.label} ({period.span}) written as {result.format}:")
    for path in (*result.files, result.manifest):
        print(f"  {path}")
    print(f"{result.suppressed} cell(s) suppressed; the manifest says which and why.")
    if result.because_of_releases:
        print(f"{result.because_of_releases} of them because of earlier releases (rule 4a).")
    return 0


def show_dry_run(result: returns.ReturnResult) -> None:
    """What would be released: the headline, the outcomes and every [c] with its reason."""
    period = result.period
    print(f"Dry run: the return for {period.label} ({period.span}) would be released as:")
    for row in result.headline:
        print(f"  {row.code}: {row.value}")
    for outcome in result.outcomes:
        print(
            f"  {outcome.code}: {outcome.numerator} of {outcome.denominator}, "
            f"percent {outcome.percent}"
        )
    compared = ", ".join(release.label for release in result.compared) or "none"
    print(f"Checked against earlier releases: {compared}.")
    print(
        f"{len(result.suppressed)} cell(s) would be suppressed, "
        f"{len(result.because_of_releases)} of them because of earlier releases:"
    )
    for item in result.suppressed:
        reason = item.as_dict(result.threshold)["reason"]
        print(f"  {item.table}/{item.code}: {reason}")
    print("Nothing was written and nothing released.")
