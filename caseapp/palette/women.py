"""The command palette's jump to a woman: type part of her name or her reference.

The search runs through the caseload service in a thread, so a keyworker finds only women
she may see; a search she has typed past is interrupted, not left to finish. Names are shown
as data (a `Text`), never parsed as markup.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import Hit, Hits, Provider

from caseapp.models.codes import WOMAN_STATUSES, label
from caseapp.services.cancel import Cancel, Cancelled
from caseapp.services.caseload import WomanRow, search
from caseapp.services.validation import show_date
from caseapp.widgets.flag_badges import name_with_badges
from caseapp.widgets.safe import safe

if TYPE_CHECKING:
    from caseapp.app import CaseApp

MIN_CHARS = 2
LIMIT = 12


class WomanSearchCommands(Provider):
    """Offers "Open <her name>" for women matching what is typed in the palette."""

    async def search(self, query: str) -> Hits:
        app: CaseApp = self.app  # type: ignore[assignment]
        ctx = app.ctx
        if ctx is None or len(query.strip()) < MIN_CHARS or ctx.actor.role == "admin":
            return
        # The palette cancels this search when she types on; the thread's query is then
        # interrupted too, rather than left to finish for text she has typed past.
        cancel = Cancel()
        try:
            rows = await asyncio.to_thread(search, ctx, query, limit=LIMIT, cancel=cancel)
        except asyncio.CancelledError:
            cancel.cancel()
            raise
        except Cancelled:
            return
        for rank, row in enumerate(rows):
            yield Hit(
                1.0 - rank / (LIMIT * 2),
                self._prompt(row),
                partial(self._open, row.id),
                text=f"Open {row.reference}",
                help=self._help(row),
            )

    @staticmethod
    def _prompt(row: WomanRow) -> Text:
        text = Text("Open ")
        text.append_text(name_with_badges(safe(row.name, limit=40, style="bold"), row.flags))
        text.append(f"  {row.reference}", style="dim")
        return text

    @staticmethod
    def _help(row: WomanRow) -> str:
        # Palette help is parsed as markup: only our own words and codes go in it.
        born = f"born {show_date(row.date_of_birth)}" if row.date_of_birth else "no birth date"
        return f"{label(WOMAN_STATUSES, row.status)} · {born}"

    def _open(self, woman_id: int) -> None:
        from caseapp.screens.woman import open_woman_screen

        open_woman_screen(self.app, woman_id)
