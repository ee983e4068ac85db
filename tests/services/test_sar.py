"""Subject access: every record about her, who looked at it, every export with her data in it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import col, select

from caseapp.cli.main import main
from caseapp.errors import NotFound, PermissionDenied
from caseapp.export.files import FileExists
from caseapp.models import AuditEvent, ExportEvent, Woman
from caseapp.services import erasure, sar
from caseapp.services.access import get_visible_woman
from caseapp.services.context import Ctx
from tests.conftest import MANAGER, PASSPHRASE
from tests.dataprot import utc
from tests.harness.women import insert_woman_with_every_record

HOSTILE = "<script>alert(1)</script>\x1b[2J[bold]x[/]"


def _exports(ctx: Ctx) -> None:
    with ctx.write() as session:
        session.add(ExportEvent(kind="data_export", user_id=1, at=utc(2020, 1, 1), files="[]"))
        session.add(ExportEvent(kind="return", user_id=1, files='[{"name":"r.csv"}]'))
        session.add(ExportEvent(kind="data_export", user_id=1, files='[{"name":"women.csv"}]'))


def _pack(result: sar.SarResult) -> dict:
    return json.loads(result.json_path.read_text("utf-8"))


def test_pack_holds_everything_about_her_and_nothing_about_others(
    manager: Ctx, make_user: Callable[..., Ctx], tmp_path: Path
) -> None:
    kw = make_user("kw1")
    other_kw = make_user("kw2")
    wid = insert_woman_with_every_record(
        manager, "MIN-2026-00001", marker="Her", shared_with=kw.actor.user_id, group_ref="G1"
    )
    insert_woman_with_every_record(manager, "MIN-2026-00002", marker="Someoneelse", group_ref="G1")
    with manager.write() as session:
        session.get(Woman, wid).first_name = HOSTILE  # type: ignore[union-attr]
    with pytest.raises(PermissionDenied), other_kw.read() as session:
        get_visible_woman(session, other_kw, wid)  # someone tried to open her record
    _exports(manager)

    result = sar.export_pack(manager, "min-2026-00001", tmp_path / "pack")

    pack = _pack(result)
    assert pack["reference"] == "MIN-2026-00001"
    assert pack["woman"]["first_name"] == HOSTILE and pack["woman"]["keyworker"] == "Maria Manager"
    assert "first_norm" not in pack["woman"] and "id" not in pack["woman"]
    counts = dict(result.sections)
    for section in ("referrals", "consents", "flags", "contacts", "assessments", "plan_goals"):
        assert counts[section] == 1, section
    assert pack["contacts"][0]["note"] == "contact note Her"
    assert pack["assessments"][0]["items"][0]["need_area"] == "ACC"
    assert pack["shared_with"] == [{"staff": "kw1"}]
    assert pack["group_sessions"][0]["title"] == "Art group"
    assert "Someoneelse" not in result.json_path.read_text("utf-8")
    actions = [e["action"] for e in pack["audit"]]
    assert actions == ["woman_created", "permission_denied"]
    assert pack["audit"][1]["user"] == "kw2"
    kinds = [(e["kind"], e["included"].split(" ")[0]) for e in pack["exports"]]
    # Her own earlier pack (made by the helper), the return (aggregates), the data export;
    # the data export from before she was on record is not listed.
    assert ("return", "anonymised") in kinds and ("data_export", "every") in kinds
    assert len([k for k in kinds if k[0] == "data_export"]) == 1


def test_html_is_readable_and_inert(manager: Ctx, tmp_path: Path) -> None:
    wid = insert_woman_with_every_record(manager, "MIN-2026-00001", marker="Her")
    with manager.write() as session:
        woman = session.get(Woman, wid)
        assert woman is not None
        woman.first_name = HOSTILE
        woman.safe_contact_note = "line one\nline two"
    result = sar.export_pack(manager, "MIN-2026-00001", tmp_path)
    page = result.html_path.read_text("utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x1b" not in page and "\u241b[2J" in page
    assert "Content-Security-Policy" in page
    assert "Probation practitioner" in page and "White: Irish" in page  # labels, not codes
    assert "17/05/1990" in page  # dates as people write them
    assert "line one<br>line two" in page
    assert result.html_path.stat().st_mode & 0o777 == 0o600


def test_the_pack_is_recorded(manager: Ctx, tmp_path: Path) -> None:
    wid = insert_woman_with_every_record(manager, "MIN-2026-00001")
    result = sar.export_pack(manager, "MIN-2026-00001", tmp_path)
    with manager.read() as session:
        event = session.exec(
            select(ExportEvent)
            .where(col(ExportEvent.kind) == "sar")
            .order_by(col(ExportEvent.id).desc())
        ).first()
        entry = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "sar_exported")
        ).one()
    assert event is not None and event.subject_id == wid
    assert [f["name"] for f in json.loads(event.files)] == [
        result.html_path.name,
        result.json_path.name,
    ]
    assert entry.subject_ref == "MIN-2026-00001" and entry.subject_id == wid


def test_keyworker_is_refused_and_unknown_reference_not_found(
    manager: Ctx, make_user: Callable[..., Ctx], tmp_path: Path
) -> None:
    kw = make_user("kw1")
    insert_woman_with_every_record(manager, "MIN-2026-00001", keyworker_id=kw.actor.user_id)
    with pytest.raises(PermissionDenied):
        sar.export_pack(kw, "MIN-2026-00001", tmp_path / "kw")
    assert not (tmp_path / "kw").exists()
    with pytest.raises(NotFound):
        sar.export_pack(manager, "MIN-2026-00077", tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_a_reused_row_id_does_not_inherit_an_erased_womans_audit(
    manager: Ctx, tmp_path: Path
) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001")
    old = insert_woman_with_every_record(manager, "MIN-2026-00002")
    erasure.erase(manager, "MIN-2026-00002", confirmation="MIN-2026-00002")
    new = insert_woman_with_every_record(manager, "MIN-2026-00003")
    assert new == old  # SQLite gave her the erased woman's row id
    pack = _pack(sar.export_pack(manager, "MIN-2026-00003", tmp_path))
    assert [e["action"] for e in pack["audit"]] == ["woman_created"]
    assert all(e["seq"] > 0 for e in pack["audit"])


def test_cli_sar(
    manager: Ctx,
    store_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001")
    manager.store.close()
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "sar"
    args = ["sar", "MIN-2026-00001", "--out", str(out), "--store", str(store_path)]
    assert main([*args, "--user", MANAGER]) == 0
    printed = capsys.readouterr().out
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and all(name in printed for name in files)
    # The same day's pack is there: refused without --force, replaced with it.
    assert main([*args, "--user", MANAGER]) == FileExists.exit_code
    assert "--force" in capsys.readouterr().err
    assert main([*args, "--user", MANAGER, "--force"]) == 0


def test_a_pack_made_the_same_day_is_replaced_only_on_purpose(manager: Ctx, tmp_path: Path) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001")
    first = sar.export_pack(manager, "MIN-2026-00001", tmp_path)
    first.html_path.write_text("hers, not ours", "utf-8")
    with pytest.raises(FileExists, match="already there"):
        sar.export_pack(manager, "MIN-2026-00001", tmp_path)
    assert first.html_path.read_text("utf-8") == "hers, not ours"
    with manager.read() as session:  # a refused pack is not recorded as made
        made = session.exec(select(ExportEvent).where(col(ExportEvent.kind) == "sar")).all()
    assert len(made) == 2  # the helper's earlier one and the first pack
    again = sar.export_pack(manager, "MIN-2026-00001", tmp_path, overwrite=True)
    assert again.html_path == first.html_path
    assert "hers, not ours" not in again.html_path.read_text("utf-8")
