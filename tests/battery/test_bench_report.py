"""docs/BENCHMARKS.md as bench/report.py writes it: every figure, its verdict, kept notes."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report import NOTES_END, NOTES_START, write_report

RESULTS = {
    "returns": {
        "when": "2026-11-24T23:14:25+0000",
        "machine": {"cpus": 2, "load_average": [2.0, 2.1, 2.2]},
        "figures": [
            {"name": "year's return | all", "value": 2.5, "unit": "s", "baseline": 1.25,
             "ratio": 2.0, "target": "<= 2 s", "ok": False},
            {"name": "headline", "value": 0.456, "unit": "s", "baseline": None,
             "ratio": None, "target": "", "ok": None},
        ],
    },
    "import": {
        "when": "2026-11-24T23:13:01+0000",
        "machine": {"cpus": 2, "load_average": [2.8, 2.8, 2.8]},
        "figures": [
            {"name": "rows per second", "value": 29120.5, "unit": "rows/s", "baseline": None,
             "ratio": None, "target": ">= 20,000 rows/s", "ok": True},
        ],
    },
}  # fmt: skip


def test_report_shows_every_figure_verdict_and_machine(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(RESULTS), "utf-8")
    doc = write_report(results, tmp_path / "BENCHMARKS.md").read_text("utf-8")
    assert "1 of 2 targets met." in doc
    assert "- returns: year's return | all — 2.50 s against <= 2 s" in doc
    assert "| year's return \\| all | <= 2 s | 2.50 s | 1.25 s | ×2.00 | **MISSED** |" in doc
    assert "| headline | — | 0.456 s | — | — | — |" in doc
    assert "| rows per second | >= 20,000 rows/s | 29,120 rows/s | — | — | met |" in doc
    assert "load average 2.0 on 2 CPUs" in doc
    for heading in ("## Machine", "`uname -a`", "- CPU: ", "- RAM: ", "- Python: ", "SQLCipher"):
        assert heading in doc
    # Suites never run are listed with the command that runs them.
    assert "`python -m bench keyworker`" in doc.split("## Not run")[1]


def test_hand_written_notes_survive_regeneration(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(RESULTS), "utf-8")
    doc_path = tmp_path / "BENCHMARKS.md"
    write_report(results, doc_path)
    text = doc_path.read_text("utf-8")
    notes = f"{NOTES_START}\nThe return misses its target because of X.\n{NOTES_END}"
    start, end = text.index(NOTES_START), text.index(NOTES_END) + len(NOTES_END)
    doc_path.write_text(text[:start] + notes + text[end:], "utf-8")
    write_report(results, doc_path)
    assert notes in doc_path.read_text("utf-8")
