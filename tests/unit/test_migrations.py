"""Migrations: one head, and the newest schema matches the models exactly."""

from __future__ import annotations

import os
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import caseapp.models  # noqa: F401
from caseapp.store import migrate
from caseapp.store.engine import make_engine


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


def test_models_match_migrations(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "m.db", os.urandom(32))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
