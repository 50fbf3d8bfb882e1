"""Finding pandoc: pypandoc-binary's bundled binary, else a system pandoc >= 3.1."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

MIN_PANDOC = (3, 1)


class PandocNotFound(RuntimeError):
    pass


def find_pandoc() -> Path:
    """pypandoc-binary's pandoc, else a system pandoc >= 3.1."""
    bundled = _bundled_pandoc()
    if bundled is not None:
        return bundled
    system = shutil.which("pandoc")
    if system is None:
        raise PandocNotFound(_not_found("pypandoc-binary is not installed and no pandoc is on the PATH"))
    version = pandoc_version(Path(system))
    if version >= MIN_PANDOC:
        return Path(system)
    if version == (0,):
        raise PandocNotFound(_not_found(f"{system} did not answer `pandoc --version`"))
    raise PandocNotFound(_not_found(f"{system} is pandoc {'.'.join(map(str, version))}, too old"))


def _not_found(why: str) -> str:
    return (
        f"citations need pandoc 3.1 or newer, and none was found: {why} — install essaygen's "
        "dependencies again (`pip install pypandoc-binary` ships pandoc), or install "
        "pandoc from https://pandoc.org/installing.html"
    )


def _bundled_pandoc() -> Path | None:
    spec = importlib.util.find_spec("pypandoc")
    if spec is None or spec.origin is None:
        return None
    files = Path(spec.origin).parent / "files"
    for name in ("pandoc", "pandoc.exe"):
        if (files / name).is_file():
            return files / name
    return None


def pandoc_version(pandoc: Path) -> tuple[int, ...]:
    try:
        out = subprocess.run([pandoc, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return (0,)
    found = re.match(r"pandoc\S*\s+(\d+(?:\.\d+)*)", out)
    return tuple(int(part) for part in found.group(1).split(".")) if found else (0,)
