"""Shared benchmark helpers: median timings, a printed figure with its ratio, a JSON record."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "out"
RESULTS_PATH = OUT_DIR / "results.json"
# The stores a benchmark builds, copies and reopens are its own: their generations are kept
# here, not in the user's state folder, where a copy made by another suite (or an older
# benchmark store) would be refused as an older copy of a store already seen.
os.environ.setdefault("CASEAPP_STATE_DIR", str(OUT_DIR / "state"))


@dataclass(frozen=True)
class Figure:
    """One measured figure, with the baseline it is compared against and its target if any."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    target: str = ""
    ok: bool | None = None

    @property
    def ratio(self) -> float | None:
        """value / baseline (how many times the baseline), when there is a baseline."""
        if self.baseline is None or self.baseline <= 0:
            return None
        return self.value / self.baseline


_FIGURES: list[Figure] = []


def median_time(fn: Callable[[], Any], runs: int = 5, warmup: int = 1) -> float:
    """The median wall time of `fn()` in seconds over `runs` runs, after `warmup` unmeasured."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(
    name: str,
    value: float,
    unit: str,
    baseline: float | None = None,
    *,
    target: str = "",
    ok: bool | None = None,
) -> Figure:
    """Print one figure (and its ratio to `baseline`), and keep it for `write_results`."""
    figure = Figure(name, value, unit, baseline, target, ok)
    line = f"  {name:<46} {value:>9.3f} {unit:<3}"
    if figure.ratio is not None:
        line += f"  x{figure.ratio:6.2f} vs {baseline:.4f} {unit}"
    if target:
        verdict = {True: "met", False: "MISSED", None: ""}[ok]
        line += f"  (target {target}{', ' + verdict if verdict else ''})"
    print(line, flush=True)
    _FIGURES.append(figure)
    return figure


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (Windows keeps none: zeros there)."""
    if sys.platform == "win32":
        return (0.0, 0.0, 0.0)
    return os.getloadavg()


def machine_note() -> str:
    """CPUs and load average: figures from a busy machine read differently."""
    cpus = os.cpu_count() or 0
    one, five, _fifteen = load_average()
    note = f"{cpus} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"
    print(f"  machine: {note}", flush=True)
    return note


def heading(title: str) -> None:
    """Print a section heading."""
    print(f"\n{title}", flush=True)


def write_results(suite: str, path: Path = RESULTS_PATH) -> Path:
    """Merge this run's figures into `bench/out/results.json` under `suite`; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        existing: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        existing = {}
    existing[suite] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": load_average(),
        },
        "figures": [{**asdict(f), "ratio": f.ratio} for f in _FIGURES],
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(existing, indent=1, sort_keys=True), "utf-8")
    tmp.replace(path)
    _FIGURES.clear()
    return path
