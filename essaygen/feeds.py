"""Feeds: Atom 1.0, RSS 2.0 and JSON Feed 1.1 of released essays, from one list of entries.

Subscribers must see each essay once, on its release day, with working links:
entries carry the full essay with every URL made absolute, an id that editing
never changes (`tag:` URIs from the release date and slug, with a pinnable
authority), and dates with offsets. Feed-level `updated` is the newest entry's
date, never the build time, so identical input gives identical feeds.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import urljoin

from feedgen.feed import FeedGenerator

from essaygen import __version__
from essaygen.memo import Memo
from essaygen.pages import OutputFile, cached_file
from essaygen.problems import Problem, SiteError
from essaygen.site import EssayView, SeriesView, Site

# Every attribute value: a literal start the regex engine skips to, where a pattern
# starting with whitespace or a name tried every space of the prose (ten times slower).
_ATTRIBUTE_VALUE = re.compile(r'="([^"]*)"')
# A chart's copy drawn for phones, which the theme's CSS shows instead of the wide one:
# a feed reader applies no such CSS and would show the chart twice.
_NARROW_CHART = re.compile(r'<svg [^>]*class="chart-svg chart-narrow .*?</svg>\n?', re.S)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
FEED_VERSION = 1  # bump when what a feed file holds changes
T = TypeVar("T")


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    url: str
    content_html: str
    summary: str
    authors: tuple[tuple[str, str | None], ...]
    tags: tuple[str, ...]
    published: datetime
    updated: datetime
    image: str | None


@dataclass(frozen=True)
class FeedMeta:
    id: str
    title: str
    subtitle: str
    home_url: str
    self_url: str            # of the Atom file; RSS and JSON Feed get their own
    language: str
    updated: datetime


def absolutize(html: str, page_url: str) -> str:
    """Every href, src and srcset made absolute against the page's own URL."""

    def absolute(match: re.Match[str]) -> str:
        start = match.start()
        for name, fix in (("href", _url), ("src", _url), ("srcset", _srcset)):
            begin = start - len(name)
            if begin > 0 and html.startswith(name, begin) and html[begin - 1].isspace():
                return '="' + fix(match.group(1), page_url) + '"'
        return match.group()

    return _ATTRIBUTE_VALUE.sub(absolute, html)


def without_narrow_charts(html: str) -> str:
    return _NARROW_CHART.sub("", html) if "chart-narrow" in html else html


def _url(value: str, page_url: str) -> str:
    return urljoin(page_url, value.replace("&amp;", "&")).replace("&", "&amp;")


def _srcset(value: str, page_url: str) -> str:
    parts = []
    for candidate in value.split(","):
        bits = candidate.strip().split(None, 1)
        if bits:
            parts.append(" ".join([urljoin(page_url, bits[0]), *bits[1:]]))
    return ", ".join(parts)


def entry_id(site: Site, essay: EssayView) -> str:
    if essay.feed_id:
        return essay.feed_id
    day = essay.release.astimezone(site.config.zone).date().isoformat()
    return f"tag:{site.config.feed_id_authority},{day}:{essay.slug}"


def make_entry(site: Site, essay: EssayView) -> FeedEntry:
    config = site.config
    url = config.absolute(config.base_path + essay.path)
    content = absolutize(without_narrow_charts(essay.body_html) + essay.references_html, url)
    return FeedEntry(
        id=entry_id(site, essay),
        title=essay.title,
        url=url,
        content_html=content,
        summary=essay.summary,
        authors=tuple((a.name, a.url) for a in essay.authors),
        tags=tuple(t.name for t in essay.tags),
        published=essay.release.astimezone(config.zone),
        updated=essay.modified.astimezone(config.zone),
        image=config.url_of(essay.image) if essay.image else None,
    )


def feed_meta(site: Site, entries: Sequence[FeedEntry], path: str, title: str, subtitle: str, home: str) -> FeedMeta:
    config = site.config
    first = min((e.published for e in entries), default=_EPOCH)
    updated = max((max(e.updated, e.published) for e in entries), default=_EPOCH)
    return FeedMeta(
        id=f"tag:{config.feed_id_authority},{first.year}:{path or 'feed'}",
        title=title,
        subtitle=subtitle,
        home_url=config.absolute(config.base_path + home),
        self_url=config.absolute(config.base_path + path + "feed.xml"),
        language=config.language,
        updated=updated,
    )


def _generator(meta: FeedMeta, entries: Sequence[FeedEntry], self_url: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(meta.id)
    fg.title(meta.title)
    fg.subtitle(meta.subtitle or meta.title)
    fg.link(href=self_url, rel="self")
    fg.link(href=meta.home_url, rel="alternate")
    fg.language(meta.language)
    fg.updated(meta.updated)
    fg.lastBuildDate(meta.updated)
    fg.generator("essaygen", __version__, "https://pypi.org/project/essaygen/")
    for entry in entries:
        _add_entry(fg, entry)
    return fg


def _add_entry(fg: FeedGenerator, entry: FeedEntry) -> None:
    fe = fg.add_entry(order="append")
    fe.id(entry.id)
    fe.guid(entry.id, permalink=False)
    fe.title(entry.title)
    fe.link(href=entry.url, rel="alternate")
    fe.content(entry.content_html, type="html")
    # Readers render RSS descriptions as HTML: escape the plain-text summary once more.
    fe.summary(html.escape(entry.summary or entry.title, quote=False), type="html")
    for name, uri in entry.authors:
        fe.author({"name": name, **({"uri": uri} if uri else {})})
    for tag in entry.tags:
        fe.category(term=tag, label=tag)
    fe.published(entry.published)
    fe.updated(entry.updated)
    fe.pubDate(entry.published)


def atom_xml(meta: FeedMeta, entries: Sequence[FeedEntry]) -> bytes:
    return _generator(meta, entries, meta.self_url).atom_str(pretty=True)


def rss_xml(meta: FeedMeta, entries: Sequence[FeedEntry], self_url: str) -> bytes:
    return _generator(meta, entries, self_url).rss_str(pretty=True)


def json_feed(meta: FeedMeta, entries: Sequence[FeedEntry], self_url: str) -> bytes:
    data = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": meta.title,
        "description": meta.subtitle,
        "home_page_url": meta.home_url,
        "feed_url": self_url,
        "language": meta.language,
        "items": [_json_item(e) for e in entries],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _json_item(entry: FeedEntry) -> dict[str, object]:
    item: dict[str, object] = {
        "id": entry.id,
        "url": entry.url,
        "title": entry.title,
        "content_html": entry.content_html,
        "summary": entry.summary,
        "date_published": entry.published.isoformat(timespec="seconds"),
        "date_modified": entry.updated.isoformat(timespec="seconds"),
        "authors": [{"name": n, **({"url": u} if u else {})} for n, u in entry.authors],
        "tags": list(entry.tags),
    }
    if entry.image:
        item["image"] = entry.image
    return item


def plan_feeds(site: Site, memo: Memo | None = None, cache: Any = None) -> Iterator[OutputFile]:
    """The site's Atom, RSS and JSON feeds and one Atom feed per series. With a memo
    (serve), entries and feed files are remembered by what they are made of; in a build
    with a cache, each feed file has a key of what it is made of, and is made (its
    essays' bodies read) only when the last builds' output lacks it (pagecache.KeptPages)."""
    config = site.config
    inputs = repr(config)

    def keep(key: tuple[object, ...], make: Callable[[], T]) -> T:
        return make() if memo is None else memo.recall((id(config), *key), make)

    # The latest essays are in the three main feeds and their series': their entries are
    # made once and kept (only theirs: a large site's series feeds hold thousands of bodies).
    latest = _chosen(site, site.essays)
    shared: dict[str, FeedEntry | None] = dict.fromkeys(e.slug for e in latest)

    def entry(essay: EssayView) -> FeedEntry:
        found = shared.get(essay.slug)
        if found is None:
            found = keep(("feed entry", essay), lambda: make_entry(site, essay))
            if essay.slug in shared:
                shared[essay.slug] = found
        return found

    def entries_of(essays: Sequence[EssayView]) -> tuple[FeedEntry, ...]:
        return tuple(entry(e) for e in essays)

    def feed(path: str, essays: Sequence[EssayView], make: Callable[[], OutputFile]) -> OutputFile:
        if cache is None:
            return make()
        key = "feed:" + hashlib.sha256(repr((FEED_VERSION, __version__, inputs, path, tuple(_entry_inputs(e) for e in essays))).encode("utf-8", "surrogatepass")).hexdigest()
        return cached_file(cache, key, path, lambda: make().bytes() or b"")

    def main(path: str, make: Callable[[FeedMeta, tuple[FeedEntry, ...]], OutputFile]) -> OutputFile:
        def made() -> OutputFile:
            entries = entries_of(latest)
            meta = feed_meta(site, entries, "", config.title, config.description, "")
            return keep((path, meta, entries), lambda: make(meta, entries))
        return feed(path, latest, made)

    yield main("feed.xml", lambda meta, entries: _checked("feed.xml", atom_xml(meta, entries)))
    yield main("rss.xml", lambda meta, entries: _checked("rss.xml", rss_xml(meta, entries, config.absolute(config.base_path + "rss.xml"))))
    yield main("feed.json", lambda meta, entries: OutputFile("feed.json", json_feed(meta, entries, config.absolute(config.base_path + "feed.json"))))
    for series in site.series:
        chosen = _chosen(site, [e for e in site.essays if e.series == series.key])

        def made(series: SeriesView = series, chosen: Sequence[EssayView] = chosen) -> OutputFile:
            entries = entries_of(chosen)
            meta = feed_meta(site, entries, series.path, series.title, series.description, series.path)
            return keep(("atom", meta, entries), lambda: _checked(series.path + "feed.xml", atom_xml(meta, entries)))

        yield feed(series.path + "feed.xml", chosen, made)


def _chosen(site: Site, essays: Sequence[EssayView]) -> list[EssayView]:
    return [e for e in essays if not e.draft][: site.config.feed_entries]


def _entry_inputs(essay: EssayView) -> tuple[object, ...]:
    """Everything make_entry reads of an essay (feed_meta reads only its entries; a
    reference list not held is named by the entry in `body_identity`)."""
    return (essay.feed_id, essay.release, essay.modified, essay.slug, essay.title, essay.summary, essay.authors, essay.tags, essay.image, essay.body_identity, essay.held_references)


def _checked(path: str, data: bytes) -> OutputFile:
    """A malformed feed is a build error, never a published file."""
    try:
        ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise SiteError([Problem(path, 1, 1, f"essaygen produced a malformed feed ({exc}) — please report this bug")]) from exc
    return OutputFile(path, data)
