"""Collections paced to her: what is frozen is walked by no collection, and a clean frees it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from caseapp.gc_pacing import CollectionPacer


class Node:
    """An object in a reference cycle, as a screen and its widgets are."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """Leave the test process as it was: nothing frozen by these tests outlives them."""
    yield
    gc.unfreeze()


def walked(obj: object) -> bool:
    """Whether a collection would walk `obj` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_what_a_settled_screen_holds_is_walked_by_no_collection() -> None:
    pacer = CollectionPacer()
    kept = Node()
    assert walked(kept)
    pacer.settle()
    assert not walked(kept)


def test_a_cycle_frozen_then_dropped_is_freed_by_a_clean_not_by_collections() -> None:
    pacer = CollectionPacer()
    node = Node()
    ref = weakref.ref(node)
    pacer.settle()
    del node
    gc.collect()
    assert ref() is not None  # the price of freezing, paid back by `clean`
    pacer.clean()
    assert ref() is None
    assert pacer.base == gc.get_freeze_count()


def test_a_pause_collects_what_is_new_and_leaves_the_frozen_alone() -> None:
    pacer = CollectionPacer(deep_after=10**9)
    old = Node()
    old_ref = weakref.ref(old)
    pacer.settle()
    del old
    new = Node()
    new_ref = weakref.ref(new)
    del new
    pacer.pause()
    assert new_ref() is None
    assert old_ref() is not None  # cheap: the frozen were not walked
    pacer.clean()
    assert old_ref() is None


def test_a_clean_falls_due_once_enough_has_been_frozen() -> None:
    pacer = CollectionPacer(deep_after=10**9)
    pacer.settle()
    assert not pacer.clean_due
    eager = CollectionPacer(deep_after=0)
    eager.base -= 1  # one object more frozen than at its last clean
    assert eager.clean_due
    eager.clean()
    assert eager.base == gc.get_freeze_count() and not eager.clean_due


def test_a_lock_leaves_nothing_frozen_so_what_it_drops_later_is_collected() -> None:
    pacer = CollectionPacer()
    node = Node()
    ref = weakref.ref(node)
    pacer.settle()
    pacer.release()
    assert walked(node)  # nothing of the session stays frozen after the lock
    del node
    gc.collect()
    assert ref() is None


def test_after_a_lock_no_pause_or_settled_screen_freezes_anything_until_the_unlock() -> None:
    # A pause timer (or a screen's "settled") firing between the lock and the removal of her
    # screens froze them: frozen in a cycle, they outlived the lock until the next unlock.
    pacer = CollectionPacer(deep_after=0)
    pacer.release()
    node = Node()
    ref = weakref.ref(node)
    pacer.pause()
    pacer.settle()
    pacer.clean()
    assert walked(node)
    del node
    gc.collect()
    assert ref() is None
    pacer.unlocked()
    pacer.settle()
    assert gc.get_freeze_count() > 0  # unlocked again: pacing as before
