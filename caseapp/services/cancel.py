"""Stopping a read that a newer request has made pointless (search as you type).

The screen holds a `Cancel` for the read running in its worker thread; a newer keystroke
calls `cancel()` from the UI thread. While the read's statement runs, `cancel()` calls SQLite's
`interrupt()` on that connection (safe from another thread), so the query stops within a few
VM steps instead of finishing and being thrown away; the read then raises `Cancelled`. On
PostgreSQL it sends the server a cancel request for that connection instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from caseapp.errors import CaseappError


class Cancelled(CaseappError):
    """The read was stopped because a newer request replaced it."""

    def __init__(self) -> None:
        super().__init__("Stopped: a newer request replaced it.")


def _stop(connection: Any) -> None:
    """Stop the statement running on `connection`, whichever engine's it is."""
    interrupt = getattr(connection, "interrupt", None)
    if interrupt is not None:  # SQLite (SQLCipher): returns at once
        interrupt()
        return
    # psycopg: a cancel request goes to the server over a connection of its own; sent from a
    # thread so the UI thread never waits on the network. A statement finished meanwhile
    # ignores it.
    threading.Thread(target=_cancel_quietly, args=(connection,), daemon=True).start()


def _cancel_quietly(connection: Any) -> None:
    try:
        connection.cancel_safe(timeout=5.0)
    except Exception:  # noqa: BLE001 - an unanswered cancel leaves the read to finish
        return


class Cancel:
    """A one-shot token: `cancel()` from any thread stops the read it is attached to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._connection: Any = None

    @property
    def cancelled(self) -> bool:
        """Whether `cancel()` has been called."""
        return self._cancelled

    def cancel(self) -> None:
        """Stop the read now if it is running, or before it starts."""
        with self._lock:
            self._cancelled = True
            # Only while attached: once detached the connection may be serving another read.
            if self._connection is not None:
                _stop(self._connection)

    def check(self) -> None:
        """Raise `Cancelled` if cancelled (between steps of a read)."""
        if self._cancelled:
            raise Cancelled

    @contextmanager
    def attached(self, session: Session) -> Iterator[None]:
        """Let `cancel()` interrupt `session`'s connection while the block runs."""
        connection = session.connection().connection.dbapi_connection
        with self._lock:
            if self._cancelled:
                raise Cancelled
            self._connection = connection
        try:
            yield
        except DBAPIError as exc:
            if self._cancelled:
                raise Cancelled from exc
            raise
        finally:
            with self._lock:
                self._connection = None
        self.check()
