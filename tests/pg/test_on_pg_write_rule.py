"""tests/services/test_write_rule.py on a PostgreSQL store (tests/pg/conftest.py)."""

from tests.services.test_write_rule import *  # noqa: F403

# Left out on PostgreSQL (see docs/postgresql.md, "Services on both engines"):
del test_a_refusal_after_a_write_is_audited_and_the_write_rolled_back  # noqa: F821  (her login may not write hubs; no key file audit head)
