"""tests/services/test_caseload.py run on a PostgreSQL store (fixtures: tests/pg/conftest.py)."""

from tests.services.test_caseload import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_search_uses_the_name_indexes  # noqa: F821  (reads SQLite's query plan)
del test_open_cases_are_found_through_the_name_and_keyworker_indexes  # noqa: F821  (the same)
