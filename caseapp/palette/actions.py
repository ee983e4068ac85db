"""The command palette: app-wide actions plus whatever the current screen offers."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from caseapp.app import CaseApp

APP_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Lock now", "app.lock", "Lock caseapp: the key and every open record are dropped"),
    ("Help for this screen", "app.help", "What this screen is for and its keys (F1)"),
    ("Home", "app.home", "Back to the home screen"),
    ("Quit", "app.quit", "Lock and leave caseapp"),
)


class CaseCommands(Provider):
    """Offers every action reachable from where the user is, matched as she types."""

    def _commands(self) -> list[tuple[str, str, str]]:
        app: CaseApp = self.app  # type: ignore[assignment]
        if app.ctx is None:
            return [c for c in APP_COMMANDS if c[1] in ("app.help", "app.quit")]
        screen = self.screen
        entries = getattr(screen, "palette_entries", None)
        # A screen offers only what applies to the actor (a keyworker is not offered erasure).
        extra = entries() if callable(entries) else getattr(screen, "PALETTE", ())
        return [*extra, *app.palette_commands(), *APP_COMMANDS]

    def _runner(self, action: str) -> Callable[[], Any]:
        screen = self.screen
        return partial(screen.run_action, action)

    async def discover(self) -> Hits:
        for title, action, help_text in self._commands():
            yield DiscoveryHit(title, self._runner(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._runner(action), help=help_text)
