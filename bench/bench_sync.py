"""Sync: a bundle of 5,000 changes, the cost of capture, and enrolling from a large store.

    .venv/bin/python -m bench sync

Target: 5,000 changes applied in <= 30 s on two cores. Also measured: giving every row of the
large demo store (20,000 women, 1,000,000 contacts) its uid when it first enrols a hub, on a
copy of `bench/out/keyworker/large.db` when one has been built (`python -m bench keyworker`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert

from bench.common import OUT_DIR, heading, machine_note, report, write_results
from caseapp.models import Engagement
from caseapp.services import audit, users
from caseapp.services.context import Actor, Ctx
from caseapp.services.demo import DEMO_PASSPHRASE, DEMO_USER
from caseapp.services.women import create_woman
from caseapp.services.women_types import ReferralInput, WomanInput
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import create_store, open_store
from caseapp.sync import exchange, identity, pack

CHANGES = 5_000
WOMEN = 100
TARGET_SECONDS = 30.0
PASSPHRASE = "bench passphrase"


def _pair(folder: Path) -> tuple[Ctx, Ctx]:
    store, _code = create_store(folder / "c.db", "mgr", PASSPHRASE, kdf=FAST_KDF)
    users.create_first_manager(store, "mgr")
    mgr = Ctx(store, Actor(1, "mgr", "manager", "mgr"))
    kw = users.add_user(mgr, "kw", "keyworker", PASSPHRASE, kdf=FAST_KDF)
    assert kw.id is not None
    blob, code, _uid = pack.enrol(mgr, ["kw"], code="BENCH", kdf=FAST_KDF)
    hub_store, _r, _c = pack.join(blob, code, folder / "h.db", lambda _n: PASSPHRASE, kdf=FAST_KDF)
    return mgr, Ctx(hub_store, Actor(1, "kw", "keyworker", "kw"))


def work(hub: Ctx) -> None:
    """5,000 changes on the hub: new women, then contacts with them, in a few transactions."""
    ids = []
    for i in range(WOMEN):
        woman = create_woman(
            hub,
            WomanInput(
                first_name=f"Bench{i}",
                last_name="Sync",
                date_of_birth=date(1990, 1, 1),
                phone="07700 900000",
            ),
            ReferralInput(referral_date=date(2026, 11, 2), source="probation"),
            confirm_duplicate=True,
        )
        ids.append(woman.id)
    with hub.read() as session:
        made = int(
            session.connection().exec_driver_sql("SELECT count(*) FROM sync_change").one()[0]
        )
    rows = [
        {
            "woman_id": ids[n % WOMEN],
            "date": date(2026, 11, 1 + n % 20),
            "type": "one_to_one",
            "attendance": "attended",
            "delivery": "in_person",
            "keyworker_id": 1,
            "note": "x" * 80,
        }
        for n in range(CHANGES - made)
    ]
    for start in range(0, len(rows), 1000):
        with hub.write() as session:
            session.execute(insert(Engagement), rows[start : start + 1000])
            audit.record(session, hub, "bench_contacts", count=len(rows[start : start + 1000]))


def measure_apply(folder: Path) -> bool:
    mgr, hub = _pair(folder)
    work(hub)
    with hub.write() as session:
        conn = session.connection()
        me = exchange.me_of(conn)
        peer = exchange.peer_rows(conn)[0]
        started = time.perf_counter()
        blob, count, _h = exchange.make_bundle(session, me, peer)
        built = time.perf_counter() - started
        me.save(conn)
    report(f"bundle of {count:,} changes: built", built, "s")
    report("bundle size (compressed, sealed)", len(blob) / 1024, "KiB")
    started = time.perf_counter()
    done = exchange.apply_bundle(mgr, blob)
    took = time.perf_counter() - started
    assert done is not None and done[1].applied == count
    report(
        f"applying {count:,} changes",
        took,
        "s",
        target=f"<= {TARGET_SECONDS:.0f} s",
        ok=took <= TARGET_SECONDS,
    )
    mgr.store.close()
    hub.store.close()
    return took <= TARGET_SECONDS


def _insert_contacts(ctx: Ctx, woman_id: int, count: int) -> float:
    rows = [
        {"woman_id": woman_id, "date": date(2026, 11, 1), "type": "one_to_one",
         "attendance": "attended", "delivery": "in_person", "keyworker_id": 1, "note": "x" * 80}
        for _ in range(count)
    ]  # fmt: skip
    started = time.perf_counter()
    with ctx.write() as session:
        session.execute(insert(Engagement), rows)
        audit.record(session, ctx, "bench_contacts", count=count)
    return time.perf_counter() - started


def measure_capture(folder: Path) -> None:
    """The cost of capture: one unit of work inserting 10,000 contacts, synced and not."""
    mgr, hub = _pair(folder)
    plain, _code = create_store(folder / "p.db", "mgr", PASSPHRASE, kdf=FAST_KDF)
    users.create_first_manager(plain, "mgr")
    alone = Ctx(plain, Actor(1, "mgr", "manager", "mgr"))
    times = []
    for ctx in (alone, hub):
        woman = create_woman(
            ctx,
            WomanInput(first_name="Bench", last_name="Capture", date_of_birth=date(1990, 1, 1)),
            ReferralInput(referral_date=date(2026, 11, 2), source="probation"),
        )
        times.append(_insert_contacts(ctx, woman.id, 10_000))
    report("10,000 contacts in one write, with capture", times[1], "s", baseline=times[0])
    for ctx in (mgr, hub, alone):
        ctx.store.close()


def measure_uids(folder: Path) -> None:
    large = OUT_DIR / "keyworker" / "large.db"
    if not large.exists():
        print("  (no large store built: run `python -m bench keyworker` first)")
        return
    copy = folder / "large.db"
    shutil.copyfile(large, copy)
    shutil.copyfile(large.with_name("large.db.keys"), folder / "large.db.keys")
    # The copy shares the original's store id: record its generations in a folder of our own,
    # so opening it never makes the original look older on this computer.
    os.environ["XDG_DATA_HOME"] = str(folder / "data")
    opened = open_store(copy, DEMO_USER, DEMO_PASSPHRASE)
    try:
        started = time.perf_counter()
        with opened.store.write() as session:
            conn = session.connection()
            identity.become_centre(conn, "bench")
            rows = conn.exec_driver_sql("SELECT count(*) FROM sync_row").one()[0]
        took = time.perf_counter() - started
        report(f"uids for {rows:,} rows of the large store", took, "s")
        manager = Ctx(opened.store, Actor(opened.user_id or 1, DEMO_USER, "manager", DEMO_USER))
        started = time.perf_counter()
        blob, _code, _hub = pack.enrol(manager, ["kw.amina"], code="BENCH", kdf=FAST_KDF)
        took = time.perf_counter() - started
        report("enrolling a hub for kw.amina's caseload", took, "s")
        report("its enrolment pack", len(blob) / 1024 / 1024, "MiB")
    finally:
        opened.store.close()


def main(argv: list[str] | None = None) -> int:
    """Measure; non-zero when applying 5,000 changes takes longer than 30 s."""
    del argv
    heading("Sync: bundles between a hub and the centre")
    machine_note()
    with tempfile.TemporaryDirectory() as tmp:
        ok = measure_apply(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        measure_capture(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        measure_uids(Path(tmp))
    write_results("sync")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
