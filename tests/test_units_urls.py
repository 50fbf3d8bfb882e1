"""urls.relative_url: links between output files that work under any base path."""

from __future__ import annotations

import posixpath

import pytest

from essaygen.urls import essay_dir, page_dir, relative_url, series_dir, tag_dir


@pytest.mark.parametrize("from_dir, to, expected", [
    ("essays/x/", "media/a.svg", "../../media/a.svg"),
    ("", "media/a.svg", "media/a.svg"),
    ("essays/x/", "", "../../"),
    ("", "", "./"),
    ("essays/x/", "essays/x/", "./"),
    ("essays/x/", "essays/y/", "../y/"),
    ("essays/x/", "essays/x/cover.jpg", "cover.jpg"),
    ("series/lab/", "series/lab/feed.xml", "feed.xml"),
    ("tags/peer-support/", "essays/x/", "../../essays/x/"),
    ("about/", "essays/x/", "../essays/x/"),
    ("", "essays/x/", "essays/x/"),
    ("essays/x/", "feed.xml", "../../feed.xml"),
    ("essays/x", "media/a.svg", "../../media/a.svg"),
])
def test_relative_url(from_dir: str, to: str, expected: str) -> None:
    assert relative_url(from_dir, to) == expected


@pytest.mark.parametrize("from_dir", ["", "essays/x/", "series/lab/", "tags/a/", "about/"])
@pytest.mark.parametrize("to", ["", "media/a.svg", "essays/y/", "essays/x/cite.bib", "feed.xml", "series/lab/"])
def test_relative_url_resolves_back_to_the_target(from_dir: str, to: str) -> None:
    url = relative_url(from_dir, to)
    assert not url.startswith("/") and "//" not in url
    resolved = posixpath.normpath(posixpath.join(from_dir, url))
    assert (resolved if resolved != "." else "") == to.rstrip("/")
    assert url.endswith("/") == (to.endswith("/") or to == "")


def test_output_folders() -> None:
    assert (essay_dir("a"), page_dir("about"), page_dir(""), series_dir("lab"), tag_dir("survey")) == (
        "essays/a/", "about/", "", "series/lab/", "tags/survey/")
