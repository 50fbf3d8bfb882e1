"""Feeds and discovery (issue 4): parsed back with feedparser, as a subscriber's reader would."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import feedparser
import pytest

from conftest import run_cli

FEEDS = ["feed.xml", "rss.xml", "series/lab-essays/feed.xml"]
_URL = re.compile(r'(?:href|src)="([^"]*)"')


@pytest.fixture(scope="module")
def today_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import REPO

    site = tmp_path_factory.mktemp("lab")
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    shutil.copytree(REPO / "content", site / "content")
    out = site / "output"
    result = run_cli("build", site, "-o", out, "--as-of", "2026-11-22")
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("name", FEEDS)
def test_feeds_parse_with_complete_entries_newest_first(today_output: Path, name: str) -> None:
    feed = feedparser.parse((today_output / name).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    slugs = [e.link.rstrip("/").rsplit("/", 1)[-1] for e in feed.entries]
    assert slugs == ["evaluation", "ways-of-working", "achieving-impact", "decision-making", "learning-and-insights", "what-is-the-q-lab"]
    for entry in feed.entries:
        assert entry.id.startswith("tag:essays.example.org,2018-0")
        assert entry.title and entry.link.startswith("https://essays.example.org/essays/")
        assert re.search(r"(\+|-)\d\d:?\d\d$|GMT$", entry.published), entry.published
        content = entry.content[0].value if "content" in entry else entry.summary
        for url in _URL.findall(content):
            assert url.startswith(("https://", "mailto:")), f"relative URL {url!r} in {entry.link}"


def test_feed_content_is_the_full_essay_with_references(today_output: Path) -> None:
    feed = feedparser.parse((today_output / "feed.xml").read_bytes())
    survey = next(e for e in feed.entries if e.link.endswith("/decision-making/"))
    content = survey.content[0].value
    assert "References" in content and "doi.org/10.1016/S0020-7489(02)00092-5" in content
    assert 'src="https://essays.example.org/essays/decision-making/decisions.svg"' in content
    assert 'href="https://essays.example.org/essays/decision-making/#ref-' in content
    assert survey.updated.startswith("2018-06-02"), "the revision sets updated"
    assert survey.published.startswith("2018-05-30T09:00:00+01:00")


def test_a_chart_is_in_the_feed_once(today_output: Path) -> None:
    """The page carries each chart twice (the copy for phones is shown by the theme's
    CSS); a feed reader applies no such CSS, so the feed carries only the wide one."""
    page = (today_output / "essays/decision-making/index.html").read_text()
    charts = page.count('<figure class="chart ')
    assert charts >= 1 and page.count("chart-svg") == 2 * charts and page.count("chart-narrow") == charts
    for name in ("feed.xml", "rss.xml", "feed.json"):
        text = (today_output / name).read_text()
        assert text.count("chart-svg") == charts and "chart-narrow" not in text, name


def test_feed_updated_is_the_newest_entry_never_the_build_time(today_output: Path) -> None:
    feed = feedparser.parse((today_output / "feed.xml").read_bytes())
    assert feed.feed.updated == "2018-08-06T09:00:00+01:00"
    rss = (today_output / "rss.xml").read_text()
    assert "<lastBuildDate>Mon, 06 Aug 2018 09:00:00 +0100</lastBuildDate>" in rss


def test_json_feed(today_output: Path) -> None:
    data = json.loads((today_output / "feed.json").read_text())
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["feed_url"] == "https://essays.example.org/feed.json"
    assert [i["id"] for i in data["items"]] == [e.id for e in feedparser.parse((today_output / "feed.xml").read_bytes()).entries]
    assert all(i["date_published"].endswith("+01:00") for i in data["items"])


def test_sitemap_and_robots(today_output: Path) -> None:
    sitemap = (today_output / "sitemap.xml").read_text()
    assert "<loc>https://essays.example.org/essays/evaluation/</loc><lastmod>2018-08-06T09:00:00+01:00</lastmod>" in sitemap
    assert "404" not in sitemap
    assert (today_output / "robots.txt").read_text().endswith("Sitemap: https://essays.example.org/sitemap.xml\n")


def test_every_page_links_its_feeds_and_has_metadata(today_output: Path) -> None:
    for page in today_output.rglob("index.html"):
        html = page.read_text()
        assert '<link rel="alternate" type="application/atom+xml"' in html, page
        assert '<link rel="canonical" href="https://essays.example.org/' in html, page
        assert '<meta property="og:title"' in html and '<meta name="description"' in html, page
    essay = (today_output / "essays/decision-making/index.html").read_text()
    assert '"@type":"ScholarlyArticle"' in essay
    assert '<meta property="og:image" content="https://essays.example.org/essays/decision-making/decisions.svg">' in essay
    assert '"@type":"WebSite"' in (today_output / "index.html").read_text()
    assert '"@type":"CollectionPage"' in (today_output / "series/lab-essays/index.html").read_text()


def _ids(out: Path) -> list[str]:
    return [e.id for e in feedparser.parse((out / "feed.xml").read_bytes()).entries]


def test_ids_survive_edits_and_a_domain_move_with_a_pinned_authority(sample_site: Path, tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert run_cli("build", sample_site, "-o", first, "--as-of", "2026-11-22").returncode == 0
    essay = sample_site / "content/essays/evaluation.md"
    essay.write_text(essay.read_text() + "\nAn edit to the body.\n")
    config = sample_site / "site.yaml"
    config.write_text(config.read_text().replace("base_url: https://essays.example.org/", "base_url: https://new-home.example.net/lab/")
                      .replace("  entries: 20", "  entries: 20\n  id_authority: essays.example.org"))
    second = tmp_path / "second"
    result = run_cli("build", sample_site, "-o", second, "--as-of", "2026-11-22")
    assert result.returncode == 0, result.stderr
    assert _ids(first) == _ids(second)
    assert "https://new-home.example.net/lab/essays/evaluation/" in (second / "feed.xml").read_text()


def test_feed_entries_limit(sample_site: Path, tmp_path: Path) -> None:
    config = sample_site / "site.yaml"
    config.write_text(config.read_text().replace("entries: 20", "entries: 2"))
    out = tmp_path / "out"
    assert run_cli("build", sample_site, "-o", out, "--as-of", "2026-11-22").returncode == 0
    assert len(_ids(out)) == 2


@pytest.mark.parametrize(("html", "expected"), [
    ('<a href="#fn1">', '<a href="https://ex.org/essays/a/#fn1">'),
    ('<a\nhref="../b/">', '<a\nhref="https://ex.org/essays/b/">'),
    ('<img\tsrc="m.png" srcset="a.png 1x, b.png 2x" alt="">', '<img\tsrc="https://ex.org/essays/a/m.png" srcset="https://ex.org/essays/a/a.png 1x, https://ex.org/essays/a/b.png 2x" alt="">'),
    ('<a href="?q=1&amp;r=2">', '<a href="https://ex.org/essays/a/?q=1&amp;r=2">'),
    ('<a href="https://other.org/x">', '<a href="https://other.org/x">'),
    # Only href, src and srcset attributes: not other names ending so, nor text.
    ('<a data-href="x" title="src">href="y"</a>', '<a data-href="x" title="src">href="y"</a>'),
])
def test_feed_content_links_are_made_absolute(html: str, expected: str) -> None:
    from essaygen.feeds import absolutize

    assert absolutize(html, "https://ex.org/essays/a/") == expected
