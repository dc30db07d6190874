"""Geometry for the dashboard's charts, drawn server-side as inline SVG (no JavaScript).

:func:`bar_chart` lays out horizontal bars, one row per category with one bar per series; the
template ``dashboard/_charts.html`` draws them. Every bar carries its number as text, and each
series has its own fill *pattern* as well as its own colour, so colour is never the only cue.
Sizes are SVG attributes (the Content-Security-Policy allows no inline styles).
"""
from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 640
LABEL_WIDTH = 190  # room for the category names (on the side where reading starts)
VALUE_ROOM = 60  # room for the numbers after the longest bar
BAR = 16
BAR_GAP = 3
ROW_GAP = 12
LEGEND = 30
# (fill colour, pattern) per series: both colours reach 3:1 against white (WCAG 1.4.11)
SERIES_STYLES = (("#1f6f50", "solid"), ("#8a4b00", "hatch"), ("#3b4a9c", "dots"))


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    series: int
    value: int
    text: str  # the number shown after the bar
    text_x: int


@dataclass(frozen=True)
class RowLabel:
    text: str
    x: int
    y: int


@dataclass(frozen=True)
class LegendItem:
    name: str
    colour: str
    pattern: str
    box_x: int  # the swatch
    text_x: int
    anchor: str


@dataclass
class BarChart:
    """A laid-out chart: ``width``/``height`` in px, bars, row labels and the legend.

    Right to left (Arabic pages) the chart is mirrored: category names on the right, bars
    growing to the left from an axis on the right, numbers at the bars' left ends."""

    id: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    labels: list[RowLabel] = field(default_factory=list)
    series: list[tuple[str, str, str]] = field(default_factory=list)  # (name, colour, pattern)
    legend_y: int = 0
    axis_x: int = LABEL_WIDTH
    label_anchor: str = "end"  # SVG text-anchor of the category names
    value_anchor: str = "start"  # and of the numbers at the bars
    legend: list[LegendItem] = field(default_factory=list)


def bar_chart(chart_id: str, rows: list[tuple[str, list[int]]], series: list[str],
              texts: list[list[str]] | None = None, rtl: bool = False) -> BarChart:
    """Lay out ``rows`` of (category label, one value per series) as horizontal bars,
    mirrored when ``rtl``.

    ``texts`` optionally gives the text after each bar (default: the number itself)."""
    n = max(1, len(series))
    top = LEGEND if n > 1 else 8
    row_height = n * BAR + (n - 1) * BAR_GAP + ROW_GAP
    height = top + max(1, len(rows)) * row_height + 4
    scale_width = WIDTH - LABEL_WIDTH - VALUE_ROOM
    biggest = max([v for _label, values in rows for v in values] + [1])
    axis = WIDTH - LABEL_WIDTH if rtl else LABEL_WIDTH
    sign = -1 if rtl else 1  # the direction the bars grow in
    styles = [(name, *SERIES_STYLES[i % len(SERIES_STYLES)]) for i, name in enumerate(series)]
    chart = BarChart(chart_id, WIDTH, height, legend_y=14, series=styles, axis_x=axis,
                     label_anchor="start" if rtl else "end",
                     value_anchor="end" if rtl else "start")
    for i, (name, colour, pattern) in enumerate(styles):
        box = axis - 14 - i * 210 if rtl else axis + i * 210
        chart.legend.append(LegendItem(name, colour, pattern, box,
                                       box - 6 if rtl else box + 20, chart.value_anchor))
    for r, (label, values) in enumerate(rows):
        y0 = top + r * row_height
        chart.labels.append(RowLabel(label, axis - sign * 8,
                                     y0 + (n * BAR + (n - 1) * BAR_GAP) // 2 + 5))
        for s, value in enumerate(values):
            w = round(scale_width * value / biggest) if value > 0 else 0
            y = y0 + s * (BAR + BAR_GAP)
            text = texts[r][s] if texts else str(value)
            chart.bars.append(Bar(axis - w if rtl else axis, y, w, BAR, s, value, text,
                                  axis + sign * (w + 6)))
    return chart
