"""The returns screen with real keys: periods, tabs, the trend chart, export and its errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input, ProgressBar, Static

from caseapp.modals.help import HelpModal
from caseapp.models import ExportEvent
from caseapp.screens.home import HomeScreen
from caseapp.screens.returns import ReturnsScreen
from caseapp.services import returns
from caseapp.services.context import Ctx
from tests.export import return_sample
from tests.fixtures.returns_builder import Rows
from tests.harness.app import make_app, notices, screen_text, settle, type_text, unlock

SIZE = (80, 24)


@pytest.fixture
def sample(manager: Ctx) -> Ctx:
    return_sample.build(manager.store)
    return manager


async def open_returns(app: Any, pilot: Any) -> ReturnsScreen:
    await unlock(pilot)
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(app.screen, ReturnsScreen)
    return app.screen


def period_line(screen: ReturnsScreen) -> str:
    return str(screen.query_one("#returns-period", Static).render())


def headline_values(screen: ReturnsScreen) -> dict[str, str]:
    table = screen.query_one("#returns-headline", DataTable)
    return {
        str(key.value): str(table.get_row(key)[1]) for key in table.rows if key.value is not None
    }


async def test_opens_on_the_last_complete_month_with_exact_headline(sample: Ctx) -> None:
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_returns(app, pilot)
        assert "October 2026" in period_line(screen)
        assert "threshold 10" in period_line(screen)
        values = headline_values(screen)
        assert values["women_supported"] == "40"
        assert values["judiciary_training_sessions"] == "2"
        assert values["outcome_felt_safe"] == "26 of 40 · 65%"


async def test_breakdowns_mark_suppressed_cells(sample: Ctx) -> None:
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_returns(app, pilot)
        await pilot.press("b")
        await pilot.pause()
        table = screen.query_one("#returns-breakdowns", DataTable)
        assert table.has_focus or screen.query_one("#returns-tabs").active == (  # type: ignore[attr-defined]
            "returns-breakdowns-tab"
        )
        row = table.get_row("women_supported_by_ethnicity/black_african")
        assert str(row[1]) == "[c]"
        assert str(table.get_row("women_supported_characteristics/ethnic_minorities")[1]) == "19"


async def test_cells_hidden_because_of_an_earlier_release_are_counted_and_marked(
    sample: Ctx, tmp_path: Path
) -> None:
    returns.export(sample, return_sample.PERIOD, "json", tmp_path / "october.json")
    rows = Rows(sample.store)  # a contact entered late, after October was released
    rows.contact(rows.woman(borough="E09000007"), return_sample.PERIOD.end, "drop_in")
    rows.save()
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_returns(app, pilot)
        assert "because of earlier releases" in period_line(screen)
        assert headline_values(screen)["women_supported"] == "[c]"  # 41 after 40
        await pilot.press("b")
        await pilot.pause()
        table = screen.query_one("#returns-breakdowns", DataTable)
        row = table.get_row("women_supported_by_borough/E09000007")
        assert str(row[1]) == "[c]" and "(earlier release)" in str(row[0])


async def test_period_keys(sample: Ctx) -> None:
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_returns(app, pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert "September 2026" in period_line(screen)
        assert headline_values(screen)["women_supported"] == "0"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "October 2026" in period_line(screen)
        await pilot.press("q")
        await settle(pilot)
        assert "2026 Q3" in period_line(screen)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "2026 Q4" in period_line(screen)
        assert headline_values(screen)["women_supported"] == "40"
        await pilot.press("y")
        await settle(pilot)
        assert "2025/26" in period_line(screen)
        assert "01/04/2025–31/03/2026" in period_line(screen)
        await pilot.press("m")
        await settle(pilot)
        assert "October 2026" in period_line(screen)


async def test_any_two_dates(sample: Ctx) -> None:
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_returns(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "returns-from"
        await pilot.press("ctrl+u")
        await type_text(pilot, "05/10/2026")
        await pilot.press("enter", "ctrl+u")
        await type_text(pilot, "2026-10-06")
        await pilot.press("enter")
        await settle(pilot)
        assert "05/10/2026 to 06/10/2026" in period_line(screen)
        # A few of the 40 in two days: under the threshold, so the headline count is hidden.
        assert headline_values(screen)["women_supported"] == "[c]"


async def test_trend_chart_and_next_figure(sample: Ctx) -> None:
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_returns(app, pilot)
        await pilot.press("t")
        await settle(pilot)
        chart = str(screen.query_one("#returns-trend", Static).render())
        assert chart.startswith("Women supported")
        assert "Nov" in chart and "Oct" in chart and "2025" in chart and "2026" in chart
        assert "(highest 40)" in chart
        await pilot.press("v")
        await pilot.pause()
        chart = str(screen.query_one("#returns-trend", Static).render())
        assert chart.startswith("Women engaged in 1-2-1 support")


async def test_export_writes_the_file_and_names_it(
    sample: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a short relative path keeps the typing quick
    app = make_app(sample)
    target = tmp_path / "oct.xlsx"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_returns(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "returns-format"
        await pilot.press("right", "tab", "ctrl+u")
        await type_text(pilot, "oct")
        await pilot.press("enter")
        await settle(pilot)
        assert target.exists()
        assert (tmp_path / "oct.xlsx.manifest.json").exists()
        notes = notices(app)
        assert any("oct.xlsx" in note and "oct.xlsx.manifest.json" in note for note in notes)
        assert screen.query_one("#returns-progress").has_class("hidden")
        assert screen.query_one("#returns-progress-bar", ProgressBar).progress == 4
        assert screen.query_one("#returns-export-bar").has_class("hidden")
    with sample.read() as session:
        assert len(session.exec(select(ExportEvent)).all()) == 1


async def test_enter_twice_exports_with_the_default_name(sample: Ctx, tmp_path: Path) -> None:
    app = make_app(sample)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_returns(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")  # from the format on to where to write
        await pilot.pause()
        out = screen.query_one("#returns-out", Input)
        assert app.focused is out
        out.value = str(tmp_path / "return")
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "return" / "manifest.json").exists()


async def test_a_failed_export_says_why_and_hides_the_progress(sample: Ctx, tmp_path: Path) -> None:
    app = make_app(sample)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_returns(app, pilot)
        await pilot.press("e", "tab", "ctrl+u")
        await type_text(pilot, "no/csv")
        await pilot.press("enter")
        await settle(pilot, failed_workers=True)  # the export's worker fails: that is the test
        notes = notices(app)
        assert any("does not exist" in note for note in notes)
        assert screen.query_one("#returns-progress").has_class("hidden")
        assert screen.check_action("export", ()) is True
        # Esc closes the export bar first, then leaves the screen.
        await pilot.press("escape")
        assert screen.query_one("#returns-export-bar").has_class("hidden")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_help_explains_the_screen(sample: Ctx) -> None:
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await open_returns(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        assert "commissioner's return" in screen_text(app)


async def test_a_keyworker_cannot_open_returns(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    keyworker = make_user("kate")
    app = make_app(keyworker)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "Returns" not in screen_text(app)


async def test_export_over_an_existing_file_asks_first_and_a_second_enter_replaces_it(
    sample: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "oct.xlsx"
    target.write_bytes(b"someone else's workbook")
    app = make_app(sample)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_returns(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("right", "tab", "ctrl+u")
        await type_text(pilot, "oct")
        await pilot.press("enter")
        await settle(pilot)
        assert target.read_bytes() == b"someone else's workbook"
        notes = notices(app)
        assert any("already there" in note for note in notes)
        assert any("Press Enter again" in note for note in notes)
        await pilot.press("enter")
        await settle(pilot)
        assert target.read_bytes().startswith(b"PK")
        assert (tmp_path / "oct.xlsx.manifest.json").exists()
