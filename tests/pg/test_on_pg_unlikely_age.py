"""tests/services/test_unlikely_age.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_unlikely_age import *  # noqa: F403
