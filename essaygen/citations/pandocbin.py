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
    if system is not None and pandoc_version(Path(system)) >= MIN_PANDOC:
        return Path(system)
    raise PandocNotFound(
        "citations need pandoc 3.1 or newer, and none was found: install essaygen's "
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
