"""Checksummed pickle files in the cache (parsed sources, bodies' metadata, search postings).

Written and checked as streams: a large site's postings are megabytes, never held
as one more bytes object. A damaged or foreign file reads as None, never trusted.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from collections.abc import Callable
from typing import Any


def write_pickle(file: Path, value: Any) -> None:
    """`value` pickled into `file` (atomically), after a checksum of the pickle."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "w+b") as handle:
            handle.write(bytes(32))
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.seek(32)
            digest = hashlib.file_digest(handle, "sha256").digest()
            handle.seek(0)
            handle.write(digest)
        os.replace(tmp, file)
    except OSError:
        pass  # a cache that cannot be written only costs time


def read_pickle(file: Path) -> Any | None:
    """What write_pickle wrote, or None when absent, damaged or unreadable."""
    try:
        with open(file, "rb") as handle:
            checksum = handle.read(32)
            if hashlib.file_digest(handle, "sha256").digest() != checksum:
                return None
            handle.seek(32)
            return pickle.load(handle)
    except Exception:  # noqa: BLE001 - a damaged or foreign file is only ignored
        return None


State = tuple[int, ...]


def file_state(path: str | None) -> State | None:
    """A file's size, modification and change times and inode: what says it is untouched."""
    try:
        info = os.stat(path) if path is not None else None
    except OSError:
        return None
    return None if info is None else (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


class KeptByState:
    """Values kept in one pickle between builds, each under the state of the file it
    was made from and trusted while that file is untouched. A build keeps for the next
    only what it used or made (so entries of deleted files leave)."""

    def __init__(self, file: Path | None, stamp: str = "") -> None:
        """`stamp`: what made the values (essaygen's code): a file of another is ignored."""
        self.file = file
        self.stamp = stamp
        found = read_pickle(file) if file is not None else None
        known = found[1] if isinstance(found, tuple) and len(found) == 2 and found[0] == stamp else None
        self.known: dict[str, tuple[State, Any]] = known if isinstance(known, dict) else {}
        self.fresh: dict[str, tuple[State, Any]] = {}
        self.changed = False

    def get(self, key: str, state: State | None, valid: Callable[[Any], bool] = lambda _: True) -> Any | None:
        """The value kept under `key` for that file state, if the caller finds it `valid`."""
        found = self.known.get(key)
        if not isinstance(found, tuple) or len(found) != 2 or state is None or found[0] != state or not valid(found[1]):
            return None
        self.fresh[key] = found
        return found[1]

    def put(self, key: str, state: State | None, value: Any) -> None:
        if state is not None:
            self.fresh[key] = (state, value)
            self.changed = True

    def save(self) -> None:
        if self.file is not None and (self.changed or self.fresh.keys() != self.known.keys()):
            write_pickle(self.file, (self.stamp, self.fresh))
