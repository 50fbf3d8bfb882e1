"""HTML pages: each page of the site rendered from the theme's templates."""

from __future__ import annotations

import collections
import functools
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import jinja2
from markupsafe import Markup

from essaygen.metadata import Head, article_ld, collection_ld, format_date, iso_time, json_ld, website_ld
from essaygen.overlap import Pending, worker_started
from essaygen.problems import SiteError
from essaygen.site import EssayView, SeriesView, Site
from essaygen.themes import render_problem
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
    cited: str | None = None    # or the cache entry they are read from when the page is made

    def loaded(self) -> EssayExtras:
        if self.cited is None:
            return self
        from essaygen.references import stored_extras

        return stored_extras(self.cited)


@dataclass(frozen=True)
class EssayPages:
    """How essay pages are rendered: only those the last builds did not make, when the theme allows it."""

    cache: Any = None              # a pagecache.KeptPages, or None
    chrome: str = ""               # pagecache.chrome_digest of this build
    workers: int = 1               # processes for rendering the pages not in the cache
    listings: str | None = None    # pagecache.listing_digest: listing pages are cached under it
    part_words: bool = True        # whether essay pages show other parts' exact word counts
    memo: Any = None               # a memo.Memo (serve): pages kept in memory, keyed by what they show
    listed: Any = None             # serve: a pagecache.ListingNumbers, what listing pages are remembered under


@dataclass(frozen=True)
class Listing:
    """A page made of one template and what it lists: home, series, tags, standalone pages…"""

    template: str
    path: str
    head: Head
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    root_relative: bool = False


def site_listings(site: Site) -> list[Listing]:
    """Every page but the essays', in the order they are written."""
    pages = [
        Listing("home.html", "", _home_head(site)),
        Listing("essays.html", "essays/", _head(site, "All essays", site.config.description, "essays/"), {"essays": site.essays}),
        *(Listing("series.html", series.path, _series_head(site, series), {"series": series}) for series in site.series),
        Listing("references.html", "references/", _head(site, "References", "Every work cited in " + site.config.title, "references/"), {"references": site.references}),
        Listing("tags.html", "tags/", _head(site, "Topics", "Every topic of " + site.config.title, "tags/"), {"tags": site.tags}),
    ]
    for tag, essays in site.tags.items():
        pages.append(Listing("tag.html", tag.path, _head(site, f"Essays on {tag.name}", f"Essays on {tag.name} in {site.config.title}", tag.path), {"tag": tag, "essays": essays}))
    for key, (author, essays) in site.authors.items():
        path = f"authors/{key}/"
        pages.append(Listing("author.html", path, _head(site, author.name, f"Essays by {author.name}", path), {"author": author, "essays": essays}))
    for page in site.pages:
        pages.append(Listing("page.html", page.path, _head(site, page.title, page.summary or site.config.description, page.path, noindex=page.draft), {"page": page}))
    pages.append(Listing("404.html", "404.html", _head(site, "Page not found", "This page does not exist.", "404.html", noindex=True), root_relative=True))
    if site.config.search:
        pages.append(Listing("search.html", "search/", _head(site, "Search", "Search the essays of " + site.config.title, "search/", noindex=True)))
    return pages


def plan_pages(site: Site, env: jinja2.Environment, extras: dict[str, EssayExtras] | None = None, essay_pages: EssayPages = EssayPages()) -> Iterator[OutputFile | Pending]:
    """Every page: those the last builds made (or serve remembers) first, then the rest,
    essays and listings together, rendered on every core when there are many (then
    `Pending` stands before a page not yet made: see overlap.py)."""
    listings = site_listings(site)
    known = [_known_listing(essay_pages, site, env, listing) for listing in listings]
    yield from (page for page, _ in known if page is not None)
    missing = [(j, key) for j, (page, key) in enumerate(known) if page is None]
    yield from render_essay_pages(site, env, extras or {}, essay_pages, listings, missing)


def _known_listing(how: EssayPages, site: Site, env: jinja2.Environment, listing: Listing) -> tuple[OutputFile | None, str | None]:
    """A listing page serve remembers, or one the last builds made (with its key, to be
    loaded only if the output lacks it); else None and the key to render it under."""
    if how.memo is not None and how.listings is not None:
        return _remembered_listing(how.memo, how.listed, site, env, listing), None
    if how.cache is None or how.listings is None:
        return None, None
    from essaygen.pagecache import listing_page_key

    key = listing_page_key(how.listings, listing.template, listing.path, listing.head, listing.root_relative)
    if not how.cache.has(key):
        return None, key
    return cached_file(how.cache, key, _file_of(listing.path), lambda: _render_listing(site, env, listing).bytes() or b""), None


def _remembered_listing(memo: Any, numbers: Any, site: Site, env: jinja2.Environment, listing: Listing) -> OutputFile:
    """serve's listing page: the one it made last, unless the frame around every listing
    changed, or what it lists, or a part of the site it read: an essay, the references,
    the schedule… (`numbers`: a pagecache.ListingNumbers)."""
    from essaygen.pagecache import listed_in, reads_of

    key = ("listing", numbers.frame, listing.template, listing.path, listing.head, listing.root_relative)
    lists = listed_in(listing.extra)
    found = memo.find(key)
    if found is not None:
        page, listed, neighbours, essays, around = found
        if listed == lists and all(_shown_as(numbers.essays.get(slug), neighbours) == n for slug, n in essays) and all(numbers.around.get(part) == n for part, n in around):
            return page  # type: ignore[no-any-return]
    with reads_of(env) as read:
        page = packed(_render_listing(site, env, listing))
    # A template that cannot tell what it read depends on everything.
    neighbours = read is None or read.neighbours
    slugs = numbers.essays if read is None else read.slugs
    parts = numbers.around.keys() if read is None else read.site & numbers.around.keys()
    memo.remember(key, (
        page, lists, neighbours,
        tuple((slug, _shown_as(numbers.essays.get(slug), neighbours)) for slug in slugs),
        tuple((part, numbers.around[part]) for part in parts),
    ))
    return page


def _shown_as(numbers: tuple[int, int] | None, neighbours: bool) -> object:
    return numbers if numbers is None or neighbours else numbers[0]


def _file_of(path: str) -> str:
    return path if path.endswith(".html") else path + "index.html"


def _render_listing(site: Site, env: jinja2.Environment, listing: Listing) -> OutputFile:
    return _page(site, env, listing.template, listing.path, listing.head, listing.extra, listing.root_relative)


def packed(page: OutputFile) -> OutputFile:
    """A page as serve keeps it: compressed, a third of its size (it holds every page of
    the site), unpacked when a browser asks for it (~0.1 ms)."""
    if page.data is None:
        return page
    return replace(page, data=None, load=functools.partial(zlib.decompress, zlib.compress(page.data, 1)))


def cached_file(cache: Any, key: str, path: str, make: Callable[[], bytes]) -> OutputFile:
    """A file made from `key`: made only when no file of the last builds was (else
    writing the output links or keeps that file, and loads it only if it was edited
    or is gone, when it is made again)."""
    if cache.has(key):
        return OutputFile(path, key=key, load=lambda: cache.get(key) or make())
    return OutputFile(path, make(), key=key)


def render_template(site: Site, env: jinja2.Environment, template: str, path: str, head: Head, extra: dict[str, Any], root_relative: bool = False) -> str:
    folder = "" if path.endswith(".html") else path
    context = {**base_context(site, folder, head, root_relative, env.globals.get("asset_versions", {})), **extra}
    try:
        return env.get_template(template).render(context)
    except Exception as exc:  # a template's mistake is the editor's problem; anything else, a bug
        problem = render_problem(env, site.config, exc, path)
        if problem is None:
            raise
        raise SiteError([problem]) from None


def _page(site: Site, env: jinja2.Environment, template: str, path: str, head: Head, extra: dict[str, Any], root_relative: bool = False) -> OutputFile:
    html = render_template(site, env, template, path, head, extra, root_relative)
    out = path if path.endswith(".html") else path + "index.html"
    return OutputFile(out, html.encode("utf-8"))


def base_context(site: Site, folder: str, head: Head, root_relative: bool = False, versions: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What every template receives. `url(path)` links to an output path from the page;
    a link to a static file carries its content's digest (`versions`, themes.asset_versions)."""
    config = site.config
    known = versions or {}

    def url(to: str) -> str:
        _given("url", to, str, PATH)
        link = config.base_path + to if root_relative else relative_url(folder, to)  # the 404 page is served at any depth
        version = known.get(to)
        return link if version is None else f"{link}?v={version}"

    return {
        "site": site,
        "config": config,
        "head": head,
        "url": url,
        "absolute": lambda to: config.absolute(config.base_path + _given("absolute", to, str, PATH)),
        "date": lambda moment: format_date(_given("date", moment, datetime, MOMENT), config.language, config.zone),
        "iso": lambda moment: iso_time(_given("iso", moment, datetime, MOMENT), config.zone),
        "feeds": FEEDS,
        "search_available": config.search,
        "draft_mode": site.drafts,
        "html": Markup,
    }


# What the helpers take, as a template's mistake names it.
PATH = "a path in the output, such as essay.path"
MOMENT = "a moment, such as essay.release"


def _given(helper: str, value: Any, kind: type, what: str) -> Any:
    """`value`, if a template gave one of its helpers the kind it takes; else the
    template's mistake, reported at its line (not a failure deep in essaygen)."""
    if not isinstance(value, kind):
        raise jinja2.TemplateRuntimeError(f"{helper}() takes {what}, not {value!r}")
    return value


# Below this many pages to render, starting processes costs more than it saves.
PARALLEL_PAGES = 48
AHEAD = 3                      # chunks of pages asked of each worker beyond the one being written
# What page jobs read (inherited by forked workers): the site, templates, extras, listings,
# and, when a page's key is made where it is rendered, how and a `listed` of its own (else None).
_Keying = tuple[EssayPages, dict[str, tuple[object, ...]]]
_shared: tuple[Site, jinja2.Environment, dict[str, EssayExtras], Sequence[Listing], _Keying | None] | None = None


def render_essay_pages(
    site: Site, env: jinja2.Environment, extras: dict[str, EssayExtras], how: EssayPages,
    listings: Sequence[Listing] = (), more: Sequence[tuple[int, str | None]] = (),
) -> Iterator[OutputFile | Pending]:
    """Every essay page: left by the last builds (pagecache.KeptPages), else rendered (on
    every core when many), with the listing pages `more` names (index into `listings`,
    key) rendered among them."""
    series_of = {s.key: s for s in site.series}
    keys: list[Any] = [None] * len(site.essays)
    pages: list[OutputFile | None] = [None] * len(site.essays)
    listed: dict[str, tuple[object, ...]] = {}  # each essay as its series' lists show it, made once
    if how.memo is not None:
        from essaygen.pagecache import series_shown

        for i, essay in enumerate(site.essays):
            shown = series_shown(essay, series_of.get(essay.series or ""), how.part_words, listed)
            keys[i] = ("essay page", how.chrome, essay, shown, extras.get(essay.slug))
            pages[i] = how.memo.find(keys[i])
    elif how.cache is not None and how.cache.any():  # else the keys are made while the pages render
        for i, essay in enumerate(site.essays):
            keys[i] = _page_key(how, essay, series_of, extras, listed)
            if how.cache.has(keys[i]):  # loaded only if the previous output lacks it (output.py)
                pages[i] = OutputFile(essay.path + "index.html", key=keys[i], load=functools.partial(_cached_page, site, env, extras, how.cache, i, keys[i]))
    missing = [i for i, page in enumerate(pages) if page is None]
    yield from (p for p in pages if p is not None)
    listing_keys = dict(more)
    jobs = [(False, j) for j, _ in more] + [(True, i) for i in missing]  # listings first (see _render_many)
    done = iter(jobs)
    # A first build (nothing kept) keys its pages where they are rendered: this process
    # writes them all, and is the busier one.
    keyed = how if how.memo is None and how.cache is not None and not how.cache.any() else None
    for page in _render_many(site, env, extras, listings, jobs, how.workers, keyed):
        if isinstance(page, Pending):
            yield page
            continue
        is_essay, i = next(done)
        if not is_essay:
            key = listing_keys[i]
            yield page if key is None else replace(page, key=key)
            continue
        if how.memo is not None:
            page = packed(page)
            how.memo.remember(keys[i], page)
        elif how.cache is not None and page.key is None:
            page = replace(page, key=keys[i] or _page_key(how, site.essays[i], series_of, extras, listed))
        yield page


def _page_key(how: EssayPages, essay: EssayView, series_of: dict[str, SeriesView], extras: dict[str, EssayExtras], listed: dict[str, tuple[object, ...]]) -> str:
    from essaygen.pagecache import essay_page_key

    return essay_page_key(how.chrome, essay, series_of.get(essay.series or ""), extras.get(essay.slug, EssayExtras()), how.part_words, listed)


def _cached_page(site: Site, env: jinja2.Environment, extras: dict[str, EssayExtras], cache: Any, i: int, key: str) -> bytes:
    """An essay page's bytes from the last build's output, or rendered again if that file was edited or is gone."""
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    global _shared
    _shared = (site, env, extras, (), None)
    data = _render_job((True, i)).data
    assert data is not None
    return data


def _render_many(
    site: Site, env: jinja2.Environment, extras: dict[str, EssayExtras], listings: Sequence[Listing], jobs: list[tuple[bool, int]], workers: int,
    keyed: EssayPages | None = None,
) -> Iterator[OutputFile | Pending]:
    """The pages of `jobs`, in order; on many cores, `Pending` before one not yet made.
    With `keyed`, essay pages come with their key, made where they are rendered."""
    global _shared
    _shared = (site, env, extras, listings, (keyed, {}) if keyed is not None else None)
    if workers <= 1 or len(jobs) < PARALLEL_PAGES:
        yield from (_render_job(job) for job in jobs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    for name in {listing.template for listing in listings}:
        env.get_template(name)  # compiled once, here, not once in each worker
    # Listing pages go first and one at a time: a tag page of a large site is hundreds of
    # kilobytes, and a chunk of them would sit in memory here until its turn to be written.
    # The workers then run on through the essay pages while they are written.
    split = sum(1 for is_essay, _ in jobs if not is_essay)
    assert all(is_essay for is_essay, _ in jobs[split:]), "listing jobs come before essay jobs"
    chunk = max(1, min(32, (len(jobs) - split) // (workers * 8)))
    chunks = [jobs[k : k + 1] for k in range(split)] + [jobs[k : k + chunk] for k in range(split, len(jobs), chunk)]
    # Forked workers inherit the site and the templates: only indexes go out, bytes come back.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=worker_started)
    # A few chunks ahead of the one being written, not all: while this process is busy
    # with its own work (overlap.py), made pages must not pile up in its memory.
    ahead: collections.deque[Future[list[OutputFile]]] = collections.deque()
    try:
        for part in chunks:
            ahead.append(pool.submit(_render_chunk, part))
            if len(ahead) > AHEAD * workers:
                yield from _handed_on(ahead.popleft())
        while ahead:
            yield from _handed_on(ahead.popleft())
    finally:
        pool.shutdown(cancel_futures=True)  # a failed build does not wait for the rest


def _handed_on(future: Future[list[OutputFile]]) -> Iterator[OutputFile | Pending]:
    if not future.done():
        yield Pending(future)
    yield from future.result()


def _render_chunk(jobs: Sequence[tuple[bool, int]]) -> list[OutputFile]:
    return [_render_job(job) for job in jobs]


def _render_job(job: tuple[bool, int]) -> OutputFile:
    """An essay page (True, index into site.essays) or a listing page (False, index into the listings)."""
    assert _shared is not None
    site, env, extras, listings, keying = _shared
    is_essay, i = job
    if not is_essay:
        return _render_listing(site, env, listings[i])
    essay = site.essays[i]
    series = next((s for s in site.series if s.key == essay.series), None)
    page = _render_essay_page(site, env, essay, extras.get(essay.slug, EssayExtras()).loaded(), series)
    if keying is None:
        return page
    how, listed = keying
    return replace(page, key=_page_key(how, essay, {series.key: series} if series else {}, extras, listed))


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
