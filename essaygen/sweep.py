"""Removing the cache entries that builds no longer use.

The body and citation caches are content-addressed (`<folder>/<2 hex>/<key>.<ext>`,
or `bib/<key>.json` for converted bibliographies): an edited essay or bibliography gets
a new entry and its old one stays behind. So do the parsed front matter of an earlier
site.yaml (`parsed/<key>.pickle`) and the analyses of earlier templates
(`templates/<2 hex>/<key>.json`). A build that writes
the cache knows every key it uses (and, for bodies, the last build's); at most once a
day it removes the other entries of such a folder, if they were made more than a
week ago. The week spares what a `--drafts` build, an embargoed essay's release or
an undone edit may want again; an entry removed too early costs one render, never a
wrong page.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

GRACE = 7 * 24 * 3600        # seconds an unused entry is kept after it was made
EVERY = 24 * 3600            # seconds between two sweeps of one folder
STAMP = ".swept"             # in the folder: its modification time is the last sweep


def sweep_unused(folder: Path | str | None, used: Iterable[str], suffix: str, now: float, flat: bool = False) -> int:
    """Remove the files of `folder`'s subfolders (of `folder` itself if `flat`) that are
    not `<key><suffix>` for a key in `used` (a temporary file left by a killed build is
    not either) and are older than GRACE, if the folder's last sweep was more than EVERY
    ago. Returns how many were removed."""
    if folder is None or not _due(Path(folder), now):
        return 0
    keys = used if isinstance(used, (set, frozenset)) else set(used)  # looked up once a file
    removed = 0
    for sub in [str(folder)] if flat else [s.path for s in _subfolders(Path(folder))]:
        for entry in _files(sub):
            name = entry.name
            kept = name == STAMP or (name.endswith(suffix) and name[: -len(suffix)] in keys)
            if not kept and _older(entry, now - GRACE):
                removed += _remove(entry.path)
    return removed


def _due(folder: Path, now: float) -> bool:
    """Whether the folder's last sweep is more than EVERY ago; if so, it is stamped now."""
    stamp = folder / STAMP
    try:
        if now - stamp.stat().st_mtime < EVERY:
            return False
        os.utime(stamp, (now, now))
    except FileNotFoundError:
        if not folder.is_dir():
            return False
        stamp.touch()
        os.utime(stamp, (now, now))
    except OSError:
        return False  # a cache we cannot stamp is not swept (it is only disk space)
    return True


def _subfolders(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return [e for e in entries if len(e.name) == 2 and e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _files(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return [e for e in entries if e.is_file(follow_symlinks=False)]
    except OSError:
        return []


def _older(entry: os.DirEntry[str], cutoff: float) -> bool:
    try:
        return entry.stat(follow_symlinks=False).st_mtime < cutoff
    except OSError:
        return False


def _remove(path: str) -> int:
    try:
        os.unlink(path)
    except OSError:  # gone already (another build swept it), or not ours to remove
        return 0
    return 1
