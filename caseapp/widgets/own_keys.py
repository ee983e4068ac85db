"""A widget's own keys handled where it stands in the queue of keys, in the order typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events

if TYPE_CHECKING:
    from textual.widget import Widget

    _Mixin = Widget
else:
    # A plain class at run time: as a Widget subclass it would pin `can_focus` to False for
    # every widget mixing it in (Textual copies the attribute into each widget class).
    _Mixin = object


class OwnKeysInOrder(_Mixin):
    """A focusable widget whose own key bindings run in its own queue, in the order typed.

    Textual sends a key to the focused widget and, if the widget does not take it there, up
    through its parents to the app, which only then looks the key up in the bindings, from
    whatever is focused by that time. Keys typed faster than the screen handles them overtook
    each other on the way: "Janr", Backspace, "e" in a name became "Janr"; Right (the next
    format) then Tab moved the cursor in the next field instead. A key this widget binds
    itself is run here instead, before the keys typed after it. (Tab and shift+Tab are the
    app's priority bindings, handled before any widget sees them.)
    """

    TYPES_TEXT: ClassVar[bool] = False
    """A text field: printable keys are text it types, never its bindings."""

    async def _on_key(self, event: events.Key) -> None:
        if not (self.TYPES_TEXT and event.is_printable):
            for key in event.aliases:
                for binding in self._bindings.key_to_bindings.get(key, ()):
                    if binding.priority:
                        continue
                    if await self.app.run_action(binding.action, self):
                        event.stop()
                        event.prevent_default()
                        return
        await super()._on_key(event)
