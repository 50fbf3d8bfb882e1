"""The record of the last build, which lets a build of an unchanged site do nothing.

After writing the output, a build saves: a fingerprint of its inputs (every file
it may read, by path, size, modification time and inode; essaygen's own files; the
options), the window of instants in which those inputs give the same output (from
the latest release at or before --as-of to the next one), and the output folder's
state. A later build with the same fingerprint, a clock inside the window and an
untouched output has nothing to do, and says so.

Only the standard library is imported: the check runs before the rest of essaygen
is loaded, so an up-to-date build costs a walk of the site, not a Python start-up
full of imports.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: this module must stay quick to import
    from essaygen.config import SiteConfig
    from essaygen.content import Essay
    from essaygen.schedule import Schedule

VERSION = 1
PACKAGE = Path(__file__).resolve().parent
INPUT_FOLDERS = ("content", "themes", "templates")


@dataclass(frozen=True)
class Record:
    fingerprint: str
    earliest: str | None        # the window of --as-of instants (ISO, UTC) this output is right for
    latest: str | None          # exclusive
    output_state: str
    extra_inputs: tuple[str, ...]   # files outside INPUT_FOLDERS the build read (bibliography, style)
    zone: str                       # the site's time zone, to read --as-of in
    essays: int
    files: int
    release_line: str


def record_path(root: Path, out: Path, options: str) -> Path:
    key = hashlib.sha256(f"{out.absolute()}\x00{options}".encode()).hexdigest()[:24]
    return root / ".essaygen-cache" / "builds" / f"{key}.json"


def manifest_path(root: Path, out: Path) -> Path:
    """Where the build into `out` keeps the keys its pages were made from (output.py)."""
    return root / ".essaygen-cache" / "builds" / f"{_out_key(out)}.files.json"


def spare_path(root: Path, out: Path) -> Path:
    """Where the build into `out` keeps the output it replaced, to be updated in place
    into the next one (output.py)."""
    return root / ".essaygen-cache" / "spare" / _out_key(out)


def _out_key(out: Path) -> str:
    return hashlib.sha256(str(out.absolute()).encode()).hexdigest()[:24]


def fingerprint(root: Path, out: Path, options: str, extra_inputs: tuple[str, ...]) -> str:
    """A digest of everything a build reads, by file metadata (contents are not read)."""
    return combine(base_fingerprint(root, out, options), files_fingerprint(root, extra_inputs))


def combine(base: str, extra: str) -> str:
    return hashlib.sha256(f"{base}\x00{extra}".encode()).hexdigest()


def files_fingerprint(root: Path, names: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in names:
        _add_file(digest, root / name, name)
    return digest.hexdigest()


def base_fingerprint(root: Path, out: Path, options: str) -> str:
    """site.yaml, the content, theme and template folders, and essaygen itself."""
    digest = hashlib.sha256(f"{VERSION}\x00{options}\x00".encode())
    skip = {os.path.realpath(out)}
    _add_file(digest, root / "site.yaml", "site.yaml")
    for folder in INPUT_FOLDERS:
        _add_tree(digest, root / folder, folder, skip)
    _add_tree(digest, PACKAGE, "<essaygen>", skip)
    repo_themes = PACKAGE.parent / "themes"
    if repo_themes.is_dir():
        _add_tree(digest, repo_themes, "<themes>", skip)
    return digest.hexdigest()


@functools.cache
def package_fingerprint() -> str:
    """essaygen's own files, by file metadata: part of every cache key, so that what an
    older essaygen stored (a rendered body, a page) is never taken for what this one makes.
    Once per process: a build does not see its own code change."""
    digest = hashlib.sha256()
    _add_tree(digest, PACKAGE, "<essaygen>", set())
    return digest.hexdigest()


def output_state(out: Path) -> str:
    digest = hashlib.sha256()
    _add_tree(digest, out, "", set())
    return digest.hexdigest()


def state_line(name: str, size: int, mtime_ns: int, ino: int) -> str:
    """One file in a fingerprint or an output state (output.tree_state makes the same)."""
    return f"{name}\x00{size}\x00{mtime_ns}\x00{ino}\n"


def _add_file(digest: hashlib._Hash, path: Path, name: str) -> None:
    try:
        info = path.stat()
        digest.update(state_line(name, info.st_size, info.st_mtime_ns, info.st_ino).encode("utf-8", "surrogateescape"))
    except OSError:
        digest.update(f"{name}\x00missing\n".encode())


def _add_tree(digest: hashlib._Hash, folder: Path, label: str, skip: set[str]) -> None:
    """Every file under `folder`, in a fixed order; symlinks are followed, as the build does."""
    lines: list[str] = []
    _walk(str(folder), label, skip, lines)
    digest.update("".join(lines).encode("utf-8", "surrogateescape"))


def _walk(folder: str, label: str, skip: set[str], lines: list[str]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        lines.append(f"{label}\x00unreadable\n")
        return
    for entry in entries:
        name = f"{label}/{entry.name}"
        try:
            if entry.is_dir():
                if entry.name != "__pycache__" and os.path.realpath(entry.path) not in skip:
                    _walk(entry.path, name, skip, lines)
                continue
            info = entry.stat()
        except OSError:
            lines.append(f"{name}\x00missing\n")
            continue
        lines.append(state_line(name, info.st_size, info.st_mtime_ns, info.st_ino))


@dataclass
class Keeper:
    """Saves the record of a build that writes output, fingerprinting the inputs before
    they are read, so that an edit made during the build is noticed by the next one."""

    path: Path | None
    base: str = ""
    extras: tuple[str, ...] = ()
    extra_digest: str = ""
    config: SiteConfig | None = None

    @classmethod
    def start(cls, root: Path, out: Path, drafts: bool, search: bool, enabled: bool) -> Keeper:
        if not enabled:
            return cls(None)
        out = out.absolute()
        key = options_key(drafts, search)
        path = record_path(root, out, key)
        forget(path)  # until this build has written its output, the old record is wrong
        return cls(path, base=base_fingerprint(root, out, key))

    def inputs_known(self, config: SiteConfig, essays: Sequence[Essay]) -> None:
        """Add the files outside the input folders the build will read: bibliographies
        (the site's and each essay's) and a citation style given as a file."""
        if self.path is None:
            return
        style = (config.citation_style,) if config.citation_style.endswith(".csl") else ()
        own = (os.path.normpath(os.path.join(os.path.dirname(e.source), b)) for e in essays for b in e.bibliography)
        self.extras = tuple(dict.fromkeys((*config.bibliography, *style, *own)))
        self.extra_digest = files_fingerprint(config.root, self.extras)
        self.config = config

    def finish(self, schedule: Schedule, essays: int, files: int, output_state: str) -> None:
        if self.path is None or self.config is None:
            return
        from essaygen.schedule import DRAFT
        from essaygen.scheduling_report import release_line

        releases = [p.release for p in schedule.planned if p.state != DRAFT]
        earliest, latest = window(releases, schedule.as_of)
        save(self.path, Record(
            combine(self.base, self.extra_digest), earliest, latest, output_state,
            self.extras, self.config.timezone_name, essays, files, release_line(schedule, self.config),
        ))


def load(path: Path) -> Record | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("version") != VERSION:
            return None
        return Record(
            str(data["fingerprint"]), data["earliest"], data["latest"], str(data["output_state"]),
            tuple(str(x) for x in data["extra_inputs"]), str(data["zone"]), int(data["essays"]), int(data["files"]),
            str(data["release_line"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save(path: Path, record: Record) -> None:
    data = {"version": VERSION, **record.__dict__, "extra_inputs": list(record.extra_inputs)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # a record that cannot be saved only costs the next build its shortcut


def forget(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def in_window(record: Record, as_of: datetime) -> bool:
    try:
        earliest_ok = record.earliest is None or datetime.fromisoformat(record.earliest) <= as_of
        latest_ok = record.latest is None or as_of < datetime.fromisoformat(record.latest)
    except (TypeError, ValueError):
        return False  # a damaged record: build
    return earliest_ok and latest_ok


def window(releases: list[datetime], as_of: datetime) -> tuple[str | None, str | None]:
    """The instants between which the released set (and so the output) stays the same."""
    before = [r for r in releases if r <= as_of]
    after = [r for r in releases if r > as_of]
    return (max(before).isoformat() if before else None, min(after).isoformat() if after else None)


def options_key(drafts: bool, search: bool) -> str:
    from essaygen import __version__

    return f"essaygen {__version__}; drafts={drafts}; search={search}"


def up_to_date(root: Path, out: Path, options: str, as_of: str | None, now: datetime) -> Record | None:
    """The last build's record when rebuilding would write the same output, else None."""
    from essaygen.clock import BadDate, load_zone, parse_as_of

    path = record_path(root, out, options)
    record = load(path)
    if record is None:
        return None
    try:
        moment = parse_as_of(as_of, load_zone(record.zone)) if as_of else now
    except (BadDate, ValueError):
        return None  # the full build reports a bad --as-of
    if not in_window(record, moment):
        return None
    if fingerprint(root, out, options, record.extra_inputs) != record.fingerprint:
        return None
    if output_state(out) != record.output_state or _interrupted(out):
        return None
    return record


def _interrupted(out: Path) -> bool:
    """A staging folder left by a killed build: a full build cleans it up."""
    prefix = f".essaygen-stage-{out.name}-"  # output.STAGE_PREFIX
    try:
        return any(name.startswith(prefix) for name in os.listdir(out.absolute().parent))
    except OSError:
        return True


__all__ = ["Keeper", "Record", "state_line", "record_path", "manifest_path", "spare_path", "fingerprint", "base_fingerprint", "files_fingerprint", "combine", "output_state", "load", "save", "forget", "in_window", "window", "options_key", "up_to_date"]
