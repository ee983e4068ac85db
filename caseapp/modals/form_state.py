"""Read and write a form's fields as plain values, for drafts and "did she type anything?".

Each control gives a JSON-friendly value: text for one-line fields and notes, a code (or None)
for a choice, a list of codes for a set of ticks.
"""

from __future__ import annotations

from typing import Any

from textual.widget import Widget
from textual.widgets import Input, TextArea

from caseapp.textsafe import visible
from caseapp.widgets.choice import ChoiceField, CodeSet
from caseapp.widgets.text_fields import SafeTextArea


def read_control(control: Widget) -> Any:
    """The control's value as JSON: str, None or a list of codes."""
    if isinstance(control, CodeSet):
        return list(control.value)
    if isinstance(control, ChoiceField):
        return control.value
    if isinstance(control, SafeTextArea):
        return control.value
    if isinstance(control, TextArea):
        return control.text
    if isinstance(control, Input):
        return control.value
    value = getattr(control, "value", None)
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def write_control(control: Widget, value: Any) -> None:
    """Put a value read by `read_control` back (a value the control cannot take is skipped)."""
    if isinstance(control, CodeSet):
        if isinstance(value, list):
            codes = {code for code, _label in control.options}
            control.chosen = {str(v) for v in value if v in codes}
            control.refresh()
    elif isinstance(control, ChoiceField):
        if value is None or isinstance(value, str):
            control.value = value
    elif isinstance(control, TextArea):
        if not isinstance(value, str):
            return
        if isinstance(control, SafeTextArea) and value == control.value:
            return
        # Typed text holds no control characters (pasted ones became stand-ins), so showing
        # it through `visible` changes nothing she wrote.
        control.text = visible(value, keep_newlines=True)
    elif isinstance(control, Input) and isinstance(value, str):
        control.value = value
