"""Run an import: check the files, then load them in one transaction or preview a dry run.

The rows themselves are planned and written by `loader.Loader`; a reference the files name is
checked again inside the writer's transaction, so nothing moved while they were checked.
"""

from __future__ import annotations

from pathlib import Path

from caseapp.errors import ValidationError
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.services.interchange.checked import Checked, Known, Problem, load_known
from caseapp.services.interchange.loader import Counts, Loader, Progress
from caseapp.services.interchange.read import DEFAULT_LIMITS, Limits, Refused, open_source
from caseapp.services.interchange.report import FileSummary, ImportReport
from caseapp.services.interchange.spec import COLUMNS, LOAD_ORDER
from caseapp.services.interchange.validate import check
from caseapp.services.permissions import require


def _moved(checked: Checked, before: Known, now: Known) -> bool:
    """Whether a reference in the files now resolves differently than when they were checked."""
    for column, was, is_ in (
        ("woman_ref", before.women, now.women),
        ("session_ref", before.sessions, now.sessions),
    ):
        for table in checked.tables.values():
            if column not in COLUMNS[table.name]:
                continue
            index = table.index(column)
            if any(was.get(row[index]) != is_.get(row[index]) for row in table.rows):
                return True
    return False


def _summaries(checked: Checked, counts: Counts | None) -> tuple[FileSummary, ...]:
    out = []
    for name in LOAD_ORDER:
        table = checked.tables.get(name)
        if table is None:
            continue
        out.append(
            FileSummary(
                table.display,
                table.sha256,
                table.data_rows,
                counts.created[name] if counts else 0,
                counts.skipped[name] if counts else 0,
                counts.matched[name] if counts else 0,
            )
        )
    return tuple(out)


def _no_progress(_label: str, _done: int, _total: int) -> None:
    return None


def run_import(
    ctx: Ctx,
    path: Path,
    *,
    dry_run: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
) -> ImportReport:
    """Check the files at `path` and, unless `dry_run` or anything is wrong, load them.

    Args:
        ctx: a manager's context (`data.import`).
        path: a folder of CSV files, a `.zip` of one, an `.xlsx` workbook or one `.csv`.
        dry_run: check and count what would be created, write nothing.
        limits: size, member and compression limits for the files.
        progress: called with (what, done, total) while reading and writing.

    Returns:
        The report. With any error, nothing was written (`committed` is false).

    Raises:
        PermissionDenied: the actor may not import.
        ValidationError: the path does not exist or is not a kind caseapp reads.
    """
    require(ctx, "data.import")
    tell = progress or _no_progress
    day = ctx.clock.today()
    source = Path(path)
    try:
        bundle = open_source(source, limits)
    except Refused as exc:
        problem = Problem(exc.file, exc.line, "", exc.message)
        return ImportReport(source.name, dry_run, False, (), (problem,))
    with ctx.read() as session:
        known = load_known(session.connection(), day)
    checked = check(bundle, known, lambda label, line: tell(f"checking {label}", line, 0))
    if checked.errors:
        return ImportReport(
            source.name, dry_run, False, _summaries(checked, None), tuple(checked.problems)
        )
    if dry_run:
        with ctx.read() as session:
            loader = Loader(session.connection(), checked, known, write=False, progress=tell)
            loader.run()
            session.rollback()
        return _report(source.name, checked, loader, dry_run=True, committed=False)
    with ctx.write() as session:
        conn = session.connection()
        # Check again inside the writer's transaction: someone may have added or erased a
        # woman or session these files name since they were checked.
        fresh = load_known(conn, day)
        if _moved(checked, known, fresh):
            raise ValidationError(
                "Records these files name changed while they were checked; run it again."
            )
        loader = Loader(conn, checked, known, write=True, progress=tell)
        loader.run()
        report = _report(source.name, checked, loader, dry_run=False, committed=True)
        audit.record(
            session,
            ctx,
            "data_imported",
            source=source.name,
            files=[
                {"name": f.name, "sha256": f.sha256, "rows": f.rows, "created": f.created}
                for f in report.files
            ]
            + [{"name": n, "sha256": s, "bytes": b} for n, s, b in checked.archive],
            skipped=sum(f.skipped for f in report.files),
            hubs_added=len(report.new_hubs),
        )
    return report


def _report(
    source: str, checked: Checked, loader: Loader, *, dry_run: bool, committed: bool
) -> ImportReport:
    return ImportReport(
        source,
        dry_run,
        committed,
        _summaries(checked, loader.counts),
        tuple(sorted(checked.problems, key=lambda p: (p.file, p.line, p.column))),
        tuple(sorted(checked.new_hubs.values())),
    )
