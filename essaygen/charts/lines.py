"""Line charts: x along the bottom (spaced by value when every x is a number, such
as years with gaps), values up the side, one line per series.

Series differ by colour, dash and marker shape, and are named by direct labels
at their right ends rather than a legend (the reader's eye stays on the data);
drawn narrow for phones, where names beside the ends would leave the lines no
room, a legend above names them and the ends carry only their values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from essaygen.charts.data import ChartTable, Value
from essaygen.charts.frame import (AXIS, FONT, LINE, SMALL, SOFT, WIDTH, Scale, axis_title, block, bold,
                                   horizontal_grid, text, tick_label)
from essaygen.charts.numbers import format_coord as f, format_number, nice_ticks, parse_number
from essaygen.charts.palette import color, dash, marker
from essaygen.charts.spec import ChartSpec
from essaygen.charts.text import esc, text_width, wrap

PLOT_HEIGHT = 240
PAD = 16  # between the plot's sides and the first and last points
MAX_X_LABEL = 110
ALL_LABELS = 12  # a single series with at most this many points labels each one
END_NAME = 130  # widest series name beside a line's end


@dataclass(frozen=True)
class Plot:
    xs: tuple[float, ...]  # pixel of each category
    y: Scale
    left: float
    right: float
    named_ends: bool  # series named beside their lines' ends (else by the legend)


def render_lines(spec: ChartSpec, table: ChartTable, top: float, id_base: str, width: float) -> tuple[str, float]:
    """Axes, lines, markers and labels below `top`; returns (svg, bottom)."""
    plot = _plot(spec, table, top + LINE + 18, width)
    bottom = plot.y.start
    x_labels, below = _x_labels(spec, table, plot, bottom)
    parts = [
        text(0, top + 8, axis_title(table, spec.unit), size=SMALL, extra=f'{SOFT} font-weight="700"')
        if axis_title(table, spec.unit) else "",
        _highlights(spec, table, plot),
        horizontal_grid(plot.y, plot.left, plot.right, spec.unit),
        x_labels,
        "".join(_series(plot, s.values, k, single=len(table.series) == 1) for k, s in enumerate(table.series)),
        _point_labels(spec, table, plot) if len(table.series) == 1 else _end_labels(spec, table, plot),
        text((plot.left + plot.right) / 2, below + 12, table.x_label, anchor="middle", size=SMALL, extra=SOFT),
    ]
    return "".join(parts), below + 28


def _plot(spec: ChartSpec, table: ChartTable, top: float, width: float) -> Plot:
    values = [v for _, _, v in table.points()]
    ticks = nice_ticks(min(values, default=Decimal(0)), max(values, default=Decimal(0)),
                       whole=spec.unit == "count")
    left = max(text_width(tick_label(v, spec.unit), SMALL) for v in ticks.values) + 8
    named = named_ends(table, width)
    right = width - _end_room(spec, table, named)
    y = Scale(ticks, top + PLOT_HEIGHT, top)
    return Plot(_positions(table.categories, left + PAD, right - PAD), y, left, right, named)


def named_ends(table: ChartTable, width: float) -> bool:
    """Whether a line chart names its series beside their ends, not in a legend."""
    return len(table.series) == 1 or width >= WIDTH


def _end_room(spec: ChartSpec, table: ChartTable, named: bool) -> float:
    if len(table.series) == 1:
        return 8 + text_width(format_number(max((v for *_, v in table.points()), default=Decimal(0)), spec.unit), SMALL) / 2
    if not named:  # a marker and the last value
        return max((text_width(format_number(v, spec.unit), FONT) for *_, v in table.points()), default=0) + 24
    return max(min(text_width(s.name, FONT), END_NAME) for s in table.series) + 64


def _positions(categories: tuple[str, ...], start: float, end: float) -> tuple[float, ...]:
    """Evenly spaced, or proportional to the x values when all are numbers (2015, 2017, 2023)."""
    if len(categories) == 1:
        return ((start + end) / 2,)
    numbers = [parse_number(c) for c in categories]
    if all(n is not None for n in numbers) and numbers == sorted(numbers):
        low, high = numbers[0], numbers[-1]
        return tuple(round(start + (end - start) * float((n - low) / (high - low)), 2) for n in numbers)
    step = (end - start) / (len(categories) - 1)
    return tuple(round(start + i * step, 2) for i in range(len(categories)))


def _x_labels(spec: ChartSpec, table: ChartTable, plot: Plot, bottom: float) -> tuple[str, float]:
    """Tick labels under the axis; every n-th (counting back from the last) when crowded."""
    gaps = [b - a for a, b in zip(plot.xs, plot.xs[1:])] or [MAX_X_LABEL]
    widest = min(max(text_width(c, SMALL) for c in table.categories), MAX_X_LABEL)
    every = max(1, math.ceil((widest + 8) / min(gaps)))
    width = min(MAX_X_LABEL, every * min(gaps) - 6)
    last = len(table.categories) - 1
    parts, lines = [], 1
    for i, (category, x) in enumerate(zip(table.categories, plot.xs)):
        lit = category in spec.highlight
        if (last - i) % every and not lit:
            continue
        label = wrap(category, width, SMALL)
        lines = max(lines, len(label.lines))
        parts.append(f'<line x1="{f(x)}" x2="{f(x)}" y1="{f(bottom)}" y2="{f(bottom + 5)}" {AXIS}/>')
        parts.append(block(x, bottom + 12 + (len(label.lines) - 1) * LINE / 2, label, category,
                           anchor="middle", size=SMALL, extra=SOFT + bold(lit)))
    return f'<g class="chart-axis">{"".join(parts)}</g>', bottom + 12 + lines * LINE


def _highlights(spec: ChartSpec, table: ChartTable, plot: Plot) -> str:
    """A faint column behind each highlighted x value."""
    parts = []
    for category, x in zip(table.categories, plot.xs):
        if category in spec.highlight:
            parts.append(f'<rect x="{f(x - 12)}" y="{f(plot.y.end)}" width="24" '
                         f'height="{f(plot.y.start - plot.y.end)}" fill="currentColor" fill-opacity=".08"/>')
    return "".join(parts)


def _series(plot: Plot, values: tuple[Value, ...], k: int, single: bool) -> str:
    """The line, broken where a value is missing, and a marker on every point."""
    runs, run = [], []
    for x, value in zip(plot.xs, values):
        if value is None:
            runs, run = runs + [run], []
        else:
            run.append(f"{f(x)} {f(plot.y.at(value))}")
    paths = "".join(f'<path d="M{"L".join(r)}" fill="none" stroke="{color(k)}" stroke-width="2.5" '
                    f'stroke-linejoin="round" stroke-linecap="round"{dash(k)}/>'
                    for r in runs + [run] if len(r) > 1)
    marks = "".join(marker(k, x, plot.y.at(v), 4 if single else 4.5) for x, v in zip(plot.xs, values)
                    if v is not None)
    return f'<g class="chart-series chart-s{k + 1}">{paths}{marks}</g>'


def _point_labels(spec: ChartSpec, table: ChartTable, plot: Plot) -> str:
    """Values beside the points: all of them when few, else the ends and extremes.
    Above the point, or below it at a dip so the line does not cross the digits."""
    values = table.series[0].values
    present = [v for v in values if v is not None]
    if not present:
        return ""
    keep = set(range(len(values))) if len(present) <= ALL_LABELS else _notable(values)
    parts = []
    for i, (x, value) in enumerate(zip(plot.xs, values)):
        if value is None or i not in keep:
            continue
        y = plot.y.at(value)
        y += 14 if _dip(values, i) and y + 20 < plot.y.start else -14
        parts.append(text(x, y, format_number(value, spec.unit), anchor="middle", size=SMALL,
                          extra=bold(table.categories[i] in spec.highlight)))
    return "".join(parts)


def _dip(values: tuple[Value, ...], i: int) -> bool:
    """A point below both neighbours: a label above it would sit on the lines."""
    if i == 0 or i == len(values) - 1:
        return False
    before, value, after = values[i - 1], values[i], values[i + 1]
    return before is not None and after is not None and value < min(before, after)


def _notable(values: tuple[Value, ...]) -> set[int]:
    indexed = [(i, v) for i, v in enumerate(values) if v is not None]
    return {indexed[0][0], indexed[-1][0], max(indexed, key=lambda p: p[1])[0],
            min(indexed, key=lambda p: p[1])[0]}


def _end_labels(spec: ChartSpec, table: ChartTable, plot: Plot) -> str:
    """Each series' marker, name and last value beside its line's end, pushed apart."""
    ends = []
    for k, series in enumerate(table.series):
        last = max((i for i, v in enumerate(series.values) if v is not None), default=None)
        if last is not None:
            ends.append((plot.y.at(series.values[last]), k, series.name, series.values[last]))
    parts = []
    for y, (_, k, name, value) in zip(_spread([e[0] for e in ends], LINE + 2), ends):
        x = plot.right + 6
        parts.append(marker(k, x + 5, y))
        if not plot.named_ends:
            parts.append(text(x + 14, y, format_number(value, spec.unit), extra=' font-weight="700"'))
            continue
        label = wrap(name, END_NAME, FONT, max_lines=1)
        tip = f"<title>{esc(name)}</title>" if label.cut else ""
        parts.append(f'<text x="{f(x + 14)}" y="{f(y + 0.35 * FONT)}">{tip}{esc(label.lines[0])} '
                     f'<tspan font-weight="700">{format_number(value, spec.unit)}</tspan></text>')
    return f'<g class="chart-labels">{"".join(parts)}</g>'


def _spread(wanted: list[float], gap: float) -> list[float]:
    """Positions as near as possible to `wanted`, at least `gap` apart, order kept."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed: dict[int, float] = {}
    previous = -math.inf
    for i in order:
        placed[i] = max(wanted[i], previous + gap)
        previous = placed[i]
    shift = max(0.0, (placed[order[-1]] - wanted[order[-1]]) / 2) if order else 0.0
    return [placed[i] - shift for i in range(len(wanted))]
