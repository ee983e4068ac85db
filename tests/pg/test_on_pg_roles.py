"""tests/services/test_roles.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_roles import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_backup_managers_and_admins  # noqa: F821  (a backup is of a SQLCipher file)
