"""Parsed sources kept between builds: a file whose metadata is unchanged is not read
or parsed again.

Parsing front matter with every value's position costs a third of a millisecond
per essay, and a build in a new process would otherwise redo it for every file.
The cache is one pickle per site configuration and essaygen version, holding each
file's parse (a streaming build's essays without their bodies, whose digests stay)
under its size, modification and change times and inode: the same evidence the
build record (record.py) trusts. A damaged or foreign file is ignored.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from essaygen import record
from essaygen.pickles import read_pickle, write_pickle
from essaygen.config import SiteConfig
from essaygen.content import Essay, Page, SourceFile
from essaygen.problems import Problem

VERSION = 1
Parsed = tuple[Essay | Page | None, list[Problem]]


@dataclass
class ParseCache:
    """One build's view of the cache: what it found, and what it parsed anew."""

    file: Path | None
    root: Path
    known: dict[str, tuple[tuple[int, ...], Parsed]] = field(default_factory=dict)
    fresh: dict[str, tuple[tuple[int, ...], Parsed]] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def open(cls, folder: Path | None, root: Path, config: SiteConfig) -> ParseCache:
        if folder is None:
            return cls(None, root)
        # Parsing depends on the configuration and on essaygen's own code.
        key = hashlib.sha256(f"{VERSION}\x00{record.package_fingerprint()}\x00{config!r}".encode("utf-8", "surrogatepass")).hexdigest()
        file = folder / "parsed" / f"{key}.pickle"
        return cls(file, root, _load(file))

    def recall(self, item: SourceFile) -> tuple[tuple[int, ...] | None, Parsed | None]:
        """(the file's state, its parse when the cache has it for that state)."""
        try:
            info = os.stat(os.path.join(self.root, item.path))
        except OSError:
            return None, None
        state = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        found = self.known.get(item.path)
        if found is not None and found[0] == state:
            self.fresh[item.path] = found
            return state, found[1]
        return state, None

    def remember(self, item: SourceFile, state: tuple[int, ...] | None, parsed: Parsed) -> None:
        if state is not None:
            self.fresh[item.path] = (state, parsed)
            self.changed = True

    def save(self) -> None:
        """Keep this build's parses (only these: deleted files leave the cache)."""
        if self.file is not None and (self.changed or len(self.fresh) != len(self.known)):
            write_pickle(self.file, self.fresh)


def _load(file: Path) -> dict[str, Any]:
    found = read_pickle(file)
    return found if isinstance(found, dict) else {}
