"""Shared drawing pieces: sizes, text elements, the header (title and legend),
and the linear value scale with its gridlines and tick labels.

All text is `currentColor` so that it follows the page's text colour in light
and dark themes; font-family is inherited from the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from essaygen.charts.data import ChartTable
from essaygen.charts.numbers import Ticks, format_coord as f, format_number
from essaygen.charts.palette import marker, series_fill
from essaygen.charts.text import Wrapped, esc, text_width, wrap

WIDTH = 640  # the chart as most readers see it: a ~40rem column
# The same chart drawn again for phones, shown instead below ~36rem (charts.css): the
# wide one shrunk to a 330 px column would put its 12 px labels at ~6 px; this one
# shows them at 10.8 px or more from the smallest phones' 288 px column up.
NARROW = 320
FONT = 13  # category and value labels
SMALL = 12  # ticks, axis titles, legend
TITLE = 17
LINE = 16  # line height of wrapped labels
GRID = 'stroke="currentColor" stroke-opacity=".15"'
AXIS = 'stroke="currentColor" stroke-opacity=".75"'
SOFT = ' fill="currentColor" fill-opacity=".78"'  # secondary text: still above 4.5:1


def text(x: float, y: float, content: str, *, anchor: str = "start", size: int = FONT,
         extra: str = "") -> str:
    """One line of text vertically centred on `y` (baseline computed, no em units).
    `extra` holds more attributes, each with a leading space."""
    anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
    size_attr = f' font-size="{size}"' if size != FONT else ""
    return (f'<text x="{f(x)}" y="{f(y + 0.35 * size)}"{anchor_attr}{size_attr}{extra}>'
            f"{esc(content)}</text>")


def block(x: float, y: float, label: Wrapped, full: str, *, anchor: str = "start",
          size: int = FONT, extra: str = "", leading: float = LINE) -> str:
    """Wrapped lines centred on `y`; a cut label carries its full text in a <title>."""
    tip = f"<title>{esc(full)}</title>" if label.cut else ""
    first = y - (len(label.lines) - 1) * leading / 2 + 0.35 * size
    spans = "".join(
        f'<tspan x="{f(x)}" y="{f(first + i * leading)}">{esc(line)}</tspan>'
        for i, line in enumerate(label.lines)
    )
    anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
    size_attr = f' font-size="{size}"' if size != FONT else ""
    return f"<text{anchor_attr}{size_attr}{extra}>{tip}{spans}</text>"


def bold(on: bool) -> str:
    return ' font-weight="700"' if on else ""


def header(title: str, table: ChartTable, legend: str, id_base: str, width: float = WIDTH) -> tuple[str, float]:
    """The visible title and, for several series, a legend; returns (svg, height)."""
    parts, y = [], 0.0
    if title:
        lines = wrap(title, width, TITLE, max_lines=3 if width >= WIDTH else 5)
        height = len(lines.lines) * (TITLE + 5)
        parts.append(block(0, height / 2, lines, title, size=TITLE, extra=' font-weight="700"',
                           leading=TITLE + 5))
        y += height + 6
    if len(table.series) > 1 and legend:
        svg, height = _legend(table, legend, y, id_base, width)
        parts.append(svg)
        y += height + 6
    return "".join(parts), y + (6 if parts else 0)


def _legend(table: ChartTable, kind: str, top: float, id_base: str, width: float) -> tuple[str, float]:
    """Swatches with their series names, flowing onto more rows when needed."""
    items, x, y = [], 0.0, top + 9
    if table.series_label:
        items.append(text(0, y, f"{table.series_label}:", size=SMALL, extra=SOFT))
        x = text_width(f"{table.series_label}:", SMALL) + 10
    for i, series in enumerate(table.series):
        name = wrap(series.name, 200, SMALL, max_lines=1)
        item = 18 + text_width(name.lines[0], SMALL)
        if x > 0 and x + item > width:
            x, y = 0.0, y + 20
        swatch = (f'<rect x="{f(x)}" y="{f(y - 6)}" width="12" height="12" fill="{series_fill(i, id_base)}"/>'
                  if kind == "fill" else marker(i, x + 6, y))
        items.append(swatch + block(x + 18, y, name, series.name, size=SMALL))
        x += item + 16
    return f'<g class="chart-legend">{"".join(items)}</g>', y - top + 9


@dataclass(frozen=True)
class Scale:
    """Maps values in the ticks' domain linearly onto pixels [start, end]."""

    ticks: Ticks
    start: float
    end: float

    def at(self, value: Decimal) -> float:
        """Pixel of `value`, rounded as it will be written, so that edges computed from
        the same value meet exactly (a 100% stack ends on the axis end)."""
        span = self.ticks.high - self.ticks.low
        return round(self.start + (self.end - self.start) * float((value - self.ticks.low) / span), 2)


def tick_label(value: Decimal, unit: str) -> str:
    return format_number(value, unit)


def vertical_grid(scale: Scale, top: float, bottom: float, unit: str) -> str:
    """Gridlines across a horizontal value axis, tick labels under it, zero emphasised."""
    parts = []
    for value in scale.ticks.values:
        x = f(scale.at(value))
        style = AXIS if value == 0 else GRID
        parts.append(f'<line x1="{x}" x2="{x}" y1="{f(top)}" y2="{f(bottom)}" {style}/>')
        parts.append(text(scale.at(value), bottom + 12, tick_label(value, unit), anchor="middle",
                          size=SMALL, extra=SOFT))
    return f'<g class="chart-axis">{"".join(parts)}</g>'


def horizontal_grid(scale: Scale, left: float, right: float, unit: str) -> str:
    """Gridlines across a vertical value axis, tick labels to the left, zero emphasised."""
    parts = []
    for value in scale.ticks.values:
        y = f(scale.at(value))
        style = AXIS if value == 0 else GRID
        parts.append(f'<line x1="{f(left)}" x2="{f(right)}" y1="{y}" y2="{y}" {style}/>')
        parts.append(text(left - 6, scale.at(value), tick_label(value, unit), anchor="end",
                          size=SMALL, extra=SOFT))
    return f'<g class="chart-axis">{"".join(parts)}</g>'


def axis_title(table: ChartTable, unit: str) -> str:
    """What the value axis measures: the y column, with (%) unless it says so already.
    "" when each series is its own column: the legend names them, the ticks the unit."""
    name = table.value_label
    return f"{name} (%)" if name and unit == "%" and "%" not in name else name

