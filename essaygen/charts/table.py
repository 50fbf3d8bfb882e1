"""The chart's numbers as an HTML table, for readers who cannot or would rather
not read them off the picture (and for search engines and print)."""

from __future__ import annotations

from html import escape as html_escape

from essaygen.charts.data import ChartTable
from essaygen.charts.numbers import format_number


def render_table_html(table: ChartTable, unit: str = "") -> str:
    """Rows are categories, columns are series, as in the chart; empty cells show a dash."""
    corner = escape(table.x_label)
    heads = "".join(f'<th scope="col">{escape(s.name)}</th>' for s in table.series)
    rows = "".join(_row(table, i, category, unit) for i, category in enumerate(table.categories))
    return (f'<table class="chart-table"><thead><tr><th scope="col">{corner}</th>{heads}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def escape(text: str) -> str:
    return html_escape(text, quote=False)


def _row(table: ChartTable, index: int, category: str, unit: str) -> str:
    # Numbers escape to themselves; categories come from the data and are escaped.
    cells = "".join(
        f'<td>{format_number(v, unit) if (v := s.values[index]) is not None else "–"}</td>'
        for s in table.series
    )
    return f'<tr><th scope="row">{escape(category)}</th>{cells}</tr>'
