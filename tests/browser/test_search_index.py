"""essaygen.search: the Pagefind step that indexes the staged output (no browser needed)."""

from __future__ import annotations

import dataclasses
import gzip
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from browser.sitekit import LAUNCH, TODAY, build_sample, copy_sample
from essaygen import search
from essaygen.build import BuildOptions, build
from essaygen.config import load_config
from essaygen.problems import SiteError

needs_pagefind = pytest.mark.skipif(search.pagefind_executable() is None, reason="Pagefind is not installed (pip install 'pagefind[bin]')")


@pytest.fixture
def config(tmp_path: Path):
    loaded, problems = load_config(copy_sample(tmp_path / "site"))
    assert loaded is not None, problems
    return loaded


def fake_pagefind(folder: Path, script: str) -> Path:
    binary = folder / "fake-pagefind"
    binary.write_text("#!/bin/sh\n" + script + "\n")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def test_no_indexer_when_search_is_off(config) -> None:
    assert search.search_indexer(dataclasses.replace(config, search=False)) is None
    assert not search.search_available(dataclasses.replace(config, search=False))


def test_no_indexer_when_pagefind_is_missing(config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "pagefind_executable", lambda: None)
    assert search.search_indexer(config) is None
    assert not search.search_available(config)


@needs_pagefind
def test_indexes_only_pages_marked_as_essay_bodies(config, tmp_path: Path) -> None:
    site = tmp_path / "out"
    (site / "essays" / "one").mkdir(parents=True)
    (site / "index.html").write_text('<!DOCTYPE html><html lang="en"><head><title>Home</title></head><body><h1>Home</h1><p>listing zebra</p></body></html>')
    (site / "essays" / "one" / "index.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>One</title></head><body>'
        '<article data-pagefind-body><h1>One</h1><p>An essay about giraffes.'
        '<span class="citation-tip" hidden>Tipped reference okapi</span></p></article></body></html>'
    )
    step = search.search_indexer(config)
    assert step is not None
    step(site)
    assert (site / "pagefind" / "pagefind.js").is_file()
    text = b"".join(_gunzip(p.read_bytes()) for p in (site / "pagefind").rglob("*.pf_fragment"))
    assert b"giraffes" in text and b"/essays/one/" in text
    assert b"zebra" not in text, "pages without data-pagefind-body are not indexed"
    assert b"okapi" not in text, "citation popovers are not indexed twice"


def test_a_failing_pagefind_is_a_site_problem(config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "pagefind_executable", lambda: fake_pagefind(tmp_path, "echo 'Error: disk full' >&2; exit 3"))
    step = search.search_indexer(config)
    assert step is not None
    with pytest.raises(SiteError) as caught:
        step(tmp_path)
    (problem,) = caught.value.problems
    assert (problem.path, problem.line, problem.col) == ("site.yaml", 1, 1)
    assert problem.message.startswith("search index could not be built: Pagefind exited with status 3: Error: disk full — ")
    assert "search: {enabled: false}" in problem.message


def test_a_failed_index_leaves_the_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "out"
    out.mkdir()
    (out / "previous.html").write_text("the previous build")
    monkeypatch.setattr(search, "pagefind_executable", lambda: fake_pagefind(tmp_path, "exit 1"))
    with pytest.raises(SiteError, match="search index could not be built"):
        build(BuildOptions(site, out=out, as_of=TODAY, use_cache=False, jobs=1), datetime.now(timezone.utc))
    assert sorted(os.listdir(out)) == ["previous.html"]


@needs_pagefind
def test_the_index_is_deterministic_and_holds_released_essays_only(tmp_path: Path) -> None:
    first = build_sample(tmp_path / "a", LAUNCH)
    second = build_sample(tmp_path / "b", LAUNCH)
    tree = lambda root: {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "pagefind").rglob("*")) if p.is_file()}  # noqa: E731
    assert tree(first) == tree(second), "the same sources give the same search index"
    fragments = b"".join(_gunzip(p.read_bytes()) for p in (first / "pagefind").rglob("*.pf_fragment"))
    for released in (b"/essays/what-is-the-q-lab/", b"/essays/learning-and-insights/", b"/essays/decision-making/"):
        assert released in fragments
    for embargoed in (b"achieving-impact", b"ways-of-working", b"/essays/evaluation/", b"How the Lab aims"):
        assert embargoed not in fragments


def _gunzip(data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError):
        return data


def test_the_build_renders_the_search_page(tmp_path: Path) -> None:
    out = build_sample(tmp_path / "today", TODAY)
    page = out / "search" / "index.html"
    assert page.is_file(), "essaygen/pages.py must render the theme's search.html at search/ when search is available"
    html = page.read_text()
    assert 'id="search-form"' in html and "assets/search.js" in html
    assert '<meta name="robots" content="noindex">' in html, "the search page itself is not for search engines"
