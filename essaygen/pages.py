"""HTML pages: each page of the site rendered from the theme's templates."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import jinja2
from markupsafe import Markup

from essaygen.metadata import Head, article_ld, collection_ld, format_date, json_ld, website_ld
from essaygen.site import EssayView, SeriesView, Site
from essaygen.urls import relative_url

FEEDS = (("feed.xml", "application/atom+xml", "Atom"), ("rss.xml", "application/rss+xml", "RSS"), ("feed.json", "application/feed+json", "JSON Feed"))


@dataclass(frozen=True)
class OutputFile:
    """One file of the output: bytes to write, a file to copy, or (a page the last
    builds made) a key and a way to get its bytes, asked only if the previous output
    does not already hold the file made from that key (output.py)."""

    path: str                     # relative to the output folder, "/"-separated
    data: bytes | None = None
    copy_from: str | None = None  # absolute path of a file to copy
    key: str | None = None        # what the bytes are made from (pagecache's keys); see output.py
    load: Callable[[], bytes] | None = field(default=None, compare=False, repr=False)

    def bytes(self) -> bytes | None:
        """The content, loaded if need be (None for a file to copy)."""
        return self.data if self.data is not None or self.load is None else self.load()


@dataclass(frozen=True)
class EssayExtras:
    """What the citations stage adds to an essay page's head."""

    scholar_meta: tuple[tuple[str, str], ...] = ()
    jsonld_citations: tuple[str, ...] = ()


@dataclass(frozen=True)
class EssayPages:
    """How essay pages are rendered: only those the last builds did not make, when the theme allows it."""

    cache: Any = None              # a pagecache.KeptPages, or None
    chrome: str = ""               # pagecache.chrome_digest of this build
    workers: int = 1               # processes for rendering the pages not in the cache
    listings: str | None = None    # pagecache.listing_digest: listing pages are cached under it
    part_words: bool = True        # whether essay pages show other parts' exact word counts
    memo: Any = None               # a memo.Memo (serve): pages kept in memory, keyed by what they show


def plan_pages(site: Site, env: jinja2.Environment, extras: dict[str, EssayExtras] | None = None, essay_pages: EssayPages = EssayPages()) -> Iterator[OutputFile]:
    extras = extras or {}
    yield _listing(essay_pages, site, env, "home.html", "", _home_head(site), {})
    yield _listing(essay_pages, site, env, "essays.html", "essays/", _head(site, "All essays", site.config.description, "essays/"), {"essays": site.essays})
    yield from render_essay_pages(site, env, extras, essay_pages)
    for series in site.series:
        yield _listing(essay_pages, site, env, "series.html", series.path, _series_head(site, series), {"series": series})
    yield _listing(essay_pages, site, env, "references.html", "references/", _head(site, "References", "Every work cited in " + site.config.title, "references/"), {"references": site.references})
    yield _listing(essay_pages, site, env, "tags.html", "tags/", _head(site, "Topics", "Every topic of " + site.config.title, "tags/"), {"tags": site.tags})
    for tag, essays in site.tags.items():
        yield _listing(essay_pages, site, env, "tag.html", tag.path, _head(site, f"Essays on {tag.name}", f"Essays on {tag.name} in {site.config.title}", tag.path), {"tag": tag, "essays": essays})
    for key, (author, essays) in site.authors.items():
        path = f"authors/{key}/"
        yield _listing(essay_pages, site, env, "author.html", path, _head(site, author.name, f"Essays by {author.name}", path), {"author": author, "essays": essays})
    for page in site.pages:
        yield _listing(essay_pages, site, env, "page.html", page.path, _head(site, page.title, page.summary or site.config.description, page.path, noindex=page.draft), {"page": page})
    yield _listing(essay_pages, site, env, "404.html", "404.html", _head(site, "Page not found", "This page does not exist.", "404.html", noindex=True), {}, root_relative=True)
    if site.config.search:
        yield _listing(essay_pages, site, env, "search.html", "search/", _head(site, "Search", "Search the essays of " + site.config.title, "search/", noindex=True), {})


def _listing(how: EssayPages, site: Site, env: jinja2.Environment, template: str, path: str, head: Head, extra: dict[str, Any], root_relative: bool = False) -> OutputFile:
    """A listing page (home, series, tags…), from the cache when nothing it lists changed."""
    if how.memo is not None and how.listings is not None:
        key = ("listing", how.listings, template, path, head, root_relative)
        return how.memo.recall(key, lambda: _page(site, env, template, path, head, extra, root_relative))  # type: ignore[no-any-return]
    if how.cache is None or how.listings is None:
        return _page(site, env, template, path, head, extra, root_relative)
    from essaygen.pagecache import listing_page_key

    key = listing_page_key(how.listings, template, path, head, root_relative)
    out = path if path.endswith(".html") else path + "index.html"
    return cached_file(how.cache, key, out, lambda: _page(site, env, template, path, head, extra, root_relative).bytes() or b"")


def cached_file(cache: Any, key: str, path: str, make: Callable[[], bytes]) -> OutputFile:
    """A file made from `key`: made only when no file of the last builds was (else
    writing the output links or keeps that file, and loads it only if it was edited
    or is gone, when it is made again)."""
    if cache.has(key):
        return OutputFile(path, key=key, load=lambda: cache.get(key) or make())
    return OutputFile(path, make(), key=key)


def render_template(site: Site, env: jinja2.Environment, template: str, path: str, head: Head, extra: dict[str, Any], root_relative: bool = False) -> str:
    folder = "" if path.endswith(".html") else path
    context = {**base_context(site, folder, head, root_relative), **extra}
    return env.get_template(template).render(context)


def _page(site: Site, env: jinja2.Environment, template: str, path: str, head: Head, extra: dict[str, Any], root_relative: bool = False) -> OutputFile:
    html = render_template(site, env, template, path, head, extra, root_relative)
    out = path if path.endswith(".html") else path + "index.html"
    return OutputFile(out, html.encode("utf-8"))


def base_context(site: Site, folder: str, head: Head, root_relative: bool = False) -> dict[str, Any]:
    config = site.config
    url: Callable[[str], str]
    if root_relative:  # the 404 page is served at any depth
        url = lambda to: config.base_path + to  # noqa: E731
    else:
        url = lambda to: relative_url(folder, to)  # noqa: E731
    return {
        "site": site,
        "config": config,
        "head": head,
        "url": url,
        "absolute": lambda to: config.absolute(config.base_path + to),
        "date": lambda moment: format_date(moment, config.language, config.zone),
        "iso": lambda moment: moment.astimezone(config.zone).isoformat(timespec="seconds"),
        "feeds": FEEDS,
        "search_available": config.search,
        "draft_mode": site.drafts,
        "html": Markup,
    }


# Below this many pages to render, starting processes costs more than it saves.
PARALLEL_PAGES = 48
_shared: tuple[Site, jinja2.Environment, dict[str, EssayExtras]] | None = None


def render_essay_pages(site: Site, env: jinja2.Environment, extras: dict[str, EssayExtras], how: EssayPages) -> Iterator[OutputFile]:
    """Every essay page: left by the last builds (pagecache.KeptPages), else rendered (on every core when many)."""
    series_of = {s.key: s for s in site.series}
    keys: list[Any] = [None] * len(site.essays)
    pages: list[OutputFile | None] = [None] * len(site.essays)
    if how.memo is not None:
        from essaygen.pagecache import series_shown

        listed: dict[str, tuple[object, ...]] = {}
        for i, essay in enumerate(site.essays):
            shown = series_shown(essay, series_of.get(essay.series or ""), how.part_words, listed)
            keys[i] = ("essay page", how.chrome, essay, shown, extras.get(essay.slug))
            pages[i] = how.memo.find(keys[i])
    elif how.cache is not None:
        from essaygen.pagecache import essay_page_key

        for i, essay in enumerate(site.essays):
            keys[i] = essay_page_key(how.chrome, essay, series_of.get(essay.series or ""), extras.get(essay.slug, EssayExtras()), how.part_words)
            if how.cache.has(keys[i]):  # loaded only if the previous output lacks it (output.py)
                pages[i] = OutputFile(essay.path + "index.html", key=keys[i], load=functools.partial(_cached_page, site, env, extras, how.cache, i, keys[i]))
    missing = [i for i, page in enumerate(pages) if page is None]
    yield from (p for p in pages if p is not None)
    for i, page in zip(missing, _render_many(site, env, extras, missing, how.workers)):
        if how.memo is not None:
            how.memo.remember(keys[i], page)
        elif how.cache is not None:
            page = replace(page, key=keys[i])
        yield page


def _cached_page(site: Site, env: jinja2.Environment, extras: dict[str, EssayExtras], cache: Any, i: int, key: str) -> bytes:
    """An essay page's bytes from the last build's output, or rendered again if that file was edited or is gone."""
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    global _shared
    _shared = (site, env, extras)
    data = _render_index(i).data
    assert data is not None
    return data


def _render_many(site: Site, env: jinja2.Environment, extras: dict[str, EssayExtras], indexes: list[int], workers: int) -> Iterator[OutputFile]:
    global _shared
    _shared = (site, env, extras)
    if workers <= 1 or len(indexes) < PARALLEL_PAGES:
        yield from (_render_index(i) for i in indexes)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Forked workers inherit the site and the templates: only indexes go out, bytes come back.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(_render_index, indexes, chunksize=max(1, min(32, len(indexes) // (workers * 8))))


def _render_index(i: int) -> OutputFile:
    assert _shared is not None
    site, env, extras = _shared
    essay = site.essays[i]
    series = next((s for s in site.series if s.key == essay.series), None)
    return _render_essay_page(site, env, essay, extras.get(essay.slug, EssayExtras()), series)


def _render_essay_page(site: Site, env: jinja2.Environment, essay: EssayView, extras: EssayExtras, series: SeriesView | None) -> OutputFile:
    config = site.config
    head = Head(
        title=f"{essay.title} | {config.title}",
        description=essay.summary or config.description,
        canonical=config.absolute(config.base_path + essay.path),
        og_type="article",
        image=config.url_of(essay.image) if essay.image else None,
        image_alt=essay.image_alt,
        meta=extras.scholar_meta,
        jsonld=json_ld(article_ld(site, essay, extras.jsonld_citations)),
        noindex=essay.draft,
        published=essay.release.astimezone(config.zone).isoformat(timespec="seconds"),
        modified=essay.modified.astimezone(config.zone).isoformat(timespec="seconds"),
    )
    return _page(site, env, "essay.html", essay.path, head, {"essay": essay, "series": series})


def _head(site: Site, title: str, description: str, path: str, noindex: bool = False) -> Head:
    config = site.config
    return Head(f"{title} | {config.title}", description, config.absolute(config.base_path + (path if path != "404.html" else "")), noindex=noindex)


def _home_head(site: Site) -> Head:
    config = site.config
    return Head(config.title, config.description, config.base_url, jsonld=json_ld(website_ld(site)))


def _series_head(site: Site, series: SeriesView) -> Head:
    config = site.config
    return Head(
        f"{series.title} | {config.title}" if series.title != config.title else config.title + " — the series",
        series.description or config.description,
        config.absolute(config.base_path + series.path),
        jsonld=json_ld(collection_ld(site, series)),
    )


__all__ = ["OutputFile", "EssayExtras", "EssayPages", "plan_pages", "render_template", "base_context", "cached_file"]
