"""Rows for tests of assessments, plans, outcomes, groups and activities, written directly."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from itertools import count
from typing import Any

from sqlmodel import col, select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, OptionList
from textual.worker import WorkerFailed

from caseapp.app import CaseApp
from caseapp.models import AuditEvent, Hub, Woman
from caseapp.services.context import Ctx
from caseapp.services.validation import fold
from caseapp.store.store import Store

_numbers = count(1)


def add_woman(
    store: Store,
    first: str = "Jane",
    last: str = "Doe",
    *,
    keyworker_id: int | None = None,
    children: int | None = None,
    status: str = "active",
    preferred: str = "",
    reference: str | None = None,
) -> int:
    """Insert a woman straight into the store and return her id."""
    number = next(_numbers)
    with store.write() as session:
        woman = Woman(
            reference=reference or f"MIN-2026-{number:05d}",
            first_name=first,
            last_name=last,
            preferred_name=preferred,
            first_norm=fold(first),
            last_norm=fold(last),
            preferred_norm=fold(preferred),
            keyworker_id=keyworker_id,
            dependent_children=children,
            status=status,
        )
        session.add(woman)
        session.flush()
        assert woman.id is not None
        return woman.id


def reference_of(store: Store, woman_id: int) -> str:
    """Her case reference."""
    with store.read() as session:
        woman = session.get(Woman, woman_id)
        assert woman is not None
        return woman.reference


def add_hub(store: Store, code: str = "north", name: str = "North Hub") -> int:
    """Insert an active hub and return its id."""
    with store.write() as session:
        hub = Hub(code=code, name=name)
        session.add(hub)
        session.flush()
        assert hub.id is not None
        return hub.id


def audit_events(store: Store, action: str) -> list[tuple[int | None, str, dict[str, object]]]:
    """(subject_id, subject_ref, detail) of every audit entry with `action`, oldest first."""
    with store.read() as session:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == action).order_by(col(AuditEvent.seq))
        ).all()
        return [(r.subject_id, r.subject_ref, json.loads(r.detail)) for r in rows]


async def settle(pilot: Pilot[object]) -> None:
    """Let messages, workers and their replies finish (never a sleep).

    A worker that failed is not an error here: the app shows the failure, which is what
    the tests that refuse access look at.
    """
    for _ in range(2):
        await pilot.pause()
        with contextlib.suppress(WorkerFailed):
            await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@contextlib.asynccontextmanager
async def app_showing(ctx: Ctx, screen: Screen[Any]) -> AsyncIterator[Pilot[object]]:
    """Run the real app at 80x24, unlocked as `ctx`, with `screen` pushed over the home stack."""
    app = CaseApp(ctx.store.path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.ctx = ctx
        await app.push_screen(screen)
        await settle(pilot)
        try:
            yield pilot
        finally:
            app.ctx = None  # the store fixture closes the store, not the app


def screen_text(pilot: Pilot[object]) -> str:
    """Everything the current screen shows, as plain text (for asserting what a user sees)."""
    parts = []
    for widget in pilot.app.screen.query("Static, DataTable, OptionList"):
        if isinstance(widget, DataTable):
            parts.append(_table_text(widget))
        elif isinstance(widget, OptionList):
            parts.extend(
                str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)
            )
        else:
            parts.append(str(widget.render()))
    return "\n".join(parts)


def notices(pilot: Pilot[object]) -> list[str]:
    """The notifications shown so far (Textual keeps no public list of them)."""
    return [str(n.message) for n in pilot.app._notifications]


def _table_text(table: DataTable[Any]) -> str:
    return "\n".join(
        " ".join(str(cell) for cell in table.get_row_at(row)) for row in range(table.row_count)
    )
