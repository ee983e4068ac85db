"""Two offline registrations of what looks like one woman become a possible-duplicate item on
both stores; sync never merges them."""

from __future__ import annotations

from pathlib import Path

from caseapp.sync import review
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
