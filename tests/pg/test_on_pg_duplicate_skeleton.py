"""tests/services/test_duplicate_skeleton.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_duplicate_skeleton import *  # noqa: F403
