"""Crash battery: `kill -9` at random moments while contacts are logged, an import runs and a
return is exported. After every kill the store opens and verifies, every change the child
reported as committed is there with its audit entry, an import is wholly there or wholly
absent, and no half-written export sits under a final name.

Plain audited writes are covered by tests/store/test_crash_writes.py; this battery drives the
real services and CLI commands. The children are forked from a server that has already
imported caseapp, so each kill costs milliseconds, not a Python start-up. Set
CASEAPP_CRASH_SEED to replay a run; the seed is printed when a check fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import random
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import col, select

from caseapp import paths
from caseapp.models import (
    Activity,
    Assessment,
    AuditEvent,
    Engagement,
    ExportEvent,
    Flag,
    GroupAttendance,
    GroupSession,
    Outcome,
    Woman,
)
from caseapp.services import export_data, maintenance, returns
from caseapp.services.context import Ctx
from caseapp.services.demo import DEMO_PASSPHRASE, DEMO_USER, create_demo_store
from caseapp.services.returns_periods import parse_year
from caseapp.services.session import lock, unlock
from caseapp.services.users import create_first_manager
from caseapp.store import generations
from caseapp.store.keyslots import FAST_KDF, KeyFile
from caseapp.store.store import create_store

pytestmark = pytest.mark.slow

CONTACT_KILLS = 15
IMPORT_KILLS = 8
EXPORT_KILLS = 8
YEAR = "2025"  # the demo data's busiest financial year
IMPORTER, IMPORTER_PASS = "m", "pass phrase here"
TEMP_NAME = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp")

# Forked children start from a server that has imported these already.
PRELOAD = [
    "caseapp.cli.main",
    "caseapp.cli.import_cmd",
    "caseapp.cli.return_cmd",
    "caseapp.services.contacts",
    "caseapp.services.returns",
    "caseapp.services.interchange.load",
    __name__,
]


# -- the children (run in forked processes; they report through a pipe) ------------------


def _quiet(env: dict[str, str]) -> None:
    """Give the child its environment and send its own output nowhere."""
    os.environ.update(env)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def contacts_child(path: str, woman_ids: list[int], env: dict[str, str], out: Connection) -> None:
    """Log contacts through the service forever, reporting each id after its commit."""
    from caseapp.services.contacts import ContactInput, log_contact

    _quiet(env)
    ctx = unlock(Path(path), DEMO_USER, DEMO_PASSPHRASE).ctx
    out.send(("ready", 0))
    for n in count():
        note = f"crash battery contact {n}: talked through the plan " * 4
        entered = ContactInput(duration_minutes=30, note=note)
        info = log_contact(ctx, woman_ids[n % len(woman_ids)], entered)
        out.send(("committed", info.id))


def cli_child(argv: list[str], env: dict[str, str], out: Connection) -> None:
    """Run `caseapp ARGV` once through the real entry point; report its exit status."""
    from caseapp.cli.main import main

    _quiet(env)
    out.send(("ready", 0))
    out.send(("finished", main(argv)))


def export_loop_child(
    store: str, out_dir: str, first: int, env: dict[str, str], conn: Connection
) -> None:
    """Run `caseapp return` again and again (CSV, XLSX, JSON in turn from `first`) into the
    same places."""
    from caseapp.cli.main import main

    _quiet(env)
    conn.send(("ready", 0))
    for n in count(first):
        fmt, out = EXPORT_TARGETS[n % len(EXPORT_TARGETS)]
        argv = ["return", "--store", store, "--user", DEMO_USER, "--year", YEAR, "--force"]
        status = main([*argv, "--format", fmt, "--out", str(Path(out_dir) / out)])
        conn.send(("exported" if status == 0 else "failed", status))


# (format, --out inside the export folder): each writes to the same names every time.
EXPORT_TARGETS = (("csv", "csv"), ("xlsx", "ret-x.xlsx"), ("json", "ret-j.json"))


# -- running a child and killing it -------------------------------------------------------


@dataclass
class Run:
    """What a child said before it was killed (or finished)."""

    messages: list[tuple[str, Any]] = field(default_factory=list)
    killed: bool = False

    def values(self, kind: str) -> list[Any]:
        """The values of every message of `kind`."""
        return [value for what, value in self.messages if what == kind]


@pytest.fixture(scope="module")
def forkserver() -> Any:
    """A multiprocessing context whose children fork from a server with caseapp imported."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def run_and_kill(
    context: Any, target: Callable[..., None], args: tuple[Any, ...], after: float | None
) -> Run:
    """Start `target(*args, pipe)`; once it is ready, SIGKILL it `after` seconds later.

    `after=None` lets it run to the end. Waiting on the process with a timeout is the random
    moment: the kill lands wherever the child happens to be.
    """
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=target, args=(*args, writer), daemon=True)
    child.start()
    writer.close()
    run = Run()
    try:
        run.messages.append(reader.recv())  # ("ready", 0): imports and set-up are done
        child.join(timeout=after)
        if child.is_alive():
            child.kill()
            run.killed = True
        child.join()
        while reader.poll():
            run.messages.append(reader.recv())
    except EOFError:
        child.join()
    finally:
        reader.close()
    crashed = child.exitcode not in (0, -9)
    assert not crashed, f"the child failed by itself (exit {child.exitcode}): {run.messages[-3:]}"
    return run


# -- stores and checks ----------------------------------------------------------------------


def store_files(path: Path) -> list[Path]:
    """The store and the files that travel with it."""
    return [path, paths.key_file_path(path), paths.state_file_path(path)]


def copy_store(source: Path, target: Path) -> Path:
    """Copy a closed (checkpointed) store with its key and state files.

    Each copy starts the store's history afresh on this computer (as if on a new one):
    otherwise the second copy of one store would rightly be refused as an older copy.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    for src, dst in zip(store_files(source), store_files(target), strict=True):
        if src.exists():
            shutil.copy2(src, dst)
    store_id = KeyFile.load(paths.key_file_path(target)).store_id
    record = generations.state_dir() / generations.FILE_NAME
    if record.exists():
        seen = json.loads(record.read_text("utf-8"))
        kept = {k: v for k, v in seen.items() if k.split(" ")[0] != store_id}
        record.write_text(json.dumps(kept), "utf-8")
    return target


def this_computer() -> dict[str, str]:
    """The test's own state folder, so that its children and the test are one computer."""
    return {"CASEAPP_STATE_DIR": str(generations.state_dir())}


@contextlib.contextmanager
def opened(path: Path, username: str, passphrase: str) -> Iterator[Ctx]:
    """The store unlocked in this process, locked again afterwards (so a child may open it)."""
    ctx = unlock(path, username, passphrase).ctx
    try:
        yield ctx
    finally:
        lock(ctx)


def verified(path: Path, username: str, passphrase: str, seed: int) -> None:
    """`caseapp verify` passes: pages, structure and the audit chain."""
    report = maintenance.verify(path, username, passphrase)
    assert report.ok, f"seed {seed}: {report.summary} {report.lines}"


def audit_details(ctx: Ctx, action: str) -> list[dict[str, Any]]:
    """The detail of every audit entry of `action`."""
    with ctx.read() as session:
        stmt = select(col(AuditEvent.detail)).where(col(AuditEvent.action) == action)
        return [json.loads(detail or "{}") for detail in session.exec(stmt)]


def temp_files(folder: Path) -> list[Path]:
    """Temporary files (`.<name>.<random>.tmp`) anywhere under `folder`."""
    return [p for p in folder.rglob(".*.tmp") if TEMP_NAME.fullmatch(p.name)]


def seed() -> int:
    """The run's seed: $CASEAPP_CRASH_SEED or a fresh one (printed by failing checks)."""
    given = os.environ.get("CASEAPP_CRASH_SEED")
    return int(given) if given else random.SystemRandom().randrange(1 << 30)


@dataclass(frozen=True)
class Base:
    """Built once: a demo store, an empty store, the demo data as interchange files and the
    return's CSV files as a reference (the data do not change, so neither do they)."""

    demo: Path
    empty: Path
    interchange: Path
    reference_csv: dict[str, bytes]
    env: dict[str, str]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    """Build the shared stores and files with this module's own folders."""
    root = tmp_path_factory.mktemp("crash")
    env = {"CASEAPP_LOG_DIR": str(root / "log"), "HOME": str(root / "home")}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        demo = root / "demo" / "demo.db"
        demo.parent.mkdir()
        create_demo_store(demo, seed=11, kdf=FAST_KDF)
        with opened(demo, DEMO_USER, DEMO_PASSPHRASE) as ctx:
            export_data.export_data(ctx, root / "interchange")
            returns.export(ctx, parse_year(YEAR), "csv", root / "reference")
        empty = root / "empty" / "s.db"
        empty.parent.mkdir()
        store, _code = create_store(empty, IMPORTER, IMPORTER_PASS, kdf=FAST_KDF)
        create_first_manager(store, IMPORTER)
        store.close()
    reference = {p.name: p.read_bytes() for p in (root / "reference").glob("*.csv")}
    return Base(demo, empty, root / "interchange", reference, env)


# -- contacts ---------------------------------------------------------------------------------


def test_kill_while_logging_contacts_keeps_every_commit(
    forkserver: Any, base: Base, tmp_path: Path
) -> None:
    path = copy_store(base.demo, tmp_path / "contacts" / "demo.db")
    run_seed = seed()
    rng = random.Random(run_seed)
    with opened(path, DEMO_USER, DEMO_PASSPHRASE) as ctx, ctx.read() as session:
        open_cases = select(col(Woman.id)).where(col(Woman.status) != "closed")
        woman_ids = list(session.exec(open_cases.order_by(col(Woman.id)).limit(25)))
        first_new = (session.exec(select(func.max(Engagement.id))).one() or 0) + 1
    assert woman_ids

    reported: list[int] = []
    for kill in range(CONTACT_KILLS):
        after = rng.uniform(0.0, 0.8)
        env = {**base.env, **this_computer()}
        run = run_and_kill(forkserver, contacts_child, (str(path), woman_ids, env), after)
        assert run.killed
        reported += run.values("committed")

        verified(path, DEMO_USER, DEMO_PASSPHRASE, run_seed)
        with opened(path, DEMO_USER, DEMO_PASSPHRASE) as ctx:
            with ctx.read() as session:
                new = select(col(Engagement.id)).where(col(Engagement.id) >= first_new)
                present = set(session.exec(new))
            audited = {
                d["contact_id"]
                for d in audit_details(ctx, "contact_logged")
                if d["contact_id"] >= first_new
            }
        lost = sorted(set(reported) - present)
        assert not lost, f"seed {run_seed}, kill {kill}: reported committed but lost: {lost[:5]}"
        # A contact and its audit entry share one transaction: neither exists without the other.
        assert present == audited, f"seed {run_seed}, kill {kill}"
        # At most one commit per kill was on disk before the child could report it.
        assert len(present - set(reported)) <= kill + 1

    assert len(reported) >= CONTACT_KILLS, "the kills should land among many commits"
    # Every audited commit rewrote the key file atomically; the last unlock's write removed
    # any temporary key file a kill left half-written.
    assert temp_files(path.parent) == []


# -- an import ---------------------------------------------------------------------------------


def import_counts(path: Path) -> tuple[int, ...]:
    """How many rows of each kind an import writes, and how many imports were audited."""
    kinds = (Woman, Engagement, GroupSession, GroupAttendance, Assessment, Outcome, Activity, Flag)
    with opened(path, IMPORTER, IMPORTER_PASS) as ctx:
        with ctx.read() as session:
            rows = [session.exec(select(func.count()).select_from(kind)).one() for kind in kinds]
        return (*rows, len(audit_details(ctx, "data_imported")))


def test_kill_during_import_leaves_all_or_nothing(
    forkserver: Any, base: Base, tmp_path: Path
) -> None:
    env = {**base.env, **this_computer(), "CASEAPP_PASSPHRASE": IMPORTER_PASS}

    def argv(path: Path) -> list[str]:
        return ["import", "--store", str(path), "--user", IMPORTER, str(base.interchange)]

    # One import run to the end: what "wholly there" means, and how long an import takes.
    nothing = import_counts(base.empty)
    full_path = copy_store(base.empty, tmp_path / "full" / "s.db")
    started = time.perf_counter()
    finished = run_and_kill(forkserver, cli_child, (argv(full_path), env), None)
    took = time.perf_counter() - started
    assert finished.values("finished") == [0]
    full = import_counts(full_path)
    assert nothing[0] == 0 and full[0] > 0 and full[-1] == 1

    run_seed = seed()
    rng = random.Random(run_seed)
    for kill in range(IMPORT_KILLS):
        path = copy_store(base.empty, tmp_path / f"kill{kill}" / "s.db")
        run = run_and_kill(forkserver, cli_child, (argv(path), env), rng.uniform(0, took * 1.1))
        verified(path, IMPORTER, IMPORTER_PASS, run_seed)
        got = import_counts(path)
        assert got in (nothing, full), f"seed {run_seed}, kill {kill}: partial import {got}"
        if run.values("finished") == [0]:
            assert got == full


# -- return exports ---------------------------------------------------------------------------


def sha256(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_export_folder(out: Path, reference_csv: dict[str, bytes], where: str) -> None:
    """Only whole files under final names, and every manifest matches the files it lists."""
    for file in sorted(p for p in out.rglob("*") if p.is_file()):
        if file.name.startswith("."):
            assert TEMP_NAME.fullmatch(file.name), f"{where}: unexpected file {file}"
        elif file.suffix == ".csv":
            assert file.read_bytes() == reference_csv[file.name], f"{where}: {file} is not whole"
        elif file.suffix == ".xlsx":
            load_workbook(file, read_only=True).close()  # a cut-off zip would not open
        else:
            assert file.suffix == ".json", f"{where}: unexpected file {file}"
            json.loads(file.read_bytes())
    for manifest in out.rglob("*manifest.json"):
        for entry in json.loads(manifest.read_bytes())["files"]:
            listed = manifest.parent / entry["name"]
            assert listed.is_file(), f"{where}: {manifest.name} lists a missing {listed.name}"
            assert sha256(listed) == entry["sha256"], f"{where}: {listed} differs from manifest"


def export_records(path: Path) -> tuple[int, int]:
    """(return exports recorded, return_exported audit entries)."""
    with opened(path, DEMO_USER, DEMO_PASSPHRASE) as ctx:
        with ctx.read() as session:
            kind = col(ExportEvent.kind) == "return"
            events = session.exec(select(func.count()).select_from(ExportEvent).where(kind)).one()
        return events, len(audit_details(ctx, "return_exported"))


def test_kill_during_return_exports_leaves_no_partial_file(
    forkserver: Any, base: Base, tmp_path: Path
) -> None:
    path = copy_store(base.demo, tmp_path / "returns" / "demo.db")
    out = tmp_path / "exports"
    out.mkdir()
    env = {**base.env, **this_computer(), "CASEAPP_PASSPHRASE": DEMO_PASSPHRASE}
    events_before, _audited = export_records(path)
    run_seed = seed()
    rng = random.Random(run_seed)
    reported = 0
    for kill in range(EXPORT_KILLS):
        after = rng.uniform(0.0, 2.0)
        run = run_and_kill(forkserver, export_loop_child, (str(path), str(out), kill, env), after)
        assert run.killed and not run.values("failed")
        reported += len(run.values("exported"))

        verified(path, DEMO_USER, DEMO_PASSPHRASE, run_seed)
        events, audited = export_records(path)
        # Every export the command reported is recorded and audited, in one transaction.
        assert events - events_before >= reported, f"seed {run_seed}, kill {kill}"
        assert audited == events
        check_export_folder(out, base.reference_csv, f"seed {run_seed}, kill {kill}")

    # The next export of each target finishes and takes away the temporary files a kill left.
    for fmt, name in EXPORT_TARGETS:
        argv = ["return", "--store", str(path), "--user", DEMO_USER, "--year", YEAR, "--force"]
        argv += ["--format", fmt, "--out", str(out / name)]
        assert run_and_kill(forkserver, cli_child, (argv, env), None).values("finished") == [0]
    check_export_folder(out, base.reference_csv, f"seed {run_seed}, after the kills")
    assert temp_files(out) == [] and temp_files(path.parent) == []
    assert len(list(out.rglob("*manifest.json"))) == len(EXPORT_TARGETS)
