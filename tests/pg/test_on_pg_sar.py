"""tests/services/test_sar.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_sar import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_pack_holds_everything_about_her_and_nothing_about_others  # noqa: F821  (row triggers' entries too)
del test_a_reused_row_id_does_not_inherit_an_erased_womans_audit  # noqa: F821  (the same)
del test_cli_sar  # noqa: F821  (runs the CLI on the SQLCipher file; test_cli_pg.py runs it on both)
