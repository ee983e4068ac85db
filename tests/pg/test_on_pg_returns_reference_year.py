"""tests/services/test_returns_reference_year.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_returns_reference_year import *  # noqa: F403
