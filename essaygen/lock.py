"""One build of a site at a time: two at once would race on output/ and the cache."""

from __future__ import annotations

import fcntl
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from essaygen.cache import CACHE_DIR


@contextmanager
def build_lock(root: Path, enabled: bool = True) -> Iterator[None]:
    if not enabled:
        yield
        return
    folder = root / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        handle = open(folder / "build.lock", "a+b")
    except OSError:
        yield  # a read-only site folder: nothing to lock, nothing to race on
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("essaygen: waiting for another build of this site to finish…", file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
