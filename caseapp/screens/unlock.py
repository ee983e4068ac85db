"""The unlock screen: username and passphrase, the KDF in a thread so the screen stays alive."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, LoadingIndicator, Static

from caseapp.errors import CaseappError, PassphraseIncorrect
from caseapp.screens.base import CaseScreen
from caseapp.widgets.quiet_footer import QuietFooter
from caseapp.widgets.safe import safe

if TYPE_CHECKING:
    from caseapp.services.session import UnlockOutcome

STORE_PATH_WIDTH = 47
# Imported in a thread once this screen is drawn (see `_warm_up`), most needed first.
WARM_UP_MODULES = ("caseapp.screens.home", "caseapp.modals.field_form", "caseapp.modals.discard")


_WAIT = re.compile(r"(?:paused for|try again in) (\d+) s\.")


def shorten_path(path: Path | str, width: int = STORE_PATH_WIDTH) -> str:
    """The path, or its end after an ellipsis, so it stays on one line of the unlock box.

    A server's URL is shown without any password written into it.
    """
    text = str(path) if isinstance(path, Path) else _without_password(path)
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    query = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "password"]
    return urlunsplit((parts.scheme, host, parts.path, urlencode(query, safe="/"), ""))


class UnlockScreen(CaseScreen):
    """Asks who you are and for your passphrase; nothing of the store is shown until then."""

    HELP = (
        "## Unlock\n\n"
        "Type your **username**, press Enter, then your **passphrase** and Enter.\n\n"
        "The store is encrypted: without a passphrase nothing in it can be read. After five "
        "wrong attempts in a row, unlocking pauses for 30 seconds, then longer each time.\n\n"
        "Forgotten passphrase? A manager can reset a keyworker's; a manager uses the recovery "
        "code (`caseapp recover`)."
    )
    SERVER_HELP = (
        "## Sign in\n\n"
        "Type your **username**, press Enter, then your **passphrase** and Enter.\n\n"
        "This store is on a PostgreSQL server: your username and passphrase are your own "
        "login there, and the server decides what you may see.\n\n"
        "Forgotten passphrase? A manager can reset a keyworker's; an admin a manager's "
        "(`caseapp user reset`)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", "Quit", id="quit"),
        Binding("f1", "app.help", "Help", id="help"),
        # Enter in the username moves on at once, at the app, so the passphrase typed straight
        # after it never lands in the username while the field's Enter waits in its queue.
        Binding("enter", "to_passphrase", show=False, priority=True),
    ]

    class Unlocked(Message):
        """The worker opened the store."""

        def __init__(self, outcome: UnlockOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    class UnlockFailed(Message):
        """The worker could not open the store; `message` is safe to show."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(
        self,
        store_path: Path | str,
        *,
        username: str = "",
        message: str = "",
        demo_hint: str | None = None,
    ) -> None:
        super().__init__()
        self.store_path = store_path
        self.initial_username = username
        self.initial_message = message
        self.demo_hint = demo_hint
        # After repeated failures: the message with its seconds, ticking down to 0.
        self._message = ""
        self._paused_until = 0.0
        self._countdown: Timer | None = None
        # How many messages were shown: a late in-use check never hides one of them.
        self._said = 0

    def help_text(self) -> str:
        """F1's text: a server's sign-in has no key file, pause or recovery code."""
        return self.SERVER_HELP if isinstance(self.store_path, str) else self.HELP

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="unlock-box") as box:
            box.border_title = "caseapp"
            yield Static(safe(f"Store: {shorten_path(self.store_path)}"), id="unlock-store")
            yield Input(
                value=self.initial_username, placeholder="Username", id="username", max_length=64
            )
            yield Input(placeholder="Passphrase", password=True, id="passphrase", max_length=4096)
            yield Button("Unlock", id="unlock", variant="primary")
            yield LoadingIndicator(id="unlock-busy")
            yield Static(safe(self.initial_message), id="unlock-message")
            if self.demo_hint:
                yield Static(safe(f"Demo store: passphrase {self.demo_hint}"), id="unlock-hint")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one("#unlock-busy").display = False
        target = "#passphrase" if self.initial_username else "#username"
        self.query_one(target, Input).focus()
        # After the first paint: importing the store and the home screen in a thread holds
        # the interpreter often enough to delay drawing this screen by a second or more.
        self.call_after_refresh(self._warn_if_in_use)
        self.call_after_refresh(self._warm_up)

    @work(thread=True, exit_on_error=False, group="warm-up")
    def _warm_up(self) -> None:
        """Import the home screen while she types, so it appears as soon as the store opens.

        First what the unlock itself needs, so a passphrase typed quickly starts its key
        derivation while the rest loads; last the forms and the draft offer, which the app
        imports only when first needed (after unlocking) so that this screen is drawn sooner.
        """
        from caseapp.services.session import load_unlock_modules

        if not isinstance(self.store_path, str):  # a server's sign-in needs none of it
            load_unlock_modules()
        for name in WARM_UP_MODULES:
            importlib.import_module(name)

    @work(thread=True, exit_on_error=False, group="in-use")
    def _warn_if_in_use(self) -> None:
        # Tell a second instance at once, not only after a passphrase has been typed. A lock
        # of this app may still be closing the store in its worker: that is not another window.
        self.case_app.lock_finished.wait(timeout=120)
        from caseapp.services.session import store_availability

        problem = store_availability(self.store_path)
        if problem:
            self.app.call_from_thread(self._say_unless_superseded, problem)

    def _say_unless_superseded(self, message: str) -> None:
        # Only while the screen has said nothing yet: on a busy machine this thread may start,
        # not only answer, after a failed unlock was shown, and that message stays.
        if self._said == 0:
            self._say(message)

    def _say(self, message: str) -> None:
        self._said += 1
        self.query_one("#unlock-message", Static).update(safe(message))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter is the move to the passphrase only while the username has the focus."""
        if action == "to_passphrase":
            return self.focused is self.query_one("#username", Input)
        return True

    def action_to_passphrase(self) -> None:
        """Move from the username to the passphrase (now: `focus()` would wait for a turn)."""
        self.set_focus(self.query_one("#passphrase", Input))

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#unlock")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        passphrase = self.query_one("#passphrase", Input).value
        if not username:
            self._say("Type your username.")
            self.query_one("#username", Input).focus()
            return
        if not passphrase:
            self._say("Type your passphrase.")
            self.query_one("#passphrase", Input).focus()
            return
        self._busy(True)
        self._say("Unlocking…")
        self._unlock(username, passphrase)

    def _busy(self, busy: bool) -> None:
        self.query_one("#unlock-busy").display = busy
        for widget in self.query(Input):
            widget.disabled = busy
        self.query_one("#unlock", Button).disabled = busy

    @work(thread=True, exclusive=True, exit_on_error=False, group="unlock")
    def _unlock(self, username: str, passphrase: str) -> None:
        try:
            outcome = self.case_app.open_store(self.store_path, username, passphrase)
        except PassphraseIncorrect as exc:
            # Warn before the pause starts rather than surprise her with it.
            from caseapp.services.session import attempts_note

            note = attempts_note(self.store_path)
            self.post_message(self.UnlockFailed(f"{exc} {note}".strip()))
        except CaseappError as exc:
            self.post_message(self.UnlockFailed(str(exc)))
        else:
            self.post_message(self.Unlocked(outcome))

    def on_unlock_screen_unlock_failed(self, message: UnlockFailed) -> None:
        """Show why, clear the passphrase, try again; a pause counts down to 0 s."""
        self._busy(False)
        self._say(message.message)
        wait = _WAIT.search(message.message)
        if self._countdown is not None:
            self._countdown.stop()
            self._countdown = None
        if wait:
            self._message = message.message
            self._paused_until = self.case_app.wall_clock() + int(wait.group(1))
            self._countdown = self.set_interval(1.0, self.tick_countdown)
        field = self.query_one("#passphrase", Input)
        field.value = ""
        field.focus()

    def tick_countdown(self) -> None:
        """Rewrite the seconds left in the message (timer, every second)."""
        left = max(0, int(self._paused_until - self.case_app.wall_clock() + 0.999))
        text = _WAIT.sub(lambda m: m.group(0).replace(m.group(1), str(left), 1), self._message)
        self._say(text if left else "You can try again now.")
        if not left and self._countdown is not None:
            self._countdown.stop()
            self._countdown = None

    def on_unlock_screen_unlocked(self, message: Unlocked) -> None:
        """Hand the context to the app, which replaces this screen."""
        self.query_one("#passphrase", Input).value = ""
        self.case_app.on_unlocked(message.outcome)
