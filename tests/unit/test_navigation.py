"""One way back home: `screens.navigation.back_home`, and no screen pops its own way there."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import caseapp
from caseapp.screens.navigation import back_home

ROOT = Path(caseapp.__file__).parent


class _Stack:
    """Just the part of an app that `back_home` uses."""

    def __init__(self, *names: str) -> None:
        self.screen_stack = list(names)

    def pop_screen(self) -> None:
        self.screen_stack.pop()


def test_back_home_closes_everything_above_home() -> None:
    app = _Stack("_default", "home", "caseload", "woman", "form")
    back_home(cast(Any, app))
    assert app.screen_stack == ["_default", "home"]
    back_home(cast(Any, app))  # already home: nothing more goes
    assert app.screen_stack == ["_default", "home"]


def test_no_other_module_walks_the_stack_home_itself() -> None:
    own = ROOT / "screens" / "navigation.py"
    walkers = [
        path.relative_to(ROOT).as_posix()
        for path in sorted(ROOT.rglob("*.py"))
        if path != own and "screen_stack) > " in path.read_text(encoding="utf-8")
    ]
    assert walkers == [], "use screens.navigation.back_home(app)"
