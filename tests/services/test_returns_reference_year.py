"""`caseapp return` over a store built to the commissioning document's 2019/20 figures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from caseapp.cli.main import main
from caseapp.store.store import Store
from tests.conftest import MANAGER, PASSPHRASE
from tests.fixtures import reference_year


@pytest.fixture
def reference_store(new_store: Callable[[], Store], store_path: Path) -> Path:
    store = new_store()
    try:
        reference_year.build(store)
    finally:
        store.close()
    return store_path


def test_the_2019_20_return_reproduces_the_published_figures(
    reference_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEAPP_USER", MANAGER)
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "return-2019-20.json"
    status = main(
        [
            "return",
            "--store",
            str(reference_store),
            "--from",
            "2019-04-01",
            "--to",
            "2020-03-31",
            "--format",
            "json",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    body = json.loads(out.read_text("utf-8"))
    assert body["period"] == {"from": "2019-04-01", "to": "2020-03-31"}
    metrics = body["metrics"]
    for code, expected in reference_year.EXPECTED.items():
        assert metrics[code] == expected, code
    for question, (improved, counted) in reference_year.OUTCOMES.items():
        assert metrics[f"outcome_{question}"] == {
            "numerator": improved,
            "denominator": counted,
            "percent": reference_year.EXPECTED_PERCENT[question],
        }
    assert (tmp_path / "return-2019-20.json.manifest.json").exists()


def test_the_financial_year_option_gives_the_same_year(
    reference_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEAPP_USER", MANAGER)
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "fy"
    args = ["return", "--store", str(reference_store), "--year", "2019", "--out", str(out)]
    assert main(args) == 0
    lines = (out / "headline.csv").read_text("utf-8").splitlines()
    values = {line.split(",")[0]: line.rsplit(",", 1)[1] for line in lines[1:]}
    assert values["women_engaged_one_to_one"] == "523"
    assert values["women_accessed_centre"] == "2196"
    assert values["group_sessions_delivered"] == "243"
    assert values["judiciary_training_sessions"] == "18"
    outcomes = (out / "outcomes.csv").read_text("utf-8").splitlines()[1:]
    assert [line.rsplit(",", 1)[1] for line in outcomes] == ["94", "92", "82", "79"]
