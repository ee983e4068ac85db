"""The import report: what would be (or was) created and skipped, and every problem found."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from caseapp.export.files import check_out_file, csv_bytes, refuse_existing, write_bytes
from caseapp.services.interchange.checked import ERROR, WARNING, Problem
from caseapp.textsafe import visible


@dataclass(frozen=True)
class FileSummary:
    """One file's rows: read, created, skipped as identical, and matched to existing records."""

    name: str
    sha256: str
    rows: int
    created: int = 0
    skipped: int = 0
    matched: int = 0


@dataclass(frozen=True)
class ImportReport:
    """The outcome of `caseapp import`: `committed` is true only when the store changed."""

    source: str
    dry_run: bool
    committed: bool
    files: tuple[FileSummary, ...]
    problems: tuple[Problem, ...]
    new_hubs: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that stopped (or would stop) the import."""
        return tuple(p for p in self.problems if p.severity == ERROR)

    @property
    def ok(self) -> bool:
        """No errors: the import was (or would be) written."""
        return not self.errors

    def headline(self) -> str:
        """One line saying what happened."""
        created = sum(f.created for f in self.files)
        skipped = sum(f.skipped for f in self.files)
        if not self.ok:
            return (
                f"Import refused: {len(self.errors):,} problem(s) in {visible(self.source)}. "
                "Nothing was written."
            )
        matched = sum(f.matched for f in self.files)
        verb = "Would create" if self.dry_run else "Created"
        tail = " (dry run: nothing was written)" if self.dry_run else ""
        held = f"; matched {matched:,} already held" if matched else ""
        return f"{verb} {created:,} record(s); skipped {skipped:,} identical{held}{tail}."

    def lines(self) -> list[str]:
        """The report as terminal lines: headline, a line per file, then every problem."""
        out = [self.headline()]
        for f in self.files:
            parts = [f"{f.rows:,} row(s)"]
            if self.ok:
                parts.append(f"{f.created:,} new")
                if f.skipped:
                    parts.append(f"{f.skipped:,} identical row(s) already held, skipped")
                if f.matched:
                    parts.append(f"{f.matched:,} matched to records already held, left as they are")
            out.append(f"  {visible(f.name)}: " + "; ".join(parts))
        for hub in self.new_hubs:
            out.append(f"  new hub: {visible(hub)}")
        for problem in self.problems:
            tag = "" if problem.severity == ERROR else f"[{problem.severity}] "
            out.append(tag + visible(str(problem)))
        return out


def report_target(path: Path, *, overwrite: bool = False) -> Path:
    """Check where the report CSV goes (before the import runs): a file already there is
    refused unless `overwrite`."""
    target = check_out_file(path)
    if not overwrite:
        refuse_existing([target])
    return target


def write_report_csv(report: ImportReport, path: Path, *, overwrite: bool = False) -> str:
    """Write every problem (and each file's counts) as a CSV; return its SHA-256.

    Cells are neutralised, so a hostile value quoted in a problem cannot run as a formula.
    """
    target = report_target(path, overwrite=overwrite)
    rows: list[list[object]] = [
        [p.severity, p.file, p.line, p.column, p.message] for p in report.problems
    ]
    for f in report.files:
        rows.append(
            [
                "summary",
                f.name,
                0,
                "",
                f"{f.rows} rows; {f.created} new; {f.skipped} identical skipped; "
                f"{f.matched} matched; sha256 {f.sha256}",
            ]
        )
    rows.append(["summary", report.source, 0, "", report.headline()])
    return write_bytes(target, csv_bytes(["severity", "file", "line", "column", "problem"], rows))


__all__ = ["ERROR", "WARNING", "FileSummary", "ImportReport", "report_target", "write_report_csv"]
