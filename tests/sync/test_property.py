"""Two stores from one enrolment diverge and exchange shuffled, duplicated, split bundles.

Afterwards: contents equal (ignoring local ids); each field written on both sides with different
values is exactly one open conflict on both; every value written is current or in a conflict;
audit chains verify; the month's return is identical from both stores. In half the examples each
store prunes its change log before each bundle it makes, with no waiting period.
"""

from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from caseapp.services import audit, contacts, flags, plans, returns, women
from caseapp.services.returns_periods import month_period
from caseapp.services.women import open_woman
from caseapp.services.women_types import as_input
from caseapp.sync import exchange, prune
from caseapp.sync.rows import uid_of
from tests.harness.clock import TODAY, fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import centre, contents, ctx_for, enrol_hub, local_id, open_conflicts

FIELDS = ("phone", "safe_contact_note", "preferred_name")
START_WOMEN = 4


@dataclass(frozen=True)
class Op:
    """One service-level action on one side."""

    side: int  # 0 the centre, 1 the hub
    kind: str
    woman: int
    field: str
    value: int


ops = st.builds(
    Op,
    side=st.integers(0, 1),
    kind=st.sampled_from(("edit", "edit", "edit", "contact", "flag", "goal", "goal_status", "add")),
    woman=st.integers(0, START_WOMEN - 1),
    field=st.sampled_from(FIELDS),
    value=st.integers(0, 3),
)
rounds = st.lists(
    st.tuples(
        st.lists(ops, min_size=1, max_size=14),
        st.lists(st.tuples(st.integers(0, START_WOMEN - 1), st.sampled_from(FIELDS)), max_size=2),
        st.randoms(use_true_random=False),
    ),
    min_size=1,
    max_size=3,
)


class World:
    """The centre (its keyworker and manager) and the hub enrolled from it."""

    def __init__(self, root: Path, *, prune_log: bool = False) -> None:
        self.prune_log = prune_log
        self.mgr, kw = centre(root)
        self.refs = [
            add_woman(kw, f"W{i}", "Smith", born=f"0{i + 1}/02/1990").reference
            for i in range(START_WOMEN)
        ]
        for ref in self.refs:
            plans.add_goal(
                kw, local_id(kw, ref), need_area="ACC", description="home", target_date="31/12/2026"
            )
        hub = enrol_hub(self.mgr, root, ["kw", "mgr"])
        self.sides = (kw, hub["kw"])
        self.managers = (self.mgr, hub["mgr"])
        self.bundles: list[list[bytes]] = [[], []]  # bundles waiting for side 0, side 1
        self.counter = 0

    def snap_bundle(self, side: int) -> None:
        ctx = self.sides[side]
        with ctx.write() as session:
            conn = session.connection()
            me = exchange.me_of(conn)
            if self.prune_log:  # every entry the other side holds goes at once
                prune.prune(conn, keep_days=0)
            for peer in exchange.peer_rows(conn):
                blob, _n, _h = exchange.make_bundle(session, me, peer)
                self.bundles[1 - side].append(blob)
            me.save(conn)

    def deliver(self, rng: random.Random) -> None:
        for side in (0, 1):
            # The newest first half the time: older bundles after newer must change nothing.
            pile = self.bundles[side] + rng.sample(
                self.bundles[side], k=len(self.bundles[side]) // 2
            )
            rng.shuffle(pile)
            for blob in pile:
                exchange.apply_bundle(self.managers[side], blob)
            self.bundles[side] = []
            self.snap_bundle(side)  # what it now holds, including what it just applied

    def field_value(self, side: int, ref: str, name: str) -> Any:
        return getattr(open_woman(self.sides[side], local_id(self.sides[side], ref)).woman, name)

    def goal_id(self, side: int, ref: str) -> int:
        ctx = self.sides[side]
        return plans.list_goals(ctx, local_id(ctx, ref))[0].id


def _act(world: World, op: Op, stamp: str) -> tuple[str, str, str] | None:
    ctx = world.sides[op.side]
    ref = world.refs[op.woman]
    wid = local_id(ctx, ref)
    if op.kind == "edit":
        world.counter += 1
        value = f"0{op.side}{op.value} {world.counter:06d}"  # a phone number is digits
        detail = open_woman(ctx, wid).woman
        changes: dict[str, Any] = {op.field: value}
        women.edit_woman(ctx, wid, replace(as_input(detail), **changes))
        return ref, op.field, value
    if op.kind == "contact":
        contacts.log_contact(ctx, wid)
    elif op.kind == "flag":
        active = [f for f in flags.flag_history(ctx, wid) if f.cleared_on is None]
        if active:
            flags.clear_flag(ctx, active[0].id, "settled")
        else:
            flags.raise_flag(ctx, wid, "marac", f"reason {op.value}")
    elif op.kind == "goal":
        plans.add_goal(
            ctx, wid, need_area="ETE", description=f"goal {op.value}", target_date="31/12/2026"
        )
    elif op.kind == "goal_status":
        status = ("open", "achieved", "partly_achieved", "not_achieved")[op.value]
        plans.set_goal_status(ctx, world.goal_id(op.side, ref), status)
    elif op.kind == "add":
        add_woman(ctx, f"New{op.value}", "Person", born="03/03/1993", confirm_duplicate=True)
    return None


def _check(
    world: World, written: dict[tuple[str, str], dict[int, str]], open_before: set[tuple[str, str]]
) -> set[tuple[str, str]]:
    c, h = (ctx.store for ctx in world.sides)
    assert contents(c) == contents(h)
    conflicts = open_conflicts(c)
    assert conflicts == open_conflicts(h)
    with world.mgr.read() as session:
        uid_to_ref = {
            uid_of(session.connection(), "woman", local_id(world.mgr, ref)): ref
            for ref in world.refs
        }
    found = {(uid_to_ref.get(u, u), f) for t, u, f, _s in conflicts if t == "woman"}
    clash = {k for k, sides in written.items() if len(sides) == 2 and sides[0] != sides[1]}
    expected = {k for k in open_before if k not in written} | clash
    assert found == expected
    for (ref, name), sides in written.items():
        current = world.field_value(0, ref, name)
        assert current == world.field_value(1, ref, name)
        in_conflict = {
            str(v["value"])
            for t, u, f, s in conflicts
            if uid_to_ref.get(u) == ref and f == name
            for v in json.loads(s)
        }
        for value in sides.values():
            assert value == current or value in in_conflict
    for ctx in world.managers:
        assert audit.verify_chain(ctx.store).ok
    period = month_period(TODAY.year, TODAY.month)
    figures = [returns.compute(m, period) for m in world.managers]
    assert (figures[0].headline, figures[0].tables) == (figures[1].headline, figures[1].tables)
    return found


# No shrinking: each example builds two stores, and a failure prints its plan anyway.
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(plan=rounds, prune_log=st.booleans())
def test_two_stores_converge(plan: list[Any], prune_log: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp), prune_log=prune_log)
        open_now: set[tuple[str, str]] = set()
        for n, (actions, same_field, rng) in enumerate(plan):
            written: dict[tuple[str, str], dict[int, str]] = {}
            for woman, name in same_field:
                for side in (0, 1):
                    got = _act(world, Op(side, "edit", woman, name, 9), f"{n}s")
                    assert got is not None
                    written.setdefault(got[:2], {})[side] = got[2]
            for i, op in enumerate(actions):
                got = _act(world, op, f"{n}.{i}")
                if got is not None:
                    written.setdefault(got[:2], {})[op.side] = got[2]
                if i % 5 == 4:
                    world.snap_bundle(op.side)  # bundles are split across the round
            for side in (0, 1):
                world.snap_bundle(side)
            world.deliver(rng)
            world.deliver(rng)
            open_now = _check(world, written, open_now)
        if prune_log:  # something was pruned somewhere
            floors = []
            for ctx in world.managers:
                with ctx.read() as session:
                    floors.append(prune.floor(session.connection()))
            assert any(floors)
        for ctx in world.sides:
            ctx.store.close()


def test_ctx_for_finds_hub_people(tmp_path: Path) -> None:
    mgr, _kw = centre(tmp_path)
    hub = enrol_hub(mgr, tmp_path, ["kw"])
    assert ctx_for(hub["kw"].store, "kw").actor.role == "keyworker"
