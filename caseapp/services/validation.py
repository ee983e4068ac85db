"""Checks at the boundary for text and dates typed by people or read from files."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from caseapp.clock import current
from caseapp.errors import ValidationError

_NAME_LIMIT = 200
_NOTE_LIMIT = 20000
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# Typed in a form only (never read from a file): 1/12/26 and 1/12 (this year).
_DATE_SHORT = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}))?$")


def clean_text(
    value: str | None, field: str, *, limit: int = _NAME_LIMIT, multiline: bool = False
) -> str:
    """Return the text trimmed, or raise `ValidationError` saying what is wrong.

    NUL bytes and lone surrogates are refused (SQLite and every export would choke on them);
    other control characters are kept as data and made visible when shown.
    """
    text = "" if value is None else str(value)
    if "\x00" in text:
        raise ValidationError(f"{field}: contains a NUL character; remove it.", {field: "NUL"})
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            f"{field}: contains an invalid character (a lone surrogate).", {field: "invalid"}
        ) from exc
    if not multiline:
        text = text.replace("\r", " ").replace("\n", " ")
    text = text.strip()
    if len(text) > limit:
        raise ValidationError(
            f"{field}: at most {limit:,} characters (this has {len(text):,}).",
            {field: f"at most {limit} characters"},
        )
    return text


def clean_note(value: str | None, field: str = "note") -> str:
    """Free text such as a contact note (up to 20,000 characters, several lines)."""
    return clean_text(value, field, limit=_NOTE_LIMIT, multiline=True)


def fold(text: str) -> str:
    """Fold a name for matching: NFKD without accents, case-folded, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def read_date(text: str) -> date | None:
    """A date written `DD/MM/YYYY` or `YYYY-MM-DD`, the two forms caseapp reads anywhere.

    None when `text` is in neither form; `ValueError` when it is in one but names no real
    day (31/02/2026). Forms, search and the import each say so in their own words.
    """
    match = _DATE_ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DATE_UK.match(text)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)


def parse_date(
    value: str | date | None,
    field: str = "date",
    *,
    today: date | None = None,
    allow_future: bool = True,
) -> date | None:
    """Parse `today`, `yesterday`, `DD/MM/YYYY`, `YYYY-MM-DD`, `D/M/YY` or `D/M`; empty is None.

    The short forms are for typing: `1/12` is this year, and a two-digit year is this century
    unless that is more than ten years ahead (`1/2/90` is 1990, a date of birth).
    """
    if value is None or isinstance(value, date):
        return value
    text = value.strip().lower()
    if not text:
        return None
    today = today or current().today()
    if text in ("today", "t"):
        result = today
    elif text in ("yesterday", "y"):
        result = today - timedelta(days=1)
    else:
        try:
            read = read_date(text) or _short_date(text, today)
        except ValueError as exc:
            raise ValidationError(
                f"{field}: {text} is not a real date.", {field: "not a real date"}
            ) from exc
        if read is None:
            raise ValidationError(
                f"{field}: type a date as 24/11/2026, 2026-11-24, today or yesterday.",
                {field: "date"},
            )
        result = read
    if not allow_future and result > today:
        raise ValidationError(f"{field}: cannot be in the future.", {field: "future"})
    return result


def _short_date(text: str, today: date) -> date | None:
    """`D/M/YY` or `D/M` as typed in a form, else None (ValueError for no such day)."""
    match = _DATE_SHORT.match(text)
    if not match:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    if match.group(3) is None:
        return date(today.year, month, day)
    year = today.year // 100 * 100 + int(match.group(3))
    if year > today.year + 10:
        year -= 100
    return date(year, month, day)


def show_date(value: date | None) -> str:
    """Display a date the British way: 24/11/2026."""
    return value.strftime("%d/%m/%Y") if value else ""
