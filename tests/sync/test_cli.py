"""The command line: enrol, join, sync a folder both ways, status and conflicts as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caseapp.cli.main import main
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import PASSPHRASE, centre


def test_enrol_join_sync_status_conflicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mgr, kw = centre(tmp_path)
    add_woman(kw, "Jane", "Smith")
    centre_path = mgr.store.path
    mgr.store.close()
    hub_path = tmp_path / "hub" / "h.db"
    out = tmp_path / "pack.caseapp"
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASEAPP_NEW_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASEAPP_ENROL_CODE", "ABCD-EFGH-JKLM-NPQR-STUV")

    monkeypatch.setenv("CASEAPP_USER", "mgr")
    assert (
        main(["--store", str(centre_path), "sync", "enrol", "--user", "kw", "--out", str(out)]) == 0
    )
    assert main(["sync", "join", str(out), "--store", str(hub_path)]) == 0
    assert "holding 1 women" in capsys.readouterr().out

    monkeypatch.setenv("CASEAPP_USER", "kw")
    assert main(["--store", str(hub_path), "sync", str(usb)]) == 0
    monkeypatch.setenv("CASEAPP_USER", "mgr")
    assert main(["--store", str(centre_path), "sync", str(usb)]) == 0
    printed = capsys.readouterr().out
    assert "applied:" in printed and "sent:" in printed

    assert main(["--store", str(centre_path), "sync", "status", "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["role"] == "centre"
    assert [p["role"] for p in state["peers"]] == ["hub"]
    assert state["peers"][0]["last_received"]
    assert main(["--store", str(centre_path), "sync", "conflicts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []

    # A wrong code makes nothing.
    monkeypatch.setenv("CASEAPP_ENROL_CODE", "WRNG-CODE-WRNG-CODE-WRNG")
    assert main(["sync", "join", str(out), "--store", str(tmp_path / "other" / "o.db")]) == 2
    assert not (tmp_path / "other" / "o.db").exists()
