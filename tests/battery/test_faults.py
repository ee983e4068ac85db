"""Faults: a full disk, a read-only store, two instances and a clock moved backwards each give a
clear message and lose nothing."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseapp.clock import FrozenClock
from caseapp.errors import ExportError, StoreWriteFailed
from caseapp.models import Hub
from caseapp.services import audit
from caseapp.services.context import Actor, Ctx
from caseapp.services.session import lock, unlock
from caseapp.services.users import create_first_manager
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import create_store

PASS = "pass phrase here"


def _make(path: Path) -> None:
    store, _ = create_store(path, "m", PASS, kdf=FAST_KDF)
    create_first_manager(store, "m")
    store.close()


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file or folder unwritable even for root (chattr +i), or skip."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)]).returncode != 0:
        pytest.skip("cannot make a path read-only for root here")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def _count_hubs(path: Path) -> int:
    outcome = unlock(path, "m", PASS)
    try:
        with outcome.ctx.read() as session:
            return len(list(session.exec(__import__("sqlmodel").select(Hub))))
    finally:
        lock(outcome.ctx)


WRITER = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from caseapp.errors import CaseappError
    from caseapp.models import Hub
    from caseapp.services import audit
    from caseapp.services.session import unlock
    outcome = unlock(Path(sys.argv[1]), "m", sys.argv[2])
    ctx = outcome.ctx
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = Path(sys.argv[1]).stat().st_size + 300_000
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    n = 0
    try:
        while n < 10_000:
            with ctx.write() as s:
                s.add(Hub(code=f"hub{n}", name="x" * 2000))
                audit.record(s, ctx, "hub_added")
            print(f"committed {n}", flush=True)
            n += 1
    except CaseappError as exc:
        print(f"error: {exc}", flush=True)
    """
)


def test_full_disk_during_writes_is_clear_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s" / "c.db"
    _make(path)
    result = subprocess.run(
        [sys.executable, "-c", WRITER, str(path), PASS],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stdout.splitlines()
    committed = [line for line in lines if line.startswith("committed")]
    assert lines and lines[-1].startswith("error: The disk is full"), result.stdout[-500:]
    assert "Traceback" not in result.stderr
    # After the disk has room again: the store opens, verifies, and every commit is there.
    assert _count_hubs(path) >= len(committed)
    outcome = unlock(path, "m", PASS)
    try:
        assert audit.verify_chain(outcome.ctx.store).ok
    finally:
        lock(outcome.ctx)


def test_read_only_store_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "s" / "c.db"
    _make(path)
    before = path.read_bytes()
    with read_only(path), pytest.raises(StoreWriteFailed, match="read-only"):
        unlock(path, "m", PASS)
    assert path.read_bytes() == before
    assert _count_hubs(path) == 0


def test_read_only_folder_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "s" / "c.db"
    _make(path)
    (path.parent / "c.db.lock").unlink()
    with read_only(path.parent), pytest.raises(StoreWriteFailed, match="cannot write"):
        unlock(path, "m", PASS)


def test_write_after_store_becomes_read_only_keeps_earlier_work(tmp_path: Path) -> None:
    path = tmp_path / "s" / "c.db"
    _make(path)
    outcome = unlock(path, "m", PASS)
    ctx = Ctx(outcome.ctx.store, Actor(1, "m", "manager"))
    with ctx.write() as s:
        s.add(Hub(code="kept", name="Kept hub"))
    lock(ctx)
    assert _count_hubs(path) == 1


# -- a full disk during a return export and during an import --------------------------------

# The disk fills up exactly while the return's files are written: no file may grow past
# `limit` bytes (the store, already open, keeps working once the files are given up).
EXPORT_ON_FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from caseapp.cli.main import main
    from caseapp.services import returns
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit, store, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    real_write_all = returns.write_all
    def write_all_on_a_full_disk(files, **kwargs):
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        try:
            return real_write_all(files, **kwargs)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
    returns.write_all = write_all_on_a_full_disk
    for fmt, name in (("csv", "csv-folder"), ("xlsx", "ret.xlsx"), ("json", "ret.json")):
        argv = ["return", "--store", store, "--user", "m", "--year", "2025"]
        print(main([*argv, "--format", fmt, "--out", f"{out}/{name}"]), flush=True)
    """
)

# Every file this process writes is limited to `limit` bytes from the start.
CLI_ON_FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    from caseapp.cli.main import main
    sys.exit(main(sys.argv[2:]))
    """
)


def _run_python(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CASEAPP_PASSPHRASE": PASS}
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _recorded(path: Path, action: str) -> tuple[int, int]:
    """(export events, audit entries of `action`) in the store."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from caseapp.models import AuditEvent, ExportEvent

    outcome = unlock(path, "m", PASS)
    try:
        with outcome.ctx.read() as s:
            events = s.exec(select(func.count()).select_from(ExportEvent)).one()
            entries = s.exec(
                select(func.count()).select_from(AuditEvent).where(col(AuditEvent.action) == action)
            ).one()
        return events, entries
    finally:
        lock(outcome.ctx)


def _verified(path: Path) -> None:
    from caseapp.services import maintenance

    report = maintenance.verify(path, "m", PASS)
    assert report.ok, report.lines


@pytest.mark.slow
def test_full_disk_during_a_return_export_leaves_nothing_and_records_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s" / "c.db"
    _make(path)
    out = tmp_path / "out"
    out.mkdir()
    result = _run_python(EXPORT_ON_FULL_DISK, "1024", str(path), str(out))
    statuses = result.stdout.split()
    errors = result.stderr.splitlines()
    # One clear line per format, each with the export error's status; no traceback.
    assert statuses == [str(ExportError.exit_code)] * 3, result
    assert len(errors) == 3 and all(
        line.startswith("caseapp: Could not write the export: File too large.")
        and line.endswith("Nothing was left behind.")
        for line in errors
    ), errors
    # Nothing under a final name, no temporary file, and the CSV folder it made is gone.
    assert list(out.iterdir()) == []
    assert _recorded(path, "return_exported") == (0, 0)
    _verified(path)


def _interchange(folder: Path, women: int, contacts_each: int) -> Path:
    """A valid interchange folder: `women` women, each with `contacts_each` contacts."""
    from tests.services.import_kit import write_csv

    write_csv(
        folder,
        "women.csv",
        [["woman_ref", "first_name", "last_name", "referral_date"]]
        + [[f"W-{i}", f"First{i}", f"Last{i}", "2025-01-06"] for i in range(women)],
    )
    write_csv(
        folder,
        "engagements.csv",
        [["woman_ref", "date", "type", "attendance", "note"]]
        + [
            [f"W-{i}", "2025-02-03", "one_to_one", "attended", "talked about housing " * 4]
            for i in range(women)
            for _ in range(contacts_each)
        ],
    )
    return folder


@pytest.mark.slow
def test_full_disk_during_an_import_is_clear_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s" / "c.db"
    _make(path)
    source = _interchange(tmp_path / "in", women=2000, contacts_each=5)
    limit = path.stat().st_size + 400_000  # room to unlock, not to import
    argv = ["import", "--store", str(path), "--user", "m", str(source)]
    result = _run_python(CLI_ON_FULL_DISK, str(limit), *argv)
    assert result.returncode == StoreWriteFailed.exit_code, result
    assert result.stderr.startswith("caseapp: The disk is full"), result.stderr
    assert "Traceback" not in result.stderr
    assert _count_women(path) == 0
    assert _recorded(path, "data_imported") == (0, 0)
    _verified(path)


def _count_women(path: Path) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    from caseapp.models import Woman

    outcome = unlock(path, "m", PASS)
    try:
        with outcome.ctx.read() as s:
            return int(s.exec(select(func.count()).select_from(Woman)).one())
    finally:
        lock(outcome.ctx)


# -- two instances ------------------------------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from caseapp.models import Hub
    from caseapp.services import audit
    from caseapp.services.session import lock, unlock
    ctx = unlock(Path(sys.argv[1]), "m", sys.argv[2]).ctx
    print("open", flush=True)
    sys.stdin.readline()  # the first window stays open until the test has tried a second
    with ctx.write() as s:
        s.add(Hub(code="after", name="Written after the second was refused"))
        audit.record(s, ctx, "hub_added")
    lock(ctx)
    print("saved", flush=True)
    """
)


def test_second_instance_is_told_the_store_is_in_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from caseapp.cli.main import main
    from caseapp.errors import StoreInUse

    path = tmp_path / "s" / "c.db"
    _make(path)
    first = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), PASS],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert first.stdin is not None and first.stdout is not None
    try:
        assert first.stdout.readline().strip() == "open"
        monkeypatch.setenv("CASEAPP_PASSPHRASE", PASS)
        before = path.read_bytes()
        status = main(["retention", "list", "--store", str(path), "--user", "m"])
        err = capsys.readouterr().err
        assert status == StoreInUse.exit_code == 4
        assert err.strip() == (
            f"caseapp: This store is open in another caseapp window (process {first.pid}). "
            "Close it there first."
        )
        assert path.read_bytes() == before  # the refused instance wrote nothing
        # The first instance is unharmed: it still saves.
        first.stdin.write("\n")
        first.stdin.flush()
        assert first.stdout.readline().strip() == "saved"
    finally:
        if first.poll() is None:
            first.kill()
        first.wait()
    assert _count_hubs(path) == 1
    _verified(path)


# -- a clock moved backwards -----------------------------------------------------------------


def test_retention_purge_on_a_clock_moved_back_needs_confirmation_at_the_cli(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clock: FrozenClock,
) -> None:
    from datetime import date, timedelta

    from caseapp.cli.main import main
    from caseapp.models import Woman
    from caseapp.services import retention

    path = tmp_path / "s" / "c.db"
    _make(path)
    outcome = unlock(path, "m", PASS)
    with outcome.ctx.write() as s:
        s.add(
            Woman(
                reference="OLD-1",
                first_name="Long",
                last_name="Closed",
                status="closed",
                closed_on=date(2012, 5, 1),
            )
        )
        audit.record(s, outcome.ctx, "woman_created", subject_ref="OLD-1")
    lock(outcome.ctx)
    # The computer's clock now reads a day earlier than the newest audit entry.
    clock.advance(timedelta(days=-1))
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASS)
    argv = ["retention", "purge", "--yes", "--store", str(path), "--user", "m"]

    assert main(argv) == retention.ClockBehind.exit_code
    err = capsys.readouterr().err
    assert "clock" in err and "gone backwards" in err and "Nothing was erased." in err
    assert "Traceback" not in err
    assert _count_women(path) == 1

    assert main([*argv, "--clock-is-right"]) == 0
    assert "Purged 1 record(s)" in capsys.readouterr().out
    assert _count_women(path) == 0
    _verified(path)


# -- temporary files a killed export left ------------------------------------------------------


def test_next_export_removes_stale_temp_files_of_its_own_names_only(tmp_path: Path) -> None:
    import fcntl

    from caseapp.services import returns
    from caseapp.services.returns_periods import parse_year

    path = tmp_path / "s" / "c.db"
    _make(path)
    out = tmp_path / "ret"
    out.mkdir()
    stale = out / ".manifest.json.k1ll3d00.tmp"  # its writer was killed
    live = out / ".headline.csv.l1ve0000.tmp"  # its writer still holds it
    other = out / ".notes.txt.abcdefgh.tmp"  # another program's
    for file in (stale, live, other):
        file.write_bytes(b"half")
    held = os.open(live, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    outcome = unlock(path, "m", PASS)
    try:
        returns.export(outcome.ctx, parse_year("2025"), "csv", out)
    finally:
        lock(outcome.ctx)
        os.close(held)
    assert not stale.exists()
    assert live.exists() and other.exists()
    assert (out / "manifest.json").is_file()


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no handler tidies up."""


def test_a_kill_between_renames_leaves_no_manifest_beside_other_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from caseapp.export.files import sha256_file
    from caseapp.services import returns
    from caseapp.services.returns_periods import parse_year

    path = tmp_path / "s" / "c.db"
    _make(path)
    target = tmp_path / "ret.json"
    manifest = tmp_path / "ret.json.manifest.json"
    outcome = unlock(path, "m", PASS)
    try:
        period = parse_year("2025")
        returns.export(outcome.ctx, period, "json", target)
        assert manifest.is_file()

        real_replace = os.replace
        renamed: list[str] = []

        def killed_after_the_first_rename(src: str, dst: str) -> None:
            if renamed:
                raise Killed
            renamed.append(dst)
            real_replace(src, dst)

        monkeypatch.setattr(os, "replace", killed_after_the_first_rename)
        with pytest.raises(Killed):
            returns.export(outcome.ctx, period, "json", target, overwrite=True)
        monkeypatch.undo()
        # The new return is whole; the old manifest, which no longer matches it, is gone.
        json.loads(target.read_bytes())
        assert not manifest.exists()

        returns.export(outcome.ctx, period, "json", target, overwrite=True)
    finally:
        lock(outcome.ctx)
    listed = json.loads(manifest.read_bytes())["files"]
    assert [(f["name"], f["sha256"]) for f in listed] == [(target.name, sha256_file(target))]
    assert [p.name for p in tmp_path.glob(".*.tmp")] == []
