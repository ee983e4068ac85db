"""bench/report.py keeps the figures of a suite that was not rerun, instead of dropping them."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report import write_report

TYPING = {
    "typing": {
        "when": "2026-11-30T11:00:00+0000",
        "machine": {"cpus": 2, "load_average": [1.0, 1.0, 1.0]},
        "figures": [
            {"name": "keystroke -> redrawn", "value": 20.0, "unit": "ms", "baseline": 5.0,
             "ratio": 4.0, "target": "<= 33 ms", "ok": True},
        ],
    },
}  # fmt: skip
EARLIER = """# Benchmarks

## A keyworker's day on the large store (an older title)

`python -m bench keyworker` — Run 2026-11-24T23:13:14+0000, load average 2.7 on 2 CPUs.

| Figure | Target | Measured | Plain SQLite | Ratio | Target met |
|---|---|---:|---:|---:|---|
| search per keystroke (manager) | <= 50 ms median | 11.6 ms | 6.81 ms | ×1.70 | met |

## Not run

- Import: `python -m bench import`
"""


def test_a_suite_not_rerun_keeps_its_earlier_figures(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(TYPING), "utf-8")
    doc_path = tmp_path / "BENCHMARKS.md"
    doc_path.write_text(EARLIER, "utf-8")
    doc = write_report(results, doc_path).read_text("utf-8")
    assert "| keystroke -> redrawn | <= 33 ms | 20.0 ms | 5.00 ms | ×4.00 | met |" in doc
    assert "| search per keystroke (manager) | <= 50 ms median | 11.6 ms |" in doc
    assert "`python -m bench keyworker` — Run 2026-11-24T23:13:14+0000" in doc
    # Kept once, under the current title; a suite never run is still listed as not run.
    assert doc.count("search per keystroke (manager)") == 1
    assert "- Import: `python -m bench import`" in doc
