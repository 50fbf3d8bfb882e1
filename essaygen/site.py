"""The published site: what templates, feeds and the sitemap may see.

Built only from the schedule's *published* essays (visibility is decided before),
so nothing here can name an embargoed essay except through a series' teasers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from functools import cached_property, lru_cache
from datetime import datetime

from essaygen.config import Author, SiteConfig
from essaygen.memo import Memo, cached_hash
from essaygen.problems import UsageError
from essaygen.content import Revision, slugify
from essaygen.schedule import Planned, Schedule, Teaser
from essaygen.urls import essay_dir, page_dir, series_dir, tag_dir

WORDS_PER_MINUTE = 220


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str

    @property
    def path(self) -> str:
        return tag_dir(self.slug)


@dataclass(frozen=True)
class NavLink:
    title: str
    path: str
    part: int | None = None


class BodyGone(UsageError):
    """A stored body's file disappeared or was damaged during the build (someone
    deleted the cache meanwhile): nothing is written, and building again mends it."""

    def __init__(self, file: str) -> None:
        super().__init__(f"the cache file {file} disappeared or was damaged during the build — build again")
        self.file = file

    def __reduce__(self) -> tuple[type[BodyGone], tuple[str]]:  # raised in page workers too
        return (BodyGone, (self.file,))


@dataclass(frozen=True)
class StoredBody:
    """An essay's HTML left in the body cache (cache.py) by a streaming build, with
    what turns it into the page's HTML: each link placeholder's tags, and the formatted
    citations (or, in a build, the cache entry they are read from). A 5,000-essay site
    then holds no body in memory: each is read when its page or feed entry is made, in
    whichever process makes it."""

    file: str
    links: tuple[tuple[str, str], ...]      # markdown.link_tags
    clusters: tuple[Any, ...] = ()          # CitationCluster, in order (let go once `cited`)
    formatted: Any = None                   # their FormattedCitations, once formatted
    cited: str | None = None                # or the cache entry they are read from (references.py)

    def headings(self) -> tuple[tuple[int, str, str], ...]:
        from essaygen.cache import stored_headings

        found = stored_headings(self.file)
        if found is None:
            raise BodyGone(self.file)
        return found

    def html(self) -> str:
        from essaygen.cache import stored_html
        from essaygen.markdown import apply_links

        raw = stored_html(self.file)
        if raw is None:
            raise BodyGone(self.file)
        html = apply_links(raw, self.links)
        formatted = self.formatted
        if formatted is None and self.cited is not None:
            from essaygen.references import stored_formatted

            formatted = stored_formatted(self.cited)
        if formatted is not None and formatted.clusters:
            from essaygen.citations.render import link_citations

            # An entry's clusters were checked against the body's when it was made.
            html = link_citations(html, self.clusters or formatted.clusters, formatted)
        return html


@cached_hash
@dataclass(frozen=True)
class EssayView:
    slug: str
    source: str
    title: str
    subtitle: str | None
    summary: str
    authors: tuple[Author, ...]
    release: datetime
    updated: datetime | None
    revisions: tuple[Revision, ...]
    tags: tuple[Tag, ...]
    series: str | None
    series_title: str | None
    part: int | None
    total: int | None
    words: int
    held_headings: tuple[tuple[int, str, str], ...]  # (level, id, text); () when it is `stored`
    held_html: str                      # the body's HTML, "" when it is `stored`
    held_references: str = ""           # its reference list's HTML, "" when read from `stored.cited`
    cite_html: str = ""
    cited_keys: tuple[str, ...] = ()
    image: str | None = None            # its output path ("essays/x/cover.jpg"), or an absolute URL
    image_alt: str | None = None
    feed_id: str | None = None
    draft: bool = False
    prev: NavLink | None = None
    next: NavLink | None = None
    stored: StoredBody | None = None

    @property
    def path(self) -> str:
        return essay_dir(self.slug)

    @property
    def body_html(self) -> str:
        """The body's HTML (read from the cache on each use when it is stored there)."""
        return self.held_html if self.stored is None else self.stored.html()

    @property
    def headings(self) -> tuple[tuple[int, str, str], ...]:
        """(level, id, text) of each heading of the body (read from the cache when it is stored there)."""
        return self.held_headings if self.stored is None else self.stored.headings()

    @property
    def references_html(self) -> str:
        """The reference list's HTML (read from the citations' cache entry when it is there)."""
        if self.held_references or self.stored is None or self.stored.cited is None:
            return self.held_references
        from essaygen.references import stored_references

        return stored_references(self.stored.cited)

    @property
    def body_identity(self) -> object:
        """What the body's HTML is made of, cheaper to compare than the HTML."""
        return self.held_html if self.stored is None else self.stored

    def with_citations(self, clusters: tuple[Any, ...], formatted: Any) -> EssayView:
        """The essay with its citation placeholders replaced by `formatted` clusters."""
        if not clusters:
            return self
        if self.stored is not None:  # linked when the HTML is read; checked now
            if len(clusters) != len(formatted.clusters):
                raise ValueError(f"{len(clusters)} citations but {len(formatted.clusters)} formatted clusters")
            return replace(self, stored=replace(self.stored, clusters=clusters, formatted=formatted))
        from essaygen.citations.render import link_citations

        return replace(self, held_html=link_citations(self.held_html, clusters, formatted))

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.words / WORDS_PER_MINUTE - 0.5))

    @property
    def modified(self) -> datetime:
        return self.updated if self.updated and self.updated > self.release else self.release


@dataclass(frozen=True)
class PageView:
    slug: str
    source: str
    kind: str
    title: str
    subtitle: str | None
    summary: str
    body_html: str
    nav: bool
    order: int
    draft: bool = False

    @property
    def path(self) -> str:
        return page_dir(self.slug)


@dataclass(frozen=True)
class SeriesView:
    key: str
    title: str
    description: str
    tease: str
    parts: tuple[EssayView, ...]            # published, in part order
    teasers: tuple[Teaser, ...]             # unreleased, per `tease`
    total: int

    @property
    def path(self) -> str:
        return series_dir(self.key)

    def nearby(self, current: str | None = None, limit: int = 12) -> tuple[EssayView, ...]:
        """At most `limit` released parts around `current` (the latest when None): an
        essay page lists its neighbours, never all 1,000 parts of a long series."""
        if len(self.parts) <= limit:
            return self.parts
        at = self._positions.get(current or "", len(self.parts) - 1)
        start = max(0, min(at - limit // 2, len(self.parts) - limit))
        return self.parts[start : start + limit]

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {e.slug: i for i, e in enumerate(self.parts)}

    def soon(self, limit: int = 6) -> tuple[Teaser, ...]:
        return self.teasers[:limit]

    @property
    def truncated(self) -> bool:
        return len(self.parts) > 12 or len(self.teasers) > 6


@dataclass(frozen=True)
class CollectionReference:
    """A work cited by released essays, for output/references/."""

    id: str
    html: str
    essays: tuple[tuple[str, str], ...]     # (title, path) of each citing essay


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    as_of: datetime
    drafts: bool
    essays: tuple[EssayView, ...]           # published, newest first
    pages: tuple[PageView, ...]
    home: PageView | None
    series: tuple[SeriesView, ...]
    tags: Mapping[Tag, tuple[EssayView, ...]] = field(default_factory=dict)
    authors: Mapping[str, tuple[Author, tuple[EssayView, ...]]] = field(default_factory=dict)
    next_release: datetime | None = None
    next_announce: str | None = None
    references: tuple[CollectionReference, ...] = ()

    @property
    def nav_pages(self) -> tuple[PageView, ...]:
        return tuple(sorted((p for p in self.pages if p.nav), key=lambda p: (p.order, p.title)))


def assemble_site(
    config: SiteConfig,
    schedule: Schedule,
    essays: Sequence[EssayView],
    pages: Sequence[PageView],
    drafts: bool,
    memo: Memo | None = None,
) -> Site:
    """Link essays into series (part N of M, previous/next), tags and authors."""
    planned = {p.essay.slug: p for p in schedule.planned}
    linked = _link_neighbours(essays, planned, memo)
    newest_first = tuple(sorted(linked, key=lambda e: (e.release, e.part or 0, e.slug), reverse=True))
    series = tuple(_series_view(config, key, newest_first, schedule) for key in sorted(config.series))
    next_at, upcoming = schedule.next_release()
    home = next((p for p in pages if p.kind == "home"), None)
    return Site(
        config=config,
        as_of=schedule.as_of,
        drafts=drafts,
        essays=newest_first,
        pages=tuple(p for p in pages if p.kind == "page"),
        home=home,
        series=series,
        tags=_by_tag(newest_first),
        authors=_by_author(newest_first),
        next_release=next_at,
        next_announce=next((p.announce for p in upcoming if p.announce), None),
    )


def _link_neighbours(essays: Sequence[EssayView], planned: Mapping[str, Planned], memo: Memo | None = None) -> list[EssayView]:
    """Previous/next: within a series by part; otherwise by release among standalone essays."""
    groups: dict[str | None, list[EssayView]] = defaultdict(list)
    for essay in essays:
        groups[essay.series].append(essay)
    result = []
    for key, group in groups.items():
        group.sort(key=lambda e: (e.part or 0, e.release, e.slug) if key else (e.release, e.slug))
        for i, essay in enumerate(group):
            prev = _nav(group[i - 1]) if i > 0 else None
            nxt = _nav(group[i + 1]) if i + 1 < len(group) else None
            if memo is None:
                result.append(replace(essay, prev=prev, next=nxt))
            else:  # the same view object as last build when nothing changed: later keys hash it once
                result.append(memo.recall(("neighbours", essay, prev, nxt), lambda: replace(essay, prev=prev, next=nxt)))  # noqa: B023
    return result


def _nav(essay: EssayView) -> NavLink:
    return NavLink(essay.title, essay.path, essay.part)


def _series_view(config: SiteConfig, key: str, essays: Sequence[EssayView], schedule: Schedule) -> SeriesView:
    spec = config.series[key]
    parts = tuple(sorted((e for e in essays if e.series == key), key=lambda e: e.part or 0))
    teasers = schedule.teasers.get(key, ())
    # "Part N of M" counts every planned part, released or not.
    total = max((p.total or 0 for p in schedule.planned if p.series == key), default=0)
    return SeriesView(key, spec.title, spec.description, spec.tease, parts, teasers, total)


def _by_tag(essays: Sequence[EssayView]) -> dict[Tag, tuple[EssayView, ...]]:
    """One page per tag slug: "Markdown" and "markdown" are one topic, named as the
    oldest essay wrote it (a name that does not change when new essays arrive)."""
    found: dict[str, list[EssayView]] = defaultdict(list)
    names: dict[str, str] = {}
    for essay in reversed(essays):  # oldest first
        for tag in essay.tags:
            names.setdefault(tag.slug, tag.name)
            found[tag.slug].insert(0, essay)
    return {Tag(names[slug], slug): tuple(found[slug]) for slug in sorted(found)}


def _by_author(essays: Sequence[EssayView]) -> dict[str, tuple[Author, tuple[EssayView, ...]]]:
    found: dict[str, list[EssayView]] = defaultdict(list)
    people: dict[str, Author] = {}
    for essay in essays:
        for author in essay.authors:
            key = slugify(author.key) or "author"
            people.setdefault(key, author)
            found[key].append(essay)
    return {key: (people[key], tuple(found[key])) for key in sorted(found)}


def make_tags(names: Sequence[str]) -> tuple[Tag, ...]:
    return _tags(tuple(names))


@lru_cache(maxsize=4096)
def _tags(names: tuple[str, ...]) -> tuple[Tag, ...]:
    tags = {}
    for name in names:
        slug = slugify(name)
        if slug and slug not in tags:
            tags[slug] = Tag(name, slug)
    return tuple(tags.values())
