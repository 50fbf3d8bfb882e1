"""Numbers for charts: parsing cells, formatting labels, choosing axis ticks.

Values are Decimals end to end so that labels never show float noise (0.1 + 0.2)
and a stack of 33.3 + 33.3 + 33.4 is exactly 100, reaching the axis end.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Plain numbers, optionally with thousands commas ("2,666") or a trailing "%".
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?%?")


def parse_number(text: str) -> Decimal | None:
    """The number in a cell, or None when it is not one. Callers treat "" as missing."""
    cell = text.strip()
    if not cell or not _NUMBER.fullmatch(cell) or not any(c.isdigit() for c in cell):
        return None
    try:
        return Decimal(cell.rstrip("%").replace(",", ""))
    except InvalidOperation:
        return None


def format_number(value: Decimal, unit: str = "") -> str:
    """`12.5`, `4`, `-3.25`, `2,666`, `45%`: no exponent, no trailing zeros."""
    text = f"{abs(value).normalize():,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    sign = "-" if value < 0 and text != "0" else ""
    return f"{sign}{text}{'%' if unit == '%' else ''}"


def format_coord(value: float) -> str:
    """An SVG coordinate rounded to 0.01 px: stable text, no `-0`."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Ticks:
    """An axis domain [low, high] and the tick values in it, all exact Decimals."""

    low: Decimal
    high: Decimal
    values: tuple[Decimal, ...]


def nice_ticks(low: Decimal, high: Decimal, count: int = 5, zero: bool = True,
               whole: bool = False) -> Ticks:
    """Ticks covering [low, high] in "nice" steps (1, 2, 2.5 or 5 times a power of ten),
    the step giving closest to `count` intervals. Bars need `zero` in the domain (their
    length is the value), dot plots need not; `whole` steps suit counts (no 2.5 people)."""
    if zero:
        low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if low == high:
        high = low + 1
    step = min(_steps(high - low, count, whole), key=lambda s: _fit(low, high, s, count))
    first = (low / step).to_integral_value(rounding="ROUND_FLOOR")
    last = (high / step).to_integral_value(rounding="ROUND_CEILING")
    values = tuple((n * step).normalize() for n in range(int(first), int(last) + 1))
    return Ticks(values[0], values[-1], values)


def _steps(span: Decimal, count: int, whole: bool) -> list[Decimal]:
    exponent = math.floor(math.log10(span / count))
    mantissas = ("1", "2", "5") if whole else ("1", "2", "2.5", "5")
    steps = [Decimal(m).scaleb(e) for e in (exponent - 1, exponent, exponent + 1) for m in mantissas]
    return ([s for s in steps if s >= 1] or [Decimal(1)]) if whole else steps


def _fit(low: Decimal, high: Decimal, step: Decimal, count: int) -> tuple[int, Decimal]:
    """How far from `count` intervals; then how much axis lies beyond the data."""
    intervals = int((high / step).to_integral_value(rounding="ROUND_CEILING")
                    - (low / step).to_integral_value(rounding="ROUND_FLOOR"))
    return abs(intervals - count), intervals * step
