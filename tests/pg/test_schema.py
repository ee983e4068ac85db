"""The project's migrations on PostgreSQL give exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

import caseapp.models  # noqa: F401  (registers every table)
from caseapp.store import migrate


def test_migrated_schema_matches_models(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations differ on PostgreSQL: {diff}"


def test_template_is_at_head(pg_engine: Engine) -> None:
    assert migrate.current_revision(pg_engine) == migrate.head_revision()
