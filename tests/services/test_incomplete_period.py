"""A period that has not ended exports only when allowed, and its manifest says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caseapp.cli.main import main
from caseapp.services import returns
from caseapp.services.context import Ctx
from caseapp.services.returns_periods import parse_month
from tests.conftest import MANAGER, PASSPHRASE

NOVEMBER = parse_month("2026-11")  # today is 24/11/2026 in every test


def test_the_service_refuses_then_marks_the_manifest(manager: Ctx, tmp_path: Path) -> None:
    with pytest.raises(returns.IncompletePeriod, match="figures are incomplete") as refused:
        returns.export(manager, NOVEMBER, "json", tmp_path / "r.json")
    assert refused.value.exit_code == 6
    assert not (tmp_path / "r.json").exists()
    result = returns.export(manager, NOVEMBER, "json", tmp_path / "r.json", allow_incomplete=True)
    manifest = json.loads(result.manifest.read_text("utf-8"))
    assert "incomplete" in manifest["incomplete"]
    october = returns.export(manager, parse_month("2026-10"), "json", tmp_path / "o.json")
    assert "incomplete" not in json.loads(october.manifest.read_text("utf-8"))


def test_the_command_line_needs_allow_incomplete(
    manager: Ctx, store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager.store.close()
    monkeypatch.setenv("CASEAPP_USER", MANAGER)
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    argv = ["return", "--store", str(store_path), "--month", "2026-11", "--format", "json"]
    assert main([*argv, "--out", str(tmp_path / "a.json")]) == 6
    assert main([*argv, "--out", str(tmp_path / "b.json"), "--allow-incomplete"]) == 0
    manifest = json.loads((tmp_path / "b.json.manifest.json").read_text("utf-8"))
    assert manifest["incomplete"]
