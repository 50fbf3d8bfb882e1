"""Loading a site: site.yaml, the theme, and every source read and parsed.

Only a broken site.yaml stops here; every other problem is carried on in `Loaded`,
so that one build reports every stage's problems at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from essaygen.config import SiteConfig, load_config
from essaygen.content import Essay, Page, Source, SourceFile, file_state_key, find_sources, parse_essay, parse_page, read_source, slugify
from essaygen.memo import Memo
from essaygen.parsecache import ParseCache
from essaygen.problems import Problem, raise_if
from essaygen.themes import Theme, find_theme


@dataclass(frozen=True)
class Loaded:
    config: SiteConfig
    theme: Theme | None
    essays: tuple[Essay, ...]
    pages: tuple[Page, ...]
    files: frozenset[str]
    sources: frozenset[str]              # every Markdown source read, parsed or not
    broken_slugs: frozenset[str]         # slugs (from file names) of essays that did not parse
    problems: tuple[Problem, ...]        # carried on, so one build reports every stage's problems


def load_site(
    root: Path, memo: Memo | None = None, keep_bodies: bool = True, parse_cache: Path | None = None,
    files: frozenset[str] | None = None, parsed_essay: Callable[[Essay, SiteConfig], None] | None = None,
) -> Loaded:
    """Read and parse everything. Only a broken site.yaml stops here: every other
    problem is carried on, so later stages can report theirs in the same build.
    Without `keep_bodies`, each essay's body is let go once parsed (its digest stays):
    a file is read, parsed and dropped before the next, and the render workers read
    the bodies again, so a large site's text is never all in memory at once. With a
    `parse_cache` folder, unchanged files are taken from there, unread.
    `files`: content_files(root), when the caller has it. `parsed_essay` is told of
    each essay parsed afresh, as soon as it is (its body can be rendered meanwhile)."""
    config, problems = _load_config(root, memo)
    raise_if(problems)
    assert config is not None
    theme, theme_problems = find_theme(root, config.theme)
    found, problems = find_sources(root)
    problems += theme_problems
    parses = ParseCache.open(parse_cache, root, config)
    essays: list[Essay] = []
    pages: list[Page] = []
    read: list[SourceFile] = []
    for item in found:
        state, parsed = parses.recall(item)
        if parsed is None:
            fresh, problem = _read_and_parse(root, item, config, memo, keep_bodies)
            if problem:
                problems.append(problem)
            if fresh is None:
                continue
            parsed = fresh
            if isinstance(parsed[0], Essay) and parsed_essay is not None:
                parsed_essay(parsed[0], config)
            parses.remember(item, state, parsed)
        read.append(item)
        problems += parsed[1]
        if isinstance(parsed[0], Essay):
            essays.append(parsed[0])
        elif parsed[0] is not None:
            pages.append(parsed[0])
    parses.save()
    problems += duplicate_slugs(essays, pages)
    parsed_paths = {e.source for e in essays}
    broken = frozenset(slugify(Path(s.bundle or s.path).stem) for s in read if s.kind == "essay" and s.path not in parsed_paths)
    return Loaded(config, theme, tuple(essays), tuple(pages), files if files is not None else content_files(root), frozenset(s.path for s in read), broken, tuple(problems))


def _load_config(root: Path, memo: Memo | None) -> tuple[SiteConfig | None, list[Problem]]:
    if memo is None:
        return load_config(root)
    try:
        text = (root / "site.yaml").read_bytes()
    except OSError:
        return load_config(root)
    return memo.recall(("config", str(root), text), lambda: load_config(root))


Parsed = tuple[Essay | Page | None, list[Problem]]


def _read_and_parse(
    root: Path, item: SourceFile, config: SiteConfig, memo: Memo | None, keep_bodies: bool,
) -> tuple[Parsed | None, Problem | None]:
    """A file parsed (None if it cannot be read), and the problem reading it. With a memo
    (serve), a file whose size, times and inode are unchanged is neither read nor parsed
    again, and its text is not kept: only what was parsed from it (an essay's body too
    with `keep_bodies`; without, the renderer reads it again, as a build's workers do)."""
    key = file_state_key(root, item) if memo is not None else None
    if memo is None or key is None:
        return _read_and_parse_one(root, item, config, keep_bodies)
    # The memo keeps one config object while site.yaml is unchanged.
    return memo.recall(("parsed", *key, id(config), keep_bodies), lambda: _read_and_parse_one(root, item, config, keep_bodies))


def _read_and_parse_one(root: Path, item: SourceFile, config: SiteConfig, keep_bodies: bool) -> tuple[Parsed | None, Problem | None]:
    source, problem = read_source(root, item)
    if source is None:
        return None, problem
    parsed, found = _parse_one(source, config)
    if isinstance(parsed, Essay) and not keep_bodies:
        parsed = replace(parsed, body="")
    return (parsed, found), problem


def _parse_one(source: Source, config: SiteConfig) -> tuple[Essay | Page | None, list[Problem]]:
    if source.kind == "essay":
        return parse_essay(source, config)
    return parse_page(source)


def duplicate_slugs(essays: Sequence[Essay], pages: Sequence[Page]) -> list[Problem]:
    problems = []
    for group in (essays, pages):
        first: dict[str, Essay | Page] = {}
        for item in group:
            if item.slug in first:
                problems.append(_duplicate(first[item.slug], item))
            else:
                first[item.slug] = item
    return problems


def _duplicate(first: Essay | Page, second: Essay | Page) -> Problem:
    """Point at the `slug:` line that caused the clash, else at the second file."""
    here, other = second, first
    if not _explicit_slug(second) and _explicit_slug(first):
        here, other = first, second
    line, col = here.doc.where(("slug",)) if _explicit_slug(here) else (1, 1)  # type: ignore[union-attr]
    how = "" if _explicit_slug(here) else f" (made from the file name '{Path(here.source).stem}')"
    return Problem(here.source, line, col, f"slug '{here.slug}'{how} is also used by {other.source} — give one of them another `slug:`")


def _explicit_slug(item: Essay | Page) -> bool:
    doc = getattr(item, "doc", None)
    return doc is not None and ("slug",) in doc.key_marks


def content_files(root: Path) -> frozenset[str]:
    """Every file under content/ (relative to the root), symlinks out of the site excluded."""
    found: set[str] = set()
    _content_files(str(root / "content"), "content/", os.path.realpath(root) + os.sep, found)
    return frozenset(found)


def _content_files(folder: str, prefix: str, real_root: str, found: set[str]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink() and not os.path.realpath(entry.path).startswith(real_root):
            continue
        if entry.is_dir():  # a linked folder is not followed (as os.walk does not)
            if not entry.is_symlink():
                _content_files(entry.path, prefix + entry.name + "/", real_root, found)
        else:
            found.add(prefix + entry.name)
