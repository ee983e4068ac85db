"""The commissioner's return for managers: pick a period, check the figures, export them.

Figures, breakdowns and the twelve-month trend are computed in thread workers that end in
`ReturnLoaded` / `TrendLoaded`; a newer period supersedes an older computation. The export
runs in its own worker, posting `ExportProgressed` while it works and `ReturnExported` when the
files are in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import Worker, WorkerState

from caseapp.errors import ValidationError
from caseapp.screens.base import CaseScreen
from caseapp.services import returns
from caseapp.services.returns import ExportResult, ReturnResult, TrendPoint
from caseapp.services.returns_periods import Period, date_range, last_complete
from caseapp.widgets.choice_bar import ChoiceBar
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.path_field import PathField
from caseapp.widgets.safe import safe
from caseapp.widgets.trend_chart import Series, TrendChart

FORMAT_CHOICES = (("csv", "CSV folder"), ("xlsx", "XLSX"), ("json", "JSON"))
SUPPRESSED_STYLE = "bold yellow"


def figure(value: int | str | None) -> Text:
    """A count as shown: [c] stands out, a missing percentage is a dash."""
    if value is None:
        return Text("–", style="dim")
    if isinstance(value, str):
        return Text(value, style=SUPPRESSED_STYLE)
    return Text(f"{value:,}")


def default_out(period: Period, fmt: str) -> str:
    """Where an export goes unless she types another path: her documents folder.

    Never the folder caseapp was started from, which may be anywhere (a shared drive, the
    program's own folder); her home folder if the platform names no documents folder.
    """
    import platformdirs

    folder = Path(platformdirs.user_documents_dir())
    if not folder.is_dir():
        folder = Path.home()
    return str(folder / returns.default_name(period, fmt))


class ReturnsScreen(CaseScreen):
    """Headline figures, breakdowns with suppressed cells marked, a trend chart, export."""

    HELP = (
        "## The commissioner's return\n\n"
        "Choose the period: **m** calendar month, **q** calendar quarter (Q3 is July to "
        "September), **y** financial year (1 April to 31 March), **d** any two dates. "
        "**[** and **]** step to the previous and next period.\n\n"
        "**Headline** shows the exact service totals and the outcome percentages. "
        "**Breakdowns** shows every breakdown of people as it will leave caseapp: counts from "
        "1 to the threshold less one, and the cells hidden to protect them, show as **[c]**. "
        "**Trend** charts a headline figure month by month for the twelve months to the end "
        "of the period; **v** shows the next figure. **h**, **b** and **t** switch tabs.\n\n"
        "**e** exports: choose CSV (a folder of one file per table), XLSX or JSON with "
        "left and right, type where to write it, and press **Enter**. Every export writes a "
        "manifest beside it and is recorded in the audit log. **Esc** closes the export bar "
        "or goes back."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="returns-back"),
        # Export first: at 80 columns the footer shows only the first few keys.
        Binding("e", "export", "Export", id="returns-export"),
        Binding("m", "kind('month')", "Month", id="returns-month"),
        Binding("q", "kind('quarter')", "Quarter", id="returns-quarter"),
        Binding("y", "kind('year')", "Year", id="returns-year"),
        Binding("d", "dates", "Dates", id="returns-dates"),
        Binding("left_square_bracket", "step(-1)", "Previous", id="returns-prev", key_display="["),
        Binding("right_square_bracket", "step(1)", "Next", id="returns-next", key_display="]"),
        Binding(
            "h", "tab('returns-headline-tab')", "Headline", id="returns-tab-headline", show=False
        ),
        Binding(
            "b",
            "tab('returns-breakdowns-tab')",
            "Breakdowns",
            id="returns-tab-breakdowns",
            show=False,
        ),
        Binding("t", "tab('returns-trend-tab')", "Trend", id="returns-tab-trend", show=False),
        Binding("v", "next_figure", "Next figure", id="returns-figure", show=False),
        Binding("enter", "to_out", "Where to write", id="returns-to-out", show=False),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Return for a month", "kind('month')", "The latest complete calendar month (m)"),
        ("Return for a quarter", "kind('quarter')", "The latest complete calendar quarter (q)"),
        ("Return for a financial year", "kind('year')", "1 April to 31 March (y)"),
        ("Return for two dates", "dates", "Any period, both dates included (d)"),
        ("Export the return", "export", "CSV, XLSX or JSON with a manifest (e)"),
    )

    class ReturnLoaded(Message):
        """The return for a period was computed."""

        def __init__(self, result: ReturnResult) -> None:
            super().__init__()
            self.result = result

    class TrendLoaded(Message):
        """Twelve months of headline figures were computed."""

        def __init__(self, period: Period, points: tuple[TrendPoint, ...]) -> None:
            super().__init__()
            self.period = period
            self.points = points

    class ExportProgressed(Message):
        """An export finished one of its steps."""

        def __init__(self, step: int, total: int, text: str) -> None:
            super().__init__()
            self.step = step
            self.total = total
            self.text = text

    class ReturnExported(Message):
        """An export's files are written and recorded."""

        def __init__(self, result: ExportResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self) -> None:
        super().__init__()
        self.period = last_complete("month", self.ctx.clock.today())
        self.result: ReturnResult | None = None
        self.points: tuple[TrendPoint, ...] = ()
        self.figure_index = returns.HEADLINE_CODES.index("women_supported")
        self.exporting = False
        # The format and place an export was refused for because files were there: exporting
        # the same again confirms replacing them.
        self.refused_for: tuple[str, Path] | None = None
        self.exporting_to: tuple[str, Path] | None = None

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="returns-period")
        with Horizontal(id="returns-range", classes="hidden"):
            yield Label("From ")
            yield DateInput(self.period.start, id="returns-from")
            yield Label(" to ")
            yield DateInput(self.period.end, id="returns-to")
        with TabbedContent(id="returns-tabs"):
            with TabPane("Headline", id="returns-headline-tab"):
                yield DataTable(id="returns-headline", cursor_type="row", zebra_stripes=True)
            with TabPane("Breakdowns", id="returns-breakdowns-tab"):
                yield DataTable(id="returns-breakdowns", cursor_type="row")
            with TabPane("Trend", id="returns-trend-tab"):
                yield TrendChart(height=11, id="returns-trend")
        with Horizontal(id="returns-export-bar", classes="hidden"):
            yield ChoiceBar(FORMAT_CHOICES, id="returns-format")
            yield PathField(default_out(self.period, "csv"), id="returns-out")
        with Horizontal(id="returns-progress", classes="hidden"):
            yield ProgressBar(total=4, show_eta=False, id="returns-progress-bar")
            yield Static("", id="returns-progress-text")
        yield Footer()

    def on_mount(self) -> None:
        headline = self.query_one("#returns-headline", DataTable)
        headline.add_column("Figure", width=48)
        headline.add_column("Value", width=20)
        breakdowns = self.query_one("#returns-breakdowns", DataTable)
        breakdowns.add_column("Category", width=54)
        breakdowns.add_column("Count", width=12)
        self.refresh_period()
        headline.focus()

    # -- choosing the period -------------------------------------------------------------

    def refresh_period(self) -> None:
        """Show the chosen period and compute its return and trend."""
        line = Text("Period: ", style="bold")
        line.append(f"{self.period.label}", style="bold")
        line.append(f" · {self.period.span}")
        if self.result is not None and self.result.period == self.period:
            line.append(f" · threshold {self.result.threshold}", style="dim")
        else:
            line.append(" · counting…", style="dim")
        self.query_one("#returns-period", Static).update(line)
        self.query_one("#returns-out", PathField).suggest(default_out(self.period, self._format))
        self._load(self.period)
        self._load_trend(self.period)

    def action_kind(self, kind: str) -> None:
        """The latest complete month, quarter or financial year."""
        self.query_one("#returns-range").add_class("hidden")
        self.period = last_complete(kind, self.ctx.clock.today())
        self.refresh_period()

    def action_step(self, steps: int) -> None:
        """The period before or after, of the same kind."""
        self.period = self.period.shifted(steps)
        self.refresh_period()

    def action_dates(self) -> None:
        """Show the two date fields; Enter in either applies them."""
        self.query_one("#returns-range").remove_class("hidden")
        self.query_one("#returns-from", DateInput).focus()

    @on(Input.Submitted, "#returns-from")
    def _from_entered(self) -> None:
        self.query_one("#returns-to", DateInput).focus()

    @on(Input.Submitted, "#returns-to")
    def _dates_entered(self) -> None:
        first = self.query_one("#returns-from", DateInput).date
        last = self.query_one("#returns-to", DateInput).date
        if first is None or last is None:
            self.notify("Type both dates, e.g. 01/04/2025.", severity="warning", markup=False)
            return
        try:
            self.period = date_range(first, last)
        except ValidationError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.query_one("#returns-range").add_class("hidden")
        self.query_one("#returns-headline", DataTable).focus()
        self.refresh_period()

    # -- computing -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="returns-load")
    def _load(self, period: Period) -> None:
        self.post_message(self.ReturnLoaded(returns.compute(self.ctx, period)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="returns-trend")
    def _load_trend(self, period: Period) -> None:
        self.post_message(self.TrendLoaded(period, returns.trend(self.ctx, period.end)))

    def on_returns_screen_return_loaded(self, message: ReturnLoaded) -> None:
        if message.result.period != self.period:
            return  # an older period finished after a newer choice
        self.result = message.result
        self._fill_headline(message.result)
        self._fill_breakdowns(message.result)
        self.refresh_bindings()
        line = Text("Period: ", style="bold")
        line.append(self.period.label, style="bold")
        line.append(f" · {self.period.span}")
        line.append(f" · threshold {message.result.threshold}", style="dim")
        hidden = len(message.result.suppressed)
        line.append(f" · {hidden} cell(s) [c]" if hidden else " · nothing suppressed", "dim")
        earlier = len(message.result.because_of_releases)
        if earlier:
            line.append(f", {earlier} because of earlier releases", SUPPRESSED_STYLE)
        self.query_one("#returns-period", Static).update(line)

    def _fill_headline(self, result: ReturnResult) -> None:
        table = self.query_one("#returns-headline", DataTable)
        table.clear()
        for row in result.headline:
            table.add_row(Text(row.label), figure(row.value), key=row.code)
        for outcome in result.outcomes:
            value = Text.assemble(
                figure(outcome.numerator), " of ", figure(outcome.denominator), " · "
            )
            if outcome.percent is None:
                value.append("–", style="dim")
            elif isinstance(outcome.percent, str):
                value.append(outcome.percent, style=SUPPRESSED_STYLE)
            else:
                value.append(f"{outcome.percent}%", style="bold")
            table.add_row(Text(f"Outcome: {outcome.label}"), value, key=outcome.code)

    def _fill_breakdowns(self, result: ReturnResult) -> None:
        table = self.query_one("#returns-breakdowns", DataTable)
        table.clear()
        # Cells hidden because an earlier release would give them away say so (rule 4a).
        earlier = {(item.table, item.code) for item in result.because_of_releases}
        for shown in result.tables:
            table.add_row(Text(shown.title, style="bold"), Text(""), key=shown.name)
            for code, label, value in shown.rows:
                name = Text(f"  {label}")
                if (shown.name, code) in earlier:
                    name.append(" (earlier release)", style="dim")
                table.add_row(name, figure(value), key=f"{shown.name}/{code}")

    def on_returns_screen_trend_loaded(self, message: TrendLoaded) -> None:
        if message.period != self.period:
            return
        self.points = message.points
        self._draw_trend()

    def _draw_trend(self) -> None:
        if not self.points:
            return
        code = returns.HEADLINE_CODES[self.figure_index]
        series = Series(
            f"{returns.METRICS[code].label} by month",
            tuple((p.period.start.strftime("%b %Y"), p.values[code]) for p in self.points),
        )
        self.query_one("#returns-trend", TrendChart).show(series)

    def action_tab(self, tab: str) -> None:
        """Show the headline, breakdowns or trend tab."""
        self.query_one("#returns-tabs", TabbedContent).active = tab

    def action_next_figure(self) -> None:
        """Chart the next headline figure."""
        self.figure_index = (self.figure_index + 1) % len(returns.HEADLINE_CODES)
        self.query_one("#returns-tabs", TabbedContent).active = "returns-trend-tab"
        self._draw_trend()

    # -- exporting -----------------------------------------------------------------------

    @property
    def _format(self) -> str:
        return self.query_one("#returns-format", ChoiceBar).value

    def action_export(self) -> None:
        """Show the export bar: format, then where to write; Enter exports."""
        self.query_one("#returns-export-bar").remove_class("hidden")
        self.query_one("#returns-format", ChoiceBar).focus()

    def action_to_out(self) -> None:
        """Enter on the format moves on to where to write, as in every form."""
        if isinstance(self.focused, ChoiceBar):
            self.query_one("#returns-out", Input).focus()

    @property
    def out_edited(self) -> bool:
        """Whether she has typed her own place to write the return."""
        return self.query_one("#returns-out", PathField).edited

    @on(ChoiceBar.Changed, "#returns-format")
    def _format_changed(self, event: ChoiceBar.Changed) -> None:
        self.query_one("#returns-out", PathField).suggest(default_out(self.period, event.value))

    @on(Input.Submitted, "#returns-out")
    def _export_now(self, event: Input.Submitted) -> None:
        if self.exporting:
            return
        text = event.value.strip()
        if not text:
            self.notify("Type where to write the return.", severity="warning", markup=False)
            return
        if returns.is_incomplete(self.period, self.ctx.clock.today()):
            self._ask_incomplete(text)
            return
        self._start_export(text)

    def _ask_incomplete(self, text: str) -> None:
        """A period not yet over exports only after a warning (the manifest says so too)."""
        from caseapp.modals.confirm import ConfirmModal

        question = Text(
            f"The figures are incomplete: {self.period.label} ends on "
            f"{self.period.end:%d/%m/%Y}, which has not passed. Export it anyway? The "
            "manifest will say the figures are incomplete."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_export(text, allow_incomplete=True)

        self.app.push_screen(ConfirmModal(question), answered)

    def _start_export(self, text: str, *, allow_incomplete: bool = False) -> None:
        self.exporting = True
        self.refresh_bindings()
        self.query_one("#returns-progress").remove_class("hidden")
        self.query_one("#returns-progress-bar", ProgressBar).update(progress=0)
        where = (self._format, Path(text).expanduser())
        self.exporting_to = where
        self._export(
            self.period,
            *where,
            overwrite=self.refused_for == where,
            allow_incomplete=allow_incomplete,
        )

    @work(thread=True, exit_on_error=False, group="returns-export")
    def _export(
        self,
        period: Period,
        fmt: str,
        out: Path,
        *,
        overwrite: bool = False,
        allow_incomplete: bool = False,
    ) -> None:
        def progress(step: int, total: int, text: str) -> None:
            self.post_message(self.ExportProgressed(step, total, text))

        result = returns.export(
            self.ctx,
            period,
            fmt,
            out,
            progress=progress,
            overwrite=overwrite,
            allow_incomplete=allow_incomplete,
        )
        self.post_message(self.ReturnExported(result))

    def on_returns_screen_export_progressed(self, message: ExportProgressed) -> None:
        self.query_one("#returns-progress-bar", ProgressBar).update(
            total=message.total, progress=message.step
        )
        self.query_one("#returns-progress-text", Static).update(safe(message.text))

    def on_returns_screen_return_exported(self, message: ReturnExported) -> None:
        self._export_finished()
        self.query_one("#returns-export-bar").add_class("hidden")
        self.query_one("#returns-headline", DataTable).focus()
        result = message.result
        self.notify(
            f"Written to {result.target} with its manifest {result.manifest.name}.",
            title="Return exported",
            markup=False,
            timeout=10,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed export hides its progress bar; the error itself is shown by the base."""
        if event.worker.group == "returns-export" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._export_finished()
            refused = isinstance(event.worker.error, returns.FileExists)
            self.refused_for = self.exporting_to if refused else None
            if not refused:
                # A path that failed is not kept for the next export: another period or
                # format goes back to the documents folder.
                self.query_one("#returns-out", PathField).forget_edit()
            if refused:
                self.notify(
                    "Press Enter again on where to write to replace what is there.",
                    title="Replace?",
                    severity="warning",
                    markup=False,
                )
        super().on_worker_state_changed(event)

    def _export_finished(self) -> None:
        self.exporting = False
        self.query_one("#returns-progress").add_class("hidden")
        self.refresh_bindings()

    # -- keys ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim export while one runs or before the figures are in, and the chart key before
        the trend is in."""
        if action == "export":
            return not self.exporting and self.result is not None
        if action == "next_figure":
            return bool(self.points)
        return True

    def action_back(self) -> None:
        """Close the date or export bar, or go back to the home screen."""
        for bar in ("#returns-export-bar", "#returns-range"):
            widget = self.query_one(bar)
            if not widget.has_class("hidden"):
                widget.add_class("hidden")
                self.query_one("#returns-headline", DataTable).focus()
                return
        self.app.pop_screen()
