"""Flag badges shown beside a woman's name wherever she appears (MARAC, CSG, SH ...)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from caseapp.models.codes import FLAG_BADGES

# Risks to her or to staff stand out; practical notes (interpreter, pregnancy) are quieter.
_URGENT = frozenset({"marac", "child_safeguarding", "self_harm", "risk_to_staff"})


def badges(codes: Iterable[str]) -> Text:
    """Badges for active flag codes, e.g. ` MARAC  SH `, styled by urgency."""
    text = Text()
    for code in codes:
        if text:
            text.append(" ")
        style = "bold white on dark_red" if code in _URGENT else "bold black on yellow"
        text.append(f" {FLAG_BADGES.get(code, code.upper())} ", style=style)
    return text


def name_with_badges(name: Text, codes: Iterable[str]) -> Text:
    """Her name followed by her badges."""
    text = name.copy()
    flags = badges(codes)
    if flags:
        text.append(" ")
        text.append_text(flags)
    return text


def conflict_badge(count: int) -> Text:
    """The marker on her record while sync conflicts about her are open (o on home lists them)."""
    word = "CONFLICT" if count == 1 else f"{count} CONFLICTS"
    return Text(f" {word} ", style="bold black on magenta")
