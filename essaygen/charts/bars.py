"""Horizontal bar charts: `bar`, `grouped-bar` and `stacked-bar`.

Horizontal because survey answers make long category labels, which read best
in a column on the left rather than slanted under vertical bars.
"""

from __future__ import annotations

from decimal import Decimal

from essaygen.charts.bands import Band, Layout, axis_caption, category_labels, layout, room_for
from essaygen.charts.data import ChartTable, Value
from essaygen.charts.frame import FONT, SMALL, SOFT, axis_title, bold, text, vertical_grid
from essaygen.charts.numbers import format_coord as f, format_number
from essaygen.charts.palette import BACKGROUND, MUTED, ON_FILL, color, series_fill
from essaygen.charts.spec import ChartSpec
from essaygen.charts.text import text_width

THICK = {"bar": 22, "grouped-bar": 14, "stacked-bar": 24}
SUB_GAP = 2  # between the bars of one group


def render_bars(spec: ChartSpec, table: ChartTable, top: float, id_base: str, width: float) -> tuple[str, float]:
    """Bars, labels and axis below `top`; returns (svg, bottom)."""
    stacked = spec.type == "stacked-bar"
    thick = THICK[spec.type]
    height = thick if stacked else len(table.series) * (thick + SUB_GAP) - SUB_GAP
    low, high = _extent(table, stacked)
    plan = layout(table, top, height, low, high, room_for(_end_labels(table, spec.unit, stacked)), spec.unit,
                  width=width)
    draw = _stack if stacked else _group
    marks = "".join(draw(spec, table, plan, band, i, id_base) for i, band in enumerate(plan.bands))
    svg = (vertical_grid(plan.scale, plan.plot_top, plan.plot_bottom, spec.unit)
           + category_labels(plan, spec.highlight, table.x_label)
           + f'<g class="chart-marks">{marks}</g>'
           + axis_caption(plan, axis_title(table, spec.unit)))
    return svg, plan.plot_bottom + 42


def _extent(table: ChartTable, stacked: bool) -> tuple[Decimal, Decimal]:
    """The values the axis must show: every value, or every stack's ends."""
    if stacked:
        ends = [end for i in range(len(table.categories)) for end in _stack_ends(table, i)]
    else:
        ends = [value for _, _, value in table.points()]
    return min(ends, default=Decimal(0)), max(ends, default=Decimal(0))


def _stack_ends(table: ChartTable, index: int) -> tuple[Decimal, Decimal]:
    values = [s.values[index] or Decimal(0) for s in table.series]
    return sum((v for v in values if v < 0), Decimal(0)), sum((v for v in values if v > 0), Decimal(0))


def _end_labels(table: ChartTable, unit: str, stacked: bool) -> list[tuple[Decimal, str]]:
    """Labels drawn beyond the marks' ends, which the layout must leave room for."""
    if not stacked:
        return [(v, format_number(v, unit)) for _, _, v in table.points()]
    if unit == "%":
        return []
    return [(high, format_number(high, unit)) for i in range(len(table.categories))
            for _, high in [_stack_ends(table, i)]]


def _group(spec: ChartSpec, table: ChartTable, plan: Layout, band: Band, index: int,
           id_base: str) -> str:
    """One bar per series side by side, each with its value at its end."""
    thick = THICK[spec.type]
    lit = band.category in spec.highlight
    top = band.middle - (len(table.series) * (thick + SUB_GAP) - SUB_GAP) / 2
    parts = []
    for k, series in enumerate(table.series):
        y = top + k * (thick + SUB_GAP)
        fill = MUTED if spec.highlight and not lit and len(table.series) == 1 else series_fill(k, id_base)
        parts.append(_bar(plan, series.values[index], y, thick, fill, spec.unit,
                          FONT if len(table.series) == 1 else SMALL, lit))
    return "".join(parts)


def _bar(plan: Layout, value: Value, y: float, thick: float, fill: str, unit: str, size: int,
         lit: bool) -> str:
    zero = plan.scale.at(Decimal(0))
    middle = y + thick / 2
    if value is None:
        return text(zero + 5, middle, "no data", size=SMALL, extra=SOFT)
    end = plan.scale.at(value)
    left = min(zero, end)
    rect = (f'<rect x="{f(left)}" y="{f(y)}" width="{f(abs(end - zero))}" height="{f(thick)}" '
            f'fill="{fill}"/>')
    after, anchor = (end + 5, "start") if value >= 0 else (end - 5, "end")
    return rect + text(after, middle, format_number(value, unit), anchor=anchor, size=size,
                       extra=bold(lit))


def _stack(spec: ChartSpec, table: ChartTable, plan: Layout, band: Band, index: int,
           id_base: str) -> str:
    """Segments end to end from zero (negatives leftwards), values inside when they fit."""
    thick = THICK[spec.type]
    y = band.middle - thick / 2
    below = above = Decimal(0)
    parts = []
    for k, series in enumerate(table.series):
        value = series.values[index]
        if not value:
            continue
        start = below if value < 0 else above
        end = start + value
        below, above = (end, above) if value < 0 else (below, end)
        parts.append(_segment(plan, start, end, y, thick, k, spec.unit, id_base))
    if spec.unit != "%" and above > 0:
        parts.append(text(plan.scale.at(above) + 5, band.middle, format_number(above, spec.unit),
                          extra=bold(band.category in spec.highlight)))
    return "".join(parts)


def _segment(plan: Layout, start: Decimal, end: Decimal, y: float, thick: float, k: int, unit: str,
             id_base: str) -> str:
    x0, x1 = sorted((plan.scale.at(start), plan.scale.at(end)))
    rect = (f'<rect x="{f(x0)}" y="{f(y)}" width="{f(x1 - x0)}" height="{f(thick)}" '
            f'fill="{series_fill(k, id_base)}" stroke="{BACKGROUND}" stroke-width="1"/>')
    label = format_number(end - start, unit)
    if text_width(label, SMALL) + 8 > x1 - x0:
        return rect  # too narrow to label legibly: the data table has the value
    # A halo in the series colour clears the pattern behind the digits.
    halo = f' fill="{ON_FILL}" stroke="{color(k)}" stroke-width="3" style="paint-order:stroke"'
    return rect + text((x0 + x1) / 2, y + thick / 2, label, anchor="middle", size=SMALL, extra=halo)
