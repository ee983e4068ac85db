"""tests/services/test_plans.py run on a PostgreSQL store (fixtures: tests/pg/conftest.py)."""

from tests.services.test_plans import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_keyworker_cannot_touch_another_caseload  # noqa: F821  (RLS hides her goal: NotFound)
