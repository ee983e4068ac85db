"""Golden files for every format of the return (set UPDATE_GOLDEN=1 to rewrite them).

The sample store is fixed, so every byte is fixed except the audit chain's HMAC (its key is
random per store) and what hashes it: those are replaced by placeholders before comparing.
XLSX is compared cell by cell after reading it back.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from caseapp.clock import FrozenClock
from caseapp.services import returns
from caseapp.services.context import Ctx
from tests.export import return_sample

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture
def sample(manager: Ctx) -> Ctx:
    return_sample.build(manager.store)
    return manager


def normalise_manifest(manifest: dict[str, Any], *, hashes: bool) -> dict[str, Any]:
    manifest["audit_head"]["hmac"] = "<audit hmac>"
    if hashes:  # the file embeds the HMAC, so its hash changes with it
        for entry in manifest.get("files", []):
            entry["sha256"] = "<sha256>"
            entry["bytes"] = "<bytes>"
    return manifest


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"no golden file {name}: run with UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8"), name


def as_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def test_csv_matches_golden(sample: Ctx, tmp_path: Path, clock: FrozenClock) -> None:
    clock.set_utc(NOW)
    result = returns.export(sample, return_sample.PERIOD, "csv", tmp_path / "csv")
    for path in result.files:
        compare(f"csv/{path.name}", path.read_bytes().decode("utf-8"))
    manifest = json.loads(result.manifest.read_text("utf-8"))
    compare("csv/manifest.json", as_json(normalise_manifest(manifest, hashes=False)))


def test_json_matches_golden(sample: Ctx, tmp_path: Path, clock: FrozenClock) -> None:
    clock.set_utc(NOW)
    result = returns.export(sample, return_sample.PERIOD, "json", tmp_path / "r.json")
    body = json.loads(result.target.read_text("utf-8"))
    normalise_manifest(body["manifest"], hashes=False)
    compare("return.json", as_json(body))
    manifest = json.loads(result.manifest.read_text("utf-8"))
    compare("return.manifest.json", as_json(normalise_manifest(manifest, hashes=True)))


def test_xlsx_matches_golden_cell_by_cell(sample: Ctx, tmp_path: Path, clock: FrozenClock) -> None:
    clock.set_utc(NOW)
    result = returns.export(sample, return_sample.PERIOD, "xlsx", tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(result.target)
    cells: dict[str, list[list[object]]] = {}
    for sheet in book.worksheets:
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        if sheet.title == "manifest":
            rows = [
                ["audit_head.hmac", "<audit hmac>"] if r[0] == "audit_head.hmac" else r
                for r in rows
            ]
        cells[sheet.title] = rows
    compare("return.xlsx.cells.json", as_json(cells))
    assert book.properties.created == NOW.replace(tzinfo=None)
