"""Run Alembic in-process on a keyed connection, right after unlock.

Alembic is imported only when a store is behind (or new): an unlock of an up-to-date store
reads the store's revision with one query and compares it with the newest revision named in
`migrations/versions`, which saves loading Alembic (a few hundred ms) on every start.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"


_REVISION = re.compile(r'^revision: str = "([^"]+)"', re.MULTILINE)
_DOWN = re.compile(r'^down_revision: str \| None = (?:"([^"]+)"|None)', re.MULTILINE)


def alembic_config() -> Config:
    """An Alembic config pointing at the project's `migrations/` folder (no ini file)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision this caseapp knows (read from the scripts, without Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        found, down = _REVISION.search(text), _DOWN.search(text)
        if found:
            revisions.add(found.group(1))
        if down and down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    assert len(heads) == 1, f"migrations have {len(heads)} heads"
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The revision a store is at, or None for an empty store."""
    with engine.connect() as conn:
        try:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        # SQLite says OperationalError for a missing table, PostgreSQL ProgrammingError.
        except (OperationalError, ProgrammingError):
            return None  # no alembic_version table yet: a new store


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the store to `revision` (the head by default) in one transaction."""
    if revision == "head" and current_revision(engine) == head_revision():
        return
    from alembic import command

    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
