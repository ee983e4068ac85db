"""tests/services/test_contacts.py run on a PostgreSQL store (fixtures: tests/pg/conftest.py)."""

from tests.services.test_contacts import *  # noqa: F403
