"""YAML read for editors: values with the file position of every key and value.

PyYAML loses positions once it builds Python objects, so we compose the node tree
and convert it ourselves. That also lets us refuse what an editor never means:
alias bombs (expansion is bounded, never performed blindly), recursive aliases,
duplicate keys, several documents, and arbitrary tags. Timestamps stay strings:
dates are parsed later in the site's time zone with messages of our own.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from essaygen.problems import Problem

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Expanded nodes allowed per document: generous for any real front matter or
# site.yaml, small enough that "billion laughs" is refused in microseconds.
MAX_NODES = 20_000

KeyPath = tuple[Hashable, ...]


class _Loader(_Base):  # type: ignore[misc, valid-type]
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_COLLECTION_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
_MERGE = "tag:yaml.org,2002:merge"
# Invisible characters no page or feed may carry: what XML 1.0 refuses (C0 controls
# but tab and newlines, U+FFFE, U+FFFF, lone surrogates) and what HTML calls a parse
# error (DEL and the C1 controls, in practice a sign of text decoded twice). libyaml
# refuses most of them raw; escapes ("\\x01", "\\0", "\\e", "\\N") would let them through.
UNSAFE_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class YamlDoc:
    """Plain Python data plus where each part of it was written."""

    data: Any
    path: str
    marks: Mapping[KeyPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: Mapping[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def where(self, keypath: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """1-based (line, col) of a value (or of its key), else of its nearest parent."""
        marks = self.key_marks if key else self.marks
        for n in range(len(keypath), -1, -1):
            found = marks.get(keypath[:n]) or self.marks.get(keypath[:n])
            if found:
                return found
        return (1, 1)

    def problem(self, keypath: KeyPath, message: str, *, key: bool = False) -> Problem:
        line, col = self.where(keypath, key=key)
        return Problem(self.path, line, col, message)

    def top_level(self) -> YamlDoc:
        """The positions of the top-level keys only, without the data: what later stages
        point at (`date`, `part`, `image`...), kept for every essay of a large site."""
        return YamlDoc(None, self.path, {k: v for k, v in self.marks.items() if len(k) <= 1}, {k: v for k, v in self.key_marks.items() if len(k) <= 1})


class _Builder:
    def __init__(self, path: str, line_offset: int, text: str = "") -> None:
        self.path = path
        self.offset = line_offset
        self.lines = _Lines(text)
        self.budget = MAX_NODES
        self.marks: dict[KeyPath, tuple[int, int]] = {}
        self.key_marks: dict[KeyPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.active: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return self.lines.position(node.start_mark, self.offset)

    def fail(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.path, *self.pos(node), message))

    def build(self, node: yaml.Node, keypath: KeyPath) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _TooBig(node)
        self.marks.setdefault(keypath, self.pos(node))
        if id(node) in self.active:
            self.fail(node, "this YAML alias refers to itself — write the value out instead")
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if node.tag not in _COLLECTION_TAGS:
            self.fail(node, f"unsupported YAML tag '{_shown(node.tag)}' — remove the tag and write a plain list or mapping")
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, keypath + (i,)) for i, item in enumerate(node.value)]
            return self.mapping(node, keypath)
        finally:
            self.active.discard(id(node))

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.fail(node, f"unsupported YAML tag '{_shown(node.tag)}' — remove the tag and write a plain value")
            return None
        try:
            value = self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self.fail(node, f"unreadable value ({exc}) — write a plain value")
            return None
        if isinstance(value, str) and (bad := UNSAFE_CHARACTER.search(value)):
            self.fail(node, f"this text contains the invisible character U+{ord(bad.group()):04X}, which no web page or feed can carry — remove the escape that writes it")
            return None
        return value

    def mapping(self, node: yaml.MappingNode, keypath: KeyPath) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.update(self.merge_source(value_node, keypath))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, "a key must be a plain word — write `name: value`")
                continue
            key = self.scalar(key_node)
            if key is None and key_node.tag == "tag:yaml.org,2002:null":
                self.fail(key_node, "a key is empty (`~`, `null` or nothing before the colon) — write a name before the colon")
                continue
            if not isinstance(key, Hashable) or key is None:
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                self.fail(key_node, f"'{_shown(key)}' is given twice — keep one of them")
                continue
            self.key_marks[keypath + (key,)] = self.pos(key_node)
            result[key] = self.build(value_node, keypath + (key,))
        return {**{k: v for k, v in merged.items() if k not in result}, **result}

    def merge_source(self, node: yaml.Node, keypath: KeyPath) -> dict[Any, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[Any, Any] = {}
        for source in reversed(sources):
            value = self.build(source, keypath)
            if isinstance(value, dict):
                merged.update(value)
            else:
                self.fail(source, "'<<' must merge a mapping — use an anchor of a mapping")
        return merged


def _shown(value: Any) -> str:
    from essaygen.schema import shown  # schema builds on this module

    return shown(value)


class _TooBig(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def parse_yaml(text: str, path: str, line_offset: int = 0) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse one YAML document; positions are file lines (`line_offset` lines precede `text`)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, path, line_offset, text)]
    except yaml.reader.ReaderError as exc:
        return None, [_reader_problem(exc, path, line_offset, text)]
    except (yaml.YAMLError, UnicodeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, [Problem(path, line_offset + 1, 1, f"YAML error: {first_line} — check the syntax")]
    if node is None:
        return YamlDoc(None, path), []
    builder = _Builder(path, line_offset, text)
    try:
        data = builder.build(node, ())
    except _TooBig as big:
        line, col = builder.pos(big.node)
        message = "YAML anchors and aliases expand to too many values — write the values out instead of aliasing them"
        return None, [Problem(path, line, col, message)]
    except RecursionError:
        return None, [Problem(path, line_offset + 1, 1, "YAML is nested too deeply — flatten it")]
    if builder.problems:
        return None, builder.problems
    return YamlDoc(data, path, builder.marks, builder.key_marks), []


def _reader_problem(exc: yaml.reader.ReaderError, path: str, offset: int, text: str) -> Problem:
    """A character YAML does not allow in a file (a raw control character)."""
    position = exc.position if isinstance(exc.position, int) else 0
    line = text.count("\n", 0, position) + 1 + offset
    col = position - (text.rfind("\n", 0, position) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return Problem(path, line, col, f"the control character U+{code:04X} cannot be in YAML — delete it (most editors do not show it)")


_LINE_SEPARATOR = re.compile("[\x85\u2028\u2029]")


@dataclass(frozen=True)
class _At:
    """A position given by its character index, like a YAML mark."""

    index: int
    line: int = 0
    column: int = 0


class _Lines:
    """File positions from YAML marks.

    YAML also breaks lines at U+0085, U+2028 and U+2029, which no editor shows as a
    new line: positions are counted from the mark's character index, in "\\n" lines.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def position(self, mark: yaml.Mark | None, offset: int) -> tuple[int, int]:
        if mark is None:
            return offset + 1, 1
        index = getattr(mark, "index", None)
        if not isinstance(index, int) or not 0 <= index <= len(self.text):
            return mark.line + 1 + offset, mark.column + 1
        line = bisect.bisect_right(self.starts, index) - 1
        return line + 1 + offset, index - self.starts[line] + 1

    def is_tab_at(self, mark: yaml.Mark | None) -> bool:
        """libyaml's messages do not say "tab": look at the text where it stopped."""
        if mark is None:
            return False
        line, col = self.position(mark, 0)
        start = self.starts[line - 1] if line - 1 < len(self.starts) else len(self.text)
        end = self.text.find("\n", start)
        row = self.text[start : end if end >= 0 else len(self.text)]
        return row[col - 1 : col] == "\t" or row[:col].lstrip(" ").startswith("\t")


def _syntax_problem(exc: yaml.MarkedYAMLError, path: str, offset: int, text: str = "") -> Problem:
    mark = exc.problem_mark or exc.context_mark
    lines = _Lines(text)
    separator = _LINE_SEPARATOR.search(text)
    if separator and mark is not None and separator.start() < getattr(mark, "index", len(text)):
        # YAML ends a line at U+0085, U+2028 and U+2029, which editors do not show.
        line, col = lines.position(_At(separator.start()), offset)
        code = ord(separator.group())
        return Problem(path, line, col, f"an invisible line separator (U+{code:04X}) splits this line for YAML — delete it, or put the text in quotes")
    line, col = lines.position(mark, offset)
    what = exc.problem or exc.context or "invalid YAML"
    if "expected a single document" in str(exc) or "but found another document" in str(exc):
        what = "more than one YAML document here"
        return Problem(path, line, col, f"{what} — keep one document (remove the extra '---')")
    if "found character '\\t'" in str(exc) or "tab character" in str(exc) or lines.is_tab_at(exc.problem_mark):
        return Problem(path, line, col, "a tab character in YAML — indent with spaces")
    return Problem(path, line, col, f"YAML syntax error: {what} — check quotes, colons and indentation")
