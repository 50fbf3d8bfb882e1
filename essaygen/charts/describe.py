"""Words for the chart: its accessible name and a description made from the data,
so that a screen-reader user learns what is compared and where the extremes are.
"""

from __future__ import annotations

from decimal import Decimal

from essaygen.charts.data import ChartTable
from essaygen.charts.numbers import format_number
from essaygen.charts.spec import ChartSpec

KINDS = {"bar": "Bar chart", "grouped-bar": "Grouped bar chart", "stacked-bar": "Stacked bar chart",
         "line": "Line chart", "dot": "Dot plot"}


def title_of(spec: ChartSpec, table: ChartTable) -> str:
    """The editor's title, or "months by phase" made from the column names."""
    return spec.title or f"{_subject(table)} by {table.x_label}"


def describe(spec: ChartSpec, table: ChartTable) -> str:
    """E.g. "Bar chart of months by phase. Highest: Research (5); lowest: Testing (4)." """
    sentences = [f"{KINDS[spec.type]} of {_subject(table)} by {_by(table)}."]
    points = list(table.points())
    if not points:
        return " ".join(sentences + ["It has no values."])
    if spec.type == "line" and len(table.series) == 1:
        sentences.append(_trend(points, spec.unit))
    if spec.type == "stacked-bar":
        sentences.append(_totals(table, spec.unit))
    several = len(table.series) > 1
    labelled = [(f"{c}, {s}" if several else c, v) for c, s, v in points]
    high = max(v for _, v in labelled)
    low = min(v for _, v in labelled)
    sentences.append(f"Highest: {_extreme(labelled, high, spec.unit)}; "
                     f"lowest: {_extreme(labelled, low, spec.unit)}.")
    return " ".join(sentences)


def _subject(table: ChartTable) -> str:
    return table.value_label or _join([s.name for s in table.series])


def _by(table: ChartTable) -> str:
    if not table.series_label:
        return table.x_label
    names = _join([s.name for s in table.series])
    return f"{table.x_label} and {table.series_label} ({names})"


def _extreme(labelled: list[tuple[str, Decimal]], value: Decimal, unit: str) -> str:
    """Every label at `value`, since a tie is part of the finding."""
    names = [label for label, v in labelled if v == value]
    shown = names if len(names) <= 3 else names[:2] + [f"{len(names) - 2} others"]
    return f"{_join(shown)} ({format_number(value, unit)})"


def _trend(points: list[tuple[str, str, Decimal]], unit: str) -> str:
    (first, _, start), (last, _, end) = points[0], points[-1]
    return f"From {format_number(start, unit)} in {first} to {format_number(end, unit)} in {last}."


def _totals(table: ChartTable, unit: str) -> str:
    totals = [(c, sum((s.values[i] or Decimal(0) for s in table.series), Decimal(0)))
              for i, c in enumerate(table.categories)]
    values = {v for _, v in totals}
    if len(values) == 1:
        return f"Each bar totals {format_number(values.pop(), unit)}."
    high, low = max(values), min(values)
    return (f"Largest total: {_extreme(totals, high, unit)}; "
            f"smallest total: {_extreme(totals, low, unit)}.")


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
