"""The home screen after unlock: what is waiting for me, and the way to every other screen.

Each line of "waiting for me" opens the woman. Managers see the whole provider and can narrow
it to one keyworker (k). The menu of top-level screens comes from `navigation.DESTINATIONS`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Header, OptionList, Static
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
from caseapp.sync import desk, duplicates
from caseapp.sync.desk import SyncOutcome, SyncState
from caseapp.widgets.flag_badges import badges
from caseapp.widgets.quiet_footer import QuietFooter
from caseapp.widgets.safe import safe

NAME_WIDTH = 26
"""Room for her name at 80 columns, the narrowest window caseapp draws in."""


def name_width(screen_width: int) -> int:
    """Room for her name in a window `screen_width` wide: half of any spare column is hers."""
    return NAME_WIDTH + max(screen_width - 80, 0) // 2


def menu_lines(items: list[str], width: int) -> str:
    """The menu's items packed into lines `width` wide, no item split across two lines."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 3 + len(item) <= width:
            lines[-1] += "   " + item
        else:
            lines.append(item)
    return "\n".join(lines)


SYNC_HELP = (
    "Where this store syncs with the centre or its hubs, the sync line says when it last "
    "exchanged and how many conflicts are open: **s** syncs now through the folder chosen "
    "once (asked the first time), **o** opens the conflicts.\n\n"
)


class HomeScreen(CaseScreen):
    """Where the day starts: the women who need something, most urgent kinds first."""

    HELP = (
        "## Home: waiting for me\n\n"
        "New referrals allocated to you, women with no attended contact for 28 days, women "
        "with active flags, women with no consent recorded, and your active caseload. "
        "**↑/↓** move, **Enter** opens the woman.\n\n"
        "Managers see the whole provider, with unallocated referrals; **k** narrows it to "
        "one keyworker.\n\n"
        f"{SYNC_HELP}"
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
        text = self.HELP.replace(self.MANAGER_HELP, "")
        if self.sync_state is None or not self.sync_state.syncs:
            # A keyworker on a store that does not sync sees nothing of sync.
            text = text.replace(SYNC_HELP, "")
        return text

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
        # The sync line shows these keys, only where they apply.
        Binding("s", "sync_now", "Sync now", show=False, id="home-sync-now"),
        Binding("o", "conflicts", "Conflicts", show=False, id="home-conflicts"),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Waiting for one keyworker", "keyworker", "Managers: narrow the list to one caseload (k)"),
        ("Refresh what is waiting", "refresh", "Read the list again (F5)"),
        ("Sync now", "sync_now", "Exchange with the centre or hubs through the sync folder (s)"),
        ("Open conflicts", "conflicts", "Fields changed on two stores: keep one value (o)"),
        ("Change the sync folder", "sync_folder", "The USB stick or share to sync through"),
    )

    class Loaded(Message):
        """What is waiting was read (by the `asked`-th read)."""

        def __init__(self, waiting: Waiting, asked: int) -> None:
            super().__init__()
            self.waiting = waiting
            self.asked = asked

    class StaffLoaded(Message):
        """Keyworkers to filter by were read."""

        def __init__(self, people: list[StaffMember]) -> None:
            super().__init__()
            self.people = people

    class SyncLoaded(Message):
        """This store's part in sync was read."""

        def __init__(self, state: SyncState, twins: int = 0) -> None:
            super().__init__()
            self.state = state
            self.twins = twins  # possible duplicates she may see

    class Synced(Message):
        """`sync now` finished."""

        def __init__(self, outcome: SyncOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    def __init__(self) -> None:
        super().__init__()
        self.sync_state: SyncState | None = None
        self.syncing = False
        self.keyworker_id: int | None = None
        self.keyworker_name = ""
        self.waiting: Waiting | None = None
        # Reads of the list asked for so far: only the last one's answer is shown.
        self._asked = 0
        self._name_width = NAME_WIDTH
        self._menu: list[str] = []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim destinations the actor's role cannot open; k is for managers."""
        if self.case_app.ctx is None:
            # Locked, this screen on its way out: its footer may still ask (it compares the
            # keys it shows before rebuilding), and nothing here may be used any more.
            return False
        if action == "app.go" and parameters:
            for d in DESTINATIONS:
                if d.name == parameters[0]:
                    return self.ctx.actor.role in d.roles
        if action in ("sync_now", "sync_folder"):
            # Hidden, not dimmed, from anyone who cannot sync this store.
            return self.sync_state is not None and self.sync_state.can_sync
        if action == "conflicts":
            return self.sync_state is not None and self.sync_state.syncs
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
        self._menu = [f"{d.key} {d.title}" for d in DESTINATIONS if actor.role in d.roles]
        if self._menu:
            text = menu_lines(self._menu, self.app.size.width - 2)  # inside its padding
            yield Static(text, id="home-menu", markup=False)
        yield Static("", id="home-scope")
        yield OptionList(id="home-waiting")
        yield Static("", id="home-sync")
        yield Static(
            "Press ctrl+p for the command palette, F1 for help, ctrl+l to lock.",
            id="home-hint",
        )
        yield QuietFooter()

    def on_mount(self) -> None:
        self._name_width = name_width(self.app.size.width)
        self.query_one("#home-waiting", OptionList).focus()
        self._scope_line()
        self.query_one("#home-sync", Static).display = False
        self.load_sync()
        if permissions.allowed(self.ctx, "women.view"):
            self.load()
        else:
            self.query_one("#home-waiting", OptionList).display = False

    def on_screen_resume(self) -> None:
        """Back from a woman's record: what is waiting may have changed."""
        self._fit(self.app.size.width)  # the window may have changed size meanwhile
        if self.waiting is not None:
            self.load()
        if self.sync_state is not None and self.sync_state.syncs:
            self.load_sync()

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        """Read what is waiting (for the chosen keyworker, if a manager chose one)."""
        self._asked += 1
        self._read_waiting(self._asked, self.keyworker_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="home-waiting")
    def _read_waiting(self, asked: int, keyworker_id: int | None) -> None:
        self.post_message(self.Loaded(waiting_for_me(self.ctx, keyworker_id=keyworker_id), asked))

    def action_refresh(self) -> None:
        """Read the list again."""
        self.load()

    def on_resize(self, event: events.Resize) -> None:
        """A wider window shows longer names whole; the list is drawn again only then."""
        self._fit(event.size.width)

    def _fit(self, screen_width: int) -> None:
        if self._menu:
            menu = self.query_one("#home-menu", Static)
            menu.update(menu_lines(self._menu, screen_width - 2))
        width = name_width(screen_width)
        if width != self._name_width:
            self._name_width = width
            if self.waiting is not None:
                self._show(self.waiting)

    def on_home_screen_loaded(self, message: Loaded) -> None:
        if message.asked != self._asked:
            # An older read finished last: cancelling its worker does not stop its thread.
            return
        self.waiting = message.waiting
        self._show(message.waiting)

    def _show(self, waiting: Waiting) -> None:
        listing = self.query_one("#home-waiting", OptionList)
        keep = listing.highlighted
        listing.clear_options()
        if waiting.empty:
            listing.add_option(
                Option("Nothing is waiting. Press c for the caseload.", disabled=True)
            )
            return
        for section in waiting.sections:
            if not section.total:
                continue
            heading = Text(f"{section.title} ({section.total})", style="bold")
            listing.add_option(Option(heading, disabled=True))
            # Why she is waiting in a column of its own, her badges after it: with the badges
            # first, the dates of women with and without flags did not line up.
            why_width = max((len(item.why) for item in section.items), default=0)
            for item in section.items:
                line = Text("  ")
                line.append_text(safe(item.woman.name, limit=self._name_width - 1))
                line.pad_right(self._name_width + 2 - len(line))
                line.append(item.why, style="bold red" if section.code == "flagged" else "dim")
                flags = badges(item.woman.flags)
                if flags and section.code != "flagged":
                    line.append(" " * (why_width - len(item.why) + 2))
                    line.append_text(flags)
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

    # -- sync: the line, sync now, the folder, conflicts ------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="home-sync")
    def load_sync(self) -> None:
        """Read this store's part in sync (for the sync line)."""
        state = desk.state(self.ctx)
        twins = duplicates.count(self.ctx) if state.syncs else 0
        self.post_message(self.SyncLoaded(state, twins))

    def on_home_screen_sync_loaded(self, message: SyncLoaded) -> None:
        state = self.sync_state = message.state
        line = self.query_one("#home-sync", Static)
        line.display = state.shown
        self.refresh_bindings()
        if not state.shown:
            return
        if not state.syncs:
            line.update(
                Text("Sync: this store does not sync (caseapp sync enrol adds a hub)", style="dim")
            )
            return
        text = Text("Sync: ", style="bold")
        if state.can_sync:
            text.append_text(safe(", ".join(state.peers) or "no one", limit=24))
            text.append(f" · last {state.last_exchange or 'never'} · ")
        count = state.open_conflicts
        text.append(
            f"{count} open conflict{'s' if count != 1 else ''}",
            style="bold yellow" if count else "",
        )
        if message.twins:
            twins = f" · {message.twins} possible duplicate{'s' if message.twins != 1 else ''}"
            text.append(twins, style="bold yellow")
        # One line at 80 columns: the keys in short (shorter still beside duplicates).
        keys = " · s sync, o conflicts" if state.can_sync else " · o conflicts"
        if message.twins:
            keys = " · s, o" if state.can_sync else " · o"
        text.append(keys, style="dim")
        line.update(text)

    def action_sync_now(self) -> None:
        """Exchange through the sync folder (asked for the first time)."""
        state = self.sync_state
        if state is None or not state.can_sync or self.syncing:
            return
        if not state.folder:
            self._choose_folder(then_sync=True)
            return
        self._start_sync()

    def action_sync_folder(self) -> None:
        """Choose another sync folder."""
        if self.sync_state is not None and self.sync_state.can_sync:
            self._choose_folder(then_sync=False)

    def _choose_folder(self, *, then_sync: bool) -> None:
        from caseapp.modals.sync_folder_form import SyncFolderForm

        current = self.sync_state.folder if self.sync_state else ""

        def chosen(kept: str | None) -> None:
            if kept is None:
                return
            self.notify(f"Sync folder: {kept}", markup=False)
            self.load_sync()
            if then_sync:
                self._start_sync()

        self.app.push_screen(SyncFolderForm(current), chosen)

    def _start_sync(self) -> None:
        self.syncing = True
        self.notify("Syncing…", markup=False, timeout=3)
        self._sync()

    @work(thread=True, exit_on_error=False, group="home-sync-now")
    def _sync(self) -> None:
        try:
            outcome = desk.sync_now(self.ctx)
        finally:
            self.syncing = False
        self.post_message(self.Synced(outcome))

    def on_home_screen_synced(self, message: Synced) -> None:
        outcome = message.outcome
        self.notify(
            outcome.summary(),
            title="Sync done",
            severity="warning" if outcome.refused else "information",
            timeout=15,
            markup=False,
        )
        self.load_sync()
        if self.waiting is not None:
            self.load()

    def action_conflicts(self) -> None:
        """Open the conflicts screen."""
        if self.sync_state is None or not self.sync_state.syncs:
            return
        from caseapp.screens.conflicts import ConflictsScreen

        self.app.push_screen(ConflictsScreen())
