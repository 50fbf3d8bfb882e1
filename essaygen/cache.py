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
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from essaygen.markdown import RenderedBody, SourceLink
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

    def __init__(self, folder: Path | None, writable: bool = True) -> None:
        self.folder = folder
        self.writable = writable

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

    def has(self, key: str) -> bool:
        return self.folder is not None and (self.folder / key[:2] / f"{key}.json").is_file()

    def save(self, key: str, value: Any) -> None:
        if self.folder is None or not self.writable:
            return
        payload = json.dumps(value, ensure_ascii=False, sort_keys=True)
        folder = self.folder / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(_checksum(payload) + "\n" + payload)  # the payload is one line of JSON
            os.replace(tmp, folder / f"{key}.json")
        except OSError:
            pass  # a cache that cannot be written only costs time


def _checksum(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class BodyCache:
    def __init__(self, folder: Path | None, digests: FileDigests, writable: bool = True) -> None:
        self.store = JsonStore(folder / "bodies" if folder else None, writable)
        self.digests = digests

    def get(self, key: str) -> RenderedBody | None:
        data = self.store.load(key)
        if not isinstance(data, dict):
            return None
        try:
            if any(self.digests(path) != digest for path, digest in data["deps"].items()):
                return None
            return _body_from(data)
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, body: RenderedBody) -> None:
        data = asdict(body)
        data["deps"] = {path: self.digests(path) for path in body.deps}
        data["anchors"] = sorted(body.anchors)
        self.store.save(key, data)


def _body_from(data: dict[str, Any]) -> RenderedBody:
    return RenderedBody(
        html=data["html"],
        headings=tuple((int(h[0]), str(h[1]), str(h[2])) for h in data["headings"]),
        words=int(data["words"]),
        citations=tuple(_cluster_from(c) for c in data["citations"]),
        links=tuple(SourceLink(**link) for link in data["links"]),
        anchors=frozenset(data["anchors"]),
        deps=tuple(sorted(data["deps"])),
        problems=tuple(Problem(**p) for p in data["problems"]),
        search=SearchBody(str(data["search"]["text"]), str(data["search"]["terms"]), int(data["search"]["words"])),
    )


def _cluster_from(data: dict[str, Any]) -> Any:
    from essaygen.citations.syntax import CitationCluster, CitationItem

    items = tuple(CitationItem(**item) for item in data["items"])
    return CitationCluster(**{**data, "items": items})


def cache_folder(root: Path, enabled: bool = True) -> Path | None:
    return root / CACHE_DIR if enabled else None

