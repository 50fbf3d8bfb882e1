"""Loading bibliographies: CSL-JSON read with `json`, BibTeX/BibLaTeX converted by pandoc.

Keys are case-sensitive and must be unique across all files; every item remembers
where it was defined, so a duplicate or an unknown key names a file, line and column.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from essaygen.citations.cslitem import check_item
from essaygen.citations.pandocbin import find_pandoc
from essaygen.citations.syntax import CitationCluster, brace_pairs, scan_key
from essaygen.problems import Problem

# Part of the .bib cache key: bump when the conversion below changes.
BIB_CACHE_FORMAT = "1"
MAX_BIB_ERRORS = 20

_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_BIB_ENTRY = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^\s,{}()]+)[ \t]*,", re.MULTILINE)
_BIB_NOT_ENTRIES = frozenset({"comment", "string", "preamble"})
_PANDOC_ERROR = re.compile(r"\(line (\d+), column (\d+)\):\s*(.*)", re.DOTALL)
_NOT_UTF8 = "the file is not UTF-8 text — save it as UTF-8 (in most editors: Save with Encoding, UTF-8)"
_JSON_FIX = "fix the JSON here (often a missing or extra comma, quote or bracket), or export the bibliography again"


@dataclass(frozen=True)
class Bibliography:
    items: Mapping[str, Mapping] = field(default_factory=dict)  # key -> CSL-JSON item (id == key)
    origins: Mapping[str, tuple[str, int, int]] = field(default_factory=dict)  # key -> (path, line, col)
    stored: tuple[str, ...] = field(default=(), compare=False)  # keys of the converted .bib files in the cache


@dataclass(frozen=True)
class _Loaded:
    """One file's items in file order, with their positions and the file's problems."""

    items: tuple[tuple[dict, int, int], ...]
    problems: tuple[Problem, ...]
    stored: str | None = None  # the key of its converted form in the cache (a .bib file's)


# --- public ----------------------------------------------------------------------------


def load_bibliography(
    paths: Sequence[Path], root: Path, cache_dir: Path | None, writable: bool = True
) -> tuple[Bibliography, tuple[Problem, ...]]:
    """The items of the files in `paths`, and their problems. Converted .bib files are
    kept in `cache_dir` (read there, and written only if `writable`)."""
    items: dict[str, Mapping] = {}
    origins: dict[str, tuple[str, int, int]] = {}
    problems: list[Problem] = []
    stored: list[str] = []
    for path in paths:
        shown = display_path(path, root)
        loaded = _load_file(Path(path), shown, cache_dir, writable)
        problems.extend(loaded.problems)
        stored += [loaded.stored] if loaded.stored else []
        for item, line, col in loaded.items:
            key = item["id"]
            if key in origins:
                problems.append(_duplicate(key, shown, line, col, origins[key]))
                continue
            items[key] = MappingProxyType(item)
            origins[key] = (shown, line, col)
    bib = Bibliography(MappingProxyType(items), MappingProxyType(origins), tuple(stored))
    return bib, tuple(problems)


def check_keys(clusters: Sequence[CitationCluster], bib: Bibliography, path: str) -> list[Problem]:
    """Unknown keys, and citations hidden inside another citation's prefix or suffix."""
    problems = []
    for cluster in clusters:
        for item in cluster.items:
            if item.key not in bib.items:
                problems.append(Problem(path, item.line, item.col, _unknown_key(item.key, bib)))
            for text in (item.prefix, item.suffix):
                if "@" not in text:  # nothing can hide there (the common case, and cheap)
                    continue
                for hidden in _hidden_keys(text):
                    problems.append(Problem(path, item.line, item.col, _hidden_message(hidden, item.key)))
    return problems


def normalise_doi(doi: str) -> str:
    """"https://doi.org/10.1/x", "doi:10.1/x" -> "10.1/x" (styles add their own prefix)."""
    return _DOI_PREFIX.sub("", doi).strip()


def display_path(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


# --- messages ------------------------------------------------------------------


def _unknown_key(key: str, bib: Bibliography) -> str:
    message = f"unknown citation key '{key}' — add it to the bibliography, or write \\@ for a literal at-sign"
    same_but_case = [k for k in bib.items if k.lower() == key.lower()]
    close = same_but_case or difflib.get_close_matches(key, list(bib.items), n=1, cutoff=0.75)
    return f"{message} (did you mean '{close[0]}'?)" if close else message


def _duplicate(key: str, path: str, line: int, col: int, first: tuple[str, int, int]) -> Problem:
    where = f"{first[0]}:{first[1]}:{first[2]}"
    message = (
        f"duplicate citation key '{key}' — it is first defined at {where}; "
        "give each work its own key (keys are case-sensitive)"
    )
    return Problem(path, line, col, message)


def _hidden_message(hidden: str, key: str) -> str:
    return (
        f"'@{hidden}' inside the citation of '{key}' is read as text, not cited — "
        f"separate citations with ';' (as in [see @{key}; @{hidden}]), or write \\@ for a literal at-sign"
    )


def _hidden_keys(text: str) -> list[str]:
    """Keys that look cited inside a prefix or suffix (pandoc would nest them)."""
    found = []
    braces = brace_pairs(text)
    for match in re.finditer(r"(?<![\\\w.`])-?@", text):
        at = match.end() - 1
        key = scan_key(text, at + 1, len(text), braces)
        if key is not None:
            found.append(key[0])
    return found


# --- files ----------------------------------------------------------------------------


def _load_file(path: Path, shown: str, cache_dir: Path | None, writable: bool = True) -> _Loaded:
    if not path.is_file():
        message = (
            "bibliography file not found — check citations.bibliography in site.yaml "
            "(paths are relative to the site folder)"
        )
        return _Loaded((), (Problem(shown, 1, 1, message),))
    suffix = path.suffix.lower()
    if suffix not in (".json", ".bib", ".bibtex"):
        message = f"unsupported bibliography format '{path.suffix}' — use BibTeX (.bib) or CSL-JSON (.json)"
        return _Loaded((), (Problem(shown, 1, 1, message),))
    try:
        data = path.read_bytes()
    except OSError as err:
        message = f"bibliography file could not be read ({err.strerror}) — check that it is a readable file"
        return _Loaded((), (Problem(shown, 1, 1, message),))
    text, problem = decode_text(data, shown)
    if text is None:
        return _Loaded((), (problem,) if problem else ())
    if suffix == ".json":
        return parse_csl_json(text, shown)
    return _load_bib(data, text, shown, cache_dir, writable)


def decode_text(data: bytes, shown: str) -> tuple[str | None, Problem | None]:
    """The text of a bibliography file, or a problem at its first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        start = data.rfind(b"\n", 0, err.start) + 1
        before = data[start : err.start].decode("utf-8-sig")  # valid: the first bad byte is err.start
        return None, Problem(shown, data.count(b"\n", 0, err.start) + 1, len(before) + 1, _NOT_UTF8)


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _normalised(item: dict) -> dict:
    item = dict(item)
    item["id"] = str(item["id"])
    doi = item.pop("doi", None) or item.get("DOI")  # some exports write "doi"
    if isinstance(doi, str):
        item["DOI"] = normalise_doi(doi)
    return item


def parse_csl_json(text: str, shown: str) -> _Loaded:
    """CSL-JSON items with the position of each item's "id" (pure: text in, data out).
    A field of the wrong shape is reported at its place and left out of its item."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        return _Loaded((), (Problem(shown, err.lineno, err.colno, f"invalid CSL-JSON: {err.msg} — {_JSON_FIX}"),))
    except RecursionError:
        message = "CSL-JSON nested too deeply to read — an item is a flat {...} with lists of names and dates"
        return _Loaded((), (Problem(shown, 1, 1, message),))
    if not isinstance(data, list):
        message = "CSL-JSON must be a list of items ([{...}, ...]) — put the items between [ and ], even a single one"
        return _Loaded((), (Problem(shown, 1, 1, message),))
    items, problems = [], []
    for item, start, end in _json_items(text, len(data)):
        line, col = _id_position(text, start, end)
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            problems.append(Problem(shown, line, col, "CSL-JSON item without an \"id\" — give it its citation key"))
            continue
        kept, wrong = check_item(item)
        for name, message in wrong:
            problems.append(Problem(shown, *_field_position(text, start, end, name, (line, col)), message))
        if "id" in kept:
            items.append((_normalised(kept), line, col))
    return _Loaded(tuple(items), tuple(problems))


def _json_items(text: str, count: int):
    """Each item of a CSL-JSON list (already read whole) with its [start, end) in text."""
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    for _ in range(count):
        pos = _skip_json_space(text, pos)
        item, end = decoder.raw_decode(text, pos)
        yield item, pos, end
        pos = end


def _skip_json_space(text: str, pos: int) -> int:
    while text[pos] in " \t\r\n,":
        pos += 1
    return pos


def _id_position(text: str, start: int, end: int) -> tuple[int, int]:
    found = re.compile(r'"id"\s*:\s*').search(text, start, end)
    return _position(text, found.end() if found else start)


def _field_position(text: str, start: int, end: int, name: str, default: tuple[int, int]) -> tuple[int, int]:
    """Where the value of an item's field starts (the item's "id" if it cannot be found)."""
    found = re.compile(re.escape(json.dumps(name, ensure_ascii=False)) + r"\s*:\s*").search(text, start, end)
    return _position(text, found.end()) if found else default


# --- BibTeX via pandoc -------------------------------------------------------------


def bib_entry_positions(text: str) -> list[tuple[str, int, int, int]]:
    """(key, line, col, offset) of each entry's key, found by a quick scan of the .bib."""
    found = []
    for match in _BIB_ENTRY.finditer(text):
        if match.group(1).lower() in _BIB_NOT_ENTRIES:
            continue
        line, col = _position(text, match.start(2))
        found.append((match.group(2), line, col, match.start()))
    return found


def _load_bib(data: bytes, text: str, shown: str, cache_dir: Path | None, writable: bool = True) -> _Loaded:
    pandoc = find_pandoc()
    cache = _bib_cache_file(data, pandoc, cache_dir)
    converted = _read_bib_cache(cache)
    if converted is None:
        converted = _convert_bib(text, pandoc)
        if writable:
            _write_bib_cache(cache, converted)
    items_json, errors = converted
    problems = [Problem(shown, line, col, message) for line, col, message in errors]
    items = []
    for item, line, col in _with_bib_positions(items_json, bib_entry_positions(text)):
        kept, wrong = check_item(item)  # pandoc writes well-formed items, but keeps control characters
        problems += [Problem(shown, line, col, message) for _, message in wrong]
        if "id" in kept:
            items.append((kept, line, col))
    return _Loaded(tuple(items), tuple(problems), cache.stem if cache is not None else None)


def _with_bib_positions(items: list[dict], positions: list[tuple[str, int, int, int]]):
    # pandoc keeps duplicate keys as separate items, in file order: pair the n-th
    # item of a key with the n-th entry of that key found by the scan.
    by_key: dict[str, list[tuple[int, int]]] = {}
    for key, line, col, _ in positions:
        by_key.setdefault(key, []).append((line, col))
    seen: dict[str, int] = {}
    for item in items:
        item = _von_as_non_dropping(_normalised(item))
        key = item["id"]
        n = seen.get(key, 0)
        seen[key] = n + 1
        places = by_key.get(key, [])
        line, col = places[n] if n < len(places) else (1, 1)
        yield item, line, col


def _von_as_non_dropping(item: dict) -> dict:
    """BibTeX's "von" part ("van den Berg, Anna") as CSL's non-dropping particle.

    pandoc maps it to a *dropping* particle (biblatex's useprefix=false), so
    Vancouver printed "Berg A van den" and Harvard "(Berg and Müller, 2018)" where a
    CSL-JSON export of the same work (Zotero) prints "van den Berg A" (pitfall 5).
    """
    for role in ("author", "editor", "translator", "container-author", "collection-editor"):
        for name in item.get(role) or []:
            if "dropping-particle" in name and "non-dropping-particle" not in name:
                name["non-dropping-particle"] = name.pop("dropping-particle")
    return item


def _convert_bib(text: str, pandoc: Path) -> tuple[list[dict], list[tuple[int, int, str]]]:
    """Items of a .bib and its errors, as (line, col, message).

    pandoc stops at the first malformed entry; we blank that entry out (keeping the
    line numbers) and convert again, so one typo neither hides the other errors nor
    turns every key of the file into an "unknown key".
    """
    errors: list[tuple[int, int, str]] = []
    lines = text.split("\n")
    for _ in range(MAX_BIB_ERRORS + 1):
        run = subprocess.run(
            [str(pandoc), "-f", "biblatex", "-t", "csljson", "--quiet"],
            input="\n".join(lines), capture_output=True, text=True, encoding="utf-8",
        )  # fmt: skip
        if run.returncode == 0:
            return json.loads(run.stdout or "[]"), errors
        line, col, message = _pandoc_error(run.stderr)
        positions = bib_entry_positions("\n".join(lines))
        shown = _shown_position(line, col, positions, len(lines))
        errors.append((*shown, _bib_message(message, line, col, positions)))
        first, last = _broken_entry_lines(line, col, positions, len(lines))
        if len(errors) > MAX_BIB_ERRORS or all(not lines[i].strip() for i in range(first, last)):
            break  # nothing left to blank: stop rather than loop
        lines[first:last] = [""] * (last - first)
    return [], errors


def _shown_position(line: int, col: int, positions, total: int) -> tuple[int, int]:
    """Where to point the editor: pandoc's position, or, when it is past the end of the
    file ("unexpected end of input": an entry never closed), the start of that entry."""
    if line <= total:
        return line, col
    entry = _entry_before(line, col, positions)
    return (entry[1], 1) if entry else (total, 1)


def _pandoc_error(stderr: str) -> tuple[int, int, str]:
    found = _PANDOC_ERROR.search(stderr)
    if found is None:
        return 1, 1, stderr.strip() or "pandoc could not read this file"
    first_line = found.group(3).strip().split("\n")[0]
    return int(found.group(1)), int(found.group(2)), first_line


def _entry_before(line: int, col: int, positions) -> tuple[str, int] | None:
    """The entry that was open at (line, col): the last one whose key comes before it."""
    before = [(key, l) for key, l, c, _ in positions if (l, c) < (line, col)]
    return before[-1] if before else None


def _bib_message(message: str, line: int, col: int, positions) -> str:
    entry = _entry_before(line, col, positions)
    where = f" in entry '{entry[0]}' (line {entry[1]})" if entry else ""
    return (
        f"malformed BibTeX{where}: {message} — check that entry for a missing comma, "
        "an unbalanced brace or quote"
    )


def _broken_entry_lines(line: int, col: int, positions, total: int) -> tuple[int, int]:
    """0-based [first, last) lines to blank: from the open entry to the next entry after the error."""
    entry = _entry_before(line, col, positions)
    first = entry[1] - 1 if entry else line - 1
    later = [l for _, l, c, _ in positions if (l, c) >= (line, col) and l - 1 > first]
    last = later[0] - 1 if later else total
    return first, max(last, first + 1)


def _bib_cache_file(data: bytes, pandoc: Path, cache_dir: Path | None) -> Path | None:
    if cache_dir is None:
        return None
    stat = pandoc.stat()
    ident = f"{BIB_CACHE_FORMAT}|{pandoc}|{stat.st_size}|{stat.st_mtime_ns}|".encode()
    return Path(cache_dir) / "bib" / f"{hashlib.sha256(ident + data).hexdigest()}.json"


def _read_bib_cache(path: Path | None):
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return list(data["items"]), [tuple(e) for e in data["errors"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # corrupt: convert again


def _write_bib_cache(path: Path | None, converted) -> None:
    if path is None:
        return
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # two builds at once never share one
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"items": converted[0], "errors": converted[1]}), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs time
