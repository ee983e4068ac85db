"""The home screen after unlock: what is waiting for me, and the way to every other screen.

Each line of "waiting for me" opens the woman. Managers see the whole provider and can narrow
it to one keyworker (k). The menu of top-level screens comes from `navigation.DESTINATIONS`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from caseapp.modals.pick import PickModal
from caseapp.models.codes import ROLES, label
from caseapp.screens.base import CaseScreen
from caseapp.screens.navigation import DESTINATIONS
from caseapp.services import permissions
from caseapp.services.allocation import staff
from caseapp.services.caseload import UNALLOCATED
from caseapp.services.waiting import Waiting, waiting_for_me
from caseapp.services.women_types import StaffMember
from caseapp.widgets.flag_badges import badges
from caseapp.widgets.safe import safe

NAME_WIDTH = 26


class HomeScreen(CaseScreen):
    """Where the day starts: the women who need something, most urgent kinds first."""

    HELP = (
        "## Home: waiting for me\n\n"
        "New referrals allocated to you, women with no attended contact for 28 days, women "
        "with active flags, women with no consent recorded, and your active caseload. "
        "**↑/↓** move, **Enter** opens the woman.\n\n"
        "Managers see the whole provider, with unallocated referrals; **k** narrows it to "
        "one keyworker.\n\n"
        "The letters shown beside the menu open the other screens; **/** searches the "
        "caseload. **ctrl+p** opens the command palette, which reaches every action and "
        "jumps to a woman by name or reference. **ctrl+l** locks caseapp at once (it also "
        "locks itself when left idle)."
    )
    MANAGER_HELP = (
        "Managers see the whole provider, with unallocated referrals; **k** narrows it to "
        "one keyworker.\n\n"
    )

    def help_text(self) -> str:
        """F1: what a manager's home adds is left out for anyone else."""
        if self.ctx.actor.is_manager:
            return self.HELP
        return self.HELP.replace(self.MANAGER_HELP, "")

    BINDINGS: ClassVar[list[BindingType]] = [
        # The menu line at the top shows these keys; in the footer too they would not fit a
        # manager's 80 columns.
        *(
            Binding(d.key, f"app.go('{d.name}')", d.title, id=f"go-{d.name}", show=False)
            for d in DESTINATIONS
        ),
        Binding("slash", "app.go('caseload')", "Search", show=False, id="home-search"),
        Binding("k", "keyworker", "Keyworker", id="home-keyworker"),
        Binding("f5", "refresh", "Refresh", show=False, id="home-refresh"),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Waiting for one keyworker", "keyworker", "Managers: narrow the list to one caseload (k)"),
        ("Refresh what is waiting", "refresh", "Read the list again (F5)"),
    )

    class Loaded(Message):
        """What is waiting was read."""

        def __init__(self, waiting: Waiting) -> None:
            super().__init__()
            self.waiting = waiting

    class StaffLoaded(Message):
        """Keyworkers to filter by were read."""

        def __init__(self, people: list[StaffMember]) -> None:
            super().__init__()
            self.people = people

    def __init__(self) -> None:
        super().__init__()
        self.keyworker_id: int | None = None
        self.keyworker_name = ""
        self.waiting: Waiting | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim destinations the actor's role cannot open; k is for managers."""
        if action == "app.go" and parameters:
            for d in DESTINATIONS:
                if d.name == parameters[0]:
                    return self.ctx.actor.role in d.roles
        if action == "keyworker":
            # Keyworkers only ever see their own: the key is not theirs at all.
            return self.ctx.actor.is_manager
        return True

    def compose(self) -> ComposeResult:
        yield Header()
        actor = self.ctx.actor
        greeting = Text.assemble(
            ("Signed in as ", ""),
            safe(actor.display_name or actor.username, style="bold"),
            (f" ({label(ROLES, actor.role)})", ""),
        )
        yield Static(greeting, id="home-greeting")
        menu = [f"{d.key} {d.title}" for d in DESTINATIONS if actor.role in d.roles]
        if menu:
            yield Static("   ".join(menu), id="home-menu", markup=False)
        yield Static("", id="home-scope")
        yield OptionList(id="home-waiting")
        yield Static(
            "Press ctrl+p for the command palette, F1 for help, ctrl+l to lock.",
            id="home-hint",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#home-waiting", OptionList).focus()
        self._scope_line()
        if permissions.allowed(self.ctx, "women.view"):
            self.load()
        else:
            self.query_one("#home-waiting", OptionList).display = False

    def on_screen_resume(self) -> None:
        """Back from a woman's record: what is waiting may have changed."""
        if self.waiting is not None:
            self.load()

    # -- loading -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="home-waiting")
    def load(self) -> None:
        """Read what is waiting (for the chosen keyworker, if a manager chose one)."""
        self.post_message(self.Loaded(waiting_for_me(self.ctx, keyworker_id=self.keyworker_id)))

    def action_refresh(self) -> None:
        """Read the list again."""
        self.load()

    def on_home_screen_loaded(self, message: Loaded) -> None:
        self.waiting = message.waiting
        listing = self.query_one("#home-waiting", OptionList)
        keep = listing.highlighted
        listing.clear_options()
        if message.waiting.empty:
            listing.add_option(
                Option("Nothing is waiting. Press c for the caseload.", disabled=True)
            )
            return
        for section in message.waiting.sections:
            if not section.total:
                continue
            heading = Text(f"{section.title} ({section.total})", style="bold")
            listing.add_option(Option(heading, disabled=True))
            for item in section.items:
                line = Text("  ")
                line.append_text(safe(item.woman.name, limit=NAME_WIDTH - 1))
                line.pad_right(NAME_WIDTH + 2 - len(line))
                flags = badges(item.woman.flags)
                if flags and section.code != "flagged":
                    line.append_text(flags)
                    line.append(" ")
                line.append(item.why, style="bold red" if section.code == "flagged" else "dim")
                listing.add_option(Option(line, id=f"{section.code}:{item.woman.id}"))
            hidden = section.total - len(section.items)
            if hidden > 0:
                more = Text(f"  … and {hidden} more: open the caseload (c)", style="dim italic")
                listing.add_option(Option(more, disabled=True))
        if keep is not None and keep < listing.option_count:
            listing.highlighted = keep
        else:
            listing.action_first()

    def _scope_line(self) -> None:
        scope = self.query_one("#home-scope", Static)
        if not self.ctx.actor.is_manager:
            scope.update(Text("Waiting for me", style="bold"))
            return
        line = Text("Waiting in ", style="bold")
        if self.keyworker_id is None:
            line.append("the whole provider", style="bold")
        else:
            line.append_text(safe(self.keyworker_name, limit=30, style="bold"))
        line.append("  (k: choose a keyworker)", style="dim")
        scope.update(line)

    # -- opening and filtering -----------------------------------------------------------

    @on(OptionList.OptionSelected, "#home-waiting")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if not event.option.id:
            return
        from caseapp.screens.woman import WomanScreen

        woman_id = int(event.option.id.split(":", 1)[1])
        self.app.push_screen(WomanScreen(woman_id))

    def action_keyworker(self) -> None:
        """Managers: show what is waiting for one keyworker (or everyone)."""
        if self.ctx.actor.is_manager:
            self._load_staff()

    @work(thread=True, exit_on_error=False, group="home-staff")
    def _load_staff(self) -> None:
        self.post_message(self.StaffLoaded(staff(self.ctx)))

    def on_home_screen_staff_loaded(self, message: StaffLoaded) -> None:
        names = {str(p.id): p.name for p in message.people}
        names[str(UNALLOCATED)] = "Unallocated"
        options = [
            ("", "Everyone"),
            (str(UNALLOCATED), "Unallocated"),
            *((str(p.id), p.name) for p in message.people),
        ]
        current = "" if self.keyworker_id is None else str(self.keyworker_id)

        def chosen(key: str | None) -> None:
            if key is None:
                return
            self.keyworker_id = int(key) if key else None
            self.keyworker_name = names.get(key, "")
            self._scope_line()
            self.load()

        self.app.push_screen(PickModal("Show what is waiting for", options, current), chosen)
