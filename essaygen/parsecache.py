"""Parsed sources kept between builds: a file whose metadata is unchanged is not read
or parsed again.

Parsing front matter with every value's position costs a third of a millisecond
per essay, and a build in a new process would otherwise redo it for every file.
The cache is one pickle per site configuration and essaygen version, holding each
file's parse (a streaming build's essays without their bodies, whose digests stay)
under its size, modification and change times and inode: the same evidence the
build record (record.py) trusts. A damaged or foreign file is ignored; one another
configuration made goes once it is a week old (sweep.py).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from essaygen import record
from essaygen.pickles import KeptByState, State, file_state
from essaygen.config import SiteConfig
from essaygen.content import Essay, Page, SourceFile
from essaygen.problems import Problem
from essaygen.sweep import sweep_unused

VERSION = 1
PARSED = "parsed"             # the cache's folder of them
SUFFIX = ".pickle"
Parsed = tuple[Essay | Page | None, list[Problem]]


class ParseCache:
    """One build's view of the cache: what it found, and what it parsed anew."""

    def __init__(self, file: Path | None, root: Path) -> None:
        self.kept = KeptByState(file)
        self.root = root

    @classmethod
    def open(cls, folder: Path | None, root: Path, config: SiteConfig) -> ParseCache:
        if folder is None:
            return cls(None, root)
        # Parsing depends on the configuration and on essaygen's own code.
        key = hashlib.sha256(f"{VERSION}\x00{record.package_fingerprint()}\x00{config!r}".encode("utf-8", "surrogatepass")).hexdigest()
        return cls(folder / PARSED / f"{key}{SUFFIX}", root)

    def recall(self, item: SourceFile) -> tuple[State | None, Parsed | None]:
        """(the file's state, its parse when the cache has it for that state)."""
        if self.kept.file is None:
            return None, None  # no cache (serve, check): nothing to look up or keep
        state = file_state(os.path.join(self.root, item.path))
        return state, self.kept.get(item.path, state)

    def remember(self, item: SourceFile, state: State | None, parsed: Parsed) -> None:
        self.kept.put(item.path, state, parsed)

    def save(self) -> None:
        """Keep this build's parses (only these: deleted files leave the cache). Every
        edit of site.yaml and every essaygen version starts a file: the others go."""
        self.kept.save()
        if self.kept.file is not None:
            sweep_unused(self.kept.file.parent, {self.kept.file.name[: -len(SUFFIX)]}, SUFFIX, time.time(), flat=True)
