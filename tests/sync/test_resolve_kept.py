"""Keeping the value a store already shows is a resolution too: it travels and closes the
conflict on the other store, although the field's value does not change here."""

from __future__ import annotations

from pathlib import Path

from caseapp.sync import review
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import centre, enrol_hub, local_id, open_conflicts, phone, set_phone, sync


def test_keeping_the_value_shown_here_travels(tmp_path: Path) -> None:
    mgr, kw = centre(tmp_path)
    jane = add_woman(kw, "Jane", "Smith")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    folder = tmp_path / "usb"
    set_phone(mgr, jane.id, "0700 111111")
    set_phone(hub, local_id(hub, jane.reference), "0700 222222")
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    conflict = review.conflicts(hub)[0]
    shown = phone(hub, jane.reference)
    assert shown == conflict.current

    review.resolve(hub, conflict.id, shown)
    assert open_conflicts(hub.store) == set()
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    assert open_conflicts(mgr.store) == set()
    assert phone(mgr, jane.reference) == phone(hub, jane.reference) == shown
