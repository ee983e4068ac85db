"""tests/services/test_women.py run on a PostgreSQL store (fixtures: tests/pg/conftest.py)."""

from tests.services.test_women import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_creation_is_audited_with_field_names_only  # noqa: F821  (the row triggers add entries too)
