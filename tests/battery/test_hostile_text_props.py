"""Property tests: arbitrary Unicode, control characters and markup never crash the text paths."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from caseapp.errors import ValidationError
from caseapp.export.files import FORMULA_STARTS, csv_bytes, neutralise
from caseapp.services.validation import clean_note, clean_text, fold
from caseapp.textsafe import visible
from caseapp.widgets.safe import safe
from tests.battery.hostile import HOSTILE

markupish = st.text(
    alphabet=st.sampled_from(list("[]/@=\\ab x\x1b\x07\u202e\u2066;:")), max_size=40
)
anything = st.one_of(st.text(max_size=200), markupish, st.sampled_from(HOSTILE))


def _rendered(value: str) -> str:
    console = Console(file=io.StringIO(), force_terminal=True, width=80, color_system="truecolor")
    console.print(safe(value))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return str(out)


@given(anything)
@settings(max_examples=300, deadline=None)
def test_visible_removes_every_control_character(value: str) -> None:
    shown = visible(value)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in shown)
    assert "\u202e" not in shown and "\u2066" not in shown


@given(anything)
@settings(max_examples=200, deadline=None)
def test_safe_text_is_never_markup_and_emits_no_user_escape(value: str) -> None:
    text = safe(value)
    assert text.plain == visible(value)
    out = _rendered(value)
    # Rich's own styling uses CSI sequences; user data must add no OSC (ESC ]) or BEL.
    assert "\x1b]" not in out and "\x07" not in out
    assert "\x1b[2J" not in out


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_samples_render_literally(value: str) -> None:
    plain = safe(value).plain
    # Every visible character the user typed is still there, in order, nothing interpreted.
    if all(ord(ch) >= 0x20 and ch not in "\u202e" for ch in value):
        assert plain == value


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_clean_text_accepts_or_refuses_clearly(value: str) -> None:
    try:
        cleaned = clean_text(value, "name")
    except ValidationError as exc:
        assert str(exc).startswith("name:")
    else:
        assert "\x00" not in cleaned
        cleaned.encode("utf-8")
        fold(cleaned)


def test_nul_and_lone_surrogate_refused() -> None:
    with pytest.raises(ValidationError, match="NUL"):
        clean_text("Ja\x00ne", "name")
    with pytest.raises(ValidationError, match="surrogate"):
        clean_note("bad \ud800 text")


def test_ten_thousand_character_name_refused_with_the_limit() -> None:
    with pytest.raises(ValidationError, match="at most 200 characters"):
        clean_text("x" * 10_000, "first name")


def test_five_megabyte_note_refused_with_the_limit() -> None:
    with pytest.raises(ValidationError, match="at most 20,000 characters"):
        clean_note("y" * 5_000_000)


@given(st.lists(st.text(max_size=50), min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_csv_cells_never_start_a_formula(cells: list[str]) -> None:
    data = csv_bytes(["a"] * len(cells), [cells])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    for cell in rows[1]:
        assert not cell.startswith(FORMULA_STARTS)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_prefixes_formula_starts(value: str) -> None:
    assert neutralise(value) == "'" + value
