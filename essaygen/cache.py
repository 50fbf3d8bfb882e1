"""The content-addressed cache in SITE/.essaygen-cache/.

A rendered body is stored under the hash of everything it depends on (source
text, options, engine version); the files it read (images, chart data) are
recorded with their digests and checked on every lookup. Every entry carries
checksums: a corrupt or foreign entry is ignored and rebuilt, never trusted. The
cache may be deleted at any time; the output is the same without it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import zlib
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, TypeVar

from essaygen.markdown import RenderedBody, SourceLink
from essaygen.pickles import KeptByState, file_state
from essaygen.record import package_fingerprint
from essaygen.problems import Problem
from essaygen.search import SearchBody

_T = TypeVar("_T")
CACHE_DIR = ".essaygen-cache"
MISSING = "missing"


class FileDigests:
    """sha256 of site files, each read at most once per build."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.known: dict[str, str] = {}

    def __call__(self, rel: str) -> str:
        if rel not in self.known:
            try:
                self.known[rel] = hashlib.sha256((self.root / rel).read_bytes()).hexdigest()
            except OSError:
                self.known[rel] = MISSING
        return self.known[rel]


def entry_file(folder: str | None, scratch: str | None, name: str) -> str | None:
    """Where an entry is read from: a build's scratch folder (what it wrote itself), else
    the site's cache folder if it has the entry, else the scratch folder (to be written)."""
    if scratch is None:
        return None if folder is None else f"{folder}/{name}"
    spilled = f"{scratch}/{name}"
    if folder is not None and not os.path.exists(spilled) and os.path.exists(f"{folder}/{name}"):
        return f"{folder}/{name}"
    return spilled


def entry_written(folder: str | None, scratch: str | None, writable: bool, name: str) -> str | None:
    """Where an entry is written: the scratch folder if the build has one, else the site's
    cache folder if it may be written, else nowhere (None)."""
    if scratch is not None:
        return f"{scratch}/{name}"
    return f"{folder}/{name}" if folder is not None and writable else None


class JsonStore:
    """Checksummed JSON files under one folder, written atomically. `scratch`: where
    entries go when the folder may not be written (check's, --no-cache's own folder)."""

    def __init__(self, folder: Path | None, writable: bool = True, scratch: Path | None = None) -> None:
        self.folder = str(folder) if folder is not None else None
        self.writable = writable and folder is not None  # check reads the site's cache but never writes it
        self.scratch = None if scratch is None or self.writable else str(scratch)

    def file(self, key: str) -> Path | None:
        found = entry_file(self.folder, self.scratch, f"{key[:2]}/{key}.json")
        return None if found is None else Path(found)

    def load(self, key: str) -> Any | None:
        """The value, or None when absent, unreadable, or not what was written."""
        file = self.file(key)
        return None if file is None else read_entry(file)

    def save(self, key: str, value: Any) -> bool:
        """Whether the value is stored (a cache that cannot be written only costs time)."""
        file = entry_written(self.folder, self.scratch, self.writable, f"{key[:2]}/{key}.json")
        if file is None:
            return False
        payload = json.dumps(value, ensure_ascii=False, sort_keys=True)  # one line of JSON
        return _write_atomically(Path(file), (_checksum(payload) + "\n" + payload).encode("utf-8"))


def read_entry(file: Path | str) -> Any | None:
    """A JsonStore entry's value, or None when absent, unreadable, or not what was written."""
    try:
        checksum, _, payload = Path(file).read_text("utf-8").partition("\n")
        if checksum != _checksum(payload):
            return None
        return json.loads(payload)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def stored_entry(file: str) -> Any | None:
    """read_entry for an entry that a build's pages read more than once (an essay's page
    and its feed entries), remembered while the file is unchanged. Callers must not
    change what it returns."""
    try:
        state = os.stat(file)
    except OSError:
        return None
    return _entry_in_state(file, state.st_size, state.st_mtime_ns, state.st_ino)


@functools.lru_cache(maxsize=64)
def _entry_in_state(file: str, size: int, mtime_ns: int, inode: int) -> Any | None:
    return read_entry(file)


def _checksum(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


META, HTML, TEXT, TERMS = range(4)
# A body file: this line, then its four parts (metadata JSON, HTML, search text, search
# terms) as they are, each given as "bytes:crc32" in the line. Parts are stored raw, not
# as JSON strings: escaping a body's HTML and text, and parsing them back for its page
# and the search index, cost more than rendering a tenth of the body.
_BODY_FORMAT = b"essaygen-body/2"


class BodyCache:
    """Rendered bodies, one file each, in four parts (`_body_file`), so that a build can
    load what it needs (a large site's metadata first, each HTML only when its page is
    written), decoding and checking nothing else."""

    def __init__(self, folder: Path | None, digests: FileDigests, writable: bool = True, scratch: Path | None = None) -> None:
        """`scratch`: a private folder for the bodies a build that may not keep any (check,
        --no-cache) renders, so that it streams them as `build` does; read first, then
        the site's cache (`folder`, if any), which is never written unless `writable`."""
        self.folder = str(folder / "bodies") if folder else None
        self.writable = writable and self.folder is not None
        self.scratch = None if scratch is None or self.writable else str(scratch)
        self.digests = digests

    def file(self, key: str) -> str | None:
        """Where the body stored under `key` is read from, or would be written to."""
        return entry_file(self.folder, self.scratch, f"{key[:2]}/{key}.body")

    def get(self, key: str) -> RenderedBody | None:
        """The whole body, or None when absent, damaged, or made from other data files."""
        parts = _body_parts(self.file(key), (META, HTML, TEXT, TERMS))
        meta = self._meta(parts)
        if meta is None or parts is None:
            return None
        return replace(meta, html=parts[HTML], search=SearchBody(parts[TEXT], parts[TERMS], meta.search.words))

    def get_meta(self, key: str) -> RenderedBody | None:
        """The body slimmed (RenderedBody.slimmed). Every part is checked now: the rest
        is read later, and must not fail then."""
        meta = self._meta(_body_parts(self.file(key), (META, HTML, TEXT, TERMS)))
        return None if meta is None else meta.slimmed(stored=True)

    def _meta(self, parts: list[str] | None) -> RenderedBody | None:
        if parts is None:
            return None
        try:
            data = json.loads(parts[META])
            if any(self.digests(path) != digest for path, digest in data["deps"].items()):
                return None
            return _body_from(data)
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, body: RenderedBody) -> bool:
        """Whether the body was stored."""
        path = entry_written(self.folder, self.scratch, self.writable, f"{key[:2]}/{key}.body")
        if path is None:
            return False
        meta = _meta_of(body)
        meta["deps"] = {dep: self.digests(dep) for dep in body.deps}
        parts = [json.dumps(meta, ensure_ascii=False, sort_keys=True), body.html, body.search.text, body.search.terms]
        return _write_atomically(Path(path), _body_file([part.encode("utf-8") for part in parts]))


def _body_file(parts: list[bytes]) -> bytes:
    line = b" ".join([_BODY_FORMAT, *(b"%d:%08x" % (len(part), zlib.crc32(part)) for part in parts)])
    return b"".join([line, b"\n", *parts])


def _body_parts(file: str | None, wanted: tuple[int, ...]) -> list[str] | None:
    """The `wanted` parts of a body file, each checked against its length and crc32
    ("" for the others), or None when the file is gone, damaged or of another format.
    (A crc32 finds a damaged or cut-off file as well as a sha256 would, ten times faster.)"""
    if file is None:
        return None
    try:
        with open(file, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    end = data.find(b"\n", 0, 200)
    fields = data[:end].split(b" ")
    if end < 0 or len(fields) != 5 or fields[0] != _BODY_FORMAT:
        return None
    parts = [""] * 4
    start = end + 1
    try:
        for n, field in enumerate(fields[1:]):
            size, crc = field.split(b":")
            stop = start + int(size)
            if n in wanted:
                part = data[start:stop]
                if len(part) != int(size) or zlib.crc32(part) != int(crc, 16):
                    return None
                parts[n] = part.decode("utf-8")
            start = stop
    except (ValueError, UnicodeDecodeError):
        return None
    return parts if start == len(data) else None


def _meta_of(body: RenderedBody) -> dict[str, Any]:
    """asdict(body.slimmed()), with its anchors sorted: made by hand, as asdict deep-copies
    every heading and link (a fifth of the cost of storing a body)."""
    return {
        "html": "",
        "headings": body.headings,
        "words": body.words,
        "citations": [asdict(cluster) for cluster in body.citations],
        "links": [vars(link) for link in body.links],
        "anchors": sorted(body.anchors),
        "deps": body.deps,
        "problems": [asdict(problem) for problem in body.problems],
        "search": {"text": "", "terms": "", "words": body.search.words},
    }


class BodyIndex:
    """The metadata of the last build's stored bodies in one pickle, each under its
    file's size, times and inode: a build reads one file, not a thousand, to know its
    bodies (a body file is checked in full when it is stored, or when it changed)."""

    def __init__(self, cache: BodyCache) -> None:
        # Its values are objects of essaygen's classes: kept only for the same code.
        # Read from a cache a build may not write (check) too; saved only where it may.
        self.kept = KeptByState(Path(cache.folder + ".pickle") if cache.folder else None, package_fingerprint())
        self.cache = cache

    def get(self, key: str) -> RenderedBody | None:
        found = self.kept.get(key, file_state(self.cache.file(key)), self._fresh)
        return None if found is None else found[0]  # type: ignore[no-any-return]

    def _fresh(self, value: Any) -> bool:
        """A (body, its data files' digests) pair, from this version, whose data files are unchanged."""
        if not isinstance(value, tuple) or len(value) != 2 or not isinstance(value[0], RenderedBody):
            return False
        return all(self.cache.digests(path) == digest for path, digest in value[1])

    def remember(self, key: str, body: RenderedBody) -> None:
        deps = tuple((path, self.cache.digests(path)) for path in body.deps)
        self.kept.put(key, file_state(self.cache.file(key)), (body, deps))

    def knows(self, key: str) -> bool:
        return key in self.kept.fresh

    def previous_keys(self) -> frozenset[str]:
        """The keys of the bodies the last build used or made."""
        return frozenset(self.kept.known)

    def save(self) -> None:
        if self.cache.writable:
            self.kept.save()


def stored_html(file: str) -> str | None:
    """The HTML of a stored body, or None when its file is gone or damaged."""
    parts = _body_parts(file, (HTML,))
    return None if parts is None else parts[HTML]


@functools.lru_cache(maxsize=16)  # a page reads them more than once; a body file's name is its content's digest
def stored_headings(file: str) -> tuple[tuple[int, str, str], ...] | None:
    """The headings of a stored body, or None when its file is gone or damaged."""
    return _from_meta(file, _headings_of)


def stored_citations(file: str) -> tuple[Any, ...] | None:
    """The parsed citations (CitationCluster) of a stored body, or None when its file is gone or damaged."""
    return _from_meta(file, lambda data: tuple(_cluster_from(c) for c in data["citations"]))


def _from_meta(file: str, read: Callable[[dict[str, Any]], _T]) -> _T | None:
    parts = _body_parts(file, (META,))
    try:
        return None if parts is None else read(json.loads(parts[META]))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def stored_search(file: str) -> SearchBody | None:
    parts = _body_parts(file, (META, TEXT, TERMS))
    try:
        return None if parts is None else SearchBody(parts[TEXT], parts[TERMS], int(json.loads(parts[META])["search"]["words"]))
    except (ValueError, KeyError, TypeError):
        return None


def _write_atomically(path: Path, data: bytes) -> bool:
    # A temporary name of this process's own (no mkstemp: its random names cost a
    # tenth of a millisecond per body), renamed over the entry in one step.
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        try:
            handle = open(tmp, "wb")
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(tmp, "wb")
        with handle:
            handle.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        return False  # a cache that cannot be written only costs time


def _body_from(data: dict[str, Any]) -> RenderedBody:
    return RenderedBody(
        html="",
        headings=_headings_of(data),
        words=int(data["words"]),
        citations=tuple(_cluster_from(c) for c in data["citations"]),
        links=tuple(SourceLink(**link) for link in data["links"]),
        anchors=frozenset(data["anchors"]),
        deps=tuple(sorted(data["deps"])),
        problems=tuple(Problem(**p) for p in data["problems"]),
        search=SearchBody("", "", int(data["search"]["words"])),
    )


def _headings_of(data: dict[str, Any]) -> tuple[tuple[int, str, str], ...]:
    return tuple((int(h[0]), str(h[1]), str(h[2])) for h in data["headings"])


def _cluster_from(data: dict[str, Any]) -> Any:
    from essaygen.citations.syntax import CitationCluster, interned_item

    items = tuple(interned_item(**item) for item in data["items"])
    return CitationCluster(**{**data, "items": items})


def cache_folder(root: Path, enabled: bool = True) -> Path | None:
    return root / CACHE_DIR if enabled else None

