"""Raw tables: the cells of a chart's data as text, before any column is chosen.

Both sources end up here: a CSV file (`parse_csv_rows`) and inline YAML `rows:`.
Each cell keeps where it came from so that a bad value can be pointed at.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class Pos:
    """A 1-based line and column: in the essay for inline rows, in the CSV otherwise."""

    line: int
    col: int


@dataclass(frozen=True)
class RawTable:
    """Named columns of text cells. `where[r][c]` locates `rows[r][c]`."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    where: tuple[tuple[Pos, ...], ...]

    def column(self, name: str) -> tuple[str, ...]:
        index = self.columns.index(name)
        return tuple(row[index] for row in self.rows)


def parse_csv_rows(text: str) -> RawTable:
    """Rows of a CSV text with a header line. Blank lines are skipped; short rows padded."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    records = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    if not records:
        return RawTable((), (), ())
    columns = tuple(name.strip() for name in records[0][1])
    rows = tuple(_fit([c.strip() for c in row], len(columns)) for _, row in records[1:])
    where = tuple(
        tuple(Pos(line, col + 1) for col in range(len(columns))) for line, _ in records[1:]
    )
    return RawTable(columns, rows, where)


def extra_cells(text: str) -> tuple[int, ...]:
    """CSV line numbers of rows with more cells than the header: data that would be lost."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    width = None
    found = []
    for row in reader:
        if not any(c.strip() for c in row):
            continue
        if width is None:
            width = len(row)
        elif len(row) > width and any(c.strip() for c in row[width:]):
            found.append(reader.line_num)
    return tuple(found)


def _fit(cells: list[str], width: int) -> tuple[str, ...]:
    return tuple(cells[:width] + [""] * (width - len(cells)))
