"""Three stores converge with the change log pruned as soon as every peer holds an entry.

Random work on the centre and two hubs (overlapping scopes, the shared woman's fields written on
both hubs unseen, south's women shared with north, unshared and shared again, between exchanges
or not, so each enters and leaves its scope, sometimes before it has reported holding her),
exchanges in random order, and pruning at every exchange with no waiting period: afterwards each
hub holds its scope exactly as the centre does, the three hold the same open conflicts, every
value written is current or held in a conflict, and a field written on both hubs with different
values is one conflict everywhere.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from caseapp.services import allocation, contacts
from caseapp.sync import prune
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.sync.kit import local_id
from tests.sync.test_prune import Three, _actions, _log
from tests.sync.test_three_stores import FIELDS, _edit, _refs

SIDES = ("centre", "north", "south")

actions = st.lists(
    st.tuples(
        st.sampled_from(SIDES),
        # "share": the centre shares one of south's women with north's keyworker, or stops
        # (she enters or leaves north's scope); "sync": that store exchanges now.
        st.sampled_from(("edit", "edit", "contact", "share", "sync", "sync")),
        st.integers(0, 4),  # which woman the side holds
        st.sampled_from(FIELDS),
    ),
    min_size=1,
    max_size=10,
)
rounds = st.lists(
    st.tuples(actions, st.sampled_from((*FIELDS, "")), st.randoms(use_true_random=False)),
    min_size=1,
    max_size=3,
)


def _toggle(world: Three, done: list[str]) -> None:
    """Share one of south's women with north's keyworker, or stop sharing her.

    Any number of times, between exchanges or not: a share ended and made again takes the uid
    of the one removed and is revived everywhere (three toggles of one woman, then the other).
    """
    ref = world.scope["south"][len(done) // 3 % 2]
    wid = local_id(world.mgr, ref)
    if ref in world.scope["north"]:
        allocation.unshare_woman(world.mgr, wid, world.north_person)
        world.scope["north"].remove(ref)
    else:
        allocation.share_woman(world.mgr, wid, world.north_person)
        world.scope["north"].append(ref)
    done.append(ref)


# No shrinking: each example builds three stores, and a failure prints its plan anyway.
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(plan=rounds)
def test_three_stores_converge_with_pruning(plan: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(prune, "KEEP_DAYS", 0)  # prune each entry as soon as every peer holds it
        world = Three(Path(tmp))
        shared: list[str] = []
        counter = 0
        for work, both, rng in plan:
            written: dict[tuple[str, str], dict[str, str]] = {}
            if both:  # the shared woman's field written on both hubs, neither seeing the other
                for side in ("north", "south"):
                    counter += 1
                    value = f"07{counter:06d}" if both == "phone" else f"both {counter}"
                    _edit(world.stores[side], world.shared, both, value)
                    written.setdefault((world.shared, both), {})[side] = value
            for side, kind, which, name in work:
                ctx = world.stores[side]
                if kind == "share":
                    # Now and then ended and made again (or made and ended) before anyone syncs.
                    for _ in range(1 + which % 2):
                        _toggle(world, shared)
                    continue
                if kind == "sync":
                    world.sync(side)
                    continue
                held = sorted(_refs(ctx))
                ref = held[which % len(held)]
                counter += 1
                if kind == "contact":
                    contacts.log_contact(ctx, local_id(ctx, ref))
                    continue
                value = f"07{counter:06d}" if name == "phone" else f"note {counter}"
                _edit(ctx, ref, name, value)
                written.setdefault((ref, name), {})[side] = value
            order = list(SIDES) * 2
            rng.shuffle(order)
            world.sync(*order)
            world.settle()
            world.check(written)
        world.settle()  # every store learns the others hold everything: the log empties
        for side, ctx in world.stores.items():
            assert _log(ctx)[0] == 0, side
        if counter or shared:  # something was written, so some store pruned it (audited)
            assert any("sync_pruned" in _actions(ctx) for ctx in world.stores.values())
        world.close()
