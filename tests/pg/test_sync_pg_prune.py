"""A PostgreSQL centre prunes its change log as a SQLCipher store does: entries the hub holds go
once a month old, the erasure stays, the floor is kept, and `sync prune` and status work there."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from caseapp.services import contacts, erasure
from caseapp.services.context import Ctx
from caseapp.sync import capture, exchange, prune, review
from tests.harness.clock import fixed_clock  # noqa: F401
from tests.harness.women import add_woman
from tests.pg.test_sync_pg import centre, enrolled_hub, id_on, set_phone  # noqa: F401


def test_a_postgresql_centre_prunes_what_its_hub_holds(
    centre: tuple[Ctx, Ctx],  # noqa: F811
    pg_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    day = [1_790_000_000.0]
    monkeypatch.setattr(capture, "clock", [lambda: day[0]])
    mgr, kw = centre
    jane = add_woman(kw, "Jane", "Smith")
    rose = add_woman(kw, "Rose", "Ayres", born="02/02/1982")
    hub_store, hub, usb = enrolled_hub(mgr, tmp_path)
    hub_jane = id_on(hub, jane.reference)
    contacts.log_contact(hub, hub_jane)
    set_phone(mgr, jane.reference, "07700 900003")
    erasure.erase(mgr, rose.reference, confirmation=rose.reference)
    for ctx in (hub, mgr, hub, mgr, hub):
        exchange.exchange(ctx, usb)
    log = review.status(mgr).log
    assert log is not None and log.entries >= 3 and log.prunable == 0 and log.erasures == 1

    day[0] += 31 * 86_400
    removed, after = review.prune_log(mgr)
    assert removed == log.entries - 1 and after.entries == 1 and after.erasures == 1
    with pg_engine.connect() as conn:
        kept = conn.exec_driver_sql("SELECT op FROM sync_change").scalars().all()
        floor = conn.exec_driver_sql(
            "SELECT count(*) FROM setting WHERE key LIKE %s", (prune.FLOOR_KEY + "%",)
        ).scalar_one()
        actions = conn.exec_driver_sql(
            "SELECT action FROM auditevent ORDER BY seq DESC LIMIT 1"
        ).scalar_one()
    assert kept == ["E"] and floor and actions == "sync_pruned"
    assert [p.behind for p in review.status(mgr).peers] == [False]
    # Work goes on both ways after pruning.
    set_phone(mgr, jane.reference, "07700 900004")
    for ctx in (mgr, hub):
        exchange.exchange(ctx, usb)
    with hub.read() as session:
        phone = (
            session.connection()
            .exec_driver_sql("SELECT phone FROM woman WHERE id = ?", (hub_jane,))
            .scalar_one()
        )
    assert phone == "07700 900004"
    hub_store.close()
