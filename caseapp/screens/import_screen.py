"""Import records (managers): type a path, read the dry-run report, then import for real."""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Static

from caseapp.modals.confirm import ConfirmModal
from caseapp.screens.base import CaseScreen
from caseapp.services.interchange.load import run_import
from caseapp.services.interchange.report import ERROR, ImportReport
from caseapp.widgets.safe import safe

COLUMNS = (("", 1), ("Where", 22), ("Column", 14), ("What is wrong", 200))
MARKS = {ERROR: "✗", "warning": "!"}


class ImportScreen(CaseScreen):
    """A path box, the dry-run report as a table of problems, and the import itself."""

    HELP = (
        "## Import records\n\n"
        "Type the path of a **folder of CSV files**, a **.zip** of one, or an **.xlsx** "
        "workbook (the interchange format: women.csv, engagements.csv, group_sessions.csv, "
        "group_attendance.csv, assessments.csv, outcomes.csv, activities.csv, flags.csv) and "
        "press **Enter**. caseapp checks every row and shows what it would create, with every "
        "problem as *file:line, column, what is wrong*; nothing is written yet.\n\n"
        "Move through the problems with the arrow keys; the highlighted one is shown in full "
        "below the table.\n\n"
        "When the check finds no errors, **ctrl+s** imports for real, after you confirm. The "
        "import is all or nothing; importing the same files again adds nothing twice "
        "(rows already held are skipped). Warnings (a hub that will be added, a keyworker "
        "caseapp does not know) do not stop it. **F5** checks again; **Esc** goes back."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="import-back"),
        Binding("f5", "preview", "Check again", id="import-preview"),
        Binding("ctrl+s", "commit", "Import", id="import-commit"),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Import: check the files (dry run)", "preview", "Check every row; write nothing (F5)"),
        ("Import: import the checked files", "commit", "After a clean check (ctrl+s)"),
    )

    class Progressed(Message):
        """The worker is part-way through a file."""

        def __init__(self, label: str, done: int, total: int) -> None:
            super().__init__()
            self.label, self.done, self.total = label, done, total

    class Previewed(Message):
        """The dry run finished."""

        def __init__(self, path: str, report: ImportReport) -> None:
            super().__init__()
            self.path, self.report = path, report

    class Imported(Message):
        """The import finished (committed, or refused with its report)."""

        def __init__(self, report: ImportReport) -> None:
            super().__init__()
            self.report = report

    class Failed(Message):
        """The worker stopped with an error (already shown as a notification)."""

    def __init__(self) -> None:
        super().__init__()
        self.preview: ImportReport | None = None
        self.shown: ImportReport | None = None
        self.previewed_path = ""
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="Path: a folder of CSV files, a .zip or an .xlsx, then Enter",
            id="import-path",
        )
        yield Static("Nothing checked yet.", id="import-summary")
        yield Static("", id="import-progress")
        table: DataTable[Text | str] = DataTable(cursor_type="row", id="import-problems")
        yield table
        yield Static("", id="import-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name, width in COLUMNS:
            table.add_column(name, width=width)
        self.query_one("#import-progress", Static).display = False
        self.query_one(Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Import only after a clean check of the path now typed; nothing while working."""
        if action == "commit":
            ready = (
                self.preview is not None
                and self.preview.ok
                and any(f.created for f in self.preview.files)
                and not self.busy
                and self.previewed_path == self._path()
            )
            return True if ready else None
        if action == "preview":
            return True if self._path() and not self.busy else None
        return True

    def _path(self) -> str:
        return self.query_one(Input).value.strip()

    def action_back(self) -> None:
        """Back to where the import was opened from (not while it is writing)."""
        if not self.busy:
            self.dismiss()

    # -- checking ------------------------------------------------------------------------

    @on(Input.Submitted, "#import-path")
    def _submitted(self) -> None:
        self.action_preview()

    @on(Input.Changed, "#import-path")
    def _changed(self) -> None:
        self.refresh_bindings()

    def action_preview(self) -> None:
        """Check the files at the typed path without writing anything."""
        path = self._path()
        if not path or self.busy:
            return
        self._start(f"Checking {path} ...")
        self._run(path, dry_run=True)

    def action_commit(self) -> None:
        """Ask, then import the checked files for real."""
        report = self.preview
        if report is None or not report.ok or self.busy or self.previewed_path != self._path():
            return
        created = sum(f.created for f in report.files)
        question = Text(f"Import {created:,} new record(s) from ")
        question.append_text(safe(report.source, limit=60))
        question.append("? It is all or nothing, and recorded in the audit log.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._start(f"Importing {self.previewed_path} ...")
                self._run(self.previewed_path, dry_run=False)

        self.app.push_screen(ConfirmModal(question), answered)

    def _start(self, text: str) -> None:
        self.busy = True
        progress = self.query_one("#import-progress", Static)
        progress.update(safe(text))
        progress.display = True
        self.refresh_bindings()

    @work(thread=True, exit_on_error=False, group="import")
    def _run(self, path: str, dry_run: bool) -> None:
        last = [0.0]

        def progress(label: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.2:
                last[0] = now
                self.post_message(self.Progressed(label, done, total))

        try:
            report = run_import(
                self.ctx, Path(path).expanduser(), dry_run=dry_run, progress=progress
            )
        except BaseException:
            self.post_message(self.Failed())
            raise
        if dry_run:
            self.post_message(self.Previewed(path, report))
        else:
            self.post_message(self.Imported(report))

    def on_import_screen_progressed(self, message: Progressed) -> None:
        text = f"{message.label}: "
        if message.total:
            text += (
                f"{message.done * 100 // message.total}% ({message.done:,} of {message.total:,})"
            )
        else:
            text += f"line {message.done:,}"
        self.query_one("#import-progress", Static).update(safe(text))

    def on_import_screen_failed(self, _message: Failed) -> None:
        self.preview = None
        self.query_one("#import-summary", Static).update("Not checked: see the message.")
        self.query_one(DataTable).clear()
        self.query_one("#import-detail", Static).update("")
        self._finish()

    @on(DataTable.RowHighlighted, "#import-problems")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted problem in full (the table cuts long messages at 80 columns)."""
        report = self.shown
        index = int(str(event.row_key.value)) if event.row_key.value is not None else -1
        detail = self.query_one("#import-detail", Static)
        if report is not None and 0 <= index < len(report.problems):
            detail.update(safe(str(report.problems[index]), limit=400))
        else:
            detail.update("")

    def on_import_screen_previewed(self, message: Previewed) -> None:
        self.preview = message.report
        self.previewed_path = message.path
        self._show(message.report)
        self._finish()

    def on_import_screen_imported(self, message: Imported) -> None:
        report = message.report
        self.preview = None
        self._show(report)
        self._finish()
        if report.committed:
            self.notify(report.headline(), title="Imported", markup=False)

    def _finish(self) -> None:
        self.busy = False
        self.query_one("#import-progress", Static).display = False
        self.refresh_bindings()

    def _show(self, report: ImportReport) -> None:
        """The headline, one line per file, and every problem in the table."""
        self.shown = report
        summary = Text()
        summary.append(report.headline(), style="bold" if report.ok else "bold red")
        for f in report.files:
            summary.append("\n")
            summary.append_text(safe(f.name, limit=30))
            summary.append(f": {f.rows:,} row(s)")
            if report.ok:
                summary.append(f", {f.created:,} new")
                if f.skipped or f.matched:
                    summary.append(f", {f.skipped + f.matched:,} already held")
        if report.ok and not report.committed and any(f.created for f in report.files):
            summary.append("\nctrl+s imports these records.", style="dim")
        self.query_one("#import-summary", Static).update(summary)
        table = self.query_one(DataTable)
        table.clear()
        self.query_one("#import-detail", Static).update("")
        for n, problem in enumerate(report.problems):
            table.add_row(
                MARKS.get(problem.severity, ""),
                safe(f"{problem.file}:{problem.line}", limit=22),
                safe(problem.column or "-", limit=14),
                safe(problem.message, limit=200),
                key=str(n),
            )
