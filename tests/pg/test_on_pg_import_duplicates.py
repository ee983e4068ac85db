"""tests/services/test_import_duplicates.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_import_duplicates import *  # noqa: F403
