"""tests/services/test_flags.py run on a PostgreSQL store (fixtures: tests/pg/conftest.py)."""

from tests.services.test_flags import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_flags_of_another_keyworkers_woman  # noqa: F821  (RLS hides her flag: NotFound, not a refusal)
