"""tests/services/test_cancel.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_cancel import *  # noqa: F403
