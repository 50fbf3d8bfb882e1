"""The chart block's settings: YAML in, a checked `ChartSpec` out (pure).

The YAML is read as a node tree rather than as Python values so that every key
and value keeps its line (errors point at the file's line, not the block's) and
scalars stay as written: `2019` and `no` are labels here, not an int and a bool.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from essaygen.charts.rows import Pos, RawTable
from essaygen.problems import Problem
from essaygen.yamldoc import UNSAFE_CHARACTER

TYPES = ("bar", "grouped-bar", "stacked-bar", "line", "dot")
KEYS = (
    "type", "data", "rows", "x", "y", "group", "title", "caption", "source",
    "unit", "sort", "highlight", "colors",
)  # fmt: skip
UNITS = {"%": "%", "percent": "%", "count": "count"}
SORTS = ("none", "ascending", "descending")
MAX_SERIES = 8
# Hex, a colour name, or a colour function with only digits and separators inside:
# the value goes into a style attribute, so nothing that could end the declaration.
_COLOR = re.compile(
    r"#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})|[a-z]+"
    r"|(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\([\d\s.,%/+-]*\)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ChartSpec:
    """What one chart block asks for. `where` locates keys and values in the essay."""

    type: str
    x: str
    y: tuple[str, ...]
    group: str = ""
    data: str = ""
    rows: RawTable | None = None
    title: str = ""
    caption: str = ""
    source: str = ""
    unit: str = ""
    sort: str = "none"
    highlight: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    where: Mapping[str, Pos] = field(default_factory=dict, compare=False)

    def at(self, name: str) -> Pos:
        """Position of a value (`y`, `y.1`, `data`): the fence line when unknown."""
        return self.where.get(name) or self.where.get(name.split(".")[0]) or self.where[""]


@dataclass
class _Reader:
    """Turns YAML positions into file positions and collects problems (local to one parse)."""

    path: str
    fence_line: int
    problems: list[Problem] = field(default_factory=list)

    def pos(self, node: yaml.Node) -> Pos:
        return Pos(self.fence_line + 1 + node.start_mark.line, node.start_mark.column + 1)

    def report(self, where: Pos, message: str) -> None:
        self.problems.append(Problem(self.path, where.line, where.col, message))


def parse_chart_spec(
    body: str, *, path: str = "", fence_line: int = 0
) -> tuple[ChartSpec | None, tuple[Problem, ...]]:
    """Read a chart block's YAML body. Lines count from `fence_line` (the ``` line)."""
    reader = _Reader(path, fence_line)
    fence = Pos(fence_line, 1)
    root = _compose(body, reader)
    if root is None or _unsafe_text(root, reader):
        return None, tuple(reader.problems)
    if not isinstance(root, yaml.MappingNode):
        reader.report(reader.pos(root), "chart settings must be `key: value` lines — start with type: bar")
        return None, tuple(reader.problems)
    values, where = _read_keys(root, reader)
    where[""] = fence
    spec = _build(values, where, reader)
    for problem in _check(spec, reader.path) if spec else ():
        reader.problems.append(problem)
    return (None if reader.problems else spec), tuple(reader.problems)


def _compose(body: str, reader: _Reader) -> yaml.Node | None:
    try:
        root = yaml.compose(body, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Pos(reader.fence_line + 1 + mark.line, mark.column + 1) if mark else Pos(reader.fence_line, 1)
        what = error.problem or error.context or "syntax error"
        lines = body.splitlines()
        fix = _yaml_fix(what, lines[mark.line] if mark and mark.line < len(lines) else "")
        reader.report(where, f"chart settings are not valid YAML ({what}) — {fix}")
        return None
    except yaml.reader.ReaderError as error:  # DEL, C1 controls and the like: no mark, a position
        reader.report(_reader_pos(body, error.position, reader), _reader_message(error.character))
        return None
    except RecursionError:
        reader.report(Pos(reader.fence_line, 1), "chart settings are nested too deeply — write plain `key: value` lines")
        return None
    except yaml.YAMLError as error:
        reader.report(Pos(reader.fence_line, 1), f"chart settings are not valid YAML ({_first_line(error)}) — write plain `key: value` lines")
        return None
    if root is None:
        message = "chart block is empty — add settings such as type: bar, data: file.csv, x: and y:"
        reader.report(Pos(reader.fence_line, 1), message)
    return root


def _unsafe_text(root: yaml.Node, reader: _Reader) -> bool:
    """Report text that holds a character no page or feed can carry (written as an
    escape, "\\x01": the file itself was checked); True if there was any."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:  # an alias: the same node again
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode) and (bad := UNSAFE_CHARACTER.search(str(node.value))):
            reader.report(reader.pos(node), f"this text contains the invisible character U+{ord(bad.group()):04X}, "
                          "which no web page or feed can carry — remove the escape that writes it")
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            todo.extend(n for pair in reversed(node.value) for n in reversed(pair))
    return bool(reader.problems)


def _reader_pos(body: str, position: object, reader: _Reader) -> Pos:
    index = position if isinstance(position, int) else 0
    line = body.count("\n", 0, index)
    return Pos(reader.fence_line + 1 + line, index - (body.rfind("\n", 0, index) + 1) + 1)


def _reader_message(character: object) -> str:
    code = character if isinstance(character, int) else ord(str(character)[:1] or "?")
    return f"chart settings contain the invisible character U+{code:04X}, which YAML does not allow — delete it (most editors do not show it)"


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def _yaml_fix(problem: str, line: str) -> str:
    if "'%'" in problem:  # `unit: %`, the likeliest slip
        return 'write it in quotes, e.g. unit: "%"'
    if "\t" in line:
        return "indent with spaces, not tabs"
    return "check the indentation, and quote values that contain ': '"


def _read_keys(root: yaml.MappingNode, reader: _Reader) -> tuple[dict[str, yaml.Node], dict[str, Pos]]:
    """Known keys with their value nodes; unknown and repeated keys are reported."""
    values: dict[str, yaml.Node] = {}
    where: dict[str, Pos] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        if key not in KEYS:
            reader.report(reader.pos(key_node), f"unknown chart key '{key}' — {_hint(key, KEYS, 'use one of')}")
        elif key in values:
            reader.report(reader.pos(key_node), f"chart key '{key}' is given twice — keep one")
        else:
            values[key] = value_node
            where[key] = reader.pos(value_node)
    return values, where


def _hint(word: str, choices: tuple[str, ...], fallback: str) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else f"{fallback}: {', '.join(choices)}"


def _build(values: dict[str, yaml.Node], where: dict[str, Pos], reader: _Reader) -> ChartSpec | None:
    listed = ("y", "highlight", "colors")  # these take one value or a list
    texts = {k: _text(k, values[k], reader) for k in values if k not in (*listed, "rows")}
    lists = {k: _texts(k, values[k], reader, where) for k in listed if k in values}
    rows = _rows(values["rows"], reader) if "rows" in values else None
    if _missing(texts, lists, "rows" in values, reader):
        return None
    return ChartSpec(
        type=_choice("type", texts["type"], TYPES, where, reader),
        x=texts["x"],
        y=lists["y"],
        group=texts.get("group", ""),
        data=texts.get("data", ""),
        rows=rows,
        title=texts.get("title", ""),
        caption=texts.get("caption", ""),
        source=texts.get("source", ""),
        unit=UNITS.get(texts.get("unit", ""), "") if _unit_ok(texts, where, reader) else "",
        sort=_choice("sort", texts.get("sort", "none"), SORTS, where, reader),
        highlight=lists.get("highlight", ()),
        colors=tuple(c for i, c in enumerate(lists.get("colors", ()))
                     if _color_ok(c, where[f"colors.{i}"], reader)),
        where=where,
    )


def _missing(texts: dict[str, str], lists: dict[str, tuple[str, ...]], has_rows: bool,
             reader: _Reader) -> bool:
    """Report required keys that are absent; True when the spec cannot be built."""
    before = len(reader.problems)
    fence = Pos(reader.fence_line, 1)
    needs = {
        "type": "chart has no type — add type: bar, grouped-bar, stacked-bar, line or dot",
        "x": "chart has no x column — add x: naming the column of categories",
        "y": "chart has no y column — add y: naming the column of values",
    }
    for key, message in needs.items():
        if not (texts.get(key) or lists.get(key)):
            reader.report(fence, message)
    if not texts.get("data") and not has_rows:
        reader.report(fence, "chart has no data — add data: with a CSV file name, or rows: with the values")
    return len(reader.problems) > before


def _choice(key: str, value: str, choices: tuple[str, ...], where: dict[str, Pos], reader: _Reader) -> str:
    if value not in choices:
        reader.report(where[key], f"unknown chart {key} '{value}' — {_hint(value, choices, 'use one of')}")
    return value


def _unit_ok(texts: dict[str, str], where: dict[str, Pos], reader: _Reader) -> bool:
    unit = texts.get("unit", "")
    if unit and unit not in UNITS:
        reader.report(where["unit"], f"unknown chart unit '{unit}' — use unit: \"%\" or unit: count")
        return False
    return True


def _color_ok(color: str, where: Pos, reader: _Reader) -> bool:
    if _COLOR.fullmatch(color):
        return True
    fix = "use a hex code such as #1f5fa8 or a colour name"
    reader.report(where, f"chart colour '{color}' is not a CSS colour — {fix}")
    return False


def _text(key: str, node: yaml.Node, reader: _Reader) -> str:
    if isinstance(node, yaml.ScalarNode):
        return "" if node.tag.endswith(":null") else str(node.value).strip()
    reader.report(reader.pos(node), f"chart key '{key}' takes a single value — write {key}: followed by text")
    return ""


def _texts(key: str, node: yaml.Node, reader: _Reader, where: dict[str, Pos]) -> tuple[str, ...]:
    """A value or a list of values; each item's position is kept as `key.N`."""
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    found = []
    for item in items:
        text = _text(key, item, reader)
        if text:
            where[f"{key}.{len(found)}"] = reader.pos(item)
            found.append(text)
    return tuple(found)


def _rows(node: yaml.Node, reader: _Reader) -> RawTable | None:
    """Inline `rows:` (a list of mappings) as a raw table; keys in first-seen order."""
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    if not items or not all(isinstance(item, yaml.MappingNode) for item in items):
        fix = "write each row as - {x: label, y: 12}"
        reader.report(reader.pos(node), f"chart rows must be a list of mappings — {fix}")
        return None
    cells = [{str(k.value): v for k, v in item.value} for item in items]
    columns = tuple(dict.fromkeys(name for row in cells for name in row))
    rows = tuple(tuple(_text(c, row[c], reader) if c in row else "" for c in columns) for row in cells)
    where = tuple(
        tuple(reader.pos(row[c]) if c in row else reader.pos(item) for c in columns)
        for row, item in zip(cells, items)
    )
    return RawTable(columns, rows, where)


def _check(spec: ChartSpec, path: str) -> tuple[Problem, ...]:
    """Settings that are each fine alone but do not fit together."""
    found: list[tuple[str, str]] = []
    several = spec.group or len(spec.y) > 1
    if spec.type == "bar" and several:
        found.append(("group" if spec.group else "y.1",
                      "a bar chart shows one series — use type: grouped-bar or stacked-bar for several"))
    if spec.group and len(spec.y) > 1:
        found.append(("group", "chart has both group and several y columns — keep one of them"))
    if spec.type == "line" and spec.sort != "none":
        found.append(("sort", "sort does not apply to line charts — remove it; a line follows the data's order"))
    if spec.data and spec.rows is not None:
        found.append(("rows", "chart has both data and rows — keep one of them"))
    return tuple(Problem(path, spec.at(k).line, spec.at(k).col, m) for k, m in found)
