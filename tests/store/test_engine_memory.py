"""The engine's page caches stay within a fixed budget however many threads overlap."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Connection

from caseapp.store import engine as store_engine
from caseapp.store.engine import CACHE_KIB, EXTRA_CACHE_KIB, MAX_CONNECTIONS, make_engine


def _cache_kib(conn: Connection) -> int:
    """The connection's page cache, in KiB (SQLite reports a KiB budget as a negative)."""
    value = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    return -int(value)


def test_the_first_connection_has_the_main_cache_and_others_small_ones(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "s.db", os.urandom(32))
    try:
        with engine.connect() as first, engine.connect() as second, engine.connect() as third:
            assert _cache_kib(first) == CACHE_KIB
            assert _cache_kib(second) == _cache_kib(third) == EXTRA_CACHE_KIB
        held = [engine.connect() for _ in range(MAX_CONNECTIONS)]
        assert sorted(_cache_kib(c) for c in held).count(CACHE_KIB) == 1
        for conn in held:
            conn.close()
    finally:
        engine.dispose()


def test_the_worst_case_for_all_caches_is_far_below_the_old_one() -> None:
    budget = CACHE_KIB + (MAX_CONNECTIONS - 1) * EXTRA_CACHE_KIB
    assert budget <= 64 * 1024  # seven connections at 64 MiB each once made 448 MiB possible


def test_after_dispose_the_next_connection_takes_the_main_cache(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "s.db", os.urandom(32))
    try:
        with engine.connect() as first, engine.connect():
            assert _cache_kib(first) == CACHE_KIB
        engine.dispose()
        with engine.connect() as extra, engine.connect() as fresh:
            assert sorted([_cache_kib(extra), _cache_kib(fresh)]) == [
                EXTRA_CACHE_KIB,
                CACHE_KIB,
            ]
    finally:
        engine.dispose()


def test_a_one_off_connection_gets_the_main_cache(tmp_path: Path) -> None:
    conn = store_engine.raw_connect(tmp_path / "s.db", os.urandom(32))
    try:
        assert -conn.execute("PRAGMA cache_size").fetchone()[0] == CACHE_KIB
    finally:
        conn.close()
