"""A small declarative schema for site.yaml and front matter.

Each key is declared once with its kind; checking a document reports every
problem at the file position of the key or value, with a "did you mean" hint for
unknown keys (the MkDocs/Zola lesson: a typo must never be silently ignored).
"""

from __future__ import annotations

import difflib
import re
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


def hint(name: str, known: list[str], what: str = "keys") -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f" — did you mean '{close[0]}'?"
    if not known:
        return f" — there are no {what} yet"
    return f" — known {what}: " + ", ".join(sorted(known))


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
        return [doc.problem(keypath, _wrong_kind(name, spec, value))]
    if spec.kind == "str" and len(str(value)) > spec.max_length:
        return [doc.problem(keypath, f"'{shown(name)}' is too long ({len(str(value))} characters) — shorten it")]
    if spec.choices and value not in spec.choices:
        allowed = ", ".join(spec.choices)
        return [doc.problem(keypath, f"'{shown(name)}' must be one of {allowed}, not {_short(value)} — write e.g. `{shown(name)}: {spec.choices[0]}`")]
    if spec.kind == "map":
        return _check_map(doc, spec, value, keypath)
    if spec.kind in ("list", "str-or-list") and spec.items is not None and isinstance(value, list):
        problems: list[Problem] = []
        for i, item in enumerate(value):
            problems += check_field(doc, spec.items, item, keypath + (i,))
        return problems
    return []


def _wrong_kind(name: str, spec: Field, value: Any) -> str:
    """'x' must be <kind>, not <what> — <what to write>."""
    what = "nothing" if value is None else f"{type(value).__name__} {_short(value)}"
    if value is None:
        fix = f"write a value after `{shown(name)}:`, or remove the line"
    elif spec.kind in ("str", "str-or-list") and isinstance(value, bool):
        # YAML 1.1 reads yes/no/on/off/true/false as booleans: quotes keep the words.
        fix = f"put the words in quotes (YAML reads yes, no, on and off as true or false), e.g. `{shown(name)}: \"{_yaml_word(value)}\"`"
    elif spec.example:
        fix = f"write e.g. `{spec.example}`"
    else:
        fix = f"write {KINDS[spec.kind]} after `{shown(name)}:`"
    return f"'{shown(name)}' must be {KINDS[spec.kind]}, not {what} — {fix}"


def _yaml_word(value: bool) -> str:
    return "Yes" if value else "No"


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
            problems.append(doc.problem(keypath + (name,), f"unknown key '{shown(name)}'{hint(str(name), known)}", key=True))
            continue
        if spec.required and item is None:
            continue  # `title:` left empty: reported once, below, as missing
        found = check_field(doc, spec, item, keypath + (name,))
        problems += found
        if not found:
            valid[str(name)] = item
    for name, spec in keys.items():
        if spec.required and _blank(value.get(name)):
            example = spec.example or f"{name}: ..."
            where = keypath + (name,) if name in value else keypath
            problems.append(doc.problem(where, f"missing required key '{name}' — add `{example}`", key=True))
    return valid, problems


def _blank(value: Any) -> bool:
    """Nothing, or text of only spaces and line breaks: a required key left empty."""
    return value is None or (isinstance(value, str) and not value.strip())


_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def shown(value: Any, limit: int = 80) -> str:
    """A value the editor wrote, for a one-line message: line breaks and other
    invisible characters written as escapes, long text cut short."""
    text = _INVISIBLE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
