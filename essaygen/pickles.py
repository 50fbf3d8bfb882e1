"""Checksummed pickle files in the cache (parsed sources, search postings).

Written and checked as streams: a large site's postings are megabytes, never held
as one more bytes object. A damaged or foreign file reads as None, never trusted.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
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
