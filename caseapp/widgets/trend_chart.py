"""A column chart of one figure over several months, drawn with block characters.

It shows plain numbers and labels handed to it (our own metric names and month names), so
nothing here is user text.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

EIGHTHS = " ▁▂▃▄▅▆▇█"
COLUMN = 6  # characters per month: fits 12 months and the axis in 80 columns


@dataclass(frozen=True)
class Series:
    """One figure: its title and (label, value) per column, oldest first.

    A label may have a second part after a space ("Jan 2026"); it is printed on a second line
    only where it changes, so a year shows once under its first month.
    """

    title: str
    points: tuple[tuple[str, int], ...]


def render_chart(series: Series, *, height: int = 8) -> Text:
    """The chart as text: a title, bars `height` rows high with each value just above its bar,
    and the month labels underneath."""
    values = [value for _label, value in series.points]
    top = max(values, default=0)
    text = Text(series.title, style="bold")
    text.append(f"   (highest {top:,})" if values else "   (no data)", style="dim")
    # Bars are measured in eighths of a row so that small differences still show.
    # A figure above zero always gets at least a sliver, so it never looks like zero.
    eighths = [max(1, round(value * height * 8 / top)) if value else 0 for value in values]
    for row in range(height + 1, 0, -1):
        text.append("\n")
        for value, filled in zip(values, eighths, strict=True):
            bar_rows = -(-filled // 8)
            if row <= bar_rows:
                block = EIGHTHS[min(filled - (row - 1) * 8, 8)]
                text.append(" " + block * (COLUMN - 2) + " ", style="cyan")
            elif row == bar_rows + 1:
                text.append(f"{value:,}".center(COLUMN)[:COLUMN], style="bold" if value else "dim")
            else:
                text.append(" " * COLUMN)
    firsts, seconds, previous = [], [], None
    for label, _value in series.points:
        first, _, second = label.partition(" ")
        firsts.append(first.center(COLUMN)[:COLUMN])
        seconds.append((second if second != previous else "").center(COLUMN)[:COLUMN])
        previous = second
    text.append("\n")
    text.append("".join(firsts), style="dim")
    if any(part.strip() for part in seconds):
        text.append("\n")
        text.append("".join(seconds), style="dim")
    return text


class TrendChart(Static):
    """Shows one `Series` at a time; `show(series)` redraws it."""

    DEFAULT_CSS = """
    TrendChart { height: auto; padding: 0 1; }
    """

    def __init__(self, *, height: int = 8, id: str | None = None) -> None:
        super().__init__(id=id)
        self.bar_height = height

    def show(self, series: Series) -> None:
        """Draw this series."""
        self.update(render_chart(series, height=self.bar_height))
