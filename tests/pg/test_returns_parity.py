"""The return's SQL gives the same figures on PostgreSQL as on SQLCipher, row for row."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from caseapp.services import returns_sql
from caseapp.services.returns_periods import Period
from caseapp.store.store import Store
from tests.export import return_sample
from tests.fixtures import reference_year
from tests.pg.copy import copy_rows


def same_figures(store: Store, pg_engine: Engine, period: Period) -> returns_sql.Figures:
    copied = copy_rows(store.engine, pg_engine)
    assert copied["woman"] > 0
    with store.engine.connect() as conn:
        on_sqlite = returns_sql.figures(conn, period.start, period.end)
    with pg_engine.connect() as conn:
        on_postgres = returns_sql.figures(conn, period.start, period.end)
    assert on_postgres == on_sqlite
    return on_postgres


def test_reference_year_is_the_same_on_postgresql(
    new_store: Callable[[], Store], pg_engine: Engine
) -> None:
    store = new_store()
    try:
        reference_year.build(store)
        found = same_figures(store, pg_engine, reference_year.YEAR)
    finally:
        store.close()
    for code, expected in reference_year.EXPECTED.items():
        if code in found.headline:
            assert found.headline[code] == expected, code


def test_golden_sample_is_the_same_on_postgresql(
    new_store: Callable[[], Store], pg_engine: Engine
) -> None:
    store = new_store()
    try:
        return_sample.build(store)
        found = same_figures(store, pg_engine, return_sample.PERIOD)
    finally:
        store.close()
    # The sample has women of every age band, so the age arithmetic is exercised.
    assert sum(found.breakdowns["women_supported"]["age_band"].values()) > 0
