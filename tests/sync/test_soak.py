"""Thirty simulated days: thousands of service-level edits on the centre and a hub, exchanged
every few days through shuffled, duplicated and split bundles, checked after every exchange."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from caseapp.sync import capture
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.sync.test_property import FIELDS, START_WOMEN, Op, World, _act, _check

DAYS = 30
EDITS_PER_DAY = 40  # on each side: 1,200 each over the month
KINDS = ("edit", "edit", "edit", "contact", "contact", "flag", "goal_status", "goal")


@pytest.mark.slow
def test_a_month_of_divergence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(30)
    day = [1_790_000_000.0]
    monkeypatch.setattr(capture, "clock", [lambda: day[0]])
    world = World(tmp_path)
    open_now: set[tuple[str, str]] = set()
    written: dict[tuple[str, str], dict[int, str]] = {}
    edits = 0
    for n in range(DAYS):
        day[0] += 86_400
        for woman, name in [(rng.randrange(START_WOMEN), rng.choice(FIELDS))] if n % 3 == 0 else []:
            for side in (0, 1):
                got = _act(world, Op(side, "edit", woman, name, 9), f"{n}s")
                assert got is not None
                written.setdefault(got[:2], {})[side] = got[2]
        for i in range(EDITS_PER_DAY * 2):
            op = Op(
                i % 2,
                rng.choice(KINDS),
                rng.randrange(START_WOMEN),
                rng.choice(FIELDS),
                rng.randrange(4),
            )
            got = _act(world, op, f"{n}.{i}")
            edits += 1
            if got is not None:
                written.setdefault(got[:2], {})[op.side] = got[2]
            if i % 25 == 24:
                world.snap_bundle(op.side)
        if n % 3 == 2:  # the laptop comes back to the centre every third day
            for side in (0, 1):
                world.snap_bundle(side)
            world.deliver(rng)
            world.deliver(rng)
            open_now = _check(world, written, open_now)
            written = {}
    assert edits >= 2_000
    for ctx in world.sides:
        ctx.store.close()
