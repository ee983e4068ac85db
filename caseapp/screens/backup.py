"""Backup (managers and admins): take the store's encrypted, checked backup from inside the app.

The backup is `services.backup.create`, the command line's own, run in a thread worker that
posts each step as it goes, so typing never waits. A lock while it runs waits for it
(`writes_on_lock`), so the store is never closed under a backup half written or unrecorded.
Restoring stays on the command line: it replaces the store, which this window holds open.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, WorkerState

from caseapp.errors import CaseappError
from caseapp.screens.base import CaseScreen
from caseapp.services import backup, backup_record
from caseapp.services.backup import BackupInfo
from caseapp.services.backup_record import TakenBackup
from caseapp.widgets.path_field import PathField
from caseapp.widgets.safe import safe

if TYPE_CHECKING:
    from caseapp.services.context import Ctx

SUFFIX = ".cabk"
WHY_CLI = "Restore stays on the command line: it replaces the store, which this window holds open."


ON_SERVER = (
    "This store is on a PostgreSQL server: back it up with the server's own tools (pg_dump, "
    "or pg_basebackup with WAL archiving; the README's section on PostgreSQL says how). "
    "caseapp's backups are of a laptop's encrypted store file."
)


def file_name(today: date, taken: set[str] | None = None) -> str:
    """A dated backup file name, not one already in `taken` (a second backup the same day)."""
    name = f"caseapp-backup-{today:%Y-%m-%d}{SUFFIX}"
    n = 2
    while taken and name in taken:
        name = f"caseapp-backup-{today:%Y-%m-%d}-{n}{SUFFIX}"
        n += 1
    return name


def default_folder(history: list[TakenBackup]) -> Path:
    """Where the last backup went, if it is still there; else her documents folder.

    Never the folder caseapp was started from, which may be anywhere; her home folder if the
    platform names no documents folder. Reads the disk: call it in a worker.
    """
    for taken in history[:1]:
        if taken.folder and Path(taken.folder).is_dir():
            return Path(taken.folder)
    import platformdirs

    folder = Path(platformdirs.user_documents_dir())
    return folder if folder.is_dir() else Path.home()


def default_out(history: list[TakenBackup], today: date) -> Path:
    """A dated file in `default_folder`, beside none of the same name."""
    folder = default_folder(history)
    try:
        names = {p.name for p in folder.iterdir() if p.name.startswith("caseapp-backup-")}
    except OSError:
        names = set()
    return folder / file_name(today, names)


def middle(text: str, room: int) -> str:
    """`text` in `room` columns, cut in the middle: a path's start and its file both show."""
    if len(text) <= room:
        return text
    head = room // 3
    return f"{text[:head]}…{text[len(text) - (room - head - 1) :]}"


def shell_path(path: Path | str) -> str:
    """A path as it would be typed in a terminal (quoted when it holds a space)."""
    text = str(path)
    return f'"{text}"' if any(ch in text for ch in " '&;()") else text


def size_text(size: int) -> str:
    """A file size as people read it."""
    if size < 1024 * 1024:
        return f"{max(size, 1) / 1024:.0f} KB"
    if size < 1024**3:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024**3:.2f} GB"


@dataclass
class Job:
    """One backup in its worker; `gate` settles a race between its start and a lock."""

    done: threading.Event
    gate: threading.Lock
    state: str = "queued"  # then "running", or "abandoned" when a lock came first
    worker: Worker[None] | None = None

    def wait_for_it(self, _ctx: Ctx) -> None:
        """In the lock's worker: wait until the backup is written and recorded."""
        while not self.done.wait(0.2):
            with self.gate:
                finished = self.worker is not None and self.worker.is_finished
                if self.state == "queued" and finished:
                    self.state = "abandoned"  # cancelled before it began: nothing to wait for
                    return

    def finish_or_drop(self) -> bool:
        """On the UI thread: wait for a backup under way; drop one not begun (its worker
        cannot begin while this thread waits). True when it was dropped."""
        with self.gate:
            if self.state == "queued":
                self.state = "abandoned"
                return True
        self.done.wait()
        return False


class BackupScreen(CaseScreen):
    """The last backups, where to write the next, Enter to take it, and what a restore needs."""

    HELP = (
        "## Backup\n\n"
        "A backup is one file holding the store's encrypted pages and its key file, checked "
        "after writing and recorded in the audit log, as `caseapp backup` writes it.\n\n"
        "The field says where it goes: a dated file in the folder of the last backup, or in "
        "your documents folder. Type another path (a folder gets the dated name) and press "
        "**Enter**. You can keep typing while it is written; a lock waits for it to finish.\n\n"
        "A file already there is replaced only if you press **Enter** again. Keep backups "
        "off this computer (a USB stick, locked away): anyone with a manager's or admin's "
        "passphrase of the day can open one.\n\n"
        "To restore, close caseapp everywhere and run the command shown after the backup, "
        "`caseapp restore FILE --store PATH --replace`, with the username and passphrase of a "
        "manager or admin as they were when the backup was taken. " + WHY_CLI + "\n\n"
        "**Esc** goes back (not while a backup is being written)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="backup-back"),
    ]

    class Loaded(Message):
        """The latest backups were read, and where the next one should go."""

        def __init__(self, history: list[TakenBackup], suggested: Path, size: int) -> None:
            super().__init__()
            self.history, self.suggested, self.size = history, suggested, size

    class Stepped(Message):
        """The backup began one of its steps."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Taken(Message):
        """The backup is written, checked and recorded."""

        def __init__(self, info: BackupInfo) -> None:
            super().__init__()
            self.info = info

    def __init__(self) -> None:
        super().__init__()
        self.job: Job | None = None
        self.steps = 0
        # The file a backup was refused for because it was there: Enter on it again replaces.
        self.refused_for: Path | None = None
        self.taking_to: Path | None = None
        self.history: list[TakenBackup] = []

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="backup-store")
        yield Static("Reading the latest backups…", id="backup-last")
        yield Static("Write the backup to (Enter takes it):", id="backup-label")
        yield PathField("", id="backup-out", max_length=1000)
        yield Static("", id="backup-progress")
        yield Static("", id="backup-result")
        yield Footer()

    @property
    def out_field(self) -> PathField:
        """The path field."""
        return self.query_one("#backup-out", PathField)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#backup-progress", Static).display = False
        if backup_record.on_server(self.ctx):
            self.query_one("#backup-last", Static).update(ON_SERVER)
            for hidden in ("#backup-label", "#backup-out"):
                self.query_one(hidden).display = False
            return
        self.out_field.focus()
        self._load(self.ctx)

    @work(thread=True, exclusive=True, exit_on_error=False, group="backup-load")
    def _load(self, ctx: Ctx) -> None:
        history = backup_record.recent(ctx)
        size = 0
        for part in (Path(ctx.store.path), Path(f"{ctx.store.path}-wal")):
            # Commits not yet checkpointed are in the -wal: the backup holds them too.
            size += part.stat().st_size if part.is_file() else 0
        suggested = default_out(history, ctx.clock.today())
        self.post_message(self.Loaded(history, suggested, size))

    def on_backup_screen_loaded(self, message: Loaded) -> None:
        self.history = message.history
        store = Text("Store: ")
        store.append_text(safe(self.ctx.store.path, limit=60))
        if message.size:
            store.append(f" ({size_text(message.size)})")
        self.query_one("#backup-store", Static).update(store)
        self._show_history()
        # A path she typed while the history was read stays hers.
        self.out_field.suggest(str(message.suggested))

    def _show_history(self) -> None:
        shown = Text()
        if not self.history:
            shown.append("No backup has been taken of this store yet.", style="bold yellow")
        else:
            shown.append("Latest backups (UTC)", style="bold")
        width = max(self.app.size.width - 2, 40)  # inside the padding
        for taken in self.history:
            when = f"{taken.at:%d/%m/%Y %H:%M}  "
            shown.append(f"\n  {when}")
            shown.append_text(safe(taken.username, limit=16, style="dim"))
            where = str(Path(taken.folder) / taken.file) if taken.folder else taken.file
            room = width - len(when) - min(len(taken.username), 16) - 4
            shown.append("  ")
            shown.append_text(safe(middle(where, max(room, 20))))
        self.query_one("#backup-last", Static).update(shown)

    # -- taking the backup ---------------------------------------------------------------

    def _target(self, text: str) -> Path:
        """The file a typed path names: a folder gets the dated name; a bare name goes into
        the suggested folder, never the folder caseapp happened to be started from."""
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = default_folder(self.history) / path
        if path.is_dir():
            path = path / file_name(self.ctx.clock.today())
        return path

    @on(Input.Submitted, "#backup-out")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.job is not None:
            self.notify("A backup is being written: wait for it.", markup=False)
            return
        text = event.value.strip()
        if not text:
            self.notify("Type where to write the backup.", severity="warning", markup=False)
            return
        target = self._target(text)
        replace = self.refused_for == target
        self.refused_for = None
        self.taking_to = target
        self.steps = 0
        self.job = job = Job(threading.Event(), threading.Lock())
        progress = self.query_one("#backup-progress", Static)
        progress.update(safe(f"Backing up to {target}…", limit=200))
        progress.display = True
        self.query_one("#backup-result", Static).update("")
        job.worker = self._take(self.ctx, job, target, replace)
        self.refresh_bindings()

    @work(thread=True, exit_on_error=False, group="backup-take")
    def _take(self, ctx: Ctx, job: Job, target: Path, replace: bool) -> None:
        with job.gate:
            if job.state == "abandoned":
                return
            job.state = "running"
        try:
            info = backup.create(
                ctx,
                target,
                replace=replace,
                step=lambda text: self.post_message(self.Stepped(text)),
            )
            self.post_message(self.Taken(info))
        finally:
            job.done.set()

    def writes_on_lock(self) -> Callable[[Ctx], object] | None:
        """A backup being written finishes (and is recorded) before the lock closes the store."""
        return self.job.wait_for_it if self.job is not None else None

    def on_unmount(self) -> None:
        job = self.job
        if job is None or self.case_app.ctx is None:
            return  # nothing under way, or a lock, whose worker waits for it
        # Closed under a backup by something else than Esc (the palette's "Go to" closes every
        # screen above home): a lock would no longer ask this screen to wait, so the backup
        # is finished now. Seldom, and only as long as the backup takes.
        if job.finish_or_drop():
            self.app.notify("The backup was not taken.", severity="warning", markup=False)

    def on_backup_screen_stepped(self, message: Stepped) -> None:
        self.steps += 1
        self.query_one("#backup-progress", Static).update(
            safe(f"{message.text}… (step {self.steps} of {backup.STEPS})")
        )

    def on_backup_screen_taken(self, message: Taken) -> None:
        self._finished()
        info = message.info
        women = dict(info.counts).get("woman", 0)
        shown = Text()
        shown.append("Backed up to ", style="bold green")
        shown.append_text(safe(info.path, style="bold"))
        shown.append(
            f"\n{size_text(info.size)}, {women:,} {'woman' if women == 1 else 'women'}, "
            f"{info.rows:,} rows in all; checked "
            f"after writing and recorded in the audit log. SHA-256 {info.sha256[:16]}…"
        )
        shown.append(
            "\n\nTo restore it, close caseapp everywhere and type, on one line:\n", style="bold"
        )
        shown.append_text(safe(f"  caseapp restore {shell_path(info.path)}"))
        shown.append("\n")
        shown.append_text(safe(f"    --store {shell_path(self.ctx.store.path)} --replace"))
        shown.append(
            "\nwith a manager's or admin's username and her passphrase as it was at this "
            f"backup. {WHY_CLI}",
            style="dim",
        )
        self.query_one("#backup-result", Static).update(shown)
        self._load(self.ctx)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A refused or failed backup says why on the screen, in one line (the base also
        notifies); a file already there is replaced by Enter again."""
        if event.worker.group == "backup-take" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._finished()
            error = event.worker.error
            refused = isinstance(error, backup_record.FileExists)
            self.refused_for = self.taking_to if refused else None
            line = Text()
            if isinstance(error, CaseappError):
                line.append_text(safe(str(error), style="bold red", limit=300))
            elif error is not None:
                line.append("The backup failed; nothing was kept. Details are in the log.")
            if refused:
                line.append(" Enter again replaces it.", style="bold")
            self.query_one("#backup-result", Static).update(line)
        # CaseScreen's handler runs after this one by itself (Textual calls each class's),
        # and notifies the error: calling it here too would show it twice.

    def _finished(self) -> None:
        self.job = None
        self.query_one("#backup-progress", Static).display = False
        self.refresh_bindings()

    # -- keys ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back is dimmed while a backup is written (the screen waits for it)."""
        if action == "back":
            return True if self.job is None else None
        return True

    def action_back(self) -> None:
        """Back to the home screen, once no backup is being written."""
        if self.job is None:
            self.app.pop_screen()
