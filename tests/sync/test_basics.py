"""Enrol a hub, exchange both ways: new records travel, edits merge, same-field edits conflict."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from caseapp.services import contacts, women
from caseapp.services.context import Ctx
from caseapp.services.women import open_woman
from caseapp.services.women_types import as_input
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import centre, contents, enrol_hub, local_id, open_conflicts, sync


def _edit(ctx: Ctx, woman_id: int, **changes: Any) -> None:
    detail = open_woman(ctx, woman_id).woman
    women.edit_woman(ctx, woman_id, replace(as_input(detail), **changes))


def test_round_trip_edits_and_one_conflict(tmp_path: Path) -> None:
    mgr, kw = centre(tmp_path)
    jane = add_woman(kw, "Jane", "Smith")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    folder = tmp_path / "usb"
    assert contents(mgr.store) == contents(hub.store)
    hub_jane = local_id(hub, jane.reference)

    # Different fields on each side merge; the same field becomes one conflict on both.
    _edit(kw, jane.id, phone="0700 000001", safe_contact_note="centre note")
    _edit(hub, hub_jane, phone="0700 000002", preferred_name="J")
    contacts.log_contact(hub, hub_jane)
    new = add_woman(hub, "Ann", "Lee", born="02/03/1991")
    assert new.reference.startswith("MINH1-")

    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    assert contents(mgr.store) == contents(hub.store)
    conflicts = open_conflicts(mgr.store)
    assert conflicts == open_conflicts(hub.store)
    assert [(t, f) for t, _u, f, _s in conflicts] == [("woman", "phone")]
    centre_view = open_woman(mgr, jane.id).woman
    assert centre_view.preferred_name == "J"
    assert centre_view.safe_contact_note == "centre note"
    assert centre_view.phone == open_woman(hub, hub_jane).woman.phone
    assert centre_view.phone in {"0700 000001", "0700 000002"}
