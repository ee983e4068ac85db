"""Unlock, first screen and raw-key open, as figures and ratios.

    .venv/bin/python -m bench unlock

Targets: unlock 0.5-1.0 s with the KDF calibrated on this machine; the home screen
within 1.5 s of the passphrase being entered; a real `caseapp` process to its unlock screen
in 1.0 s (median) and `caseapp --help` within 0.15 s of a bare Python started in the same run.
Also printed: the CPU time a process uses to reach its unlock screen beside that of importing
Textual alone (steadier than wall time on a shared machine), its peak memory through the unlock
(target 300 MB: the Argon2id memory is held on top of the app), and opening with the raw key
against plain SQLite.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import resource
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert

from bench.common import heading, machine_note, median_time, report, write_results
from bench.plain import SQLITE_VERSION, plain_connect, plain_copy
from caseapp.models import Woman
from caseapp.paths import key_file_path
from caseapp.services.demo import DEMO_PASSPHRASE, DEMO_USER, create_demo_store
from caseapp.services.session import lock, unlock
from caseapp.store.engine import raw_connect
from caseapp.store.keyslots import KeyFile, calibrate, derive
from caseapp.store.store import open_raw, open_store

EXTRA_WOMEN = 20_000
UNLOCK_RUNS = 5
RAW_OPEN_RUNS = 9
FIRST_QUERY = "SELECT count(*), max(length(safe_contact_note)) FROM woman"


def build_store(folder: Path) -> Path:
    """A small demo store, KDF calibrated as `caseapp init` would, plus 20,000 more women."""
    path = folder / "bench.db"
    create_demo_store(path, seed=7)
    unlocked = open_store(path, DEMO_USER, DEMO_PASSPHRASE)
    with unlocked.store.write() as session:
        session.execute(
            insert(Woman),
            [
                {
                    "reference": f"BENCH-{i:06d}",
                    "first_name": f"Synthetic{i}",
                    "last_name": "Bench",
                    "safe_contact_note": "text after six, not voicemail " * 3,
                    "is_synthetic": True,
                }
                for i in range(EXTRA_WOMEN)
            ],
        )
    unlocked.store.close()
    return path


def bench_kdf() -> None:
    """What calibrate() picks here and what one derivation costs."""
    started = time.perf_counter()
    params = calibrate()
    took = time.perf_counter() - started
    print(f"  calibrate() chose Argon2id m={params.memory_kib // 1024} MiB t={params.iterations} "
          f"p={params.lanes} (calibration itself {took:.2f} s)")  # fmt: skip
    salt = os.urandom(16)
    seconds = median_time(lambda: derive("a passphrase", salt, params), runs=3)
    report("Argon2id derivation (one key slot)", seconds, "s")


def bench_unlock(path: Path) -> float:
    """Median time of a full unlock (KDF, key-file MAC, page check, migrations, audit)."""
    times = []
    for _ in range(UNLOCK_RUNS):
        started = time.perf_counter()
        outcome = unlock(path, DEMO_USER, DEMO_PASSPHRASE)
        times.append(time.perf_counter() - started)
        lock(outcome.ctx)
    times.sort()
    seconds = times[len(times) // 2]
    report("unlock (median of 5)", seconds, "s", target="0.5-1.0 s", ok=0.5 <= seconds <= 1.0)
    return seconds


def bench_raw_open(path: Path, folder: Path) -> None:
    """Open with the raw data key and run a first query, against plain SQLite doing the same."""
    unlocked = open_store(path, DEMO_USER, DEMO_PASSPHRASE)
    key = unlocked.store.data_key
    unlocked.store.close()
    plain = plain_copy(path, key, folder)

    def plain_open() -> None:
        conn = plain_connect(plain)
        conn.execute(FIRST_QUERY).fetchall()
        conn.close()

    def keyed_open() -> None:
        conn = raw_connect(path, key)
        conn.execute(FIRST_QUERY).fetchall()
        conn.close()

    def store_open() -> None:
        store = open_raw(path, key)
        with store.engine.connect() as conn:
            conn.exec_driver_sql(FIRST_QUERY).fetchall()
        store.close()

    base = median_time(plain_open, runs=RAW_OPEN_RUNS)
    size = path.stat().st_size / 1e6
    print(f"  store {size:.1f} MB; first query reads every woman ({FIRST_QUERY!r})")
    report(f"plain SQLite {SQLITE_VERSION} (no key): open + first query", base, "s")
    keyed = median_time(keyed_open, runs=RAW_OPEN_RUNS)
    report("SQLCipher raw key: open + first query", keyed, "s", base)
    opened = median_time(store_open, runs=RAW_OPEN_RUNS)
    report("open_raw (lock, key MAC, alembic) + query", opened, "s", base)


async def _ui_once(path: Path) -> tuple[float, float, float]:
    from textual.widgets import Input

    from caseapp.app import build_app
    from caseapp.screens.home import HomeScreen
    from caseapp.screens.unlock import UnlockScreen

    started = time.perf_counter()
    app = build_app(path, username=DEMO_USER)
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, UnlockScreen):
            await pilot.pause()
        first = time.perf_counter() - started
        field = app.screen.query_one("#passphrase", Input)
        field.value = DEMO_PASSPHRASE
        entered = time.perf_counter()
        # Enter, without the pilot waiting for the app to go idle, so the moment the home
        # screen becomes current is seen rather than the end of everything it then loads.
        await field.action_submit()
        while not isinstance(app.screen, HomeScreen):
            await asyncio.sleep(0.002)
        shown = time.perf_counter() - entered
        await app.workers.wait_for_complete()
        await pilot.pause()
        filled = time.perf_counter() - entered
        await pilot.press("ctrl+q")
    return first, shown, filled


def bench_ui(path: Path) -> float:
    """In-process: app created to unlock screen, and Enter on the passphrase to home screen."""
    runs = [asyncio.run(_ui_once(path)) for _ in range(3)]
    first, shown, filled = (sorted(r[i] for r in runs)[1] for i in range(3))
    report("app created -> unlock screen (in-process)", first, "s")
    report("passphrase entered -> home screen", shown, "s", target="<= 1.5 s", ok=shown <= 1.5)
    report("passphrase entered -> home screen filled", filled, "s")
    return shown


def _read_until(fd: int, needle: bytes, deadline: float) -> bool:
    seen = b""
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return False
            seen = (seen + chunk)[-4096:]
            if needle in seen:
                return True
    return False


STARTUP_RUNS = 7


def _bare_python() -> float:
    """The median start and exit of a bare Python, the floor every process figure stands on."""
    return median_time(
        lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), runs=STARTUP_RUNS
    )


def bench_help(bare: float) -> None:
    """`caseapp --help` against a bare Python started in the same run."""
    argv = [sys.executable, "-m", "caseapp", "--help"]
    seconds = median_time(
        lambda: subprocess.run(argv, check=True, stdout=subprocess.DEVNULL), runs=STARTUP_RUNS
    )
    report("bare python start", bare, "s")
    report(
        "caseapp --help",
        seconds,
        "s",
        bare,
        target="<= bare python + 0.15 s",
        ok=seconds - bare <= 0.15,
    )


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a live process has used so far; None without /proc (macOS)."""
    if sys.platform == "win32":
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_mb(pid: int) -> float | None:
    """The peak resident memory of a live process so far, in MB; None without /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kib = next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")), 0
    )
    return kib / 1024 if kib else None


def _children_cpu(fn: Callable[[], object]) -> float:
    """CPU time (user + system) the child processes `fn` ran and waited for used."""
    if sys.platform == "win32":  # no getrusage: the caller runs on Linux and macOS only
        fn()
        return 0.0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    fn()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def _to_unlock_screen(path: Path, env: dict[str, str]) -> tuple[float, float | None] | None:
    """One cold start of `caseapp` in an 80x24 pseudo-terminal to its unlock screen.

    Returns the wall time and the CPU time the process had used by then: on a machine shared
    with others the wall time mostly measures them, the CPU time what caseapp itself did.
    """
    if sys.platform == "win32":
        return None  # no pseudo-terminal there (see bench_process)
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child becomes caseapp
        os.execvpe(sys.executable, [sys.executable, "-m", "caseapp", "--store", str(path)], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        if not _read_until(fd, b"Passphrase", started + 30):
            return None
        return time.perf_counter() - started, _cpu_seconds(pid)
    finally:
        os.write(fd, b"\x11")  # ctrl+q
        _reap(pid, fd)


def bench_process(path: Path, bare: float) -> None:
    """A real `caseapp` process in an 80x24 pseudo-terminal: start to unlock screen, and on."""
    if sys.platform == "win32":
        print("  (a pseudo-terminal needs Linux or macOS: process figures skipped)")
        return
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    textual_app = [sys.executable, "-c", "import textual.app"]
    floor = median_time(lambda: subprocess.run(textual_app, check=True), runs=STARTUP_RUNS)
    report("python -c 'import textual.app' (any Textual app)", floor, "s", bare)
    floor_cpu = statistics.median(
        _children_cpu(lambda: subprocess.run(textual_app, check=True)) for _ in range(STARTUP_RUNS)
    )
    report("import textual.app: CPU time (user + system)", floor_cpu, "s")
    runs = [r for r in (_to_unlock_screen(path, env) for _ in range(STARTUP_RUNS)) if r]
    if not runs:
        print("  (the process never showed its unlock screen)")
        return
    median = statistics.median(wall for wall, _cpu in runs)
    report(
        "process start -> unlock screen (median)",
        median,
        "s",
        bare,
        target="<= 1.0 s",
        ok=median <= 1.0,
    )
    cpu = [c for _wall, c in runs if c is not None]
    if cpu:
        report("process start -> unlock screen: CPU time", statistics.median(cpu), "s", floor_cpu)
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child becomes caseapp
        os.execvpe(sys.executable, [sys.executable, "-m", "caseapp", "--store", str(path)], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        if not _read_until(fd, b"Passphrase", started + 30):
            print("  (the process never showed its unlock screen)")
            return
        os.write(fd, DEMO_USER.encode() + b"\r")
        time.sleep(0.2)  # a person takes longer than this to move to the next field
        os.write(fd, DEMO_PASSPHRASE.encode())
        entered, cpu_entered = time.perf_counter(), _cpu_seconds(pid)
        os.write(fd, b"\r")
        if _read_until(fd, b"Signed in as", entered + 30):
            report("process: passphrase entered -> home screen", time.perf_counter() - entered, "s")
            cpu_home = _cpu_seconds(pid)
            if cpu_entered is not None and cpu_home is not None:
                # Includes the warm-up's imports still running when she pressed Enter.
                report("process: passphrase -> home screen: CPU time", cpu_home - cpu_entered, "s")
            peak = _peak_mb(pid)  # the Argon2id memory is held on top of the app itself
            if peak is not None:
                report(
                    "process: peak memory, start to home screen",
                    peak,
                    "MB",
                    target="<= 300 MB",
                    ok=peak <= 300,
                )
        os.write(fd, b"\x11")  # ctrl+q
    finally:
        _reap(pid, fd)


def _reap(pid: int, fd: int) -> None:
    """Wait for the caseapp child to leave after ctrl+q; end it (by its id) if it does not."""
    if sys.platform == "win32":
        return  # never started there (see bench_process)
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline:
        _read_until(fd, b"\x00never\x00", time.perf_counter() + 0.1)  # keep the pty drained
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            break
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    os.close(fd)


def main(argv: list[str] | None = None) -> int:
    """Build a store and print every figure; 0 when both targets are met."""
    _ = argv
    with tempfile.TemporaryDirectory(prefix="caseapp-bench-") as name:
        folder = Path(name)
        os.environ.setdefault("CASEAPP_LOG_DIR", str(folder / "log"))
        heading("Key derivation")
        machine_note()
        bench_kdf()
        started = time.perf_counter()
        path = build_store(folder)
        kdf = KeyFile.load(key_file_path(path)).slots[0].kdf
        print(f"  (bench store built in {time.perf_counter() - started:.1f} s; its slot has "
              f"m={kdf['m'] // 1024} MiB t={kdf['t']} p={kdf['p']})")  # fmt: skip
        heading("Unlock")
        seconds = bench_unlock(path)
        heading("Screens")
        home = bench_ui(path)
        heading("Start-up against a bare Python")
        bare = _bare_python()
        bench_help(bare)
        bench_process(path, bare)
        heading("Raw-key open against plain SQLite")
        bench_raw_open(path, folder)
        machine_note()
    print(f"\nresults written to {write_results('unlock')}")
    return 0 if 0.5 <= seconds <= 1.0 and home <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
