"""tests/services/test_groups.py run on a PostgreSQL store (fixtures: tests/pg/conftest.py)."""

from tests.services.test_groups import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_keyworker_registers_only_women_she_may_see  # noqa: F821  (RLS hides the others' rows)
del test_update_session_and_list_search  # noqa: F821  (to do: needs a SQLCipher-only store method)
