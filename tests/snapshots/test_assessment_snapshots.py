"""Snapshots at 80x24: the assessment form, distance travelled and a group register.

Fixed names, references and dates, so every run draws the same screen. Regenerate with
`pytest tests/snapshots/test_assessment_snapshots.py --snapshot-update` after a deliberate
change, and look at the new SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen

from caseapp.modals.assessment_form import AssessmentForm
from caseapp.screens.distance import DistanceScreen
from caseapp.screens.register import RegisterScreen
from caseapp.services import assessments, group_register, groups, outcomes
from caseapp.services.assessments import ItemInput
from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle, unlock
from tests.harness.women import add_hub, insert_woman

TODAY = date(2026, 11, 24)
REGISTER = [
    ("Ama", "Owusu", "attended"),
    ("Bea", "Adams", "late"),
    ("Cat", "Brown", "attended"),
    ("Dee", "Clarke", "did_not_attend"),
    ("Eve", "Davis", "attended"),
    ("Fay", "Evans", "attended"),
    ("Gwen", "Fox", "attended"),
    ("[bold]Rosa[/bold]", "Díaz", "attended"),  # markup in a name is shown as typed
    ("Iris", "Hall", "late"),
    ("Jo", "King", "attended"),
    ("Kay", "Lowe", "did_not_attend"),
    ("Liz", "Moore", "attended"),
]


def _assessed_woman(ctx: Ctx) -> int:
    woman = insert_woman(ctx.store, "Ama", "Owusu", children=2, reference="MIN-2026-00042")
    record = assessments.record_assessment
    record(
        ctx,
        woman,
        kind="baseline",
        date=date(2026, 3, 2),
        items=[
            ItemInput("ACC", "high", 2),
            ItemInput("FIN", "medium", 4),
            ItemInput("MH", "high", 3),
            ItemInput("DA", "high", 2),
            ItemInput("PAR", "low", 7),
            ItemInput("SM", "none"),
        ],
    )
    record(
        ctx,
        woman,
        kind="review",
        date=date(2026, 6, 8),
        items=[
            ItemInput("ACC", "medium", 5),
            ItemInput("FIN", "medium", 4),
            ItemInput("MH", "medium", 5),
        ],
    )
    record(
        ctx,
        woman,
        kind="review",
        date=date(2026, 9, 14),
        items=[
            ItemInput("ACC", "low", 8),
            ItemInput("FIN", "high", 3),
            ItemInput("MH", "medium", 6),
            ItemInput("DA", "low", 7),
        ],
    )
    outcomes.record_outcomes(
        ctx, woman, kind="baseline", date=date(2026, 3, 2),
        answers={"felt_safe": 2, "health_wellbeing": 2, "parenting": 3},
    )  # fmt: skip
    outcomes.record_outcomes(
        ctx, woman, kind="review", date=date(2026, 9, 14),
        answers={"felt_safe": 4, "health_wellbeing": 3},
    )  # fmt: skip
    return woman


def _showing(ctx: Ctx, make: Callable[[], Screen[Any]]) -> Callable[[Pilot[object]], object]:
    async def run_before(pilot: Pilot[object]) -> None:
        await unlock(pilot)
        await pilot.app.push_screen(make())
        await settle(pilot)

    return run_before


def test_assessment_form(manager: Ctx, snap_compare: Callable[..., bool]) -> None:
    woman = _assessed_woman(manager)
    app = make_app(manager)
    # Partly filled in from the keyboard: ACC medium 6, ETE low 9, then a level for FIN.
    assert snap_compare(
        app,
        terminal_size=(80, 24),
        run_before=_showing(manager, lambda: AssessmentForm(woman)),
        press=["m", "6", "l", "9", "h"],
    )


def test_distance_travelled(manager: Ctx, snap_compare: Callable[..., bool]) -> None:
    woman = _assessed_woman(manager)
    app = make_app(manager)
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=_showing(manager, lambda: DistanceScreen(woman))
    )


def test_group_register(manager: Ctx, snap_compare: Callable[..., bool]) -> None:
    hub = add_hub(manager.store, "north", "North Hub")
    women = {
        insert_woman(manager.store, first, last, reference=f"MIN-2026-{i:05d}"): mark
        for i, (first, last, mark) in enumerate(REGISTER, start=101)
    }
    created = groups.create_session(manager, title="Healthy relationships", date=TODAY, hub_id=hub)
    sid = created.session.id
    group_register.add_to_register(manager, sid, list(women))
    group_register.mark_register(
        manager, sid, {wid: m for wid, m in women.items() if m != "attended"}
    )
    group_register.set_head_count(manager, sid, 3)
    app = make_app(manager)
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=_showing(manager, lambda: RegisterScreen(sid))
    )
