"""A PostgreSQL centre applies a bundle's changes with their look-ups read ahead in a few
statements and their log entries written together: the result is what the hub holds.

One bundle carries new women, their contacts, edits, a contact deleted and another logged
after the delete, so the batch crosses every point where held-back writes must reach the
store first (a delete reads and removes the log) and look-ups start again.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from caseapp.models import Engagement
from caseapp.services import audit, contacts
from caseapp.services.context import Ctx
from caseapp.store.keyslots import FAST_KDF
from caseapp.sync import exchange, pack
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.pg.conftest import PASSWORD
from tests.pg.test_sync_pg import KEYWORKER, centre, contents, ctx_on, set_phone  # noqa: F401

CODE = "TEST-CODE-AAAA-BBBB-CCCC"


def test_one_bundle_of_inserts_edits_and_a_delete_leaves_the_centre_as_the_hub(
    centre: tuple[Ctx, Ctx],  # noqa: F811
    pg_engine: Engine,
    tmp_path: Path,
) -> None:
    mgr, _kw = centre
    blob, _code, _hub = pack.enrol(mgr, [KEYWORKER], code=CODE, kdf=FAST_KDF)
    hub_store, _recovery, _counts = pack.join(
        blob, CODE, tmp_path / "hub" / "h.db", lambda _n: PASSWORD, kdf=FAST_KDF
    )
    hub = ctx_on(hub_store, KEYWORKER)
    jane, ann = add_woman(hub, "Jane", "Smith"), add_woman(hub, "Ann", "Jones")
    first = contacts.log_contact(hub, jane.id)
    contacts.log_contact(hub, ann.id)
    set_phone(hub, jane.reference, "07700 900002")
    with hub.write() as session:
        session.delete(session.get(Engagement, first.id))
        audit.record(session, hub, "contact_deleted", subject_id=jane.id)
    contacts.log_contact(hub, jane.id)  # after the delete, in the same bundle
    set_phone(hub, ann.reference, "07700 900003")
    usb = tmp_path / "usb"
    usb.mkdir()
    exchange.exchange(hub, usb)
    [bundle] = list(usb.iterdir())
    with pg_engine.connect() as conn:
        before = entries(conn)

    done = exchange.apply_bundle(mgr, bundle.read_bytes(), name=bundle.name)

    assert done is not None and done[1].dropped == 0 and done[1].applied > 0
    assert contents(hub_store) == contents(mgr.store)
    hub_store.close()
    with pg_engine.connect() as conn:
        logged = conn.exec_driver_sql("SELECT op, tbl FROM sync_change ORDER BY origin, seq").all()
        mapped = conn.exec_driver_sql(
            "SELECT count(*) FROM sync_row r JOIN engagement e ON e.id = r.local_id"
            " WHERE r.tbl = 'engagement'"
        ).scalar_one()
        added = entries(conn) - before
        bad = conn.exec_driver_sql("SELECT first_bad FROM caseapp_audit_verify()").scalar()
    # Every change applied is in the centre's log, in the hub's order; both contacts the
    # centre holds are mapped to their uids; the rows written were audited and chained.
    assert len(logged) == done[1].applied
    assert ("D", "engagement") in [tuple(row) for row in logged]
    assert mapped == 2
    assert added > 0 and bad is None


def entries(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT count(*) FROM auditevent").scalar_one())
