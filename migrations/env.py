"""Alembic environment: runs in-process on the already-keyed connection caseapp passes in."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import caseapp.models  # noqa: F401  (registers every table on SQLModel.metadata)

target_metadata = SQLModel.metadata
config = context.config


def run() -> None:
    """Run migrations on `config.attributes["connection"]`; there is no URL, no key in a file."""
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("caseapp migrations run in-process only: use caseapp.store.migrate")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
