"""The shape of one CSL-JSON item, checked when the bibliography is read.

pandoc's citeproc refuses a malformed item only when an essay cites it, as one
message for the whole essay; essaygen's own readers of items (feeds, Highwire
tags, cite.bib) would crash on it. So each field is checked here, once, and a
field that is wrong is reported by name and left out of the item.

`check_item(item)` is pure: it returns the item to keep (text dates such as
"2020-05-01" rewritten as date-parts) and (field, message) pairs for the caller
to place in the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from essaygen.yamldoc import UNSAFE_CHARACTER

# CSL 1.0.2 variables (csl-data.json); other keys are not read by pandoc and are kept as they are.
NAME_VARIABLES = frozenset({
    "author", "chair", "collection-editor", "compiler", "composer", "container-author", "contributor",
    "curator", "director", "editor", "editorial-director", "executive-producer", "guest", "host",
    "illustrator", "interviewer", "narrator", "organizer", "original-author", "performer", "producer",
    "recipient", "reviewed-author", "script-writer", "series-creator", "translator",
})  # fmt: skip
DATE_VARIABLES = frozenset({"accessed", "available-date", "event-date", "issued", "original-date", "submitted"})
TEXT_VARIABLES = frozenset({
    "type", "citation-key", "language", "journalAbbreviation", "shortTitle", "abstract", "annote",
    "archive", "archive_collection", "archive_location", "archive-place", "authority", "call-number",
    "chapter-number", "citation-number", "citation-label", "collection-number", "collection-title",
    "container-title", "container-title-short", "dimensions", "division", "DOI", "edition", "event",
    "event-title", "event-place", "first-reference-note-number", "genre", "ISBN", "ISSN", "issue",
    "jurisdiction", "keyword", "locator", "medium", "note", "number", "number-of-pages",
    "number-of-volumes", "original-publisher", "original-publisher-place", "original-title", "page",
    "page-first", "part", "part-title", "PMCID", "PMID", "printing", "publisher", "publisher-place",
    "references", "reviewed-genre", "reviewed-title", "scale", "section", "source", "status",
    "supplement", "title", "title-short", "URL", "version", "volume", "volume-title",
    "volume-title-short", "year-suffix",
})  # fmt: skip
# Fields that must be text: pandoc reads them as text only, and essaygen calls string methods on "type".
_ONLY_TEXT = frozenset({"type", "note"})
_NAME_PARTS = ("family", "given", "dropping-particle", "non-dropping-particle", "suffix", "literal")
# An EDTF date or range of them ("2020", "2020-05", "2020-05-01", "2019/2020"): what a text date may be.
_TEXT_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_LARGEST = 10**9  # pandoc reads numbers as Int; a float or an enormous number fails there

DATE_HINT = (
    'write {"date-parts": [[2020, 5, 1]]} (year, month, day; month and day may be left out), '
    'the text "2020-05-01", or {"literal": "..."} to print it as written'
)
NAME_HINT = 'write a list of names, as in [{"family": "Smith", "given": "Jane"}], or [{"literal": "The Q Lab"}] for an organisation'


def check_item(item: Mapping) -> tuple[dict, list[tuple[str, str]]]:
    """(the item to keep, [(field, message)]): each message names the item's key."""
    key = str(item.get("id"))
    kept: dict = {}
    problems: list[tuple[str, str]] = []
    for field, value in item.items():
        value, message = _check_field(str(field), value)
        if message is None:
            message = _unsafe_message(field, value)
        if message is None:
            kept[field] = value
        else:
            about = "the item's id" if field == "id" else f"'{_shown(field)}' of '{_shown(key)}'"
            problems.append((str(field), f"{about} {message}"))
    return kept, problems


def _check_field(field: str, value: object) -> tuple[object, str | None]:
    if field == "id":
        return value, None if _is_text_or_number(value) else f"must be text, not {_kind(value)} — write the citation key in quotes"
    if field in NAME_VARIABLES:
        return value, _names_problem(value)
    if field in DATE_VARIABLES:
        return check_date(value)
    if field in TEXT_VARIABLES:
        return value, _text_problem(value, numbers=field not in _ONLY_TEXT)
    return value, None


# --- text, numbers ---------------------------------------------------------------------


def _is_text_or_number(value: object) -> bool:
    return isinstance(value, str) or _is_whole_number(value)


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < _LARGEST


def _text_problem(value: object, numbers: bool = True) -> str | None:
    if isinstance(value, str) or (numbers and _is_whole_number(value)):
        return None
    return f"must be text, not {_kind(value)} — write it in quotes, as in \"...\", or remove the field"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return {str: "text", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _unsafe_message(field: object, value: object) -> str | None:
    """A character no web page or feed can carry, anywhere in the field (its name too)."""
    for text in (field, *_strings(value)):
        bad = UNSAFE_CHARACTER.search(text) if isinstance(text, str) else None
        if bad:
            code = f"U+{ord(bad.group()):04X}"
            escape = f"\\u{ord(bad.group()):04x}"
            return f"contains the invisible character {code}, which no web page or feed can carry — delete it (most editors do not show it; in CSL-JSON look for {escape})"
    return None


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield key
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


# --- names --------------------------------------------------------------------------------


def _names_problem(value: object) -> str | None:
    if not isinstance(value, list):
        return f"must be a list of names, not {_kind(value)} — {NAME_HINT}"
    for name in value:
        if not isinstance(name, Mapping):
            return f"has a name that is {_kind(name)}, not an object — {NAME_HINT}"
        for part in _NAME_PARTS:
            if name.get(part) is not None and not isinstance(name[part], str):
                return f"has a name whose '{part}' is {_kind(name[part])}, not text — write it in quotes"
    return None


# --- dates ---------------------------------------------------------------------------------


def check_date(value: object) -> tuple[object, str | None]:
    """A CSL date: {"date-parts": [[y, m, d]]} (two lists for a range), {"raw": ...},
    {"literal": ...}; text such as "2020-05-01" becomes date-parts."""
    if isinstance(value, str):
        parts = text_date_parts(value)
        if parts is None:
            return value, f"is the text '{_shown(value)}', which is not a date pandoc reads — {DATE_HINT}"
        return {"date-parts": parts}, None
    if not isinstance(value, Mapping):
        return value, f"must be a date, not {_kind(value)} — {DATE_HINT}"
    if "date-parts" in value and not _valid_date_parts(value["date-parts"]):
        return value, f"has date-parts that are not one or two lists of whole numbers — {DATE_HINT}"
    for part in ("raw", "literal", "season"):
        if value.get(part) is not None and not _is_text_or_number(value[part]):
            return value, f"has a '{part}' that is {_kind(value[part])}, not text — write it in quotes"
    return value, None


def text_date_parts(text: str) -> list[list[int]] | None:
    """"2020" -> [[2020]], "2020-05-01" -> [[2020, 5, 1]], "2019/2020" -> [[2019], [2020]]."""
    ends = text.strip().split("/")
    found = [_TEXT_DATE.fullmatch(end) for end in ends]
    if len(ends) > 2 or not all(found):
        return None
    return [[int(n) for n in match.groups() if n is not None] for match in found if match]


def _valid_date_parts(parts: object) -> bool:
    if not isinstance(parts, list) or len(parts) > 2:
        return False
    return all(isinstance(date, list) and len(date) <= 3 and all(map(_is_date_number, date)) for date in parts)


def _is_date_number(value: object) -> bool:
    # pandoc reads numbers and digit strings ("2020"); an empty string is left out.
    if isinstance(value, str):
        return value == "" or re.fullmatch(r"-?\d{1,9}", value) is not None
    return _is_whole_number(value)


def _shown(value: object) -> str:
    """A value quoted in a message: on one line, and not too long."""
    text = str(value).encode("unicode_escape").decode("ascii") if not str(value).isprintable() else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
