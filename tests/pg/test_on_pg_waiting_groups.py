"""tests/services/test_waiting_groups.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_waiting_groups import *  # noqa: F403
