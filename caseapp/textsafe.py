"""Make stored text safe to show: no control or bidi-override character reaches the terminal."""

from __future__ import annotations

import unicodedata

# Bidirectional embedding, override and isolate controls: shown as a visible marker so a name
# cannot reorder what is displayed after it. Arabic and Hebrew letters are left alone.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
_BIDI_MARK = "\u2426"  # ⍰-like symbol: SYMBOL FOR SUBSTITUTE FORM TWO


def visible(text: str | None, *, limit: int | None = None, keep_newlines: bool = False) -> str:
    """Return `text` with every control character replaced by a visible stand-in.

    C0 controls become their Unicode control pictures (ESC shows as U+241B), DEL and C1
    controls a replacement character, bidi overrides a marker. `limit` truncates with an
    ellipsis so a 10,000-character name cannot swamp a table cell.
    """
    if not text:
        return ""
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch == "\t":
            out.append("    " if keep_newlines else " ")
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif 0x80 <= code < 0xA0:
            out.append("\ufffd")
        elif ch in _BIDI_CONTROLS:
            out.append(_BIDI_MARK)
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        elif unicodedata.category(ch) == "Cf" and code not in (0x200C, 0x200D):
            # Other invisible format characters (zero-width space, marks) are shown, not hidden.
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)
