"""Three stores converge with the change log pruned as soon as every peer holds an entry.

Random work on the centre and two hubs (overlapping scopes, the shared woman's fields written
on both hubs unseen), exchanges in random order, and pruning at every exchange with no waiting
period: afterwards each hub holds its scope exactly as the centre does, the three hold the same
open conflicts, every value written is current or held in a conflict, and a field written on
both hubs with different values is one conflict everywhere.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from caseapp.services import contacts
from caseapp.sync import prune
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.sync.kit import local_id
from tests.sync.test_prune import Three, _actions, _log
from tests.sync.test_three_stores import FIELDS, _edit

SIDES = ("centre", "north", "south")

actions = st.lists(
    st.tuples(
        st.sampled_from(SIDES),
        st.sampled_from(("edit", "edit", "contact")),
        st.integers(0, 4),  # which woman of the side's scope
        st.sampled_from(FIELDS),
    ),
    min_size=1,
    max_size=8,
)
rounds = st.lists(
    st.tuples(actions, st.sampled_from((*FIELDS, "")), st.randoms(use_true_random=False)),
    min_size=1,
    max_size=3,
)


# No shrinking: each example builds three stores, and a failure prints its plan anyway.
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(plan=rounds)
def test_three_stores_converge_with_pruning(plan: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(prune, "KEEP_DAYS", 0)  # prune each entry as soon as every peer holds it
        world = Three(Path(tmp))
        counter = 0
        made = 0
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
                ref = world.scope[side][which % len(world.scope[side])]
                counter += 1
                made += 1
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
        assert "sync_pruned" in _actions(world.mgr)
        world.close()
