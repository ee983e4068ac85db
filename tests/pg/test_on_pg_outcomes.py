"""tests/services/test_outcomes.py run on a PostgreSQL store (fixtures: tests/pg/conftest.py)."""

from tests.services.test_outcomes import *  # noqa: F403
