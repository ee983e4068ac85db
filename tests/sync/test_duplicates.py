"""Two offline registrations of what looks like one woman become a possible-duplicate item on
both stores; sync never merges them."""

from __future__ import annotations

from pathlib import Path

from caseapp.services.context import Ctx
from caseapp.sync import duplicates, review
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import centre, enrol_hub, sync


def test_same_woman_registered_twice_offline(tmp_path: Path) -> None:
    mgr, kw = centre(tmp_path)
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    folder = tmp_path / "usb"
    at_centre = add_woman(kw, "Mary", "Brown", born="01/01/1980")
    at_hub = add_woman(hub, "Mary", "Brown", born="01/01/1980")
    add_woman(hub, "Mary", "Brown", born="02/01/1980")  # another date of birth: not the same
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    expected = sorted([at_centre.reference, at_hub.reference])
    for ctx in (mgr, hub):
        twins = review.possible_duplicates(ctx)
        assert [sorted([t.first, t.second]) for t in twins] == [expected]
        assert review.status(ctx).possible_duplicates == 1
        with ctx.read() as session:
            count = session.connection().exec_driver_sql("SELECT count(*) FROM woman").one()[0]
        assert count == 3


def test_the_app_sees_both_records_side_by_side_with_where_each_was_registered(
    tmp_path: Path,
) -> None:
    mgr, kw = centre(tmp_path)
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    folder = tmp_path / "usb"
    at_centre = add_woman(kw, "Mary", "Brown", born="01/01/1980")
    at_hub = add_woman(hub, "Mary", "Brown", born="01/01/1980")
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    (twin,) = duplicates.possible_duplicates(mgr)
    sides = {s.reference: s for s in (twin.first, twin.second)}
    assert set(sides) == {at_centre.reference, at_hub.reference}
    here, there = sides[at_centre.reference], sides[at_hub.reference]
    assert here.woman_id == at_centre.id
    assert there.woman_id == duplicates.record_of(mgr, at_hub.reference)
    assert here.name == there.name == "Mary Brown" and here.born == there.born == "01/01/1980"
    assert here.registered.startswith("at centre (this store) on ")
    assert there.registered.startswith("at hub on ")
    assert duplicates.count(mgr) == 1 and duplicates.count(hub) == 1
    assert duplicates.record_of(mgr, "MIN-2099-99999") is None


def test_nothing_to_show_where_nothing_syncs(manager: Ctx) -> None:
    add_woman(manager, "Mary", "Brown", born="01/01/1980")
    add_woman(manager, "Mary", "Brown", born="01/01/1980", confirm_duplicate=True)
    assert duplicates.possible_duplicates(manager) == [] and duplicates.count(manager) == 0
