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
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from essaygen.markdown import RenderedBody, SourceLink
from essaygen.problems import Problem

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
    )


def _cluster_from(data: dict[str, Any]) -> Any:
    from essaygen.citations.syntax import CitationCluster, CitationItem

    items = tuple(CitationItem(**item) for item in data["items"])
    return CitationCluster(**{**data, "items": items})


class PagesDigest:
    """Passes output files through, hashing every HTML page on the way: the key of
    the search index, which is made from exactly those pages."""

    def __init__(self, files: Iterable[Any]) -> None:
        self.files = files
        self.hash = hashlib.sha256()
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.files:
            self.count += 1
            if item.path.endswith(".html") and item.data is not None:
                self.hash.update(item.path.encode("utf-8") + b"\x00" + hashlib.sha256(item.data).digest())
            yield item

    def digest(self) -> str:
        return self.hash.hexdigest()


def cached_step(step: Callable[[Path], None], folder: Path | None, key: Callable[[], str], produces: str) -> Callable[[Path], None]:
    """Run `step` on a staged output only when its input changed; otherwise hard-link
    what it produced last time (the folder `produces`, e.g. "pagefind"), after checking
    every file's size and modification time against the manifest saved with it: a
    damaged or edited entry (in the cache or, through the links, in an output) is never used."""
    if folder is None:
        return step

    def run(stage: Path) -> None:
        saved = folder / key()
        if _restore(saved / produces, saved / "manifest.json", stage / produces):
            return
        step(stage)
        shutil.rmtree(folder, ignore_errors=True)  # one entry is enough: the last output's
        _save(stage / produces, saved / produces, saved / "manifest.json")

    return run


def _tree_state(folder: Path) -> dict[str, list[int]]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            info = path.stat()
            found[path.relative_to(folder).as_posix()] = [info.st_size, info.st_mtime_ns]
    return found


def _restore(saved: Path, manifest: Path, dest: Path) -> bool:
    try:
        expected = json.loads(manifest.read_text("utf-8"))
        if not saved.is_dir() or _tree_state(saved) != expected:
            return False
        shutil.copytree(saved, dest, copy_function=os.link)
        return True
    except (OSError, ValueError):
        shutil.rmtree(dest, ignore_errors=True)
        return False


def _save(produced: Path, saved: Path, manifest: Path) -> None:
    try:
        shutil.copytree(produced, saved, copy_function=os.link)
        manifest.write_text(json.dumps(_tree_state(saved), sort_keys=True), "utf-8")
    except OSError:
        shutil.rmtree(saved, ignore_errors=True)  # a cache that cannot be written only costs time


def cache_folder(root: Path, enabled: bool = True) -> Path | None:
    return root / CACHE_DIR if enabled else None

