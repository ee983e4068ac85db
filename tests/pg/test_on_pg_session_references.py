"""tests/services/test_session_references.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_session_references import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_a_session_added_to_the_demo_continues_its_references  # noqa: F821  (the demo makes users by a SQLCipher-only store method)
