"""Data figures: a ```chart fence (YAML settings, CSV or inline data) rendered at
build time as an accessible SVG chart with its data table. No JavaScript.

    render_chart_block(body, index, context) -> ChartResult   # the markdown module's entry

The stages, each usable alone: `parse_chart_spec` (YAML -> ChartSpec),
`parse_csv_rows` (CSV text -> RawTable), `build_table` (spec + rows -> ChartTable),
`render_svg` and `render_table_html`. Only `render_chart_block` touches the disk.
The stylesheet the charts need is `STYLESHEET`: the lab theme's charts.css (palettes
for light, dark and print); another theme copies it.
"""


from essaygen.charts.block import ChartContext, ChartResult, render_chart_block, render_figure
from essaygen.charts.data import ChartTable, Origin, Series, build_table
from essaygen.charts.rows import Pos, RawTable, parse_csv_rows
from essaygen.charts.spec import ChartSpec, parse_chart_spec
from essaygen.charts.svg import render_svg
from essaygen.charts.table import render_table_html

from essaygen.themes import PACKAGE_THEMES, REPO_THEMES

STYLESHEET = next(
    (p for p in (PACKAGE_THEMES / "lab/static/charts.css", REPO_THEMES / "lab/static/charts.css") if p.is_file()),
    REPO_THEMES / "lab/static/charts.css",
)

__all__ = [
    "STYLESHEET", "ChartContext", "ChartResult", "ChartSpec", "ChartTable", "Origin", "Pos",
    "RawTable", "Series", "build_table", "parse_chart_spec", "parse_csv_rows",
    "render_chart_block", "render_figure", "render_svg", "render_table_html",
]
