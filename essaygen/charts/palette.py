"""How series look: colours by CSS custom property, fill patterns, markers, dashes.

Colours are `var(--chart-N, fallback)` so that a theme's stylesheet (see
themes/lab/static/charts.css) can swap the palette for dark mode and print; the fallbacks
keep a chart readable where no stylesheet is loaded (feed readers). Every
series also differs by pattern, marker shape or dash, never by colour alone.
"""

from __future__ import annotations

from essaygen.charts.numbers import format_coord as f

# Light-theme fallbacks; each has at least 4.5:1 contrast on white.
LIGHT = ("#1f5fa8", "#b4470e", "#2e7d32", "#7b3fa0", "#8a6100", "#b0306a")
ON_FILL = "var(--chart-on, #fff)"  # text and pattern ink drawn on top of a fill
BACKGROUND = "var(--chart-bg, #fff)"
MUTED = "var(--chart-muted, #767676)"
DASHES = ("", "7 4", "2 3", "10 3 2 3", "4 4", "1 5", "12 4", "6 2 2 2")
SHAPES = ("circle", "square", "triangle", "diamond", "triangle-down", "cross", "circle", "square")


def color(index: int) -> str:
    """The colour of series `index` (0-based). The stylesheet repeats six hues for
    series 7 and 8, which its pattern then tells apart."""
    return f"var(--chart-{index + 1}, {LIGHT[index % len(LIGHT)]})"


def series_fill(index: int, id_base: str) -> str:
    """Solid for the first series, a pattern over the colour for the others."""
    return color(index) if index == 0 else f"url(#{id_base}-p{index + 1})"


def pattern_defs(count: int, id_base: str) -> str:
    """<pattern>s for series 2..count: stripes, dots, hatching in the on-fill ink."""
    return "".join(_pattern(i, id_base) for i in range(1, count))


def _pattern(index: int, id_base: str) -> str:
    ink = f'fill="{ON_FILL}" fill-opacity=".5"'
    size, rotate, marks = {
        1: (6, 45, f'<rect width="2" height="6" {ink}/>'),
        2: (5, 0, f'<circle cx="2.5" cy="2.5" r="1.2" {ink}/>'),
        3: (6, -45, f'<rect width="2" height="6" {ink}/>'),
        4: (5, 0, f'<rect width="5" height="1.6" {ink}/>'),
        5: (6, 45, f'<rect width="1.5" height="6" {ink}/><rect width="6" height="1.5" {ink}/>'),
        6: (5, 0, f'<rect width="1.6" height="5" {ink}/>'),
        7: (7, 0, f'<circle cx="3.5" cy="3.5" r="2" {ink}/>'),
    }[index % 8 or 1]
    transform = f' patternTransform="rotate({rotate})"' if rotate else ""
    return (
        f'<pattern id="{id_base}-p{index + 1}" width="{size}" height="{size}" '
        f'patternUnits="userSpaceOnUse"{transform}>'
        f'<rect width="{size}" height="{size}" fill="{color(index)}"/>{marks}</pattern>'
    )


def marker(index: int, x: float, y: float, r: float = 4.5, fill: str = "") -> str:
    """A point mark whose shape says which series it belongs to."""
    shape = SHAPES[index % len(SHAPES)]
    paint = f'fill="{fill or color(index)}" stroke="{BACKGROUND}" stroke-width="1.5"'
    if shape == "circle":
        return f'<circle cx="{f(x)}" cy="{f(y)}" r="{f(r)}" {paint}/>'
    if shape == "square":
        s = r * 0.9
        return f'<rect x="{f(x - s)}" y="{f(y - s)}" width="{f(2 * s)}" height="{f(2 * s)}" {paint}/>'
    return f'<path d="{_shape_path(shape, x, y, r)}" {paint}/>'


def _shape_path(shape: str, x: float, y: float, r: float) -> str:
    s = r * 1.25
    points = {
        "triangle": ((0, -s), (s, s * 0.8), (-s, s * 0.8)),
        "triangle-down": ((0, s), (s, -s * 0.8), (-s, -s * 0.8)),
        "diamond": ((0, -s), (s, 0), (0, s), (-s, 0)),
        "cross": ((-s, -s / 3), (-s / 3, -s / 3), (-s / 3, -s), (s / 3, -s), (s / 3, -s / 3), (s, -s / 3),
                  (s, s / 3), (s / 3, s / 3), (s / 3, s), (-s / 3, s), (-s / 3, s / 3), (-s, s / 3)),
    }[shape]
    return "M" + "L".join(f"{f(x + dx)} {f(y + dy)}" for dx, dy in points) + "Z"


def dash(index: int) -> str:
    """A stroke-dasharray attribute ("" for the solid first series)."""
    pattern = DASHES[index % len(DASHES)]
    return f' stroke-dasharray="{pattern}"' if pattern else ""
