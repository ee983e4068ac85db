"""tests/services/test_returns_outcomes.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_returns_outcomes import *  # noqa: F403
