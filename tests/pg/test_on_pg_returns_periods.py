"""tests/services/test_returns_periods.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_returns_periods import *  # noqa: F403
