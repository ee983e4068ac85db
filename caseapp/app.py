"""The caseapp App: unlock, lock (by key or when idle), help, command palette."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, Provider
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from caseapp import clock as the_clock
from caseapp.gc_pacing import CollectionPacer
from caseapp.logsetup import log_exception
from caseapp.palette.actions import CaseCommands
from caseapp.screens.base import CaseScreen
from caseapp.screens.navigation import DESTINATIONS, back_home
from caseapp.screens.unlock import UnlockScreen
from caseapp.widgets.safe import safe
from caseapp.widgets.typeahead import TypeAhead

if TYPE_CHECKING:
    # The store, SQLAlchemy and the models load after the unlock screen is up (the screen
    # warms them up while she types), so caseapp shows its first screen sooner; so do the
    # forms (their text areas), which nobody sees before unlocking.
    from caseapp.modals.field_form import FieldForm
    from caseapp.services.context import Ctx
    from caseapp.services.drafts import DraftView
    from caseapp.services.session import UnlockOutcome

DEFAULT_IDLE_MINUTES = 5
PAUSE_SECONDS = 2.0
"""A pause in her keys this long lets the idle check collect garbage (see `check_idle_lock`)."""
LONG_PAUSE_SECONDS = 20.0
"""A pause this long may bring a thorough collection (`CollectionPacer.clean`)."""

# How the unlock screen turns a store path, username and passphrase into an open store. The
# store is a Path or a postgresql:// URL as text; a test's hook may take either (Any).
UnlockFn = Callable[[Any, str, str], "UnlockOutcome"]
DOUBLE_TAP_SECONDS = 0.5
"""A key repeated this soon after it opened a screen is ignored there."""


def _woman_search() -> type[Provider]:
    """The palette's jump to a woman, loaded when the palette first opens."""
    from caseapp.palette.women import WomanSearchCommands

    return WomanSearchCommands


def _unlock(path: Path | str, username: str, passphrase: str) -> UnlockOutcome:
    """Open the store (loads the store and SQLAlchemy on first use, in the unlock worker)."""
    from caseapp.services.session import unlock

    return unlock(path, username, passphrase)


class CaseApp(App[int]):
    """The terminal app. Everything below it is reached through `caseapp.services`."""

    CSS_PATH = "app.tcss"
    TITLE = "caseapp"
    COMMANDS: ClassVar[set[type[Provider]]] = {CaseCommands, _woman_search}  # type: ignore[assignment,arg-type]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+l", "lock", "Lock", id="lock", priority=True),
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        # Moving between fields at the app, before the next key is handed on: as a binding of
        # the screen, a Tab waits in the field's queue while the letters typed after it are
        # already sent to that same field (a fast typist, or a slow laptop, saw them land there).
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]
    IDLE_CHECK_SECONDS = 5.0

    def __init__(
        self,
        store_path: Path | str,
        *,
        username: str = "",
        demo_hint: str | None = None,
        unlock_fn: UnlockFn | None = None,
        tap_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        # A postgresql:// URL stays text: as a Path its "//" would fold into one "/".
        self.store_path: Path | str = (
            store_path if isinstance(store_path, str) else Path(store_path)
        )
        self.initial_username = username
        self.demo_hint = demo_hint
        # The idle lock reads the one clock every service reads (tests freeze and move it).
        self.wall_clock = lambda: the_clock.current().timestamp()
        self.unlock_fn = unlock_fn or _unlock
        self.ctx: Ctx | None = None
        self.idle_seconds = DEFAULT_IDLE_MINUTES * 60.0
        self.last_activity = self.wall_clock()
        self.theme = "textual-dark"
        # Set while no lock is still writing its drafts and audit entry in the background;
        # an unlock waits for it (in its worker), so one store is never opened twice.
        self.lock_finished = threading.Event()
        self.lock_finished.set()
        # (key, when, screen, stack depth) of the last key; (key, screen, when) it opened.
        self._last_key: tuple[str, float, object, int] = ("", 0.0, None, 0)
        self._opened_by: tuple[str, object, float] = ("", None, 0.0)
        self.tap_clock = tap_clock
        self.typeahead = TypeAhead(self)
        self.collector = CollectionPacer()
        self._key_at = tap_clock()
        self._paused = False

    def open_store(self, path: Path | str, username: str, passphrase: str) -> UnlockOutcome:
        """Unlock (in the unlock screen's worker), once the last lock has finished closing."""
        self.lock_finished.wait(timeout=120)
        return self.unlock_fn(path, username, passphrase)

    def on_mount(self) -> None:
        self.push_screen(self._unlock_screen())
        self.call_after_refresh(lambda: self.check_size(self.size.width, self.size.height))
        # Checked against the wall clock, so a laptop that slept with caseapp open locks
        # as soon as it wakes rather than after five more minutes.
        self.set_interval(self.IDLE_CHECK_SECONDS, self.check_idle_lock)

    def _unlock_screen(self, message: str = "") -> UnlockScreen:
        username = self.ctx.actor.username if self.ctx else self.initial_username
        return UnlockScreen(
            self.store_path, username=username, message=message, demo_hint=self.demo_hint
        )

    async def on_event(self, event: events.Event) -> None:
        if isinstance(
            event,
            events.Key
            | events.MouseDown
            | events.MouseScrollDown
            | events.MouseScrollUp
            | events.Paste,
        ):
            self.last_activity = self.wall_clock()
            self._key_at, self._paused = self.tap_clock(), False
        if self.typeahead.holding(event):
            return
        if isinstance(event, events.Key) and self._first_or_last_row(event.key):
            event.stop()
            event.prevent_default()
            return
        if isinstance(event, events.Key) and self._second_tap(event):
            # The same key again, right after it opened this screen: a double tap, not a
            # choice made on the new screen (`p p` must not mark a plan goal).
            event.stop()
            event.prevent_default()
            return
        await super().on_event(event)

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        """Open a screen; keys typed before it has focused its first field wait for it."""
        opened = super().push_screen(*args, **kwargs)
        self.typeahead.hold_for(self.screen)
        return opened

    def on_resize(self, event: events.Resize) -> None:
        """Below 80x24, one line asking for a larger window covers the screen."""
        self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int, height: int) -> None:
        """Cover the screen with the "larger window" line, or take it away."""
        from caseapp.modals.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen

        small = width < MIN_WIDTH or height < MIN_HEIGHT
        top = self.screen_stack[-1] if self.screen_stack else None
        if small and isinstance(top, TooSmallScreen):
            top.show_size(width, height)
        elif small and top is not None:
            self.push_screen(TooSmallScreen(width, height))
        elif not small and isinstance(top, TooSmallScreen):
            self.pop_screen()

    def _first_or_last_row(self, key: str) -> bool:
        """Home and End in any list of rows go to its first and last row (a DataTable's own
        Home and End scroll sideways, which a list of women never needs)."""
        from textual.widgets import DataTable

        table = self.focused
        if key not in ("home", "end") or not isinstance(table, DataTable):
            return False
        if table.cursor_type != "row" or not table.row_count:
            return False
        if key == "home":
            table.action_scroll_top()
        else:
            table.action_scroll_bottom()
        return True

    def _second_tap(self, event: events.Key) -> bool:
        """Whether a key repeats, within the double-tap time, the key that opened this screen.

        Only keys that can choose or change something count (letters, digits, space, Enter):
        F1 twice still opens and closes help, Esc twice still goes back twice.
        """
        key = event.key
        now = self.tap_clock()
        screen, depth = self.screen, len(self.screen_stack)
        last_key, last_at, last_screen, last_depth = self._last_key
        if screen is not last_screen and depth > last_depth:
            # A screen was opened on top since the last key: that key opened it.
            self._opened_by = (last_key, screen, last_at)
        self._last_key = (key, now, screen, depth)
        opener, opened, at = self._opened_by
        from textual.widgets import Input, TextArea

        # Letters typed into a text field are writing, not choosing: `e` then "erase 1" in a
        # typed confirmation keeps its first letter.
        typing = isinstance(self.focused, Input | TextArea) and key != "enter"
        choosing = (event.is_printable or key == "enter") and not typing
        return choosing and key == opener and screen is opened and now - at < DOUBLE_TAP_SECONDS

    # -- unlock and lock ---------------------------------------------------------------

    def on_unlocked(self, outcome: UnlockOutcome) -> None:
        """Called by the unlock screen: keep the context and open the home screen."""
        from caseapp.models.codes import ROLES, label
        from caseapp.screens.home import HomeScreen
        from caseapp.services import settings

        self.ctx = outcome.ctx
        # What is loaded by now (modules, mappers, styles) lives as long as the app: kept out
        # of the collections made while she types (see `CollectionPacer`).
        self.collector.unlocked()
        self.last_activity = self.wall_clock()
        try:
            minutes = settings.get_int(outcome.ctx, "idle_lock_minutes")
        except (ValueError, TypeError):
            minutes = DEFAULT_IDLE_MINUTES
        # Clamped here too: a value that reached the store by another road (an import, an old
        # version) must not leave a laptop unlocked for hours.
        low, high = settings.INT_RANGES["idle_lock_minutes"]
        self.idle_seconds = min(max(minutes, low), high) * 60.0
        actor = outcome.ctx.actor
        self.sub_title = f"{actor.display_name or actor.username} · {label(ROLES, actor.role)}"
        self.switch_screen(HomeScreen())
        self.run_worker(
            lambda: self._find_drafts(outcome.ctx),
            thread=True,
            group="drafts",
            exit_on_error=False,
        )
        if failures := outcome.failures_since_last:
            self.notify(
                f"{failures} failed unlock attempt{'' if failures == 1 else 's'} since your "
                "last unlock. If that was not you, tell your manager.",
                title="Failed attempts",
                severity="warning",
                timeout=15,
                markup=False,
            )

    # -- drafts: what was typed when the store locked or caseapp stopped -------------------

    def _find_drafts(self, ctx: Ctx) -> None:
        from caseapp.services.drafts import my_drafts

        found = my_drafts(ctx)
        if found:
            self.call_from_thread(self._drafts_found, ctx, found)

    def _drafts_found(self, ctx: Ctx, found: list[DraftView]) -> None:
        """The newest draft: a lock's opens at once; one left by a crash is offered first."""
        if self.ctx is not ctx:
            return
        draft = found[0]
        if draft.reason == "lock":
            self._restore(draft)
            return
        when = draft.saved_at.astimezone().strftime("%d/%m/%Y %H:%M")

        def answered(answer: str | None) -> None:
            if self.ctx is not ctx:
                return
            if answer == "open":
                self._restore(draft)
            elif answer == "discard":
                from caseapp.services.drafts import delete_draft

                self.run_worker(
                    lambda: delete_draft(ctx, draft.id),
                    thread=True,
                    group="drafts",
                    exit_on_error=False,
                )

        from caseapp.modals.discard import DraftOfferModal

        self.push_screen(DraftOfferModal(safe(draft.title, limit=60), when), answered)

    def _restore(self, draft: DraftView) -> None:
        from caseapp.screens.restore import restore

        if not restore(self, draft):
            self.notify(
                "A draft was kept but its screen cannot be opened again.",
                severity="warning",
                markup=False,
            )

    def _close_store(
        self,
        ctx: Ctx,
        forms: list[tuple[FieldForm[Any], dict[str, Any]]],
        reason: str,
        owed: list[Callable[[Ctx], object]] | None = None,
    ) -> None:
        """In a worker: finish what screens owe, keep open forms as drafts, audit, drop the key."""
        from caseapp.services.drafts import save_draft
        from caseapp.services.session import lock

        try:
            for write in owed or ():
                try:
                    write(ctx)
                except Exception as error:  # noqa: BLE001 - the lock goes on
                    log_exception("write owed on lock", error)
            for form, payload in forms:
                # The form's own autosave may be writing this draft now: wait for it and
                # overwrite its row rather than add a second one.
                with form._draft_lock:
                    payload["draft_id"] = form.draft_id
                    try:
                        form.draft_id = save_draft(ctx, **payload)
                    except Exception as error:  # noqa: BLE001 - the lock goes on
                        log_exception("draft on lock", error)
            try:
                lock(ctx, reason=reason)
            except Exception:  # noqa: BLE001 - the store is closed either way
                ctx.store.close()
        finally:
            self.lock_finished.set()

    def _start_closing(self, ctx: Ctx, reason: str) -> None:
        """Take every open form's contents now; write them and lock in a worker."""
        from caseapp.modals.field_form import FieldForm

        forms: list[tuple[FieldForm[Any], dict[str, Any]]] = []
        for form in [s for s in self.screen_stack if isinstance(s, FieldForm)]:
            payload = form.draft_payload("lock")
            form.finished = True
            if payload is not None:
                forms.append((form, payload))
        # Register marks still waiting to be written, for one: typed, so never lost.
        owed = [
            write
            for screen in self.screen_stack
            if isinstance(screen, CaseScreen) and (write := screen.writes_on_lock()) is not None
        ]
        self.lock_finished.clear()
        self.run_worker(
            lambda: self._close_store(ctx, forms, reason, owed),
            thread=True,
            group="lock",
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Once a lock has closed the store, collect everything her session left behind."""
        if event.worker.group == "lock" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            # Her screens are replaced by now: nothing of hers may wait, frozen in a reference
            # cycle, for a collection that might not come before the laptop is left alone.
            self.call_after_refresh(self.collector.release)

    def check_idle_lock(self) -> None:
        """Lock when no key has been pressed for the idle time (by the wall clock)."""
        if self.ctx is not None and self.wall_clock() - self.last_activity >= self.idle_seconds:
            self.lock_now(reason="idle", message="Locked after a period without activity.")
            return
        calm = self.tap_clock() - self._key_at
        if not self._paused and calm >= PAUSE_SECONDS:
            # She has paused: collecting now leaves less for a collection during her typing.
            self._paused = True
            self.collector.pause()
        elif calm >= LONG_PAUSE_SECONDS and self.collector.clean_due:
            self.collector.clean()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide Lock from the footer while there is nothing unlocked to lock."""
        if action == "lock":
            return self.ctx is not None
        if action == "go" and parameters and self.ctx is not None:
            # A destination of another role is not offered at all (footer, help, palette).
            role = self.ctx.actor.role
            return any(d.name == parameters[0] and role in d.roles for d in DESTINATIONS)
        return True

    def action_lock(self) -> None:
        """Lock at once (ctrl+l)."""
        if self.ctx is not None:
            self.lock_now(reason="manual", message="Locked.")

    def lock_now(self, *, reason: str, message: str) -> None:
        """Drop the key and the connections, and replace every screen with the unlock screen."""
        ctx, self.ctx = self.ctx, None
        # The screens her keys last opened go with the lock, not kept alive by the double-tap
        # check with whatever of hers they showed.
        self._last_key, self._opened_by = ("", 0.0, None, 0), ("", None, 0.0)
        if ctx is not None:
            # Never wait on the store here: an import or an erasure may hold the writer.
            self._start_closing(ctx, reason)
        self.sub_title = ""
        # Toasts outlive screens and can name a woman ("Saved Jane's contact"): drop them too.
        self.clear_notifications()
        stacked = list(self.screen_stack)
        back_home(self)
        self._drop_kept(stacked)
        screen = UnlockScreen(
            self.store_path,
            username=ctx.actor.username if ctx else "",
            message=message,
            demo_hint=self.demo_hint,
        )
        self.switch_screen(screen)

    # -- help, home, palette -----------------------------------------------------------

    def action_command_palette(self) -> None:
        """ctrl+p: the command palette, its list shown as soon as its searches finish."""
        from caseapp.palette.prompt_palette import PromptPalette

        open_already = any(isinstance(s, CommandPalette) for s in self.screen_stack)
        if self.use_command_palette and not open_already:
            self.push_screen(PromptPalette(id="--command-palette"))

    def action_help(self) -> None:
        """F1: help for the current screen."""
        from caseapp.modals.help import HelpModal  # Markdown: loaded at the first F1

        screen = self.screen
        text = (
            screen.help_text()
            if isinstance(screen, CaseScreen)
            else getattr(screen, "HELP", CaseScreen.HELP)
        )
        keys = [
            (b.key_display or self.get_key_display(b), b.description)
            for (_node, b, enabled, _tip) in screen.active_bindings.values()
            if enabled and b.show and b.description
        ]
        if isinstance(screen, HelpModal):
            return
        self.push_screen(HelpModal(text, keys))

    def action_home(self) -> None:
        """Return to the home screen, closing whatever is on top of it."""
        if self.ctx is None:
            return
        back_home(self)

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """Commands for the palette available from every unlocked screen."""
        if self.ctx is None:
            return []
        role = self.ctx.actor.role
        return [
            (f"Go to {d.title}", f"app.go('{d.name}')", d.help)
            for d in DESTINATIONS
            if role in d.roles
        ]

    def action_go(self, name: str) -> None:
        """Open a top-level screen from `navigation.DESTINATIONS` over the home screen."""
        if self.ctx is None:
            return
        for destination in DESTINATIONS:
            if destination.name == name and self.ctx.actor.role in destination.roles:
                module_name, class_name = destination.screen.split(":")
                screen_class = getattr(importlib.import_module(module_name), class_name)
                if destination.kept:
                    self._visit_kept(destination.name, screen_class)
                    return
                back_home(self)
                self.push_screen(screen_class())
                return
        self.notify("That is not available to your role.", severity="warning", markup=False)

    def _visit_kept(self, name: str, screen_class: type[CaseScreen]) -> None:
        # Built at the first visit of the session and installed, so leaving it keeps it: the
        # next visit shows it at once instead of composing and laying out a new one.
        if not self.is_screen_installed(name):
            back_home(self)
            self.install_screen(screen_class(), name)
            self.push_screen(name)
            return
        screen = self.get_screen(name, CaseScreen)
        if screen in self.screen_stack:
            while self.screen is not screen:  # opened from above it: close what is above
                self.pop_screen()
        else:
            back_home(self)
            self.push_screen(screen)
        screen.fresh()

    def _drop_kept(self, stacked: list[Screen[Any]]) -> None:
        # A lock ends the session: kept screens go with what they showed. One in the stack
        # when the lock came has just been popped and is removed as it leaves (uninstalled
        # by then); one that was hidden is removed here.
        for destination in DESTINATIONS:
            if destination.kept and self.is_screen_installed(destination.name):
                screen = self.get_screen(destination.name)
                self.uninstall_screen(destination.name)
                if screen not in stacked and screen.is_attached:
                    screen.remove()

    async def action_quit(self) -> None:
        """Lock (checkpointing the store) and leave."""
        if self.ctx is not None:
            ctx, self.ctx = self.ctx, None
            self._start_closing(ctx, "quit")
            self.run_worker(self._exit_when_closed, thread=True, group="quit", exit_on_error=False)
            return
        self.exit(0)

    def _exit_when_closed(self) -> None:
        self.lock_finished.wait(timeout=120)
        self.call_from_thread(self.exit, 0)

    def on_unmount(self) -> None:
        self.lock_finished.wait(timeout=30)
        if self.ctx is not None:
            ctx, self.ctx = self.ctx, None
            ctx.store.close()


def build_app(
    store_path: Path | str,
    *,
    username: str = "",
    demo_hint: str | None = None,
    unlock_fn: UnlockFn | None = None,
    tap_clock: Callable[[], float] = time.monotonic,
) -> CaseApp:
    """The one way to build the app: `caseapp`, `caseapp demo` and every UI test call it.

    `unlock_fn` (how a username and passphrase become an open store) and `tap_clock` (what
    tells a double-tapped key from two presses) are the hooks a test replaces; the idle lock
    reads `caseapp.clock`, which tests freeze; nothing else about the app is patched.
    """
    return CaseApp(
        store_path,
        username=username,
        demo_hint=demo_hint,
        unlock_fn=unlock_fn,
        tap_clock=tap_clock,
    )


def run_app(
    store_path: Path | str, *, username: str = "", demo_hint: str | None = None, **kwargs: Any
) -> int:
    """Run the TUI until the user quits; return the exit status."""
    app = build_app(store_path, username=username, demo_hint=demo_hint, **kwargs)
    result = app.run()
    return int(result or 0)
