"""Turn user text into Rich `Text` that is never parsed as markup and shows no control bytes."""

from __future__ import annotations

from rich.text import Text

from caseapp.textsafe import visible


def safe(
    value: object, *, limit: int | None = None, style: str = "", keep_newlines: bool = False
) -> Text:
    """A `Text` holding `value` literally (markup brackets and escapes stay inert)."""
    return Text(
        visible("" if value is None else str(value), limit=limit, keep_newlines=keep_newlines),
        style=style,
    )
