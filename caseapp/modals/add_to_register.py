"""Adding to a register: search for a woman and press Enter, as many as needed; the head count."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from caseapp.modals.record_form import FormModal
from caseapp.services import groups
from caseapp.services.groups import GroupSessionView, WomanPick
from caseapp.widgets.safe import safe


def pick_label(pick: WomanPick) -> Text:
    """`Ama Owusu  MIN-2026-00001`, dimmed with a note when she is already on the register."""
    text = safe(pick.name, limit=40)
    text.append(f"  {pick.reference}", style="dim")
    if pick.on_register:
        text.stylize("dim")
        text.append("  on the register", style="italic")
    return text


class AddToRegisterModal(FormModal[int]):
    """Type part of a name, Enter adds the highlighted woman; Esc returns how many were added.

    With nothing typed it offers women who came to the actor's recent sessions (the same
    title first), so a regular group fills in with Enter and the arrow keys.
    """

    DEFAULT_CSS = """
    AddToRegisterModal OptionList { height: 10; border: none; padding: 0; }
    AddToRegisterModal #added { color: $success; height: auto; max-height: 3; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Done", id="add-done"),
        Binding("up", "move(-1)", "Previous woman", id="add-up", show=False),
        Binding("down", "move(1)", "Next woman", id="add-down", show=False),
    ]
    HELP = (
        "## Add to the register\n\n"
        "Type the start of her first, last or preferred name (or her case reference); "
        "the arrow keys choose and **Enter** adds her as attended. Keep typing to add the "
        "next. With nothing typed, the list shows women who came to your recent sessions, "
        "those of this title first.\n\nOnly women on your caseload (or shared with you) "
        "can be found. **Esc** goes back to the register."
    )

    class PicksFound(Message):
        """Search results (or recent attendees) for what was typed."""

        def __init__(self, typed: str, picks: list[WomanPick]) -> None:
            super().__init__()
            self.typed = typed
            self.picks = picks

    def __init__(self, session_id: int, *, title: str = "") -> None:
        super().__init__()
        self.session_id = session_id
        self.title_text = title
        self.picks: list[WomanPick] = []
        self.added: list[str] = []
        self.names: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            heading = Text("Add to the register", style="bold")
            if self.title_text:
                heading.append(" · ")
                heading.append_text(safe(self.title_text, limit=50))
            yield Static(heading, classes="form-title")
            with Horizontal(classes="form-row"):
                yield Static("Find", classes="form-label")
                yield Input(
                    id="search", compact=True, max_length=100, placeholder="name or reference"
                )
            yield OptionList(id="picks")
            yield Static("", id="added")
            yield Static("", classes="form-error")
            yield Static(
                "type · ↑↓ choose · Enter add · Esc back to the register", classes="form-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()
        self._find("")

    @on(Input.Changed, "#search")
    def _typed(self, message: Input.Changed) -> None:
        self._find(message.value)

    def _find(self, typed: str) -> None:
        self._search(typed)

    @work(thread=True, exit_on_error=False, exclusive=True, group="register-search")
    def _search(self, typed: str) -> None:
        ctx = self.ctx
        if typed.strip():
            picks = groups.search_women(ctx, typed, session_id=self.session_id)
        else:
            picks = groups.recent_attendees(ctx, self.session_id)
        self.post_message(self.PicksFound(typed, picks))

    def on_add_to_register_modal_picks_found(self, message: PicksFound) -> None:
        if message.typed != self.query_one("#search", Input).value:
            return  # a newer search is on its way
        self.picks = message.picks
        options = self.query_one("#picks", OptionList)
        options.clear_options()
        options.add_options(
            [Option(pick_label(p), id=str(p.woman_id), disabled=p.on_register) for p in self.picks]
        )
        first = next((i for i, p in enumerate(self.picks) if not p.on_register), None)
        options.highlighted = first
        if not self.picks:
            hint = "Nobody found on your caseload." if message.typed.strip() else ""
            self.say(hint)
        else:
            self.say("")

    def action_move(self, step: int) -> None:
        """Move the highlight while typing."""
        options = self.query_one("#picks", OptionList)
        if step < 0:
            options.action_cursor_up()
        else:
            options.action_cursor_down()

    @on(Input.Submitted, "#search")
    @on(OptionList.OptionSelected, "#picks")
    def _enter(self) -> None:
        self.action_save()

    def submit(self) -> Callable[[], int] | None:
        options = self.query_one("#picks", OptionList)
        index = options.highlighted
        if index is None or index >= len(self.picks) or self.picks[index].on_register:
            self.say("Type part of her name, then choose her with the arrow keys.")
            return None
        pick = self.picks[index]
        ctx, session_id = self.ctx, self.session_id

        self.names[pick.woman_id] = pick.name

        def add() -> int:
            groups.add_to_register(ctx, session_id, [pick.woman_id])
            return pick.woman_id

        return add

    def on_form_modal_saved(self, message: FormModal.Saved) -> None:
        # Stay open for the next woman: say who was added and clear the search.
        message.prevent_default()  # the base class would close the form
        self.saving = False
        assert isinstance(message.result, int)
        self.added.append(self.names.get(message.result, ""))
        shown = Text(f"Added {len(self.added)}: ", style="bold")
        shown.append_text(safe(", ".join(self.added[-6:]), limit=140))
        self.query_one("#added", Static).update(shown)
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""
        else:
            self._find("")
        self.say("")
        search.focus()

    def action_cancel(self) -> None:
        """Back to the register with how many were added."""
        self.dismiss(len(self.added))


class HeadCountModal(FormModal[GroupSessionView]):
    """How many women came without giving their names."""

    HELP = (
        "## Anonymous head count\n\n"
        "Women who attended but did not give their names are counted here, not on the "
        "register. Type the number (0 to 500) and press Enter."
    )

    def __init__(self, session: GroupSessionView) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static("Anonymous head count", classes="form-title")
            with Horizontal(classes="form-row"):
                yield Static("Women", classes="form-label")
                yield Input(
                    str(self.session.anonymous_attendees),
                    id="count",
                    compact=True,
                    max_length=3,
                    restrict=r"[0-9]*",
                )
            yield Static("", classes="form-error")
            yield Static(
                "who did not give their names · Enter save · Esc cancel", classes="form-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#count", Input).focus()

    @on(Input.Submitted, "#count")
    def _enter(self) -> None:
        self.action_save()

    def submit(self) -> Callable[[], GroupSessionView] | None:
        count = self.query_one("#count", Input).value
        ctx, session_id = self.ctx, self.session.id
        return lambda: groups.set_head_count(ctx, session_id, count or "0")
