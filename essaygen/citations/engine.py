"""Formatting citations with pandoc's citeproc, in long-lived pandoc processes.

`Formatter` starts `pandoc lua worker.lua` on the first request that is not cached
and keeps it for the whole build (and every rebuild of `serve`); a batch of many
requests is split across one process per core and sent to each a few requests a
line: one JSON line out and one back (process.py). Results are cached on disk by
the hash of their request, so a rebuild formats only what changed; a corrupt cache
file is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from essaygen.citations.pandocast import essay_blocks, note_order
from essaygen.citations.pandocbin import MIN_PANDOC, PandocNotFound, find_pandoc, pandoc_version
from essaygen.citations.process import WORKER, PandocProcess
from essaygen.citations.styles import PATCH_VERSION, patch_style
from essaygen.citations.syntax import NORMAL, CitationCluster, CitationItem

__all__ = [
    "MIN_PANDOC", "CitationFormatError", "CitationRequest", "FormattedCitations", "Formatter",
    "PandocNotFound", "cite_this_request", "cluster_inputs", "find_pandoc", "pandoc_version",
    "reference_list_request", "request_json",
]  # fmt: skip

# The code that shapes formatted output besides pandoc: part of the cache key.
_FORMATTING_CODE = tuple(Path(__file__).with_name(n) for n in ("pandocast.py", "locators.py", "styles.py"))
# Bump when the shape of cached results or the request changes.
CACHE_FORMAT = f"4.{PATCH_VERSION}"
# Requests per extra pandoc process: below this, starting one costs more than it saves.
REQUESTS_PER_PROCESS = 64
# Requests per line sent to a pandoc process, each line made just before it is sent.
# pandoc holds a line, its parsed JSON and every result until it answers: 1,000
# essays' requests in one line took it past 250 MB, and all 10,000 requests of 5,000
# essays made at once took ~40 MB of ours. Lines of this size keep both small, at no
# cost in time.
REQUESTS_PER_LINE = 32
_T = TypeVar("_T")
# pandoc's error for an item it cannot read: "Error in $[2]['date-parts'][0]: not a number",
# where 2 is the item's index in the request (the rest of the path is inside the field).
_ITEM_ERROR = re.compile(r"Error in \$\[(\d+)\]\S*: (.*)", re.DOTALL)


@dataclass(frozen=True)
class CitationRequest:
    """One essay's citations: its clusters in order and the items they cite."""

    clusters: tuple[CitationCluster, ...]
    items: tuple[Mapping, ...]  # CSL-JSON items cited (only these)
    style: Path
    locale: str  # the site's language, e.g. "en-GB"


@dataclass(frozen=True)
class FormattedCitations:
    clusters: tuple[str, ...]  # HTML of each cluster, in order: "(1–4)", "Taylor et al. (2024)"
    entries: tuple[tuple[str, str], ...]  # (key, entry HTML) in bibliography order
    # With a note style: the note each cluster makes (where it is its own note, `clusters`
    # holds only what stays in the text: an author-in-text cluster's author), else "".
    notes: tuple[str, ...] = ()


class CitationFormatError(RuntimeError):
    """pandoc could not format some requests: (index in the batch, message) pairs.

    `keys` maps the index of a request that failed on one bibliography entry to that
    entry's key (its message then starts "bibliography entry 'key': ")."""

    def __init__(self, failures: Sequence[tuple[int, str]], keys: Mapping[int, str] | None = None) -> None:
        self.failures = tuple(failures)
        self.keys = dict(keys or {})
        super().__init__("; ".join(f"request {i}: {message}" for i, message in self.failures))


def failed_item(error: str, request: CitationRequest) -> tuple[str | None, str]:
    """The key of the item pandoc could not read, if the error names one, and the
    message to show: "bibliography entry 'smith2020': not a number"."""
    found = _ITEM_ERROR.fullmatch(error.strip())
    if found is None or int(found.group(1)) >= len(request.items):
        return None, error
    key = str(request.items[int(found.group(1))].get("id"))
    return key, f"bibliography entry '{key}': {found.group(2)}"


def cite_this_request(item: Mapping, style: Path, locale: str) -> CitationRequest:
    """The "cite this essay" request: a one-item bibliography.

    The formatted reference is `formatter.format([request])[0].entries[0][1]`.
    """
    cite = CitationItem(key=str(item["id"]), mode=NORMAL, prefix="", suffix="", line=1, col=1)
    return CitationRequest((CitationCluster((cite,), 1, 1),), (item,), style, locale)


def reference_list_request(items: Sequence[Mapping], style: Path, locale: str) -> CitationRequest:
    """A request whose entries are the reference list of `items` in the style's order
    (for output/references/: every work cited by a released essay). Letter suffixes
    ("2023a") are then collection-wide; ignore the one cluster it formats."""
    cites = tuple(CitationItem(str(i["id"]), NORMAL, "", "", 1, 1) for i in items)
    return CitationRequest((CitationCluster(cites, 1, 1),), tuple(items), style, locale)


# --- requests as data ---------------------------------------------------------------


def cluster_inputs(cluster: CitationCluster) -> list[Any]:
    """What of a cluster decides how it is formatted (not its position in the file)."""
    items = [(i.key, i.mode, i.prefix, i.suffix) for i in cluster.items]
    return [cluster.note, cluster.in_note, cluster.opens_note, cluster.after, items] if cluster.note else items


def request_json(request: CitationRequest) -> dict:
    """What the worker receives for one request (positions are not sent: they
    do not change the output, and leaving them out keeps cache hits after edits)."""
    blocks, fragments = essay_blocks([request.clusters[i] for i in note_order(request.clusters)], request.locale)
    found = {
        "blocks": json.dumps(blocks, ensure_ascii=False),
        "count": len(request.clusters),
        "fragments": [asdict(f) for f in fragments],
        "items": json.dumps([dict(i) for i in request.items], ensure_ascii=False, sort_keys=True),
        "style": str(Path(request.style).resolve()),
        "locale": request.locale,
    }
    if any(c.note for c in request.clusters):
        found["notes"] = True
    return found


def _result_of(reply: object, order: Sequence[int] | None = None) -> FormattedCitations:
    """A reply of the worker (its clusters and notes in `order`, put back in the order
    they are written), or a stored result."""
    if not isinstance(reply, dict):
        raise ValueError("not an object")
    clusters = reply.get("clusters") or []
    entries = reply.get("entries") or []
    notes = reply.get("notes") or []
    if not isinstance(clusters, list) or not isinstance(entries, list) or not isinstance(notes, list):
        raise ValueError("clusters, entries and notes must be lists")
    return FormattedCitations(
        clusters=_as_written([str(c) for c in clusters], order),
        entries=tuple((str(k), str(h)) for k, h in entries),
        notes=_as_written([str(n) for n in notes], order) if notes else (),
    )


def _as_written(pieces: list[str], order: Sequence[int] | None) -> tuple[str, ...]:
    if order is None or len(pieces) != len(order):
        return tuple(pieces)  # the length is checked where the clusters are used
    written = [""] * len(order)
    for piece, index in zip(pieces, order):
        written[index] = piece
    return tuple(written)


def _format_error(keys: Sequence[str], failed: Mapping[str, tuple[str | None, str]]) -> CitationFormatError:
    at_fault = [(i, failed[key]) for i, key in enumerate(keys) if key in failed]
    return CitationFormatError(
        [(i, message) for i, (_, message) in at_fault],
        {i: item for i, (item, _) in at_fault if item is not None},
    )


# --- the formatter ------------------------------------------------------------------


class Formatter:
    """Formats citation requests; use as a context manager (`with Formatter(dir) as f`).

    `calls` counts lines sent to pandoc, `formatted` the requests in them and
    `started` the pandoc processes started, so tests and benchmarks can see what the
    cache saved.
    """

    def __init__(self, cache_dir: Path | None, writable: bool = True) -> None:
        """`writable`: False for a cache that is read, never written (check's)."""
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.writable = writable
        self.calls = 0
        self.formatted = 0
        self.used: set[str] = set()  # cache keys of the requests asked for (the rest may be swept)
        self._pandoc: Path | None = None
        self._workers: list[PandocProcess] = []
        self._memory: dict[str, FormattedCitations] = {}
        self._style_hashes: dict[str, str] = {}
        self._runtime_styles: dict[tuple[str, str], str] = {}
        self._identity: list | None = None
        self._resolved_styles: dict[Path, str] = {}
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Formatter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def identity(self, style: Path) -> list:
        """What decides formatting besides a request's items and clusters: pandoc and
        this code (the engine), and the style's path and content."""
        resolved = self._resolved(style)
        return [self._engine_identity(), resolved, self._style_hash(Path(resolved))]

    def fresh_styles(self) -> None:
        """Read each style once per call: an edit is never missed."""
        self._style_hashes.clear()
        self._resolved_styles.clear()

    def format(self, requests: Sequence[CitationRequest]) -> list[FormattedCitations]:
        """Each request's formatted citations, in order; pandoc sees only the uncached ones."""
        self.fresh_styles()
        keys = [self._cache_key(r) for r in requests]
        self.used.update(keys)
        found: dict[str, FormattedCitations] = {}
        missing: dict[str, CitationRequest] = {}
        for key, request in zip(keys, requests, strict=True):
            if key not in found and key not in missing:
                hit = self._lookup(key)
                if hit is None:
                    missing[key] = request
                else:
                    found[key] = hit
        if missing:
            failed = self._format_missing(missing, found)
            if failed:
                raise _format_error(keys, failed)
        return [found[key] for key in keys]

    def _format_missing(self, missing: dict[str, CitationRequest], found: dict[str, FormattedCitations]) -> dict[str, tuple[str | None, str]]:
        """Format and cache the missing requests, adding them to `found`; returns, for
        each that failed, the key of the bibliography entry at fault (if pandoc names
        one) and the message."""
        replies = self._ask(list(missing.values()))
        failed = {}
        for key, reply in zip(missing, replies, strict=True):
            if isinstance(reply, dict) and "error" in reply:
                failed[key] = failed_item(str(reply["error"]), missing[key])
            else:
                found[key] = _result_of(reply, note_order(missing[key].clusters))
                self._store(key, found[key])
        return failed

    def close(self) -> None:
        _close(self._workers)
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
            self._runtime_styles.clear()

    # --- styles ---

    def _runtime_style(self, style: str) -> str:
        """The style pandoc reads: the file itself, or a patched copy (styles.patch_style)."""
        memo = (style, self._style_hash(Path(style)))  # an edited style is patched again
        if memo not in self._runtime_styles:
            try:
                patched = patch_style(Path(style).read_bytes())
            except OSError:
                patched = None  # pandoc reports the missing file
            self._runtime_styles[memo] = style if patched is None else self._write_style(patched)
        return self._runtime_styles[memo]

    def _write_style(self, csl: bytes) -> str:
        if self.cache_dir is not None and self.writable:
            folder = self.cache_dir / "styles"
        else:
            if self._scratch is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="essaygen-styles-")
            folder = Path(self._scratch.name)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(csl).hexdigest()}.csl"
        if not path.is_file():
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(csl)
            os.replace(tmp, path)
        return str(path)

    # --- cache ---

    def _cache_key(self, request: CitationRequest) -> str:
        # What decides the output, cheaply (a cache hit must cost well under a
        # millisecond): the citations without their positions, the items, the
        # style's content (an edited .csl formats again), the locale, and the
        # engine's identity (upgrading pandoc or this code formats again).
        style = self._resolved(request.style)
        ident = [
            CACHE_FORMAT,
            self._engine_identity(),
            [cluster_inputs(c) for c in request.clusters],
            [dict(i) for i in request.items],
            style,
            self._style_hash(Path(style)),
            request.locale,
        ]
        # Not sort_keys: the same bibliography gives the same order, and a reordered
        # file costs one formatting, not a wrong result. (Sorting doubles the cost.)
        text = json.dumps(ident, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _resolved(self, style: Path) -> str:
        if style not in self._resolved_styles:  # resolve() is a syscall per path part
            self._resolved_styles[style] = str(Path(style).resolve())
        return self._resolved_styles[style]

    def _style_hash(self, style: Path) -> str:
        if str(style) not in self._style_hashes:
            try:
                digest = hashlib.sha256(style.read_bytes()).hexdigest()
            except OSError:
                digest = "missing"
            self._style_hashes[str(style)] = digest
        return self._style_hashes[str(style)]

    def _engine_identity(self) -> list:
        if self._identity is None:
            self._pandoc = self._pandoc or find_pandoc()
            code = b"".join(path.read_bytes() for path in (WORKER, *_FORMATTING_CODE))
            stat = self._pandoc.stat()
            self._identity = [str(self._pandoc), stat.st_size, stat.st_mtime_ns, hashlib.sha256(code).hexdigest()]
        return self._identity

    def _cache_file(self, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / "citations" / key[:2] / f"{key}.json"

    def _lookup(self, key: str) -> FormattedCitations | None:
        path = self._cache_file(key)
        if path is None:
            return self._memory.get(key)
        if not path.is_file():
            return None
        try:
            return _result_of(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None  # a corrupt or truncated cache file: format again

    def _store(self, key: str, result: FormattedCitations) -> None:
        path = self._cache_file(key)
        if path is None:  # kept in memory only when there is no cache to keep them in
            self._memory[key] = result
            return
        if not self.writable:
            return
        data: dict[str, Any] = {"clusters": list(result.clusters), "entries": [list(e) for e in result.entries]}
        if result.notes:
            data["notes"] = list(result.notes)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)  # atomic: a reader never sees half a file
        except OSError:
            pass  # a cache that cannot be written only costs time

    # --- the pandoc processes ---

    def _ask(self, requests: list[CitationRequest]) -> list:
        """Pandoc's replies to the requests, from one pandoc process, or several at once
        when there are many (citeproc is most of a cold build with citations: use the cores)."""
        # Styles are patched here, once each, not in the threads (they write files).
        styles = {r.style: self._runtime_style(self._resolved(r.style)) for r in requests}
        chunks = _split(requests, _processes_for(len(requests)))
        self._pandoc = self._pandoc or find_pandoc()
        while len(self._workers) < len(chunks):
            self._workers.append(PandocProcess(self._pandoc))
        self.formatted += len(requests)
        self.calls += sum(-(-len(share) // REQUESTS_PER_LINE) for share in chunks)

        def ask(worker: PandocProcess, share: list[CitationRequest]) -> list:
            replies: list = []
            for start in range(0, len(share), REQUESTS_PER_LINE):
                line = [{**request_json(r), "style": styles[r.style]} for r in share[start : start + REQUESTS_PER_LINE]]
                replies += worker.ask(line)
            return replies

        if len(chunks) == 1:
            return ask(self._workers[0], chunks[0])
        with ThreadPoolExecutor(len(chunks)) as pool:  # each thread waits on its own pipe
            answers = list(pool.map(lambda pair: ask(*pair), zip(self._workers, chunks)))
        return _merge(answers)

    @property
    def started(self) -> int:
        return sum(worker.started for worker in self._workers)

    def closed_when_collected(self) -> Formatter:
        """The formatter, its pandoc processes ended once it is garbage (one that serve
        keeps from one rebuild to the next, then lets go): a process left running keeps
        its pipes open, and pandoc would wait for input for good."""
        weakref.finalize(self, _close, self._workers)  # the list, not self: later workers too
        return self


def _close(workers: list[PandocProcess]) -> None:
    for worker in workers:
        worker.close()


def _processes_for(requests: int) -> int:
    return max(1, min(os.cpu_count() or 1, 4, requests // REQUESTS_PER_PROCESS))


def _split(payloads: list[_T], parts: int) -> list[list[_T]]:
    """Dealt out in turn, so that each process gets a share of every kind of request
    (essays with many citations come first, one-item "cite this" requests after)."""
    return [payloads[i::parts] for i in range(parts)]


def _merge(answers: list[list]) -> list:
    """The results of _split's parts, back in the order of the requests."""
    merged: list = [None] * sum(len(a) for a in answers)
    for i, answer in enumerate(answers):
        merged[i :: len(answers)] = answer
    return merged
