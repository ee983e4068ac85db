"""Subject requests (managers): write her subject access pack, or erase her record."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Header, Input, Label, Static

from caseapp.errors import NotFound
from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.typed_confirm import TypedConfirmModal
from caseapp.screens.base import CaseScreen
from caseapp.services import erasure, sar
from caseapp.services.erasure import ErasurePreview, ErasureResult
from caseapp.services.sar import FileExists, SarResult
from caseapp.services.validation import show_date
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import CompactInput

DEFAULT_FOLDER = "~/caseapp-subject-access"


class SubjectRequestsScreen(CaseScreen):
    """A woman's reference, then F2 for her subject access pack or F8 to erase her."""

    HELP = (
        "## Subject access and erasure\n\n"
        "Type her **reference** (MIN-2026-00042) and, for a subject access pack, the "
        "**folder** to write it to.\n\n"
        "**F2** writes her subject access pack: one readable HTML page and a JSON file of "
        "everything held about her, who opened or changed her record, and every export that "
        "included her data. The pack is recorded in the audit log.\n\n"
        "**F8** erases her and everything attached to her after you have seen who she is and "
        "typed her reference to confirm. It cannot be undone; the audit log keeps only a "
        "tombstone. **Esc** goes back."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="requests-back"),
        Binding("f2", "pack", "Subject access pack", id="requests-pack"),
        Binding("f8", "erase", "Erase", id="requests-erase"),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Write a subject access pack", "pack", "HTML and JSON of everything held (F2)"),
        ("Erase a woman's record", "erase", "After typing her reference (F8)"),
    )

    class Written(Message):
        """Her pack was written."""

        def __init__(self, result: SarResult) -> None:
            super().__init__()
            self.result = result

    class PackThere(Message):
        """A pack with the same names (made today) is in the folder already."""

        def __init__(self, reference: str, folder: Path) -> None:
            super().__init__()
            self.reference = reference
            self.folder = folder

    class Previewed(Message):
        """Who would be erased, for the confirmation."""

        def __init__(self, preview: ErasurePreview) -> None:
            super().__init__()
            self.preview = preview

    class Erased(Message):
        """She was erased."""

        def __init__(self, result: ErasureResult) -> None:
            super().__init__()
            self.result = result

    class Missing(Message):
        """No woman has that reference (`erased_on` when one was erased)."""

        def __init__(self, reference: str, erased_on: str) -> None:
            super().__init__()
            self.reference = reference
            self.erased_on = erased_on

    def __init__(self, *, reference: str = "") -> None:
        super().__init__()
        self.initial_reference = reference

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            "Her subject access pack (F2), or erasure of her record (F8).",
            id="requests-intro",
            markup=False,
        )
        with Horizontal(classes="requests-row"):
            yield Label("Reference", classes="requests-label")
            yield CompactInput(
                self.initial_reference,
                placeholder="her case reference",
                id="requests-ref",
                max_length=40,
            )
        with Horizontal(classes="requests-row"):
            yield Label("Folder", classes="requests-label")
            yield CompactInput(DEFAULT_FOLDER, id="requests-folder", max_length=500)
        yield Static("", id="requests-result")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#requests-ref", Input).focus()

    def _reference(self) -> str:
        box = self.query_one("#requests-ref", Input)
        if not box.value.strip():
            box.focus()
            self._say(Text("Type her reference first.", style="bold"))
        return box.value.strip()

    def _say(self, text: Text) -> None:
        self.query_one("#requests-result", Static).update(text)

    @on(Input.Submitted, "#requests-ref")
    def _next_field(self) -> None:
        self.query_one("#requests-folder", Input).focus()

    # -- subject access ------------------------------------------------------------------

    @on(Input.Submitted, "#requests-folder")
    def _folder_entered(self) -> None:
        self.action_pack()

    def action_pack(self) -> None:
        """Write her subject access pack into the folder."""
        ref = self._reference()
        if not ref:
            return
        folder = Path(self.query_one("#requests-folder", Input).value.strip() or DEFAULT_FOLDER)
        self._say(Text("Writing her pack…"))
        self._pack(ref, folder.expanduser())

    @work(thread=True, exit_on_error=False, group="requests-pack")
    def _pack(self, reference: str, folder: Path, overwrite: bool = False) -> None:
        try:
            written = sar.export_pack(self.ctx, reference, folder, overwrite=overwrite)
        except NotFound:
            self._missing(reference)
        except FileExists:
            self.post_message(self.PackThere(reference, folder))
        else:
            self.post_message(self.Written(written))

    def on_subject_requests_screen_pack_there(self, message: PackThere) -> None:
        """A pack made today is in the folder already: replace it only if she says so."""
        question = Text("Her subject access pack from today is already in ")
        question.append_text(safe(str(message.folder), limit=60))
        question.append(". Replace it?")

        def answered(replace: bool | None) -> None:
            if replace:
                self._say(Text("Writing her pack…"))
                self._pack(message.reference, message.folder, overwrite=True)
            else:
                self._say(Text("The pack already there was not replaced."))

        self.app.push_screen(ConfirmModal(question), answered)

    def on_subject_requests_screen_written(self, message: Written) -> None:
        r = message.result
        text = Text(f"Subject access pack for {r.reference} written (and recorded):\n")
        text.append_text(safe(str(r.html_path), limit=76))
        text.append("\n")
        text.append_text(safe(str(r.json_path), limit=76))
        self._say(text)

    # -- erasure -------------------------------------------------------------------------

    def action_erase(self) -> None:
        """Show who she is, then erase her once her reference is typed."""
        ref = self._reference()
        if not ref:
            return
        self._preview(ref)

    @work(thread=True, exit_on_error=False, group="requests-erase")
    def _preview(self, reference: str) -> None:
        try:
            self.post_message(self.Previewed(erasure.preview(self.ctx, reference)))
        except NotFound:
            self._missing(reference)

    def on_subject_requests_screen_previewed(self, message: Previewed) -> None:
        p = message.preview
        body = Text(f"{p.reference}: ")
        body.append_text(safe(p.name or "no name recorded", limit=60, style="bold"))
        status = f"closed {show_date(p.closed_on)}" if p.closed_on else p.status
        body.append(f" ({status}), {sum(n for _, n in p.records)} records attached.\n")
        body.append("She and everything attached to her will be erased. This cannot be undone.")

        def typed(answer: str | None) -> None:
            if answer is not None:
                self._erase(p.reference, answer)

        self.app.push_screen(TypedConfirmModal("Erase her record", body, p.reference), typed)

    @work(thread=True, exit_on_error=False, group="requests-erase")
    def _erase(self, reference: str, typed: str) -> None:
        self.post_message(self.Erased(erasure.erase(self.ctx, reference, confirmation=typed)))

    def on_subject_requests_screen_erased(self, message: Erased) -> None:
        r = message.result
        text = Text(f"Erased {', '.join(r.references)}: {r.total} records removed.")
        if not r.scrubbed:
            text.append(" Close caseapp elsewhere and run caseapp verify to finish clearing it.")
        box = self.query_one("#requests-ref", Input)
        box.value = ""
        box.focus()
        self._say(text)

    # -- shared --------------------------------------------------------------------------

    def _missing(self, reference: str) -> None:
        when = erasure.was_erased(self.ctx, reference)
        self.post_message(self.Missing(reference, show_date(when.date()) if when else ""))

    def on_subject_requests_screen_missing(self, message: Missing) -> None:
        text = Text("No woman has the reference ")
        text.append_text(safe(message.reference.upper(), limit=40))
        text.append(f": she was erased on {message.erased_on}." if message.erased_on else ".")
        self._say(text)

    def action_back(self) -> None:
        """Back to where you came from."""
        self.app.pop_screen()
