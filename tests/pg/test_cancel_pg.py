"""A superseded read on PostgreSQL is stopped on the server, not left to run to its end."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Engine, event, text
from sqlmodel import Session

from caseapp.services.cancel import Cancel, Cancelled


def test_cancel_stops_a_statement_running_on_the_server(pg_engine: Engine) -> None:
    cancel = Cancel()
    sent = threading.Event()
    outcome: list[str] = []

    def statement_sent(*_args: Any) -> None:
        sent.set()

    def read() -> None:
        try:
            with Session(pg_engine) as session, cancel.attached(session):
                session.execute(text("SELECT pg_sleep(30)"))
            outcome.append("finished")
        except Cancelled:
            outcome.append("cancelled")

    event.listen(pg_engine, "before_cursor_execute", statement_sent)
    worker = threading.Thread(target=read)
    started = time.monotonic()
    worker.start()
    try:
        assert sent.wait(timeout=30)
        while worker.is_alive():  # a request that reaches the server before the statement
            cancel.cancel()  # does nothing, so ask again until the read has stopped
            worker.join(timeout=0.05)
    finally:
        event.remove(pg_engine, "before_cursor_execute", statement_sent)
    assert outcome == ["cancelled"]
    assert time.monotonic() - started < 20  # stopped, not run to its 30 s end
