"""Client-side search: a Pagefind index of the released pages.

The build writes every page into a staged folder, then calls the step returned
by `search_indexer` on it before the atomic swap: the index is made from exactly
the pages that go live, so it can hold nothing embargoed, and a failure leaves
the previous output untouched.

Which parts of a page are indexed is the theme's business: it marks the essay
text with `data-pagefind-body` (pages without it, such as listings, are not
indexed) and adds `data-pagefind-meta` / `data-pagefind-filter` as it likes.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from essaygen.config import SiteConfig
from essaygen.problems import Problem, SiteError

TIMEOUT_SECONDS = 300
# Markup produced by essaygen itself that is not prose: citation popovers repeat
# reference entries, back-links are arrows, and the charts' SVG repeats their
# caption and data table.
EXCLUDED = (".citation-tip", ".backrefs", ".backref", ".footnote-backref", ".chart-svg")
FIX = "reinstall it with `pip install 'pagefind[bin]'`, or turn search off with `search: {enabled: false}` in site.yaml"


def search_indexer(config: SiteConfig) -> Callable[[Path], None] | None:
    """A step that indexes the staged output folder before it is swapped in,
    or None when search is off or Pagefind is not installed."""
    if not config.search:
        return None
    binary = pagefind_executable()
    if binary is None:
        return None
    return functools.partial(run_pagefind, binary)


def search_available(config: SiteConfig) -> bool:
    """Whether the build will write a search index (and the theme may link to search)."""
    return config.search and pagefind_executable() is not None


@functools.cache
def pagefind_executable() -> Path | None:
    """The binary shipped in the `pagefind_bin` wheel (pagefind[bin]), if installed."""
    try:
        import pagefind_bin
    except ImportError:
        return None
    try:
        binary = pagefind_bin.get_executable()
    except (FileNotFoundError, OSError):
        return None
    return binary if os.access(binary, os.X_OK) else None


def pagefind_command(binary: Path, site: Path) -> list[str]:
    command = [str(binary), "--site", str(site), "--silent"]
    for selector in EXCLUDED:
        command += ["--exclude-selectors", selector]
    return command


def run_pagefind(binary: Path, site: Path) -> None:
    """Index `site` into `site/pagefind/`; raise SiteError when Pagefind fails."""
    # Pagefind reads pagefind.{yml,toml,json} from its working directory and
    # PAGEFIND_* variables: run it in the staged folder without them, so that
    # nothing outside the site changes what gets indexed.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    try:
        done = subprocess.run(
            pagefind_command(binary, site), cwd=site, env=env,
            capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired:
        _fail(f"Pagefind did not finish within {TIMEOUT_SECONDS} seconds")
    except OSError as exc:
        _fail(f"Pagefind could not be started ({exc.strerror or exc})")
    else:
        if done.returncode != 0:
            detail = _last_line(done.stderr) or _last_line(done.stdout) or "no message"
            _fail(f"Pagefind exited with status {done.returncode}: {detail}")
        if not (site / "pagefind" / "pagefind.js").is_file():
            _fail("Pagefind wrote no pagefind/pagefind.js")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _fail(detail: str) -> NoReturn:
    raise SiteError([Problem("site.yaml", 1, 1, f"search index could not be built: {detail} — {FIX}")])


__all__ = ["search_indexer", "search_available", "pagefind_executable", "run_pagefind"]
