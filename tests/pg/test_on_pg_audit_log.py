"""tests/services/test_audit_log.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_audit_log import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_filters  # noqa: F821  (counts the services' entries; the row triggers add their own)
del test_who_may_read_the_log  # noqa: F821  (the same)
del test_cli_audit  # noqa: F821  (runs the CLI on the SQLCipher file; test_cli_pg.py runs it on both)
