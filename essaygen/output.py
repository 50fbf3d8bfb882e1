"""Writing the output folder: staged beside it, then swapped in whole.

A failed or killed build leaves the previous output exactly as it was; a
successful one replaces it whole (no stale pages of removed essays). Files whose
bytes did not change are hard-linked from the previous output, so their mtimes
stay and rsync deploys send only what changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import filecmp
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from essaygen.pages import OutputFile
from essaygen.record import state_line

STAGE_PREFIX = ".essaygen-stage-"
_RENAME_EXCHANGE = 2


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int
    state: str = ""     # digest of every file's path, size, time and inode (record.output_state)


class UnsafePath(ValueError):
    """An output path that would leave the output folder."""


def safe_relative(path: str) -> str:
    """The output path, "/"-separated and normalised, refused if it is absolute or climbs out with '..'."""
    parts = path.split("/")
    if "\x00" not in path and all(part not in ("", ".", "..") for part in parts):
        return path  # already plain: the common case, without a PurePosixPath
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\x00" in path:
        raise UnsafePath(f"refusing to write '{path}' outside the output folder")
    return str(pure)


@dataclass(frozen=True)
class Kept:
    """What the last builds into one output folder left: the manifest of that folder
    (output path -> [key, size, mtime, inode]) and the manifest of the spare."""

    previous: dict[str, list[object]]
    spare: dict[str, list[object]]


def kept_manifests(manifest: Path | None, spare: Path | None) -> Kept:
    return Kept(_load_manifest(manifest), _load_manifest(_spare_manifest(spare)) if spare is not None else {})


def write_output(
    out: Path, files: Iterable[OutputFile], trash: Path | None = None, manifest: Path | None = None, spare: Path | None = None,
    kept: Kept | None = None,
) -> WriteStats:
    """Write `files` beside `out`, then swap them in. Any exception leaves `out` untouched.

    `manifest` (in the cache) records which key each keyed file was made from, with
    its size, time and inode: a page whose key is unchanged and whose previous file is
    untouched is linked without its bytes ever being loaded or compared.

    The previous output, swapped out, is kept as the `spare` (in the cache, with its
    manifest beside it) and becomes the next build's staging folder, updated in place:
    a build that changes one essay touches a few files, not a thousand folders. Without
    a spare it is moved into `trash` and deleted by a background process.

    `kept`: both manifests, when the caller has read them already (build.py does, to
    know which pages need not be made at all).
    """
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_stages(out)
    kept = kept if kept is not None else kept_manifests(manifest, spare)
    previous = kept.previous
    stage, recycled = _stage(out, spare, kept.spare)
    try:
        stats, made = _fill(stage, out, files, previous, recycled)
        _swap(stage, out)
        _save_manifest(manifest, made)
        if not _keep_spare(stage, spare, previous):
            _discard(stage, trash)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return stats


def _stage(out: Path, spare: Path | None, recycled: dict[str, list[object]]) -> tuple[Path, dict[str, list[object]] | None]:
    """The staging folder: the spare (and its manifest) when there is one, else a new folder."""
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{out.name}-", dir=out.parent))
    if spare is None or not spare.is_dir() or spare.is_symlink():
        return stage, None
    try:
        os.rmdir(stage)
        os.rename(spare, stage)  # fails across file systems: then a new folder after all
        return stage, recycled
    except OSError:
        stage.mkdir(exist_ok=True)
        return stage, None


def _keep_spare(stage: Path, spare: Path | None, manifest: dict[str, list[object]]) -> bool:
    """After the swap, `stage` holds the previous output, which `manifest` describes."""
    if spare is None or not stage.is_dir():
        return False
    try:
        spare.parent.mkdir(parents=True, exist_ok=True)
        _save_manifest(_spare_manifest(spare), manifest)
        os.rename(stage, spare)
        return True
    except OSError:
        return False


def _spare_manifest(spare: Path) -> Path:
    return spare.with_name(spare.name + ".files.json")


def _discard(folder: Path, trash: Path | None) -> None:
    """Delete a folder without waiting: move it into `trash`, remove it in the background."""
    if trash is None or not folder.exists():
        return
    try:
        trash.mkdir(parents=True, exist_ok=True)
        target = Path(tempfile.mkdtemp(dir=trash))
        os.rename(folder, target / "old")
    except OSError:
        return  # another file system: the caller removes it in the foreground
    rm = shutil.which("rm")
    if rm:
        subprocess.Popen([rm, "-rf", str(trash)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    else:
        shutil.rmtree(trash, ignore_errors=True)


def _load_manifest(path: Path | None) -> dict[str, list[object]]:
    try:
        data = json.loads(path.read_text("utf-8")) if path is not None else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_manifest(path: Path | None, made: dict[str, list[object]]) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(made, sort_keys=True), "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # without it the next build compares bytes, as it would anyway


def _same_file(entry: object, key: str, previous: str) -> bool:
    """The file at `previous` was made from `key` and nobody touched it since."""
    if not isinstance(entry, list) or len(entry) != 4 or entry[0] != key:
        return False
    try:
        info = os.lstat(previous)
    except OSError:
        return False
    return [info.st_size, info.st_mtime_ns, info.st_ino] == entry[1:]


def _fill(
    stage: Path, old: Path, files: Iterable[OutputFile], previous: dict[str, list[object]], recycled: dict[str, list[object]] | None = None,
) -> tuple[WriteStats, dict[str, list[object]]]:
    """Every file into the stage: kept as it is when the stage is a recycled output
    holding it already, linked from the previous output when it holds it, else written."""
    written = unchanged = 0
    made: dict[str, list[object]] = {}
    if recycled is not None:
        _tidy(str(stage), "", recycled)
    die_after = int(os.environ.get("ESSAYGEN_TEST_KILL_AFTER_FILES", "0") or 0)
    base, before = str(stage), str(old)
    old_exists = os.path.isdir(before)  # a first build has nothing to link or compare with
    folders: set[str] = set()
    for n, item in enumerate(files, 1):
        rel = safe_relative(item.path)
        if rel in made:
            continue
        target = f"{base}/{rel}"
        key = item.key or _content_key(item)
        here = recycled.get(rel) if recycled is not None and key is not None else None
        if here is not None and _same_file(here, key, target):  # type: ignore[arg-type]
            unchanged += 1
            made[rel] = here
            continue
        if recycled is not None:
            _make_room(base, rel)
        folder = os.path.dirname(target)
        if folder not in folders:
            os.makedirs(folder, exist_ok=True)
            folders.add(folder)
        info: os.stat_result | None = None  # known without a look-up once written
        if key is not None and _same_file(previous.get(rel), key, f"{before}/{rel}") and _link(f"{before}/{rel}", target):
            unchanged += 1
        else:
            if item.data is None and item.load is not None:
                item = replace(item, data=item.load())
            if old_exists and _reuse(Path(before, rel), Path(target), item):
                unchanged += 1
            else:
                info = _write(target, item)
                written += 1
        if info is None:
            info = os.lstat(target)
        made[rel] = [key, info.st_size, info.st_mtime_ns, info.st_ino]
        if die_after and n >= die_after:  # test hook: a build killed while writing
            os.kill(os.getpid(), signal.SIGKILL)
    if recycled is not None:
        _prune(base, recycled, made)
    return WriteStats(written, unchanged, tree_state(made)), made


def _make_room(stage: str, rel: str) -> None:
    """Clear the way for `rel` in a recycled stage: the file there (which may be a
    link to the live output's file: never write through it), or a folder where the
    file must go, or a file where one of its folders must go."""
    target = f"{stage}/{rel}"
    try:
        os.unlink(target)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(target)
    except NotADirectoryError:
        parts = rel.split("/")
        for i in range(1, len(parts)):
            folder = f"{stage}/{'/'.join(parts[:i])}"
            if not os.path.isdir(folder):
                os.unlink(folder)
                break


def _tidy(folder: str, prefix: str, keep: dict[str, list[object]]) -> bool:
    """Before a recycled stage is filled: delete every symlink (nothing may be written
    through one) and every file its manifest does not describe; whether it is empty."""
    empty = True
    for entry in os.scandir(folder):
        rel = prefix + entry.name
        if entry.is_symlink() or not (entry.is_dir() or rel in keep):
            os.unlink(entry.path)
        elif entry.is_dir():
            if _tidy(entry.path, rel + "/", keep):
                os.rmdir(entry.path)
            else:
                empty = False
        else:
            empty = False
    return empty


def _prune(stage: str, recycled: dict[str, list[object]], made: dict[str, list[object]]) -> None:
    """After a recycled stage is filled: delete the files this build did not make."""
    for rel in recycled.keys() - made.keys():
        try:
            os.unlink(f"{stage}/{rel}")
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            continue  # a folder of this build's files now
        folder = os.path.dirname(rel)
        while folder:
            try:
                os.rmdir(f"{stage}/{folder}")
            except OSError:
                break  # not empty
            folder = os.path.dirname(folder)


def _content_key(item: OutputFile) -> str | None:
    """What a file without a page key is made from: its bytes, or the file copied (by
    its size, time and inode), so the previous output's file need not be read to know."""
    if item.data is not None:
        return "sha256:" + hashlib.sha256(item.data).hexdigest()
    if item.copy_from is not None:
        try:
            info = os.stat(item.copy_from)
        except OSError:
            return None
        return f"copy:{item.copy_from}:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"
    return None


def tree_state(made: dict[str, list[object]]) -> str:
    """The digest record.output_state computes by walking the folder, from what was written."""
    ordered = sorted(made.items(), key=lambda pair: pair[0].split("/"))
    lines = "".join(state_line(f"/{rel}", e[1], e[2], e[3]) for rel, e in ordered)  # type: ignore[arg-type]
    return hashlib.sha256(lines.encode("utf-8", "surrogateescape")).hexdigest()


def _link(previous: str, target: str) -> bool:
    try:
        os.link(previous, target)
        return True
    except OSError:
        return False


def _reuse(previous: Path, target: Path, item: OutputFile) -> bool:
    """Hard-link the previous file when its bytes are the same (keeps its mtime)."""
    try:
        if not previous.is_file() or previous.is_symlink():
            return False
        if item.data is not None:
            if previous.stat().st_size != len(item.data) or previous.read_bytes() != item.data:
                return False
        elif item.copy_from is None or not filecmp.cmp(previous, item.copy_from, shallow=False):
            return False
        os.link(previous, target)
        return True
    except OSError:
        return False


def _write(target: str, item: OutputFile) -> os.stat_result | None:
    """Write the file; its stat when that came free (thousands of files: no Python file
    object, and no second look-up of the path)."""
    if item.data is not None:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            view = memoryview(item.data)
            while view:
                view = view[os.write(fd, view) :]
            return os.fstat(fd)
        finally:
            os.close(fd)
    if item.copy_from is not None:
        shutil.copyfile(item.copy_from, target)
    return None


def _swap(stage: Path, out: Path) -> None:
    """Put the staged folder in place of `out` in one step where the kernel allows it."""
    if not out.exists():
        os.rename(stage, out)
        return
    if not out.is_dir() or out.is_symlink():
        raise UnsafePath(f"the output path {out} exists and is not a folder — remove it or choose another -o")
    if _exchange(stage, out):
        return  # stage now holds the previous output; the caller removes it
    backup = stage.with_name(stage.name + "-old")
    os.rename(out, backup)
    os.rename(stage, out)
    shutil.rmtree(backup, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two folders atomically."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))


def _remove_stale_stages(out: Path) -> None:
    """Folders left by a killed build. Only called while holding the build lock."""
    prefix = f"{STAGE_PREFIX}{out.name}-"
    # A build killed between two plain renames leaves only the backup: restore it.
    if not out.exists():
        backups = sorted(out.parent.glob(prefix + "*-old"))
        if backups:
            os.rename(backups[-1], out)
    for leftover in out.parent.glob(prefix + "*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
