"""Dot plots (Cleveland): one row per category, a dot per series along a value axis.

With several series the dots of a row are joined by a line from lowest to highest
(a "dumbbell"), and each series has its own marker shape as well as colour.
"""

from __future__ import annotations

from decimal import Decimal

from essaygen.charts.bands import Band, Layout, axis_caption, category_labels, layout, room_for
from essaygen.charts.data import ChartTable
from essaygen.charts.frame import FONT, SMALL, SOFT, axis_title, bold, text, vertical_grid
from essaygen.charts.numbers import format_coord as f, format_number
from essaygen.charts.palette import MUTED, marker
from essaygen.charts.spec import ChartSpec
from essaygen.charts.text import text_width

RADIUS = 5.5


def render_dots(spec: ChartSpec, table: ChartTable, top: float, id_base: str, width: float) -> tuple[str, float]:
    """Dots, labels and axis below `top`; returns (svg, bottom)."""
    values = [v for _, _, v in table.points()]
    low, high = min(values, default=Decimal(0)), max(values, default=Decimal(0))
    above = SMALL + 4 if len(table.series) > 2 else 0  # room for labels between the ends
    plan = layout(table, top, 2 * RADIUS + 4 + 2 * above, low, high, _room(table, spec.unit), spec.unit,
                  zero=False, width=width)
    rows = "".join(_row(spec, table, plan, band, i) for i, band in enumerate(plan.bands))
    svg = (vertical_grid(plan.scale, plan.plot_top, plan.plot_bottom, spec.unit)
           + category_labels(plan, spec.highlight, table.x_label)
           + f'<g class="chart-marks">{rows}</g>'
           + axis_caption(plan, axis_title(table, spec.unit)))
    return svg, plan.plot_bottom + 42


def _room(table: ChartTable, unit: str) -> tuple[float, float]:
    """One series labels right of its dot; several label the lowest left, the highest right."""
    if len(table.series) == 1:
        return room_for([(v, format_number(v, unit)) for _, _, v in table.points()])
    left, right = [0.0], [0.0]
    for index in range(len(table.categories)):
        present = [v for s in table.series if (v := s.values[index]) is not None]
        if present:
            left.append(text_width(format_number(min(present), unit), FONT) + RADIUS + 8)
            right.append(text_width(format_number(max(present), unit), FONT) + RADIUS + 8)
    return max(left), max(right)


def _row(spec: ChartSpec, table: ChartTable, plan: Layout, band: Band, index: int) -> str:
    y = band.middle
    lit = band.category in spec.highlight
    dots = [(k, v) for k, s in enumerate(table.series) if (v := s.values[index]) is not None]
    parts = [f'<line x1="{f(plan.scale.start)}" x2="{f(plan.scale.end)}" y1="{f(y)}" y2="{f(y)}" '
             f'stroke="currentColor" stroke-opacity=".25" stroke-dasharray="1 3"/>']
    if not dots:
        return parts[0] + text(plan.scale.start + 5, y, "no data", size=SMALL, extra=SOFT)
    low, high = min(v for _, v in dots), max(v for _, v in dots)
    if len(dots) > 1:
        parts.append(f'<line x1="{f(plan.scale.at(low))}" x2="{f(plan.scale.at(high))}" y1="{f(y)}" '
                     f'y2="{f(y)}" stroke="currentColor" stroke-opacity=".4" stroke-width="2"/>')
    for k, value in dots:
        x = plan.scale.at(value)
        muted = spec.highlight and not lit and len(table.series) == 1
        parts.append(marker(k, x, y, RADIUS, MUTED if muted else ""))
    parts.append(_labels(plan, dots, y, spec.unit, lit, several=len(table.series) > 1))
    return "".join(parts)


def _labels(plan: Layout, dots: list[tuple[int, Decimal]], y: float, unit: str, lit: bool,
            several: bool) -> str:
    """Lowest value left of its dot, highest right; between them above, in small type."""
    low, high = min(v for _, v in dots), max(v for _, v in dots)
    parts = []
    for value in sorted({v for _, v in dots}):
        x = plan.scale.at(value)
        label = format_number(value, unit)
        if value == high and (several or value >= 0):
            parts.append(text(x + RADIUS + 4, y, label, extra=bold(lit)))
        elif value == low:
            parts.append(text(x - RADIUS - 4, y, label, anchor="end", extra=bold(lit)))
        else:
            parts.append(text(x, y - RADIUS - 7, label, anchor="middle", size=SMALL, extra=bold(lit)))
    return "".join(parts)
