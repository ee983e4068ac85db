"""tests/services/test_returns_metrics.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_returns_metrics import *  # noqa: F403
