"""YAML read for editors: values with the file position of every key and value.

PyYAML loses positions once it builds Python objects, so we compose the node tree
and convert it ourselves. That also lets us refuse what an editor never means:
alias bombs (expansion is bounded, never performed blindly), recursive aliases,
duplicate keys, several documents, and arbitrary tags. Timestamps stay strings:
dates are parsed later in the site's time zone with messages of our own.
"""

from __future__ import annotations

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
_MERGE = "tag:yaml.org,2002:merge"


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


class _Builder:
    def __init__(self, path: str, line_offset: int) -> None:
        self.path = path
        self.offset = line_offset
        self.budget = MAX_NODES
        self.marks: dict[KeyPath, tuple[int, int]] = {}
        self.key_marks: dict[KeyPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.active: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1 + self.offset, node.start_mark.column + 1

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
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, keypath + (i,)) for i, item in enumerate(node.value)]
            return self.mapping(node, keypath)
        finally:
            self.active.discard(id(node))

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.fail(node, f"unsupported YAML tag '{node.tag}' — remove the tag and write a plain value")
            return None
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self.fail(node, f"unreadable value ({exc}) — write a plain value")
            return None

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
            if not isinstance(key, Hashable) or key is None:
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                self.fail(key_node, f"'{key}' is given twice — keep one of them")
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


class _TooBig(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def parse_yaml(text: str, path: str, line_offset: int = 0) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse one YAML document; positions are file lines (`line_offset` lines precede `text`)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, path, line_offset)]
    except yaml.YAMLError as exc:
        return None, [Problem(path, line_offset + 1, 1, f"YAML error: {exc} — check the syntax")]
    if node is None:
        return YamlDoc(None, path), []
    builder = _Builder(path, line_offset)
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


def _syntax_problem(exc: yaml.MarkedYAMLError, path: str, offset: int) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1 if mark else 1) + offset
    col = mark.column + 1 if mark else 1
    what = exc.problem or exc.context or "invalid YAML"
    if "expected a single document" in str(exc) or "but found another document" in str(exc):
        what = "more than one YAML document here"
        return Problem(path, line, col, f"{what} — keep one document (remove the extra '---')")
    if "found character '\\t'" in str(exc):
        return Problem(path, line, col, "a tab character in YAML — indent with spaces")
    return Problem(path, line, col, f"YAML syntax error: {what} — check quotes, colons and indentation")
