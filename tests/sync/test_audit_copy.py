"""A hub's audit chain travels to the centre with its bundles; `verify` checks the copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseapp.cli.main import main
from caseapp.services import audit, contacts
from caseapp.sync import review
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import PASSPHRASE, centre, enrol_hub, local_id, sync


def test_hub_audit_copy_is_kept_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mgr, kw = centre(tmp_path)
    add_woman(kw, "Jane", "Smith")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    folder = tmp_path / "usb"
    contacts.log_contact(hub, local_id(hub, "MIN-2026-00001"))
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    contacts.log_contact(hub, local_id(hub, "MIN-2026-00001"))
    sync(hub, folder)
    sync(mgr, folder)

    checks = review.sync_checks(mgr)
    assert len(checks) == 1 and checks[0][0], checks
    with hub.read() as session:
        hub_entries = session.connection().exec_driver_sql("SELECT max(seq) FROM auditevent")
        top = int(hub_entries.one()[0])
    with mgr.read() as session:
        copied = (
            session.connection().exec_driver_sql("SELECT max(seq) FROM sync_audit_entry").one()[0]
        )
    assert copied >= top - 1  # all but the hub's record of its last send
    assert audit.verify_chain(mgr.store).ok

    with mgr.write() as session:
        session.connection().exec_driver_sql(
            "UPDATE sync_audit_entry SET entry = replace(entry, 'contact', 'kontact') "
            "WHERE seq = (SELECT max(seq) FROM sync_audit_entry WHERE entry LIKE '%contact%')"
        )
    checks = review.sync_checks(mgr)
    assert not checks[0][0] and "signed summary" in checks[0][1]

    path = mgr.store.path
    mgr.store.close()
    monkeypatch.setenv("CASEAPP_USER", "mgr")
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    assert main(["--store", str(path), "verify"]) == 3
    assert "audit copy of hub" in capsys.readouterr().out
