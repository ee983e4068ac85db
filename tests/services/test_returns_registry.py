"""The metric registry reads like the definitions: the same codes, in the order of the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from caseapp.models.codes import OUTCOME_QUESTIONS
from caseapp.services import returns
from caseapp.services.context import Ctx
from caseapp.services.returns_metrics import ALL, HEADLINE_CODES, METRICS, WOMEN_COUNTS
from caseapp.services.returns_periods import month_period

DOMAIN = Path(__file__).resolve().parents[2] / "docs/domain.md"


def test_every_metric_has_a_label_a_definition_and_a_query() -> None:
    assert len(METRICS) == len(ALL)
    for metric in ALL:
        assert metric.label and metric.definition and metric.column
        assert "SELECT" in str(metric.query)
    assert set(WOMEN_COUNTS) < set(HEADLINE_CODES)
    assert [m.code for m in ALL if m.code.startswith("outcome_")] == [
        f"outcome_{question}" for question in OUTCOME_QUESTIONS
    ]


def test_the_registry_follows_the_docs_table() -> None:
    if not DOMAIN.exists():
        pytest.skip("docs/domain.md is not in this checkout")
    text = DOMAIN.read_text("utf-8")
    table = text[text.index("### Metrics") :].split("\n\n")[2]
    codes = re.findall(r"^\| `([a-z_<>]+)` \|", table, flags=re.MULTILINE)
    outcome = codes.index("outcome_<question>")
    assert codes[:outcome] == [m.code for m in ALL if not m.code.startswith("outcome_")]


def test_every_output_names_its_figures_from_the_registry(manager: Ctx) -> None:
    result = returns.compute(manager, month_period(2026, 10))
    assert [(r.code, r.label) for r in result.headline] == [
        (code, METRICS[code].label) for code in HEADLINE_CODES
    ]
    assert [(r.code, r.label) for r in result.outcomes] == [
        (m.code, m.label) for m in ALL if m.code.startswith("outcome_")
    ]
    needs = next(t for t in result.tables if t.name == "needs_profile")
    assert needs.rows[0][:2] == ("women_assessed", METRICS["women_assessed"].label)
