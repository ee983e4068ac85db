"""Every sheet of the return workbook names its table, period and provider; percents are %."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from caseapp.clock import FrozenClock
from caseapp.services import returns
from caseapp.services.context import Ctx
from tests.export import return_sample

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def sample(manager: Ctx) -> Ctx:
    return_sample.build(manager.store)
    return manager


def test_title_rows_and_percent_format(sample: Ctx, tmp_path: Path, clock: FrozenClock) -> None:
    clock.set_utc(NOW)
    result = returns.export(sample, return_sample.PERIOD, "xlsx", tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(result.target)
    start, end = return_sample.PERIOD.start.isoformat(), return_sample.PERIOD.end.isoformat()
    provider = str(book["manifest"]["A1"].value).rsplit(" · ", 1)[-1]
    assert provider
    percents = 0
    for sheet in book.worksheets:
        title = str(sheet["A1"].value)
        assert f"{start} to {end}" in title and title.endswith(provider), sheet.title
        header = [cell.value for cell in sheet[2]]
        if "percent" in header:
            column = header.index("percent") + 1
            for row in sheet.iter_rows(min_row=3, min_col=column, max_col=column):
                cell = row[0]
                if isinstance(cell.value, float | int):
                    assert cell.number_format == "0%" and 0 <= cell.value <= 1
                    percents += 1
    assert percents > 0
