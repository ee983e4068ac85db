"""tests/services/test_activities.py run on a PostgreSQL store (fixtures: tests/pg/conftest.py)."""

from tests.services.test_activities import *  # noqa: F403
