"""A caseload search can be stopped from another thread: before it starts, or while it runs."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event

from caseapp.services.cancel import Cancel, Cancelled
from caseapp.services.caseload import CaseloadQuery, caseload, search
from caseapp.services.context import Ctx
from tests.harness.women import add_woman


def test_a_cancelled_search_never_queries(manager: Ctx) -> None:
    add_woman(manager, "Jane", "Smith")
    cancel = Cancel()
    cancel.cancel()
    with pytest.raises(Cancelled):
        caseload(manager, CaseloadQuery(search="jan"), cancel=cancel)
    with pytest.raises(Cancelled):
        search(manager, "jan", cancel=cancel)
    # Without a token, or with a fresh one, the same search answers.
    assert [r.last_name for r in caseload(manager, CaseloadQuery(search="jan")).rows] == ["Smith"]
    assert len(caseload(manager, CaseloadQuery(search="jan"), cancel=Cancel()).rows) == 1


def test_cancel_from_another_thread_while_the_query_runs(manager: Ctx) -> None:
    add_woman(manager, "Jane", "Smith")
    cancel = Cancel()
    errors: list[BaseException] = []

    def ui_thread() -> None:
        try:
            cancel.cancel()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    def newer_keystroke(*_args: Any) -> None:
        # The UI thread cancels while the worker's statement is being sent.
        other = threading.Thread(target=ui_thread)
        other.start()
        other.join()

    event.listen(manager.store.engine, "before_cursor_execute", newer_keystroke)
    try:
        with pytest.raises(Cancelled):
            caseload(manager, CaseloadQuery(search="jan"), cancel=cancel)
    finally:
        event.remove(manager.store.engine, "before_cursor_execute", newer_keystroke)
    assert errors == []  # cancelling works on this engine's connection, and never raises
    # The connection went back to the pool fit for the next search.
    assert len(caseload(manager, CaseloadQuery(search="jan")).rows) == 1
