"""Three stores: the centre and two hubs whose scopes overlap (a woman shared across them).

Hubs meet only through the centre, which relays their changes. After random work on every
store and exchanges in random order, each hub holds exactly its scope, its records equal the
centre's, a field written on two hubs is one conflict on all three, and the centre holds every
contact logged anywhere once.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from caseapp.services import allocation, audit, contacts, users, women
from caseapp.services.context import Actor, Ctx
from caseapp.services.women import open_woman
from caseapp.services.women_types import as_input
from caseapp.store.keyslots import FAST_KDF
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.sync.kit import PASSPHRASE, centre, contents, enrol_hub, local_id, open_conflicts, sync

FIELDS = ("phone", "safe_contact_note", "preferred_name")


def _edit(ctx: Ctx, reference: str, name: str, value: str) -> None:
    wid = local_id(ctx, reference)
    detail = open_woman(ctx, wid).woman
    changes: dict[str, Any] = {name: value}
    women.edit_woman(ctx, wid, replace(as_input(detail), **changes))


def _refs(ctx: Ctx) -> set[str]:
    with ctx.read() as session:
        return {
            str(r[0]) for r in session.connection().exec_driver_sql("SELECT reference FROM woman")
        }


def _restricted(full: dict[str, dict[str, Any]], owners: set[str]) -> dict[str, dict[str, Any]]:
    """The rows of `full` a hub holding these women (and every group and activity) holds."""
    out: dict[str, dict[str, Any]] = {}
    for table, rows in full.items():
        if table in ("groupsession", "activity"):
            out[table] = rows
        elif table == "woman":
            out[table] = {u: r for u, r in rows.items() if u in owners}
        elif table == "assessmentitem":
            held = set(out.get("assessment", {}))
            out[table] = {u: r for u, r in rows.items() if r["assessment_id"] in held}
        else:
            out[table] = {u: r for u, r in rows.items() if r.get("woman_id") in owners}
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_three_stores_converge(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    mgr, kw1 = centre(tmp_path)
    made = users.add_user(mgr, "kw2", "keyworker", PASSPHRASE, kdf=FAST_KDF)
    assert made.id is not None
    kw2 = Ctx(mgr.store, Actor(made.id, "kw2", "keyworker", "kw2"))
    own1 = [add_woman(kw1, f"One{i}", "Smith", born=f"0{i + 1}/01/1990") for i in range(2)]
    own2 = [add_woman(kw2, f"Two{i}", "Jones", born=f"0{i + 1}/02/1991") for i in range(2)]
    shared = add_woman(kw1, "Both", "Khan", born="05/05/1985")
    allocation.share_woman(kw1, shared.id, made.id)
    hub1 = enrol_hub(mgr, tmp_path, ["kw"], label="north")["kw"]
    hub2 = enrol_hub(mgr, tmp_path, ["kw2"], label="south")["kw2"]
    stores = {"centre": mgr, "north": hub1, "south": hub2}
    scope = {
        "centre": [w.reference for w in (*own1, *own2, shared)],
        "north": [w.reference for w in (*own1, shared)],
        "south": [w.reference for w in (*own2, shared)],
    }
    folder = tmp_path / "share"
    logged = 0
    counter = 0
    for round_ in range(3):
        written: dict[tuple[str, str], dict[str, str]] = {}
        # The shared woman's phone is written on both hubs: one conflict everywhere.
        for side in ("north", "south"):
            counter += 1
            value = f"07{counter:06d}"
            _edit(stores[side], shared.reference, "phone", value)
            written.setdefault((shared.reference, "phone"), {})[side] = value
        for _ in range(rng.randint(5, 15)):
            side = rng.choice(list(stores))
            ref = rng.choice(scope[side])
            if rng.random() < 0.5:
                contacts.log_contact(stores[side], local_id(stores[side], ref))
                logged += 1
            else:
                counter += 1
                name = rng.choice(FIELDS)
                value = f"07{counter:06d}" if name == "phone" else f"note {counter}"
                _edit(stores[side], ref, name, value)
                written.setdefault((ref, name), {})[side] = value
        order = ["north", "south", "centre"] * 2
        rng.shuffle(order)
        for side in [*order, "north", "south", "centre", "north", "south"]:
            sync(stores[side], folder)

        full = contents(mgr.store)
        with mgr.read() as session:
            uid = {
                ref: str(
                    session.connection()
                    .exec_driver_sql(
                        "SELECT uid FROM sync_row WHERE tbl = 'woman' AND local_id = ?",
                        (local_id(mgr, ref),),
                    )
                    .one()[0]
                )
                for ref in scope["centre"]
            }
        every = open_conflicts(mgr.store)
        for side in ("north", "south"):
            held = {uid[r] for r in scope[side]}
            assert _refs(stores[side]) == set(scope[side]), f"round {round_}: {side}"
            assert contents(stores[side].store) == _restricted(full, held)
            mine = {c for c in every if c[1] in held}
            assert open_conflicts(stores[side].store) == mine
        phone = [c for c in every if c[1] == uid[shared.reference] and c[2] == "phone"]
        assert len(phone) == 1
        for (ref, name), by_side in written.items():
            current = getattr(open_woman(mgr, local_id(mgr, ref)).woman, name)
            held = {
                str(s["value"])
                for c in every
                if c[1] == uid[ref] and c[2] == name
                for s in json.loads(c[3])
            }
            for value in by_side.values():
                assert value == current or value in held
        assert len(full["engagement"]) == logged
        for ctx in stores.values():
            assert audit.verify_chain(ctx.store).ok
