"""Adding to a register: search for a woman and press Enter, as many as needed; the head count."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from caseapp.errors import CaseappError, ValidationError
from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.services import group_register
from caseapp.services.group_register import WomanPick
from caseapp.services.groups import GroupSessionView
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import CompactInput


def pick_label(pick: WomanPick) -> Text:
    """`Ama Owusu  MIN-2026-00001`, dimmed with a note when she is already on the register."""
    text = safe(pick.name, limit=40)
    text.append(f"  {pick.reference}", style="dim")
    if pick.on_register:
        text.stylize("dim")
        text.append("  on the register", style="italic")
    return text


class AddToRegisterModal(FieldForm[int]):
    """Type part of a name, Enter adds the first match; Esc returns how many were added.

    With nothing typed it offers women who came to the actor's recent sessions (the same
    title first), so a regular group fills in with Enter alone. ↓ moves into the list to
    choose another; Enter there adds her.
    """

    DEFAULT_CSS = """
    AddToRegisterModal OptionList { height: 10; border: none; padding: 0; }
    AddToRegisterModal #added { color: $success; height: auto; max-height: 3; }
    """
    HELP = (
        "## Add to the register\n\n"
        "Type the start of her first, last or preferred name (or her case reference); "
        "**Enter** adds the highlighted woman as attended and clears the search for the "
        "next. **↓** moves into the list to choose another, **Enter** there adds her. With "
        "nothing typed, the list shows women who came to your recent sessions, those of "
        "this title first.\n\nOnly women on your caseload (or shared with you) can be "
        "found. **Esc** goes back to the register."
    )
    KEYS_HINT = "type · Enter adds · ↓ choose another · Esc back to the register"

    class PicksFound(Message):
        """Search results (or recent attendees) for what was typed."""

        def __init__(self, typed: str, picks: list[WomanPick]) -> None:
            super().__init__()
            self.typed = typed
            self.picks = picks

    def __init__(self, session_id: int, *, title: str = "") -> None:
        heading = Text("Add to the register")
        if title:
            heading.append(" · ")
            heading.append_text(safe(title, limit=50))
        super().__init__(heading)
        self.session_id = session_id
        self.picks: list[WomanPick] = []
        # What was typed when `picks` were found; Enter typed ahead of them waits for them.
        self.picks_for: str | None = None
        self._add_when_found = False
        self.added: list[str] = []
        self.names: dict[int, str] = {}

    def rows(self) -> Iterable[Widget]:
        yield FieldRow(
            "Find", CompactInput("", "name or reference", id="search", max_length=100), "search"
        )
        yield OptionList(id="picks")
        yield Static("", id="added")

    def on_mount(self) -> None:
        self._search("")

    @on(Input.Changed, "#search")
    def _typed(self, message: Input.Changed) -> None:
        self._search(message.value)

    @work(thread=True, exit_on_error=False, exclusive=True, group="register-search")
    def _search(self, typed: str) -> None:
        try:
            if typed.strip():
                picks = group_register.search_women(self.ctx, typed, session_id=self.session_id)
            else:
                picks = group_register.recent_attendees(self.ctx, self.session_id)
        except CaseappError as error:
            self.post_message(self.Failed(error))
        else:
            self.post_message(self.PicksFound(typed, picks))

    def on_add_to_register_modal_picks_found(self, message: PicksFound) -> None:
        if message.typed != self.query_one("#search", Input).value:
            return  # a newer search is on its way
        self.picks = message.picks
        self.names.update((p.woman_id, p.name) for p in self.picks)
        options = self.query_one("#picks", OptionList)
        options.clear_options()
        options.add_options(
            [Option(pick_label(p), id=str(p.woman_id), disabled=p.on_register) for p in self.picks]
        )
        options.highlighted = next((i for i, p in enumerate(self.picks) if not p.on_register), None)
        self.picks_for = message.typed
        nobody = not self.picks and message.typed.strip()
        self.say("Nobody found on your caseload." if nobody else None)
        if self._add_when_found:
            self._add_when_found = False
            self.action_save()

    def action_save(self) -> None:
        """Add the highlighted woman; pressed before the list for what she typed, once it is in
        (the list still shown is for fewer letters and may highlight someone else)."""
        if self.picks_for != self.query_one("#search", Input).value:
            self._add_when_found = True
            return
        super().action_save()

    def on_field_form_failed(self, message: FieldForm.Failed) -> None:
        self._add_when_found = False  # a search that failed finds nobody to add

    @on(OptionList.OptionSelected, "#picks")
    def _chosen(self) -> None:
        self.action_save()

    def collect(self) -> int:
        index = self.query_one("#picks", OptionList).highlighted
        if index is None or index >= len(self.picks) or self.picks[index].on_register:
            raise ValidationError("Type part of her name, then choose her.")
        return self.picks[index].woman_id

    def perform(self, data: Any) -> int:
        group_register.add_to_register(self.ctx, self.session_id, [data])
        return int(data)

    def on_field_form_saved(self, message: FieldForm.Saved) -> None:
        # Stay open for the next woman: say who was added and clear the search.
        message.prevent_default()  # FieldForm would close the form
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
            self._search("")
        self.say(None)
        search.focus()

    def action_cancel(self) -> None:
        """Back to the register with how many were added."""
        self.dismiss(len(self.added))


class HeadCountModal(FieldForm[GroupSessionView]):
    """How many women came without giving their names."""

    HELP = (
        "## Anonymous head count\n\n"
        "Women who attended but did not give their names are counted here, not on the "
        "register. Type the number (0 to 500) and press Enter."
    )

    def __init__(self, session: GroupSessionView) -> None:
        super().__init__("Anonymous head count")
        self.session = session

    def rows(self) -> Iterable[Widget]:
        # Digits only, so a plain Input is safe to draw; it selects all on focus so the
        # number typed replaces the one shown.
        count = Input(
            str(self.session.anonymous_attendees),
            id="count",
            compact=True,
            max_length=3,
            restrict=r"[0-9]*",
        )
        yield FieldRow("Women", count, "count")
        yield Static("who came without giving their names", classes="field-hint")

    def collect(self) -> str:
        return str(self.value("count") or "0")

    def perform(self, data: Any) -> GroupSessionView:
        return group_register.set_head_count(self.ctx, self.session.id, data)
