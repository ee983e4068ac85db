"""Name skeletons for the duplicate check: look-alike letters and invisible characters folded.

`Jane Smith`, `Jаne Smith` (a Cyrillic а), `Jane\u200b Smith` and `JANE  SMITH` must come out
the same, or a second record for one woman hides behind a letter. The skeleton is close to
Unicode TR39's: NFKC, case fold, invisible and format characters removed (zero-width space
and joiner, soft hyphen, bidi controls), accents removed, each character replaced by the
representative of its confusable class from the Unicode confusables data (as shipped by the
`confusable-homoglyphs` package, not a hand-made table), whitespace collapsed.
"""

from __future__ import annotations

import functools
import unicodedata

from confusable_homoglyphs.confusables import (  # type: ignore[import-untyped]
    confusables_data,
)


def _representative(members: list[str]) -> str:
    # TR39 maps "m" to "rn": prefer the longest ASCII spelling, so a multi-letter look-alike
    # is what single letters map to; otherwise the shortest, lowest code point.
    ascii_members = [m for m in members if m.isascii() and m.isprintable()]
    if ascii_members:
        return sorted(ascii_members, key=lambda m: (-len(m), m))[0]
    return sorted(members, key=lambda m: (len(m), m))[0]


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each single character mapped to its confusable class's representative."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for source, entries in confusables_data.items():
        for entry in entries:
            a, b = find(source), find(str(entry["c"]))
            if a != b:
                parent[a] = b
    classes: dict[str, list[str]] = {}
    for member in list(parent):
        classes.setdefault(find(member), []).append(member)
    mapping: dict[str, str] = {}
    for members in classes.values():
        chosen = _representative(members)
        for member in members:
            if len(member) == 1 and member != chosen:
                mapping[member] = chosen
    return mapping


def _without_marks(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def skeleton(text: str) -> str:
    """The form two names must share to be a possible duplicate."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    table = _prototypes()
    mapped = "".join(table.get(ch, ch) for ch in _without_marks(visible))
    return " ".join(_without_marks(mapped.casefold()).split())


def _char_skeleton(ch: str) -> str:
    # `skeleton` is character by character after NFKC (NFD only reorders the marks it then
    # drops), so one character's part is the same steps on that character alone.
    if ch.isspace():
        return " "
    visible = "".join(c for c in ch.casefold() if unicodedata.category(c) != "Cf")
    table = _prototypes()
    mapped = "".join(table.get(c, c) for c in _without_marks(visible))
    return _without_marks(mapped.casefold())


def character_skeletons() -> dict[str, str]:
    """Every character whose part of a skeleton is not itself, with that part.

    A PostgreSQL store computes skeletons in the server from this table (its duplicate check
    must see women that row-level security hides from the login): `NFKC`, each character
    replaced by its entry, runs of spaces made one and trimmed gives `skeleton`'s result.
    """
    found: dict[str, str] = {}
    for code in range(0x110000):
        ch = chr(code)
        if unicodedata.category(ch) in ("Cn", "Co", "Cs"):  # unassigned, private, surrogates: as is
            continue
        part = _char_skeleton(ch)
        if part != ch:
            found[ch] = part
    return found
