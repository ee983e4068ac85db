"""Distance travelled as terminal bars: each need area's baseline score against her latest."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from caseapp.services.assessments import SCORE_MAX, AreaDistance

# Short names so a row fits 80 columns; the full labels are in the assessment form.
SHORT_AREAS = {
    "ACC": "Accommodation",
    "ETE": "Education, work",
    "FIN": "Money and debt",
    "MH": "Mental health",
    "PH": "Physical health",
    "SM": "Substance use",
    "PAR": "Parenting",
    "DA": "Domestic abuse",
    "SW": "Sex work",
    "ATB": "Thinking, behaviour",
}
FULL, EMPTY = "█", "░"


def bar(score: int | None, style: str) -> Text:
    """A ten-cell bar filled to `score` (out of 10)."""
    filled = max(0, min(score or 0, SCORE_MAX))
    text = Text(FULL * filled, style=style)
    text.append(EMPTY * (SCORE_MAX - filled), style="dim")
    return text


def area_line(area: AreaDistance) -> Text:
    """`MH  Mental health       2 ██░░░░░░░░ → ████████░░ 8  +6 better`."""
    line = Text(f"{area.need_area:<4}{SHORT_AREAS.get(area.need_area, area.need_area):<20}")
    if area.baseline is None:
        line.append("not scored yet", style="dim")
        return line
    line.append(f"{area.baseline.score:>2} ")
    line.append_text(bar(area.baseline.score, "bold"))
    change = area.change
    if area.latest is None or change is None:
        line.append("   no later score", style="dim")
        return line
    if change > 0:
        style, word = "green", "better"
    elif change < 0:
        style, word = "red", "worse"
    else:
        style, word = "yellow", "same"
    line.append(" → ")
    line.append_text(bar(area.latest.score, style))
    line.append(f" {area.latest.score:>2}  ")
    line.append(f"{change:+d} {word}" if change else word, style=style)
    return line


def chart(areas: tuple[AreaDistance, ...]) -> Text:
    """The whole chart: a header line and one line per need area."""
    text = Text("Need area" + " " * 15 + "Baseline" + " " * 9 + "Latest", style="bold")
    for area in areas:
        text.append("\n")
        text.append_text(area_line(area))
    return text


class DistanceChart(Static):
    """Shows `chart(areas)`; update it with `show(areas)`."""

    DEFAULT_CSS = """
    DistanceChart { height: auto; padding: 0 1; }
    """

    def show(self, areas: tuple[AreaDistance, ...]) -> None:
        """Draw the chart for these areas."""
        self.update(chart(areas))
