"""caseapp's text fields are still Textual's inputs: styles, parts and placeholder all drawn."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from caseapp.widgets.path_field import PathField
from caseapp.widgets.text_fields import CompactInput, SafeInput


class Fields(App[None]):
    """Three empty fields with placeholders, as a form shows them before she types."""

    def compose(self) -> ComposeResult:
        yield SafeInput(placeholder="first name", id="safe")
        yield CompactInput(placeholder="minutes", id="compact")
        yield PathField("", id="path")


async def test_empty_fields_draw_their_placeholders() -> None:
    # A field that stopped inheriting Input's parts (its placeholder style) raised a KeyError
    # as soon as a real terminal drew it empty.
    app = Fields()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        for field in app.query(Input):
            assert field.can_focus
            assert "input--placeholder" in field._get_component_classes()
            assert "Input" in field._css_type_names
            field.render_line(0)
        assert "first name" in str(app.query_one("#safe", SafeInput).render_line(0).text)
