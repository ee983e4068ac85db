"""A widget's own keys handled where it stands in the queue of keys, in the order typed."""

from __future__ import annotations

from textual import events
from textual.widget import Widget


async def own_key_first(widget: Widget, event: events.Key, *, types_text: bool = False) -> bool:
    """Run `widget`'s own binding for `event` now, in the widget's queue; True if one ran.

    Textual sends a key to the focused widget and, if the widget does not take it there, up
    through its parents to the app, which only then looks the key up in the bindings, from
    whatever is focused by that time. Keys typed faster than the screen handles them overtook
    each other on the way: "Janr", Backspace, "e" in a name became "Janr"; Right (the next
    format) then Tab moved the cursor in the next field instead. A widget calls this from its
    `_on_key`, so a key it binds itself runs before the keys typed after it. For a text field
    (`types_text`) printable keys are text, never bindings. (Tab and shift+Tab are the app's
    priority bindings, handled before any widget sees them.)
    """
    if types_text and event.is_printable:
        return False
    for key in event.aliases:
        for binding in widget._bindings.key_to_bindings.get(key, ()):
            if binding.priority:
                continue
            if await widget.app.run_action(binding.action, widget):
                event.stop()
                event.prevent_default()
                return True
    return False
