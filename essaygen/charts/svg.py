"""The chart as one self-contained, deterministic <svg> element (pure)."""

from __future__ import annotations

import re

from essaygen.charts.bars import render_bars
from essaygen.charts.data import ChartTable
from essaygen.charts.describe import describe, title_of
from essaygen.charts.dots import render_dots
from essaygen.charts.frame import FONT, WIDTH, header
from essaygen.charts.lines import named_ends, render_lines
from essaygen.charts.numbers import format_coord as f
from essaygen.charts.palette import pattern_defs
from essaygen.charts.spec import ChartSpec
from essaygen.charts.text import attr, esc

DRAW = {"bar": render_bars, "grouped-bar": render_bars, "stacked-bar": render_bars,
        "line": render_lines, "dot": render_dots}
LEGEND = {"bar": "fill", "grouped-bar": "fill", "stacked-bar": "fill", "line": "", "dot": "marker"}


def render_svg(spec: ChartSpec, table: ChartTable, id_base: str = "chart", width: int = WIDTH) -> str:
    """An accessible SVG: named by its <title>, described by a <desc> made from the data.

    Ids are `id_base` plus a suffix, so several charts on a page never collide and
    the same input always gives the same bytes. `width`: that of its drawing, WIDTH,
    or NARROW for the phones' copy (class `chart-narrow`: the same chart laid out for
    a narrow column, which the figure puts first and charts.css shows instead).
    """
    legend = "marker" if spec.type == "line" and not named_ends(table, width) else LEGEND[spec.type]
    top_svg, top = header(spec.title, table, legend, id_base, width)
    body, height = DRAW[spec.type](spec, table, top, id_base, width)
    defs = pattern_defs(len(table.series), id_base) if LEGEND[spec.type] == "fill" else ""
    return _one_mark_a_line(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg{" chart-narrow" if width < WIDTH else ""} chart-{spec.type}" '
        f'viewBox="0 0 {width} {f(height)}" width="{width}" height="{f(height)}" '
        f'role="img" aria-labelledby="{id_base}-title {id_base}-desc" font-size="{FONT}" '
        f'fill="currentColor"{_palette(spec.colors)}>'
        f'<title id="{id_base}-title">{esc(title_of(spec, table))}</title>'
        f'<desc id="{id_base}-desc">{esc(describe(spec, table))}</desc>'
        f'{f"<defs>{defs}</defs>" if defs else ""}{top_svg}{body}</svg>'
    )


def _one_mark_a_line(svg: str) -> str:
    """A line break after each element (never inside a <text>), so a golden file's
    diff shows which marks changed."""
    return re.sub(r"(/>|</text>|</g>|</desc>|</defs>|</pattern>)(?!$)", "\\1\n", svg)


def _palette(colors: tuple[str, ...]) -> str:
    """The editor's `colors:` as custom properties on the <svg>, overriding the theme's."""
    if not colors:
        return ""
    return " style=" + attr(";".join(f"--chart-{i + 1}:{c}" for i, c in enumerate(colors)))
