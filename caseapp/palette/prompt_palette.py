"""The command palette, showing what was found as soon as the last search has finished.

Textual's palette (8.2.8, pinned) collects hits by waiting on its queue a tenth of a second at
a time and only then looks whether every provider has finished, so the list she is waiting
for (a woman found, or "no matches") came up to 100 ms after the last search had answered:
the palette's worst keystroke. Here it waits on whichever comes first, the next hit or the
end of every search. Everything else is Textual's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from textual.command import CommandPalette, DiscoveryHit, Hit

from caseapp.widgets.quick_frames import QuickFrames


class PromptPalette(QuickFrames, CommandPalette):
    """Textual's command palette that never polls for the end of its searches, and paints
    its hits without waiting for Textual's next 1/60 s frame."""

    # Textual waits half a second before saying nothing matched, lest the words flash while
    # a slow search is still running. Here the searches have all ended by then: she is told
    # at once (a name she typed wrong shows "No matches found" in the same frame, not later).
    # (A millisecond, not 0: Textual's timer divides by its interval.)
    _NO_MATCHES_COUNTDOWN = 0.001  # type: ignore[misc]

    async def _search_for(self, search_value: str) -> AsyncGenerator[DiscoveryHit | Hit, bool]:
        commands: asyncio.Queue[DiscoveryHit | Hit] = asyncio.Queue()
        searches = [
            asyncio.create_task(self._consume(provider._search(search_value), commands))
            for provider in self._providers
        ]
        finished = asyncio.gather(*searches, return_exceptions=True)
        self._start_busy_countdown()
        aborted = False
        getter: asyncio.Future[DiscoveryHit | Hit] | None = None
        try:
            while not aborted and not (commands.empty() and finished.done()):
                getter = asyncio.ensure_future(commands.get())
                either: set[asyncio.Future[Any]] = {getter, finished}
                await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    continue  # every search has ended: take what is left in the queue
                hit, getter = getter.result(), None
                aborted = yield hit
                commands.task_done()
        except asyncio.CancelledError:
            aborted = True
        finally:
            if getter is not None and not getter.done():
                getter.cancel()
            if aborted or not finished.done():
                for search in searches:
                    search.cancel()
        for search in searches:
            if search.done() and not search.cancelled() and search.exception() is not None:
                # As Textual does: a provider that failed is logged, never shown as an error.
                self.log.error(f"command palette search failed: {search.exception()!r}")
        if not aborted:
            self._stop_busy_countdown()
