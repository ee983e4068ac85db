"""Sync's capture hook, once loaded, leaves a PostgreSQL store's sessions alone."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlmodel import Session

import caseapp.sync  # noqa: F401  (registers the session hooks, as the command line does)


def test_sessions_on_postgresql_work_with_sync_loaded(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1
        session.commit()
