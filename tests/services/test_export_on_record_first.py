"""No export exists without its record: every file takes its final name only after the commit.

A kill between an export's files landing and its record being committed would leave an export
nobody knows of (for a return, one the next return is not checked against). Each export is
watched at the moment each file is renamed to its final name: the store, read from another
connection, must already hold the export's record and audit entry.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from caseapp.models import AuditEvent, ExportEvent
from caseapp.services import returns, sar
from caseapp.services.context import Ctx
from caseapp.services.export_data import export_data
from caseapp.services.returns_periods import parse_month
from tests.harness.women import insert_woman_with_every_record
from tests.services.import_kit import VALID, run


def recorded(ctx: Ctx, kind: str, action: str) -> tuple[int, int]:
    """(export records of `kind`, audit entries `action`) committed in the store."""
    with ctx.read() as session:
        events = session.exec(
            select(func.count()).select_from(ExportEvent).where(col(ExportEvent.kind) == kind)
        ).one()
        entries = session.exec(
            select(func.count()).select_from(AuditEvent).where(col(AuditEvent.action) == action)
        ).one()
    return events, entries


@pytest.fixture
def landing(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[Path, Callable[[], object]], list[object]]]:
    """Call a check each time a file in a folder is renamed to its final (not temporary) name."""
    seen: list[object] = []
    real_replace = os.replace

    def watch(folder: Path, check: Callable[[], object]) -> list[object]:
        def replace(src: str | Path, dst: str | Path) -> None:
            # Only the export's own files (the key file's audit head is renamed into place too).
            if Path(dst).parent == folder and not Path(dst).name.startswith("."):
                seen.append(check())
            real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace)
        return seen

    yield watch


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_return_is_on_record_before_any_file_has_its_name(
    manager: Ctx, tmp_path: Path, landing: Callable[..., list[object]], fmt: str
) -> None:
    out = tmp_path / ("r" if fmt == "csv" else f"r.{fmt}")
    seen = landing(
        out if fmt == "csv" else tmp_path, lambda: recorded(manager, "return", "return_exported")
    )
    result = returns.export(manager, parse_month("2026-10"), fmt, out)
    assert seen and set(seen) == {(1, 1)}, seen
    assert result.manifest.is_file()


def test_a_data_export_is_on_record_before_any_file_has_its_name(
    manager: Ctx, tmp_path: Path, landing: Callable[..., list[object]]
) -> None:
    assert run(manager, VALID).ok
    seen = landing(tmp_path / "out", lambda: recorded(manager, "data_export", "data_exported"))
    result = export_data(manager, tmp_path / "out")
    assert len(seen) == len(result.files) and set(seen) == {(1, 1)}, seen


def test_a_subject_access_pack_is_on_record_before_any_file_has_its_name(
    manager: Ctx, tmp_path: Path, landing: Callable[..., list[object]]
) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001")
    out = tmp_path / "packs"
    events, entries = recorded(manager, "sar", "sar_exported")
    seen = landing(out, lambda: recorded(manager, "sar", "sar_exported"))
    result = sar.export_pack(manager, "MIN-2026-00001", out)
    assert seen == [(events + 1, entries + 1)] * 2
    assert result.html_path.is_file() and result.json_path.is_file()


def test_a_refused_record_publishes_nothing(
    manager: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The record cannot be written (the store refuses): no file may appear, no temporary
    # file is left, and nothing is recorded.
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("the store refused")

    monkeypatch.setattr(returns, "_record", refuse)
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(OSError):
        returns.export(manager, parse_month("2026-10"), "json", folder / "r.json")
    assert list(folder.iterdir()) == []
    assert recorded(manager, "return", "return_exported") == (0, 0)
