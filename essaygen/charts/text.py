"""Text in SVG: escaping, estimated widths, and wrapping labels to a width.

The page's font is inherited and unknown at build time, so widths are estimates
from a typical sans-serif; wrapping leaves slack for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

_NARROW = frozenset("fijlrtI.,:;'!|()[] ")
_WIDE = frozenset("mwMW@%")
ELLIPSIS = "\u2026"
# Em widths below fit Arial and Helvetica; wide faces such as DejaVu Sans and
# Verdana run about 15% wider, and a label that overflows is worse than one
# wrapped a little early.
WIDE_FONT_SLACK = 1.15


def esc(text: str) -> str:
    """Escape text content; data may hold `<`, `&` or `]]>`."""
    return escape(text)


def attr(text: str) -> str:
    """A quoted attribute value, escaped."""
    return quoteattr(text)


def text_width(text: str, size: float) -> float:
    """Estimated rendered width of `text` at font size `size` px."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.3
        elif char in _WIDE:
            em += 0.86
        elif char.isupper() or char.isdigit():
            em += 0.64 if char.isupper() else 0.56
        else:
            em += 0.52
    return em * size * WIDE_FONT_SLACK


@dataclass(frozen=True)
class Wrapped:
    """A label broken into lines; `cut` when text was dropped to fit."""

    lines: tuple[str, ...]
    cut: bool


def wrap(text: str, width: float, size: float, max_lines: int = 2) -> Wrapped:
    """Greedy word wrap to `width`; the last line ends in … when text does not fit."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if not lines:
        return Wrapped(("",), False)
    cut = len(lines) > max_lines or any(text_width(line, size) > width for line in lines)
    if not cut:
        return Wrapped(tuple(lines), False)
    kept = lines[:max_lines]
    kept[-1] = " ".join(lines[len(kept) - 1 :])  # greedy: too wide whenever lines were dropped
    return Wrapped(tuple(_truncate(line, width, size) for line in kept), True)


def _truncate(line: str, width: float, size: float) -> str:
    """Drop whole words while more than one is left, then letters, to fit `line…`."""
    if text_width(line, size) <= width:
        return line
    line = line.rstrip()
    while " " in line and text_width(line + ELLIPSIS, size) > width:
        line = line.rsplit(" ", 1)[0].rstrip(" ,;:")
    while len(line) > 1 and text_width(line + ELLIPSIS, size) > width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS
