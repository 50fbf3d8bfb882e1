"""Layout shared by the horizontal charts (bars and dots): one band per category,
labels in a column on the left, the value axis along the bottom.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from essaygen.charts.data import ChartTable
from essaygen.charts.frame import FONT, LINE, SMALL, SOFT, WIDTH, Scale, block, bold, text, tick_label
from essaygen.charts.numbers import nice_ticks
from essaygen.charts.text import Wrapped, text_width, wrap

LABEL_SHARE = 0.38  # at most this much of the width goes to category labels
NARROW_LABEL_SHARE = 0.42  # ... of a narrow chart's, in up to NARROW_LABEL_LINES lines
NARROW_LABEL_LINES = 3
GAP = 10  # between the label column and the plot


@dataclass(frozen=True)
class Band:
    category: str
    label: Wrapped
    top: float
    height: float

    @property
    def middle(self) -> float:
        return self.top + self.height / 2


@dataclass(frozen=True)
class Layout:
    label_width: float
    bands: tuple[Band, ...]
    scale: Scale
    plot_top: float
    plot_bottom: float


def layout(table: ChartTable, top: float, mark_height: float, low: Decimal, high: Decimal,
           room: tuple[float, float], unit: str, zero: bool = True, width: float = WIDTH) -> Layout:
    """Bands of at least `mark_height` under a row for the x column's name, and a value
    scale leaving `room` (left, right) for labels drawn beyond the marks."""
    narrow = width < WIDTH
    widest = max((text_width(c, FONT) for c in table.categories), default=0)
    label_width = min(widest + 2, width * (NARROW_LABEL_SHARE if narrow else LABEL_SHARE))
    plot_top = top + (LINE + 4 if table.x_label else 0)
    bands, y = [], plot_top
    for category in table.categories:
        label = wrap(category, label_width, FONT, max_lines=NARROW_LABEL_LINES if narrow else 2)
        height = max(mark_height + 12, len(label.lines) * LINE + 8)
        bands.append(Band(category, label, y, height))
        y += height
    ticks = nice_ticks(low, high, zero=zero, whole=unit == "count")
    left = max(room[0], text_width(tick_label(ticks.low, unit), SMALL) / 2)
    right = max(room[1], text_width(tick_label(ticks.high, unit), SMALL) / 2)
    scale = Scale(ticks, label_width + GAP + left, width - right)
    return Layout(label_width, tuple(bands), scale, plot_top, y)


def room_for(labels: list[tuple[Decimal, str]], size: int = FONT) -> tuple[float, float]:
    """(left, right) room for labels beyond marks: right of positive values, left of negative."""
    left = [text_width(t, size) + 8 for v, t in labels if v < 0]
    right = [text_width(t, size) + 8 for v, t in labels if v >= 0]
    return max(left, default=0.0), max(right, default=0.0)


def category_labels(plan: Layout, highlight: tuple[str, ...], x_label: str) -> str:
    """Category names right-aligned against the plot; highlighted ones in bold."""
    parts = [text(plan.label_width, plan.plot_top - LINE / 2 - 2, x_label, anchor="end", size=SMALL,
                  extra=f'{SOFT} font-weight="700"')] if x_label else []
    parts += [block(plan.label_width, band.middle, band.label, band.category, anchor="end",
                    extra=bold(band.category in highlight)) for band in plan.bands]
    return f'<g class="chart-categories">{"".join(parts)}</g>'


def axis_caption(plan: Layout, title: str) -> str:
    """The value axis' title, centred under its tick labels."""
    if not title:
        return ""
    middle = (plan.scale.start + plan.scale.end) / 2
    return text(middle, plan.plot_bottom + 32, title, anchor="middle", size=SMALL, extra=SOFT)
