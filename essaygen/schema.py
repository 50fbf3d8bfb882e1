"""A small declarative schema for site.yaml and front matter.

Each key is declared once with its kind; checking a document reports every
problem at the file position of the key or value, with a "did you mean" hint for
unknown keys (the MkDocs/Zola lesson: a typo must never be silently ignored).
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from essaygen.problems import Problem
from essaygen.yamldoc import KeyPath, YamlDoc

KINDS = {
    "str": "text",
    "int": "a whole number",
    "bool": "true or false",
    "list": "a list",
    "map": "a mapping of `key: value` lines",
    "str-or-list": "text or a list",
    "scalar": "a date or text",
}


@dataclass(frozen=True)
class Field:
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    keys: Mapping[str, Field] | None = None     # a "map" with these fixed keys
    values: Field | None = None                 # a "map" of free names to these values
    items: Field | None = None                  # a "list" of these
    example: str = ""                           # shown in messages: what to write
    max_length: int = 10_000


def hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f" — did you mean '{close[0]}'?"
    return " — known keys: " + ", ".join(sorted(known))


def _kind_ok(kind: str, value: Any) -> bool:
    if kind == "str":
        return isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool))
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind == "map":
        return isinstance(value, dict)
    if kind == "str-or-list":
        return isinstance(value, (str, list))
    if kind == "scalar":
        return isinstance(value, (str, int)) and not isinstance(value, bool)
    return True


def check_field(doc: YamlDoc, spec: Field, value: Any, keypath: KeyPath) -> list[Problem]:
    name = str(keypath[-1]) if keypath else "the document"
    if not _kind_ok(spec.kind, value):
        shown = "nothing" if value is None else f"{type(value).__name__} {_short(value)}"
        example = f" — write e.g. `{spec.example}`" if spec.example else ""
        return [doc.problem(keypath, f"'{name}' must be {KINDS[spec.kind]}, not {shown}{example}")]
    if spec.kind == "str" and len(str(value)) > spec.max_length:
        return [doc.problem(keypath, f"'{name}' is too long ({len(str(value))} characters) — shorten it")]
    if spec.choices and value not in spec.choices:
        allowed = ", ".join(spec.choices)
        return [doc.problem(keypath, f"'{name}' must be one of {allowed}, not {_short(value)}")]
    if spec.kind == "map":
        return _check_map(doc, spec, value, keypath)
    if spec.kind == "list" and spec.items is not None:
        problems: list[Problem] = []
        for i, item in enumerate(value):
            problems += check_field(doc, spec.items, item, keypath + (i,))
        return problems
    return []


def _check_map(doc: YamlDoc, spec: Field, value: dict[Hashable, Any], keypath: KeyPath) -> list[Problem]:
    problems: list[Problem] = []
    if spec.keys is not None:
        problems += check_keys(doc, spec.keys, value, keypath)
    if spec.values is not None:
        for name, item in value.items():
            problems += check_field(doc, spec.values, item, keypath + (name,))
    return problems


def check_keys(doc: YamlDoc, keys: Mapping[str, Field], value: dict[Hashable, Any], keypath: KeyPath) -> list[Problem]:
    """Unknown keys (with a hint), missing required keys, then each value."""
    return clean_keys(doc, keys, value, keypath)[1]


def clean_keys(
    doc: YamlDoc, keys: Mapping[str, Field], value: dict[Hashable, Any], keypath: KeyPath
) -> tuple[dict[str, Any], list[Problem]]:
    """The valid part of a mapping, and a problem for every invalid key or value.

    Later checks run on the valid part, so one build reports every mistake.
    """
    problems: list[Problem] = []
    valid: dict[str, Any] = {}
    known = list(keys)
    for name, item in value.items():
        spec = keys.get(str(name))
        if spec is None:
            problems.append(doc.problem(keypath + (name,), f"unknown key '{name}'{hint(str(name), known)}", key=True))
            continue
        found = check_field(doc, spec, item, keypath + (name,))
        problems += found
        if not found:
            valid[str(name)] = item
    for name, spec in keys.items():
        if spec.required and value.get(name) in (None, ""):
            example = spec.example or f"{name}: ..."
            where = keypath + (name,) if name in value else keypath
            problems.append(doc.problem(where, f"missing required key '{name}' — add `{example}`", key=True))
    return valid, problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
