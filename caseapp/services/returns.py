"""The commissioner's return: compute it for a period, anonymise it, export it with a manifest.

Managers only (`return.export`). Figures come from `returns_sql` in one read transaction, so
every number in a return describes the same moment; anonymisation is `export.anonymise`; the
writers in `caseapp.export` never see a record, only the anonymised document built here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from caseapp import __version__
from caseapp.errors import ExportError, ValidationError
from caseapp.export import anonymise, csv_return, json_return, xlsx
from caseapp.export import manifest as manifest_mod
from caseapp.export.files import (
    FileExists as FileExists,  # re-exported: the returns screen tells this refusal apart
)
from caseapp.export.files import (
    check_out_dir,
    check_out_file,
    check_target,
    refuse_existing,
    write_all,
)
from caseapp.export.tables import ReturnDocument, Table
from caseapp.models import ExportEvent
from caseapp.services import audit, settings
from caseapp.services import returns_releases as releases
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.services.returns_metrics import HEADLINE, HEADLINE_CODES, METRICS, WOMEN_COUNTS
from caseapp.services.returns_periods import Period, months_ending
from caseapp.services.returns_sql import Figures, figures, headline
from caseapp.services.returns_tables import BREAKDOWN_TABLES, links, raw_tables

FORMATS = ("csv", "xlsx", "json")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class HeadlineRow:
    """A headline total: exact, or `[c]` for a small count of women."""

    code: str
    label: str
    value: int | str


@dataclass(frozen=True)
class OutcomeRow:
    """An outcome question: improved / counted and the percentage, each a number or `[c]`."""

    code: str
    label: str
    numerator: int | str
    denominator: int | str
    percent: int | str | None


@dataclass(frozen=True)
class ReturnResult:
    """An anonymised return for one period, ready to show or export."""

    period: Period
    threshold: int
    threshold_source: str
    provider: str
    headline: tuple[HeadlineRow, ...]
    outcomes: tuple[OutcomeRow, ...]
    tables: tuple[anonymise.ShownTable, ...]
    suppressed: tuple[anonymise.Suppression, ...]
    # The earlier releases this one was checked against (rule 4a).
    compared: tuple[releases.Release, ...] = ()

    @property
    def because_of_releases(self) -> tuple[anonymise.Suppression, ...]:
        """The cells hidden because an earlier release would give them away."""
        return tuple(item for item in self.suppressed if item.rule == "release")

    def published_cells(self) -> dict[str, releases.Cell]:
        """Every cell as released, by release-register key."""
        cells: dict[str, releases.Cell] = {
            releases.cell_key("headline", row.code): row.value for row in self.headline
        }
        for row in self.outcomes:
            for part in ("numerator", "denominator", "percent"):
                cells[releases.cell_key("outcomes", row.code, part)] = getattr(row, part)
        for table in self.tables:
            for code, _label, value in table.rows:
                cells[releases.cell_key(table.name, code)] = value
        return cells


@dataclass(frozen=True)
class TrendPoint:
    """One month of headline totals for the trend chart."""

    period: Period
    values: Mapping[str, int]


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the main file or folder, every file, and its manifest."""

    format: str
    target: Path
    files: tuple[Path, ...]
    manifest: Path
    manifest_sha256: str
    suppressed: int
    because_of_releases: int = 0


def resolve_threshold(ctx: Ctx, threshold: int | None) -> tuple[int, str]:
    """The threshold to use and where it came from (the store's setting or an override)."""
    low, high = settings.INT_RANGES["suppression_threshold"]
    if threshold is None:
        return settings.get_int(ctx, "suppression_threshold"), "store setting"
    if not low <= threshold <= high:
        raise ValidationError(
            f"The threshold must be a whole number from {low} to {high}.",
            {"threshold": f"{low} to {high}"},
        )
    return threshold, "given for this export"


def _raw_cells(tables: tuple[anonymise.RawTable, ...], found: Figures) -> dict[str, int]:
    """Every count of women the return may publish, by release-register key."""
    cells = {
        releases.cell_key(table.name, code): count
        for table in tables
        for code, _label, count in table.cells
    }
    for item in found.outcomes:
        code = f"outcome_{item.question}"
        cells[releases.cell_key("outcomes", code, "numerator")] = item.numerator
        cells[releases.cell_key("outcomes", code, "denominator")] = item.denominator
    return cells


def _result(
    period: Period,
    found: Figures,
    threshold: int,
    source: str,
    provider: str,
    earlier: tuple[releases.Release, ...] = (),
) -> ReturnResult:
    people = anonymise.RawTable(
        "headline",
        "Headline totals",
        tuple((code, METRICS[code].label, found.headline[code]) for code in WOMEN_COUNTS),
        adds_up=False,
    )
    raw = (people, *raw_tables(found))
    clashes, compared = releases.forced(_raw_cells(raw, found), period, earlier, threshold)
    forced = {
        anonymise.CellRef(*key.split("/", 1)): f"release for {release.label}"
        for key, release in clashes.items()
        if not key.startswith("outcomes/")
    }
    shown_all, hidden = anonymise.suppress(raw, links(), threshold, forced=forced)
    headline_shown, shown = shown_all[0].as_dict(), shown_all[1:]
    outcome_rows: list[OutcomeRow] = []
    extra: list[anonymise.Suppression] = []
    for item in found.outcomes:
        code = f"outcome_{item.question}"
        shown_outcome = anonymise.outcome(item.numerator, item.denominator, threshold)
        rule, why = "percentage", shown_outcome.reason
        clash = next(
            (
                clashes[key]
                for part in ("numerator", "denominator")
                if (key := releases.cell_key("outcomes", code, part)) in clashes
            ),
            None,
        )
        if why is None and clash is not None:
            # Rule 4a hides the outcome whole, as rule 4 would.
            shown_outcome = anonymise.ShownOutcome(*(anonymise.SUPPRESSED,) * 3)
            rule, why = "release", f"release for {clash.label}"
        if why is not None:
            extra.append(anonymise.Suppression("outcomes", code, METRICS[code].label, rule, why))
        outcome_rows.append(
            OutcomeRow(
                code,
                METRICS[code].label,
                shown_outcome.numerator,
                shown_outcome.denominator,
                shown_outcome.percent,
            )
        )
    return ReturnResult(
        period=period,
        threshold=threshold,
        threshold_source=source,
        provider=provider,
        headline=tuple(
            HeadlineRow(m.code, m.label, headline_shown.get(m.code, found.headline[m.code]))
            for m in HEADLINE
        ),
        outcomes=tuple(outcome_rows),
        tables=shown,
        suppressed=(*hidden, *extra),
        compared=compared,
    )


def compute(ctx: Ctx, period: Period, *, threshold: int | None = None) -> ReturnResult:
    """The anonymised return for `period` (managers only).

    Args:
        ctx: the signed-in manager.
        period: the inclusive span to report on.
        threshold: overrides the store's suppression threshold for this return.
    """
    require(ctx, "return.export")
    level, source = resolve_threshold(ctx, threshold)
    provider = settings.get(ctx, "provider_name")
    with ctx.read() as session:
        found = figures(session.connection(), period.start, period.end)
        earlier = releases.released(session)
    return _result(period, found, level, source, provider, earlier)


def trend(ctx: Ctx, end: date, months: int = 12) -> tuple[TrendPoint, ...]:
    """Headline totals for each of the `months` calendar months up to the month of `end`."""
    require(ctx, "return.export")
    points: list[TrendPoint] = []
    with ctx.read() as session:
        conn = session.connection()
        for month in months_ending(end, months):
            values = headline(conn, month.start, month.end)
            points.append(
                TrendPoint(month, MappingProxyType({c: values[c] for c in HEADLINE_CODES}))
            )
    return tuple(points)


# -- the document the writers see ----------------------------------------------------------


def _metrics(result: ReturnResult) -> dict[str, Any]:
    metrics: dict[str, Any] = {row.code: row.value for row in result.headline}
    for row in result.outcomes:
        metrics[row.code] = {
            "numerator": row.numerator,
            "denominator": row.denominator,
            "percent": row.percent,
        }
    return metrics


def _tables(result: ReturnResult) -> tuple[Table, ...]:
    headline_table = Table(
        "headline",
        "Headline totals",
        ("code", "label", "value"),
        tuple((row.code, row.label, row.value) for row in result.headline),
    )
    outcome_table = Table(
        "outcomes",
        "Outcomes: women whose latest answer in the period is better than their baseline",
        ("code", "label", "numerator", "denominator", "percent"),
        tuple(
            (row.code, row.label, row.numerator, row.denominator, row.percent)
            for row in result.outcomes
        ),
    )
    breakdowns = (
        Table(shown.name, shown.title, ("code", "label", "count"), shown.rows)
        for shown in result.tables
    )
    return (headline_table, outcome_table, *breakdowns)


def _breakdowns(result: ReturnResult) -> dict[str, Any]:
    return {shown.name: shown.as_dict() for shown in result.tables}


class IncompletePeriod(ValidationError):
    """The period ends today or later: its figures can still grow (exported only if allowed)."""


def is_incomplete(period: Period, today: date) -> bool:
    """Whether the period has days still to come (today included: it is not over)."""
    return period.end >= today


def document(
    ctx: Ctx,
    result: ReturnResult,
    *,
    fmt: str,
    generated_at: datetime,
    incomplete: bool = False,
) -> ReturnDocument:
    """The anonymised document and its manifest (without the file list)."""
    head = ctx.store.key_file.audit_head or {}
    suppressed = tuple(item.as_dict(result.threshold) for item in result.suppressed)
    manifest = {
        "title": "Commissioner's return",
        "format": fmt,
        "period": {
            "from": result.period.start.isoformat(),
            "to": result.period.end.isoformat(),
            "label": result.period.label,
        },
        "provider": result.provider,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        # A role and an internal user id, never a name: staff names are direct identifiers
        # (docs/domain.md, Anonymisation rules, rule 1); the provider can map the id to a person
        # through its own log.
        "generated_by": {"role": ctx.actor.role, "user_id": ctx.actor.user_id},
        "caseapp_version": __version__,
        "rules": {
            "version": anonymise.RULES_VERSION,
            "threshold": result.threshold,
            "threshold_source": result.threshold_source,
            **anonymise.RULES_TEXT,
        },
        "suppressed": list(suppressed),
        # Rule 4a: the earlier releases this one was checked against, and what they hid here.
        "earlier_releases": {
            "compared": releases.as_dicts(result.compared),
            "suppressed_because_of_them": len(result.because_of_releases),
            "cells": [
                {
                    "table": item.table,
                    "cell": item.code,
                    "label": item.label,
                    "release": item.reason.removeprefix("release for "),
                }
                for item in result.because_of_releases
            ],
        },
        "audit_head": {"seq": int(head.get("seq", 0)), "hmac": str(head.get("hmac", ""))},
    }
    if incomplete:
        # Said in the manifest, so whoever receives the return knows it is not final.
        manifest["incomplete"] = "figures are incomplete: the period had not ended"
    return ReturnDocument(
        period_from=result.period.start.isoformat(),
        period_to=result.period.end.isoformat(),
        metrics=_metrics(result),
        breakdowns=_breakdowns(result),
        suppressed=suppressed,
        tables=_tables(result),
        manifest=manifest,
    )


# -- export --------------------------------------------------------------------------------


def default_name(period: Period, fmt: str) -> str:
    """`return-2026-10-01-to-2026-10-31.xlsx` (or without a suffix: the CSV folder)."""
    stem = f"return-{period.start.isoformat()}-to-{period.end.isoformat()}"
    return stem if fmt == "csv" else f"{stem}.{fmt}"


@dataclass(frozen=True)
class _Plan:
    folder: Path
    target: Path
    created_folder: bool
    main: tuple[Path, ...]
    manifest: Path


def _plan(out: Path, fmt: str, period: Period, *, overwrite: bool = False) -> _Plan:
    """Check where the export goes before any work: CSV into a folder, one file otherwise.

    Files already there are refused unless `overwrite`. A single file's manifest is named
    after the whole file name (`ret.xlsx.manifest.json`), so a JSON and an XLSX export of
    one stem each keep their own.
    """
    plan = _plan_paths(out, fmt, period)
    if not overwrite:
        refuse_existing((*plan.main, plan.manifest))
    return plan


def _plan_paths(out: Path, fmt: str, period: Period) -> _Plan:
    out = Path(out).expanduser()
    if ".." in out.parts:
        raise ExportError(f"{out} contains '..'; give a path without it.")
    if fmt == "csv":
        existed = out.exists()
        folder = check_out_dir(out, create=True)
        names = [f"{table}.csv" for table in _CSV_TABLES]
        return _Plan(
            folder,
            folder,
            not existed,
            tuple(check_target(folder, name) for name in names),
            check_target(folder, "manifest.json"),
        )
    if out.is_dir() and not out.is_symlink():
        out = out / default_name(period, fmt)
    elif not out.suffix:
        out = out.with_suffix(f".{fmt}")
    target = check_out_file(out)
    folder = target.parent
    return _Plan(
        folder,
        target,
        False,
        (target,),
        check_target(folder, f"{target.name}.manifest.json"),
    )


# The CSV files, in order; fixed so the paths can be checked before anything is computed.
_CSV_TABLES = ("headline", "outcomes", *BREAKDOWN_TABLES)


def _render(doc: ReturnDocument, fmt: str, plan: _Plan, generated_at: datetime) -> list[bytes]:
    if fmt == "csv":
        rendered = csv_return.render(doc)
        if sorted(rendered) != sorted(path.name for path in plan.main):
            raise ExportError("The return's tables do not match its file list.")
        return [rendered[path.name] for path in plan.main]
    if fmt == "xlsx":
        return [xlsx.render(doc, doc.manifest, generated_at)]
    return [json_return.render(doc)]


def export(
    ctx: Ctx,
    period: Period,
    fmt: str,
    out: Path,
    *,
    threshold: int | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
    allow_incomplete: bool = False,
) -> ExportResult:
    """Compute, anonymise and write the return, then record the export (managers only).

    CSV goes into the folder `out` (created if its parent exists): one file per table and
    `manifest.json`. XLSX and JSON go to the file `out` (or a default name inside `out` when
    it is a folder) with `<name>.<ext>.manifest.json` beside it. Files already there are
    refused (`FileExists`) unless `overwrite`. Every file is written to a temporary name and
    renamed only when all are complete and the
    export is recorded.

    Raises:
        PermissionDenied: not a manager. ValidationError: a bad format or threshold.
        ExportError: a path that escapes its folder, a symlink, a missing or read-only folder,
            or a failed write; nothing is left under a final name.
    """
    require(ctx, "return.export")
    if fmt not in FORMATS:
        raise ValidationError(f"Unknown format {fmt!r}: choose csv, xlsx or json.")
    incomplete = is_incomplete(period, ctx.clock.today())
    if incomplete and not allow_incomplete:
        raise IncompletePeriod(
            f"The figures are incomplete: {period.label} ends on {period.end:%d/%m/%Y}, which "
            "has not passed. Export it anyway with --allow-incomplete (the manifest says so)."
        )
    steps = 4

    def step(number: int, text: str) -> None:
        if progress is not None:
            progress(number, steps, text)

    step(0, "Checking where to write")
    plan = _plan(out, fmt, period, overwrite=overwrite)
    try:
        step(1, "Counting")
        result = compute(ctx, period, threshold=threshold)
        step(2, "Anonymising")
        generated_at = ctx.clock.utcnow().replace(microsecond=0)
        doc = document(ctx, result, fmt=fmt, generated_at=generated_at, incomplete=incomplete)
        step(3, "Writing files")
        contents = _render(doc, fmt, plan, generated_at)
        files = list(zip(plan.main, contents, strict=True))
        manifest = manifest_mod.with_files(doc.manifest, [(p.name, d) for p, d in files])
        manifest_bytes = manifest_mod.render(manifest)
        manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
        # Recorded (audit, export and release registers) before any file has its final name:
        # an export the store has no record of must never exist, even after a kill.
        write_all(
            [*files, (plan.manifest, manifest_bytes)],
            before_publish=lambda: _record(ctx, period, fmt, manifest, manifest_sha, result),
        )
    except BaseException:
        if plan.created_folder:
            _remove_empty(plan.folder)
        raise
    step(4, "Done")
    return ExportResult(
        fmt,
        plan.target,
        plan.main,
        plan.manifest,
        manifest_sha,
        len(result.suppressed),
        len(result.because_of_releases),
    )


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()


def _record(
    ctx: Ctx,
    period: Period,
    fmt: str,
    manifest: Mapping[str, Any],
    manifest_sha: str,
    result: ReturnResult,
) -> None:
    files = [{"name": f["name"], "sha256": f["sha256"]} for f in manifest["files"]]
    with ctx.write() as session:
        session.add(
            ExportEvent(
                kind="return",
                user_id=ctx.actor.user_id,
                period_from=period.start.isoformat(),
                period_to=period.end.isoformat(),
                files=json.dumps(files, separators=(",", ":")),
                manifest_sha256=manifest_sha,
            )
        )
        audit.record(
            session,
            ctx,
            "return_exported",
            format=fmt,
            period_from=period.start.isoformat(),
            period_to=period.end.isoformat(),
            threshold=result.threshold,
            threshold_source=result.threshold_source,
            suppressed=len(result.suppressed),
            suppressed_because_of_releases=len(result.because_of_releases),
            manifest_sha256=manifest_sha,
        )
        # The release register: what this return published, for the next one to check.
        releases.record(
            session,
            period,
            result.threshold,
            anonymise.RULES_VERSION,
            result.published_cells(),
            manifest_sha,
        )
