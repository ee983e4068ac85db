"""tests/services/test_erasure.py on a PostgreSQL store (tests/pg/conftest.py)."""

import json

from sqlmodel import col, select

from caseapp.models import AuditEvent
from caseapp.services import audit, erasure
from caseapp.services.context import Ctx
from tests.harness.women import insert_woman_with_every_record
from tests.services.test_erasure import *  # noqa: F403
from tests.services.test_erasure import MARKER

# Left out on PostgreSQL (see docs/postgresql.md, "Erasure on PostgreSQL"):
del test_no_trace_in_pages_or_wal  # noqa: F821  (SQLCipher pages and WAL frames)
del test_tombstone_names_no_one_and_chain_stays_whole  # noqa: F821  (no tombstone key: no digest)
del test_cli_erase_with_yes_and_with_typed_confirmation  # noqa: F821  (CLI on the SQLCipher file)
del test_a_reference_without_cascade_stops_the_erasure  # noqa: F821  (a login may not create tables)


def test_on_postgresql_the_tombstone_names_no_one_and_keeps_no_digest(manager: Ctx) -> None:
    wid = insert_woman_with_every_record(manager, "MIN-2026-00001", marker=MARKER)
    result = erasure.erase(manager, "MIN-2026-00001", confirmation="MIN-2026-00001")
    assert result.scrubbed  # nothing for caseapp to finish: the server vacuums its own pages
    with manager.read() as session:
        tomb = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "erased")).one()
    assert tomb.subject_ref == "" and tomb.subject_id == wid
    assert MARKER not in tomb.detail and "MIN-2026-00001" not in tomb.detail
    detail = json.loads(tomb.detail)
    assert detail["reason"] == "request" and "reference_hmac" not in detail
    assert detail["removed"]["woman"] == 1
    assert audit.verify_chain(manager.store).ok
