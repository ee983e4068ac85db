"""tests/services/test_incomplete_period.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_incomplete_period import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_the_command_line_needs_allow_incomplete  # noqa: F821  (runs the CLI on the SQLCipher file)
