"""The keyworker's day at scale: search as you type, opening a record, a caseload of 40.

    .venv/bin/python -m bench keyworker            # builds bench/out/keyworker/large.db once
    .venv/bin/python -m bench.bench_keyworker --fresh

On the demo provider's large store (20,000 women, 1,000,000 contacts) the caseapp service
call the screen makes is timed, then the very SQL it sent (captured from the engine) is
replayed on a plain, unencrypted SQLite copy of the same data: the ratio is what encryption,
the ORM and the audit entry cost. Targets: search ≤ 50 ms a keystroke (median),
opening a record ≤ 150 ms, a caseload of 40 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event, update
from sqlmodel import col, select

from bench.common import OUT_DIR, heading, machine_note, report, write_results
from bench.plain import SQLITE_VERSION, plain_connect, plain_copy
from caseapp.models import User, Woman
from caseapp.services import users
from caseapp.services.caseload import CaseloadQuery, caseload
from caseapp.services.context import Actor, Ctx
from caseapp.services.demo import DEMO_PASSPHRASE, DEMO_USER, create_demo_store
from caseapp.services.session import unlock
from caseapp.services.women import open_woman
from caseapp.store.keyslots import FAST_KDF

FOLDER = OUT_DIR / "keyworker"
CASELOAD = 40
BENCH_KEYWORKER = "bench.keyworker"
NAMES_TYPED = 12
RECORDS_OPENED = 25


def build(path: Path, fresh: bool) -> None:
    """The large demo store (built once; `--fresh` rebuilds it)."""
    if fresh:
        for suffix in ("", "-wal", "-shm", ".keys", ".state", ".lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if path.exists():
        print(f"  reusing {path} ({path.stat().st_size / 1e6:.0f} MB)")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    print("  building the large demo store (20,000 women, 1,000,000 contacts) ...", flush=True)
    started = time.perf_counter()
    # A fast KDF: unlocking is not what is measured here (bench_unlock measures it).
    create_demo_store(path, seed=2026, size="large", kdf=FAST_KDF)
    print(f"  built in {time.perf_counter() - started:.0f} s, {path.stat().st_size / 1e6:.0f} MB")


def keyworker_with_forty(manager: Ctx) -> Ctx:
    """A keyworker whose open caseload is exactly 40 women (taken from other caseloads)."""
    with manager.read() as session:
        user = session.exec(select(User).where(col(User.username) == BENCH_KEYWORKER)).first()
    if user is None:
        public = users.add_user(manager, BENCH_KEYWORKER, "keyworker", "bench-passphrase",
                                kdf=FAST_KDF)  # fmt: skip
        user_id = public.id
    else:
        assert user.id is not None
        user_id = user.id
    with manager.write() as session:
        held = session.exec(
            select(col(Woman.id)).where(
                col(Woman.keyworker_id) == user_id, col(Woman.status) != "closed"
            )
        ).all()
        if len(held) != CASELOAD:
            session.execute(update(Woman).where(col(Woman.keyworker_id) == user_id).values(
                keyworker_id=None))  # fmt: skip
            chosen = session.exec(
                select(col(Woman.id))
                .where(col(Woman.status) == "active")
                .order_by(col(Woman.id))
                .limit(CASELOAD)
            ).all()
            session.execute(
                update(Woman).where(col(Woman.id).in_(chosen)).values(keyworker_id=user_id)
            )
    return Ctx(manager.store, Actor(user_id, BENCH_KEYWORKER, "keyworker", BENCH_KEYWORKER))


@contextmanager
def captured_sql(ctx: Ctx) -> Iterator[list[tuple[str, Any]]]:
    """Collect every statement (with its parameters) the engine sends while inside."""
    statements: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        statements.append((statement, params))

    event.listen(ctx.store.engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(ctx.store.engine, "before_cursor_execute", listen)


def replay(plain: Any, statements: list[tuple[str, Any]]) -> float:
    """Run the same statements on plain SQLite, committed as durably as the store commits.

    A write (the audit entry of an open) is deleted again afterwards, untimed, so the same
    statements can be replayed.
    """
    started = time.perf_counter()
    plain.execute("BEGIN")
    wrote = False
    for statement, params in statements:
        if statement.strip().upper() in ("BEGIN", "COMMIT", "ROLLBACK"):
            continue
        wrote |= statement.lstrip().upper().startswith("INSERT")
        plain.execute(statement, params or ()).fetchall()
    plain.execute("COMMIT")
    took = time.perf_counter() - started
    if wrote:
        plain.execute("DELETE FROM auditevent WHERE rowid = last_insert_rowid()")
    return took


def measure(ctx: Ctx, plain: Any, calls: list[Callable[[], object]]) -> tuple[float, float]:
    """Median seconds of each call through caseapp, and of its SQL replayed on plain SQLite.

    Both sides get the same: two unmeasured warm-up runs, then one measured run per call.
    """
    for call in calls[:2]:
        # Warm both sides' caches, as a keyworker's second search would find them.
        with captured_sql(ctx) as statements:
            call()
        replay(plain, statements)
    ours: list[float] = []
    theirs: list[float] = []
    for call in calls:
        with captured_sql(ctx) as statements:
            started = time.perf_counter()
            call()
            ours.append(time.perf_counter() - started)
        theirs.append(replay(plain, statements))
    return statistics.median(ours), statistics.median(theirs)


def keystrokes(ctx: Ctx, rng: random.Random) -> list[str]:
    """What a keyworker types to find women: names letter by letter, a reference, a birth date."""
    with ctx.read() as session:
        women = session.exec(select(Woman).order_by(col(Woman.id))).all()
    typed: list[str] = []
    for woman in rng.sample(list(women), NAMES_TYPED):
        name = woman.last_name.lower()
        typed.extend(name[:n] for n in range(1, min(len(name), 6) + 1))
        typed.append(f"{woman.first_name.lower()} {name[:2]}")
    sample = women[len(women) // 2]
    typed.extend(sample.reference[:n] for n in (4, 9, 12, len(sample.reference)))
    if sample.date_of_birth:
        typed.append(sample.date_of_birth.strftime("%d/%m/%Y"))
    return typed


def main(argv: list[str] | None = None) -> int:
    """Build (once) the large store, then measure and compare; non-zero if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=FOLDER / "large.db")
    parser.add_argument("--fresh", action="store_true", help="rebuild the large store")
    args = parser.parse_args(argv)
    heading("Keyworker's day on 20,000 women and 1,000,000 contacts")
    machine_note()
    build(args.store, args.fresh)
    outcome = unlock(args.store, DEMO_USER, DEMO_PASSPHRASE)
    manager = outcome.ctx
    missed = False
    try:
        keyworker = keyworker_with_forty(manager)
        plain_path = args.store.with_name("plain.db")
        plain_path.unlink(missing_ok=True)
        manager.store.engine.dispose()  # fold the WAL in so the copy is whole
        # The same SQLite and pragmas as the store (WAL, an fsync at every commit), no key.
        plain = plain_connect(plain_copy(args.store, manager.store.data_key, args.store.parent))
        size = plain_path.stat().st_size / 1e6
        print(f"  plain SQLite {SQLITE_VERSION} copy: {size:.0f} MB")
        rng = random.Random(2026)
        typed = keystrokes(manager, rng)

        def searches(ctx: Ctx) -> list[Callable[[], object]]:
            return [partial(caseload, ctx, CaseloadQuery(search=t)) for t in typed]

        for who, ctx in (("manager, whole provider", manager), ("keyworker", keyworker)):
            ours, base = measure(ctx, plain, searches(ctx))
            ok = ours <= 0.050
            missed |= not ok
            report(f"search per keystroke ({who}, n={len(typed)})", ours * 1000, "ms", base * 1000,
                   target="<= 50 ms median", ok=ok)  # fmt: skip

        with manager.read() as session:
            ids = [i for i in session.exec(select(col(Woman.id)).order_by(col(Woman.id))) if i]
        opened: list[Callable[[], object]] = [
            partial(open_woman, manager, i) for i in rng.sample(list(ids), RECORDS_OPENED)
        ]
        ours, base = measure(manager, plain, opened)
        missed |= ours > 0.150
        report(f"open a woman's record (audited, n={RECORDS_OPENED})", ours * 1000, "ms",
               base * 1000, target="<= 150 ms", ok=ours <= 0.150)  # fmt: skip

        page = caseload(keyworker)
        assert len(page.rows) == CASELOAD, len(page.rows)
        ours, base = measure(keyworker, plain, [lambda: caseload(keyworker)] * 15)
        missed |= ours > 0.100
        report(f"caseload of {CASELOAD} (keyworker, by name)", ours * 1000, "ms", base * 1000,
               target="<= 100 ms", ok=ours <= 0.100)  # fmt: skip
        first = caseload(manager, CaseloadQuery(limit=200))
        ours, base = measure(manager, plain, [lambda: caseload(manager, CaseloadQuery())] * 9)
        report(f"manager's caseload, first {len(first.rows)} of the provider", ours * 1000, "ms",
               base * 1000)  # fmt: skip
        plain.close()
    finally:
        manager.store.close()
    write_results("keyworker")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
