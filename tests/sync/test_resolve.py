"""A person resolves a conflict on either store; the choice travels and closes it everywhere."""

from __future__ import annotations

from pathlib import Path

from caseapp.sync import review
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import centre, enrol_hub, local_id, open_conflicts, phone, set_phone, sync


def test_resolution_travels_and_closes_the_conflict(tmp_path: Path) -> None:
    mgr, kw = centre(tmp_path)
    jane = add_woman(kw, "Jane", "Smith")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    folder = tmp_path / "usb"
    set_phone(mgr, jane.id, "0700 111111")
    set_phone(hub, local_id(hub, jane.reference), "0700 222222")
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)

    seen = review.conflicts_for(hub, jane.reference)
    assert len(seen) == 1 and review.conflicts(mgr)[0].sides == seen[0].sides
    conflict = seen[0]
    assert (conflict.table, conflict.field) == ("woman", "phone")
    assert {s.user for s in conflict.sides} == {"mgr", "kw"}
    assert {s.value for s in conflict.sides} == {"0700 111111", "0700 222222"}
    assert phone(mgr, jane.reference) == phone(hub, jane.reference) == conflict.current

    review.resolve(hub, conflict.id, "0700 111111")
    assert open_conflicts(hub.store) == set()
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    assert open_conflicts(mgr.store) == set()
    assert phone(mgr, jane.reference) == phone(hub, jane.reference) == "0700 111111"
    with hub.read() as session:
        actions = [
            str(r[0]) for r in session.connection().exec_driver_sql("SELECT action FROM auditevent")
        ]
    assert "sync_conflict_resolved" in actions
