"""Opening a draft again after an unlock: the screen it was typed on, then its form."""

from __future__ import annotations

from typing import Any

from caseapp.screens.base import CaseScreen
from caseapp.screens.navigation import back_home
from caseapp.services.drafts import DraftView


def screen_for(route: dict[str, Any]) -> CaseScreen | None:
    """A new screen for a draft's route, or None when caseapp no longer knows the route."""
    kind = route.get("screen")
    try:
        if kind == "woman":
            from caseapp.screens.woman import WomanScreen

            return WomanScreen(int(route["woman_id"]))
        if kind == "new_woman":
            from caseapp.screens.new_woman import NewWomanScreen

            return NewWomanScreen()
        if kind == "plan":
            from caseapp.screens.plan import PlanScreen

            return PlanScreen(int(route["woman_id"]), title=str(route.get("title", "")))
    except (KeyError, TypeError, ValueError):
        return None
    return None


def restore(app: Any, draft: DraftView) -> bool:
    """Open the draft's screen over home; the screen opens the form when it is ready."""
    screen = screen_for(draft.route)
    if screen is None:
        return False
    screen.pending_draft = draft
    back_home(app)
    app.push_screen(screen)
    return True
