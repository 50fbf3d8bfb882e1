"""From raw cells to the numbers a chart draws (pure).

Checks what the editor named against what the data holds (columns, numbers,
highlights), then arranges values as categories × series, pivoting on `group`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from essaygen.charts.numbers import parse_number
from essaygen.charts.rows import Pos, RawTable
from essaygen.charts.spec import MAX_SERIES, ChartSpec
from essaygen.problems import Problem

Value = Decimal | None  # None: the cell was empty (missing data, drawn as a gap)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Value, ...]  # one per category


@dataclass(frozen=True)
class ChartTable:
    """Categories (x) in display order and one or more series of values over them."""

    x_label: str
    value_label: str  # the y column, or "" when each series is its own column
    series_label: str  # the group column, or ""
    categories: tuple[str, ...]
    series: tuple[Series, ...]

    def points(self) -> Iterator[tuple[str, str, Decimal]]:
        """(category, series, value) for every value present."""
        for series in self.series:
            for category, value in zip(self.categories, series.values):
                if value is not None:
                    yield category, series.name, value


@dataclass(frozen=True)
class Origin:
    """Where the raw table came from, for messages: `name` is "" for inline rows."""

    path: str  # the essay, for Problems
    name: str


Checked = tuple[ChartTable | None, tuple[Problem, ...]]


def build_table(spec: ChartSpec, raw: RawTable, origin: Origin) -> Checked:
    """Check the spec against the data and arrange the values; None when anything is wrong."""
    problems = _check_columns(spec, raw, origin)
    if problems:
        return None, problems
    numbers, problems = _numbers(spec, raw, origin)
    if problems:
        return None, problems
    table, problems = _arrange(spec, raw, numbers, origin)
    if table is None:
        return None, problems
    table = _sorted(table, spec.sort)
    problems = _check_highlight(spec, table, origin)
    return (None if problems else table), problems


def _problem(origin: Origin, where: Pos, message: str) -> Problem:
    return Problem(origin.path, where.line, where.col, message)


def _where(origin: Origin) -> str:
    return origin.name if origin.name else "the rows"


def _check_columns(spec: ChartSpec, raw: RawTable, origin: Origin) -> tuple[Problem, ...]:
    if not raw.columns or not raw.rows:
        message = f"chart data {_where(origin)} has no rows — add a header line and a row per {spec.x}"
        return (_problem(origin, spec.at("data" if origin.name else "rows"), message),)
    named = [("x", spec.x)] + [(f"y.{i}", y) for i, y in enumerate(spec.y)]
    named += [("group", spec.group)] if spec.group else []
    found = []
    for key, column in named:
        if column not in raw.columns:
            close = difflib.get_close_matches(column, raw.columns, n=1, cutoff=0.6)
            fix = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(raw.columns)}"
            message = f"chart column '{column}' is not in {_where(origin)} — {fix}"
            found.append(_problem(origin, spec.at(key), message))
    return tuple(found)


Columns = dict[str, tuple[Value, ...]]


def _numbers(spec: ChartSpec, raw: RawTable, origin: Origin) -> tuple[Columns, tuple[Problem, ...]]:
    """Each y column as numbers; a cell that is not a number is a problem, an empty one is missing."""
    numbers: Columns = {}
    found = []
    for column in spec.y:
        index = raw.columns.index(column)
        values = []
        for row, where in zip(raw.rows, raw.where):
            cell = row[index]
            value = parse_number(cell)
            if cell and value is None:
                found.append(_bad_number(cell, column, where[index], spec, origin))
            values.append(value)
        numbers[column] = tuple(values)
    return numbers, tuple(found)


def _bad_number(cell: str, column: str, where: Pos, spec: ChartSpec, origin: Origin) -> Problem:
    fix = "write a plain number such as 12.5"
    if origin.name:  # point at the data: line; the CSV line goes in the message
        found_in = f"of {origin.name} (line {where.line}) "
        return _problem(origin, spec.at("data"), f"chart value '{cell}' in column '{column}' {found_in}is not a number — {fix}")
    return _problem(origin, where, f"chart value '{cell}' in column '{column}' is not a number — {fix}")


def _arrange(spec: ChartSpec, raw: RawTable, numbers: Columns, origin: Origin) -> Checked:
    """Categories × series: one series per y column, or per value of `group`."""
    xs = raw.column(spec.x)
    groups = raw.column(spec.group) if spec.group else (("",) * len(xs))
    categories = tuple(dict.fromkeys(xs))
    names = tuple(dict.fromkeys(groups)) if spec.group else spec.y
    if len(names) > MAX_SERIES:
        message = f"chart has {len(names)} series, too many to tell apart — show at most {MAX_SERIES}, or split it"
        return None, (_problem(origin, spec.at("group" if spec.group else "y"), message),)
    cells: dict[tuple[str, str], Value] = {}
    for row, (x, group) in enumerate(zip(xs, groups)):
        for column in spec.y:
            key = (x, group if spec.group else column)
            if key in cells:
                where = spec.at("data" if origin.name else "rows")
                return None, (_problem(origin, where, _duplicate(spec, key)),)
            cells[key] = numbers[column][row]
    series = tuple(Series(n, tuple(cells.get((c, n)) for c in categories)) for n in names)
    value_label = spec.y[0] if len(spec.y) == 1 else ""
    return ChartTable(spec.x, value_label, spec.group, categories, series), ()


def _duplicate(spec: ChartSpec, key: tuple[str, str]) -> str:
    if spec.group:
        return f"chart data has two rows for {spec.x} '{key[0]}' and {spec.group} '{key[1]}' — keep one"
    return f"chart data has two rows for {spec.x} '{key[0]}' — keep one, or name the series column with group:"


def _sorted(table: ChartTable, order: str) -> ChartTable:
    """Categories by their total (the stack length for stacked bars); ties keep data order."""
    if order == "none":
        return table
    totals = [sum((s.values[i] or 0 for s in table.series), Decimal(0))
              for i in range(len(table.categories))]
    ranked = sorted(range(len(totals)), key=lambda i: totals[i], reverse=order == "descending")
    return ChartTable(
        table.x_label,
        table.value_label,
        table.series_label,
        tuple(table.categories[i] for i in ranked),
        tuple(Series(s.name, tuple(s.values[i] for i in ranked)) for s in table.series),
    )


def _check_highlight(spec: ChartSpec, table: ChartTable, origin: Origin) -> tuple[Problem, ...]:
    found = []
    for i, value in enumerate(spec.highlight):
        if value not in table.categories:
            close = difflib.get_close_matches(value, table.categories, n=1, cutoff=0.6)
            fix = f"did you mean '{close[0]}'?" if close else f"use one of the {spec.x} values"
            message = f"chart highlight '{value}' is not among the {spec.x} values — {fix}"
            found.append(_problem(origin, spec.at(f"highlight.{i}"), message))
    return tuple(found)
