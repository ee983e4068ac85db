"""The home screen after unlock; later issues fill it with what is waiting for the user."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from caseapp.models.codes import ROLES, label
from caseapp.navigation import DESTINATIONS
from caseapp.screens.base import CaseScreen
from caseapp.widgets.safe import safe


class HomeScreen(CaseScreen):
    """Where the day starts."""

    HELP = (
        "## Home\n\n"
        "Your starting point. Keys at the bottom of the screen show what you can do; "
        "**ctrl+p** opens the command palette, which reaches every action. "
        "**ctrl+l** locks caseapp at once (it also locks itself when left idle)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(d.key, f"app.go('{d.name}')", d.title, id=f"go-{d.name}") for d in DESTINATIONS
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim destinations the actor's role cannot open."""
        if action == "app.go" and parameters:
            for d in DESTINATIONS:
                if d.name == parameters[0]:
                    return self.ctx.actor.role in d.roles
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
        menu = [f"  {d.key}  {d.title}" for d in DESTINATIONS if actor.role in d.roles]
        if menu:
            yield Static("\n".join(menu), id="home-menu", markup=False)
        yield Static(
            "Press ctrl+p for the command palette, F1 for help, ctrl+l to lock.",
            id="home-hint",
        )
        yield Footer()
