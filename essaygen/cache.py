"""The content-addressed cache in SITE/.essaygen-cache/.

A rendered body is stored under the hash of everything it depends on (source
text, options, engine version); the files it read (images, chart data) are
recorded with their digests and checked on every lookup. Entries are JSON with a
checksum: a corrupt or foreign entry is ignored and rebuilt, never trusted. The
cache may be deleted at any time; the output is the same without it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from essaygen.markdown import RenderedBody, SourceLink
from essaygen.pickles import KeptByState, file_state
from essaygen.problems import Problem
from essaygen.search import SearchBody

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


class JsonStore:
    """Checksummed JSON files under one folder, written atomically."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def load(self, key: str) -> Any | None:
        """The value, or None when absent, unreadable, or not what was written."""
        if self.folder is None:
            return None
        try:
            checksum, _, payload = (self.folder / key[:2] / f"{key}.json").read_text("utf-8").partition("\n")
            if checksum != _checksum(payload):
                return None
            return json.loads(payload)
        except (OSError, ValueError, UnicodeDecodeError):
            return None

    def save(self, key: str, value: Any) -> None:
        if self.folder is None:
            return
        payload = json.dumps(value, ensure_ascii=False, sort_keys=True)  # one line of JSON
        _write_atomically(self.folder / key[:2] / f"{key}.json", _checksum(payload) + "\n" + payload)


def _checksum(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


META, HTML, TEXT, TERMS = range(4)


class BodyCache:
    """Rendered bodies, one file each: a line of checksums, then one line each of the
    body's metadata, HTML, search text and search terms, so that a build can load
    what it needs (a large site's metadata first, each HTML only when its page is
    written), parsing and checking nothing else."""

    def __init__(self, folder: Path | None, digests: FileDigests, writable: bool = True) -> None:
        self.folder = str(folder / "bodies") if folder else None
        self.writable = writable
        self.digests = digests

    def file(self, key: str) -> str | None:
        return None if self.folder is None else f"{self.folder}/{key[:2]}/{key}.body"

    def get(self, key: str) -> RenderedBody | None:
        """The whole body, or None when absent, damaged, or made from other data files."""
        lines = _body_lines(self.file(key), (META, HTML, TEXT, TERMS))
        meta = self._meta(lines)
        if meta is None or lines is None:
            return None
        try:
            return replace(meta, html=json.loads(lines[HTML]), search=SearchBody(json.loads(lines[TEXT]), lines[TERMS], meta.search.words))
        except (ValueError, TypeError):
            return None

    def get_meta(self, key: str) -> RenderedBody | None:
        """The body without its HTML and search text and terms (`search.words` is kept).
        Every line is checked now: the rest is read later, and must not fail then."""
        return self._meta(_body_lines(self.file(key), (META, HTML, TEXT, TERMS)))

    def _meta(self, lines: list[str] | None) -> RenderedBody | None:
        if lines is None:
            return None
        try:
            data = json.loads(lines[META])
            if any(self.digests(path) != digest for path, digest in data["deps"].items()):
                return None
            return _body_from(data)
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, body: RenderedBody) -> bool:
        """Whether the body was stored."""
        path = self.file(key)
        if path is None or not self.writable:
            return False
        meta = _meta_of(body)
        meta["deps"] = {dep: self.digests(dep) for dep in body.deps}
        # JSON escapes newlines, and terms are words and numbers: one line each.
        lines = [json.dumps(meta, ensure_ascii=False, sort_keys=True), json.dumps(body.html, ensure_ascii=False), json.dumps(body.search.text, ensure_ascii=False), body.search.terms]
        return _write_atomically(Path(path), " ".join(map(_checksum, lines)) + "\n" + "\n".join(lines))


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
        self.kept = KeptByState(Path(cache.folder + ".pickle") if cache.folder and cache.writable else None)
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

    def save(self) -> None:
        self.kept.save()


def stored_html(file: str) -> str | None:
    """The HTML of a stored body, or None when its file is gone or damaged."""
    lines = _body_lines(file, (HTML,))
    try:
        return None if lines is None else str(json.loads(lines[HTML]))
    except ValueError:
        return None


def stored_search(file: str) -> SearchBody | None:
    lines = _body_lines(file, (META, TEXT, TERMS))
    try:
        return None if lines is None else SearchBody(json.loads(lines[TEXT]), lines[TERMS], int(json.loads(lines[META])["search"]["words"]))
    except (ValueError, KeyError, TypeError):
        return None


def _body_lines(file: str | None, checked: tuple[int, ...]) -> list[str] | None:
    """The four lines of a body file, the `checked` ones verified against their checksums."""
    if file is None:
        return None
    try:
        with open(file, encoding="utf-8") as handle:
            sums = handle.readline().split()
            lines = handle.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if len(sums) != 4 or len(lines) != 4 or any(sums[i] != _checksum(lines[i]) for i in checked):
        return None
    return lines


def _write_atomically(path: Path, text: str) -> bool:
    # A temporary name of this process's own (no mkstemp: its random names cost a
    # tenth of a millisecond per body), renamed over the entry in one step.
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        try:
            handle = open(tmp, "w", encoding="utf-8")
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(tmp, "w", encoding="utf-8")
        with handle:
            handle.write(text)
        os.replace(tmp, path)
        return True
    except OSError:
        return False  # a cache that cannot be written only costs time


def _body_from(data: dict[str, Any]) -> RenderedBody:
    return RenderedBody(
        html="",
        headings=tuple((int(h[0]), str(h[1]), str(h[2])) for h in data["headings"]),
        words=int(data["words"]),
        citations=tuple(_cluster_from(c) for c in data["citations"]),
        links=tuple(SourceLink(**link) for link in data["links"]),
        anchors=frozenset(data["anchors"]),
        deps=tuple(sorted(data["deps"])),
        problems=tuple(Problem(**p) for p in data["problems"]),
        search=SearchBody("", "", int(data["search"]["words"])),
    )


def _cluster_from(data: dict[str, Any]) -> Any:
    from essaygen.citations.syntax import CitationCluster, CitationItem

    items = tuple(CitationItem(**item) for item in data["items"])
    return CitationCluster(**{**data, "items": items})


def cache_folder(root: Path, enabled: bool = True) -> Path | None:
    return root / CACHE_DIR if enabled else None

