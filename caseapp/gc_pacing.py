"""Garbage collection paced to her: short while she types, thorough when she pauses or locks."""

from __future__ import annotations

import gc

DEEP_AFTER = 150_000
"""Objects kept frozen since the last thorough collection before a long pause brings another."""


class CollectionPacer:
    """Keeps full garbage collections out of her typing and frees her session on lock.

    CPython's full collection walks every object it tracks that is not frozen: with the
    caseload of a whole provider on screen that was 45,000-60,000 objects and 40-90 ms,
    landing on about one keystroke in forty. What is alive when a screen has its data on
    screen, or when she pauses, lives on while she types (the screen, its rows, the
    library's caches), so it is frozen then and later collections walk only what is new.

    Freezing has a price: an object frozen and later dropped inside a reference cycle is
    not freed until it is unfrozen. So the frozen set is cleaned thoroughly (unfrozen and
    collected) on lock, when nothing of her session may outlive it, and at a long pause once
    enough has been frozen since the last clean that it could matter (`DEEP_AFTER`). A clean
    walks everything (200-300 ms with a large caseload opened a dozen times), so it waits for
    a pause long enough that she is reading, not typing.
    """

    def __init__(self, deep_after: int = DEEP_AFTER) -> None:
        self.deep_after = deep_after
        self.base = gc.get_freeze_count()
        # False from a lock's release to the next unlock: a pause or a screen settling then
        # would freeze her screens as they are taken down, and they would outlive the lock.
        self.freezing = True

    def _freeze(self) -> None:
        if self.freezing:  # never between a lock's release and the next unlock
            gc.freeze()

    def unlocked(self) -> None:
        """Unlocked: what is loaded by now lives as long as the app; freeze it and count from it."""
        self.freezing = True
        gc.freeze()
        self.base = gc.get_freeze_count()

    def settle(self) -> None:
        """A screen has its data on screen: keep what is alive out of later collections."""
        # Frozen as it is, not collected first: a new screen leaves tens of thousands of young
        # objects, and walking them would cost her as much as the collection saved. Garbage
        # frozen with them waits for the next pause.
        self._freeze()

    def pause(self) -> None:
        """She has paused: collect what is new (a few milliseconds), then freeze the rest."""
        gc.collect()  # walks only what was made since the last freeze
        self._freeze()

    @property
    def clean_due(self) -> bool:
        """Whether enough has been frozen since the last clean for a long pause to clean."""
        return gc.get_freeze_count() - self.base > self.deep_after

    def release(self) -> None:
        """Unfreeze everything and collect (on lock): nothing of her session stays frozen.

        Nothing is frozen again until the next unlock, so whatever of her session is still
        being taken down (a screen removed a moment later) is freed by the next collection.
        """
        self.freezing = False
        gc.unfreeze()
        gc.collect()
        self.base = gc.get_freeze_count()

    def clean(self) -> None:
        """Unfreeze and collect everything, then freeze what is left (on lock and unlock)."""
        gc.unfreeze()
        gc.collect()
        self._freeze()
        self.base = gc.get_freeze_count()
