"""tests/services/test_returns_breakdowns.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_returns_breakdowns import *  # noqa: F403
