"""Write docs/BENCHMARKS.md from bench/out/results.json: every figure, its target and verdict.

    .venv/bin/python -m bench.report        # after `python -m bench` (which calls it itself)

Each figure is shown with its target (if it has one), the measured median, the same
work on plain SQLite and the ratio, and whether the target was met. The machine is described
as it is now (date, `uname -a`, CPU model, cores, RAM, Python and library versions); each
suite also carries the load average recorded when it ran, because a busy machine is slower.
A section between the `notes` markers is written by hand (why a target was missed, what a
ratio means) and kept as it is when the file is written again.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.common import RESULTS_PATH

ROOT = Path(__file__).resolve().parent.parent
DOC_PATH = ROOT / "docs" / "BENCHMARKS.md"
NOTES_START = "<!-- notes: written by hand, kept when this file is regenerated -->"
NOTES_END = "<!-- /notes -->"
LIBRARIES = ("textual", "rich", "sqlmodel", "SQLAlchemy", "alembic", "cryptography",
             "sqlcipher3", "openpyxl")  # fmt: skip

# What each suite measures and the command that reruns it alone.
SUITES = {
    "unlock": ("Unlock and first screen", "python -m bench unlock"),
    "keyworker": ("A keyworker's day on the large store", "python -m bench keyworker"),
    "groups": ("Registers and distance travelled", "python -m bench groups"),
    "returns": ("The commissioner's return", "python -m bench returns"),
    "import": ("Import", "python -m bench import"),
    "scale": (
        "The large store: build time, size, peak memory",
        "python -m bench scale",
    ),
    "typing": ("Search as she types, keystroke to redrawn table", "python -m bench typing"),
    "pg": ("PostgreSQL beside SQLCipher", "python -m bench pg"),
}
# What a suite's figures are compared against, when it is not plain SQLite.
BASELINES = {"pg": "SQLCipher"}


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return ""


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what the platform says)."""
    for line in _read(Path("/proc/cpuinfo")).splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def ram() -> str:
    """Total memory from /proc/meminfo, in GiB."""
    for line in _read(Path("/proc/meminfo")).splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def uname() -> str:
    """`uname -a`, or its closest equivalent."""
    try:
        done = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=True)
        return done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return " ".join(platform.uname())


def versions() -> list[tuple[str, str]]:
    """Python, SQLite, SQLCipher and the libraries caseapp runs on."""
    found = [("Python", platform.python_version())]
    try:
        import sqlcipher3

        conn = sqlcipher3.connect(":memory:")
        cipher = conn.execute("PRAGMA cipher_version").fetchone()
        lite = conn.execute("SELECT sqlite_version()").fetchone()
        conn.close()
        found.append(("SQLCipher", f"{cipher[0] if cipher else '?'} (SQLite {lite[0]})"))
        # The baseline runs the same library, so its ratios compare encryption and nothing else.
        found.append(("Plain SQLite baseline", f"SQLite {lite[0]} from sqlcipher3, no key"))
    except Exception as exc:  # noqa: BLE001 - a report must still be written
        found.append(("SQLCipher", f"unavailable ({type(exc).__name__})"))
    for name in LIBRARIES:
        try:
            found.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            found.append((name, "not installed"))
    return found


def _number(value: float, unit: str) -> str:
    if unit in ("rows/s", "/s") or abs(value) >= 1000:
        return f"{value:,.0f} {unit}"
    if abs(value) >= 100:
        return f"{value:.0f} {unit}"
    if abs(value) >= 10:
        return f"{value:.1f} {unit}"
    return f"{value:#.3g} {unit}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def verdict(figure: Mapping[str, Any]) -> str:
    """Met, MISSED, or a dash for a figure without a target."""
    ok = figure.get("ok")
    if ok is None:
        return "—"
    return "met" if ok else "**MISSED**"


def figure_rows(figures: Sequence[Mapping[str, Any]], against: str = "Plain SQLite") -> list[str]:
    """The Markdown table of one suite's figures."""
    rows = [
        f"| Figure | Target | Measured | {against} | Ratio | Target met |",
        "|---|---|---:|---:|---:|---|",
    ]
    for f in figures:
        unit = str(f.get("unit", ""))
        value = _number(float(f["value"]), unit)
        baseline = f.get("baseline")
        base = _number(float(baseline), unit) if baseline is not None else "—"
        ratio = f.get("ratio")
        shown_ratio = f"×{float(ratio):.2f}" if ratio is not None else "—"
        target = _cell(str(f.get("target") or "—"))
        rows.append(
            f"| {_cell(str(f['name']))} | {target} | {value} | {base} | {shown_ratio} "
            f"| {verdict(f)} |"
        )
    return rows


def _suite_note(suite: Mapping[str, Any]) -> str:
    machine = suite.get("machine", {})
    load = machine.get("load_average") or []
    load_text = f", load average {load[0]:.1f} on {machine.get('cpus', '?')} CPUs" if load else ""
    return f"Run {suite.get('when', '?')}{load_text}."


def summary(results: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(targets met, targets missed) as `suite: figure` lines."""
    met: list[str] = []
    missed: list[str] = []
    for name, suite in results.items():
        for f in suite.get("figures", []):
            if f.get("ok") is True:
                met.append(f"{name}: {f['name']}")
            elif f.get("ok") is False:
                missed.append(
                    f"{name}: {f['name']} — {_number(float(f['value']), f['unit'])} "
                    f"against {f['target']}"
                )
    return met, missed


def kept_notes(existing: str) -> str:
    """The hand-written notes of the current file, or a placeholder for new ones."""
    start, end = existing.find(NOTES_START), existing.find(NOTES_END)
    if start != -1 and end > start:
        return existing[start : end + len(NOTES_END)]
    return f"{NOTES_START}\n_No notes yet._\n{NOTES_END}"


def kept_section(existing: str, command: str) -> str:
    """A suite's section of the current file (from its command line to the next heading)."""
    start = existing.find(f"`{command}` — ")
    if start == -1:
        return ""
    end = existing.find("\n## ", start)
    return existing[start : end if end != -1 else len(existing)].strip()


def render(results: Mapping[str, Any], existing: str = "", now: str | None = None) -> str:
    """The whole Markdown document."""
    when = now or time.strftime("%Y-%m-%d %H:%M %Z")
    met, missed = summary(results)
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m bench` (which runs every `bench/bench_*.py`, then "
        "`bench/report.py`); rerun one suite with the command under its heading. *Measured* is "
        "the median of several runs unless the figure says it is a first run or a single "
        "build or import. *Plain SQLite* is the same work (the same SQL, or the same "
        "service over an unencrypted copy, as each suite says) without encryption: the copy is "
        "opened by the same SQLite as the store (SQLCipher's, through `sqlcipher3` with no key) "
        "with the store's pragmas and page cache, and timed the same number of times after the "
        "same warm-up as caseapp's side; the ratio is caseapp's figure divided by it. A *cold* "
        "or *first* figure is the first run after the store's connections were closed: "
        "SQLite's page cache is empty, so every page is read and decrypted again, but the "
        "operating system's file cache is not emptied (that needs root), so the disk is not "
        "read. A *cold start* or *process* figure runs a new `caseapp` process: Python and "
        "every module load afresh (from that same warm file cache).",
        "",
        f"Generated {when}.",
        "",
        "## Machine",
        "",
        f"- `uname -a`: `{uname()}`",
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores",
        f"- RAM: {ram()}",
        *(f"- {name}: {version}" for name, version in versions()),
        "",
        "## Targets",
        "",
    ]
    if not met and not missed:
        lines.append("No figure with a target has been recorded yet.")
    else:
        lines.append(f"{len(met)} of {len(met) + len(missed)} targets met.")
        if missed:
            lines += ["", "Missed:", "", *(f"- {m}" for m in missed)]
    lines += ["", "## Notes", "", kept_notes(existing), ""]
    known = [s for s in SUITES if s in results] + sorted(set(results) - set(SUITES))
    for name in known:
        suite = results[name]
        title, command = SUITES.get(name, (name, f"python -m bench {name}"))
        lines += [f"## {title}", "", f"`{command}` — {_suite_note(suite)}", ""]
        lines += figure_rows(suite.get("figures", []), BASELINES.get(name, "Plain SQLite"))
        lines.append("")
    not_run = [s for s in SUITES if s not in results]
    # A suite not rerun this time keeps the figures the file already shows for it.
    earlier = {s: kept_section(existing, SUITES[s][1]) for s in not_run}
    for name in not_run:
        if earlier[name]:
            lines += [f"## {SUITES[name][0]}", "", earlier[name], ""]
    not_run = [s for s in not_run if not earlier[s]]
    if not_run:
        lines += ["## Not run", "", *(f"- {SUITES[s][0]}: `{SUITES[s][1]}`" for s in not_run), ""]
    return "\n".join(lines)


def write_report(results_path: Path = RESULTS_PATH, doc_path: Path = DOC_PATH) -> Path:
    """Write the Markdown file (atomically) and return its path."""
    try:
        results: dict[str, Any] = json.loads(results_path.read_text("utf-8"))
    except (OSError, ValueError):
        results = {}
    text = render(results, _read(doc_path))
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = doc_path.with_suffix(".tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(doc_path)
    return doc_path


def main(argv: list[str] | None = None) -> int:
    """Write docs/BENCHMARKS.md from the recorded results."""
    del argv
    print(f"wrote {write_report()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
