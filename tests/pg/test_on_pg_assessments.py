"""tests/services/test_assessments.py run on a PostgreSQL store (fixtures: tests/pg/conftest.py)."""

from tests.services.test_assessments import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_keyworker_only_her_own_women  # noqa: F821  (RLS hides her assessment: NotFound)
