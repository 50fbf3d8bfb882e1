"""Essay pages rendered once per distinct input, kept between builds (in the output).

Rendering a thousand essay pages through Jinja costs seconds; most of them do not
change from one build to the next. An essay page's key is a hash of everything
its template can see: the essay (with its neighbours), its series' visible
parts, the site's navigation ("chrome"), the theme's files and essaygen's
version. That is only true while the essay templates read nothing else of
`site`: `essay_pages_cacheable` checks the templates' syntax trees and turns the
cache off for a theme whose essay page reads, say, `site.essays`.
"""

from __future__ import annotations

import hashlib
import os
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes

from essaygen import __version__
from essaygen.cache import JsonStore
from essaygen.memo import Memo
from essaygen.output import Kept
from essaygen.record import package_fingerprint
from essaygen.site import EssayView, SeriesView, Site
from essaygen.sweep import sweep_unused

# What an essay page may read of `site` and still be cached by the key below.
SITE_ATTRIBUTES = frozenset({"config", "series", "nav_pages", "drafts"})


def essay_pages_cacheable(env: jinja2.Environment, name: str = "essay.html") -> bool:
    known = _ANALYSED.setdefault(env, {})
    key = ("cacheable", name)
    if key not in known:
        known[key] = _essay_pages_cacheable(env, name)  # type: ignore[assignment]
    return bool(known[key])


def _essay_pages_cacheable(env: jinja2.Environment, name: str) -> bool:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            tree = _tree(env, current)
        except jinja2.TemplateError:
            return False
        if not _reads_only_chrome(tree):
            return False
        for found in meta.find_referenced_templates(tree):
            if found is None:
                return False  # a template chosen at run time: cannot be checked
            todo.append(found)
    return True


def _reads_only_chrome(tree: nodes.Template) -> bool:
    for node in tree.find_all(nodes.Name):
        if node.name == "site" and node.ctx == "load":
            break
    else:
        return True
    allowed = {id(n.node) for n in tree.find_all(nodes.Getattr) if isinstance(n.node, nodes.Name) and n.node.name == "site" and n.attr in SITE_ATTRIBUTES}
    return all(id(n) in allowed for n in tree.find_all(nodes.Name) if n.name == "site" and n.ctx == "load")


def chrome_digest(site: Site, theme_digest: str) -> str:
    """Everything every page shows around its content: navigation, site settings, theme."""
    chrome = (
        __version__,
        package_fingerprint(),
        theme_digest,
        repr(site.config),
        site.drafts,
        tuple((p.title, p.path) for p in site.nav_pages),
        tuple((s.key, s.title, s.path, s.total, s.description) for s in site.series),
        site.config.search,
    )
    return hashlib.sha256(repr(chrome).encode("utf-8")).hexdigest()


def essay_page_key(
    chrome: str, essay: EssayView, series: SeriesView | None, extras: object, words: bool = True, listed: dict[str, tuple[object, ...]] | None = None,
) -> str:
    """`listed`: as for series_shown, shared by the keys of one build's pages."""
    # A stored body stands for itself (its cache file is named by its source's digest).
    own = essay if essay.stored is not None else replace(essay, held_html=_body_digest(essay))
    return hashlib.sha256(repr((chrome, own, series_shown(essay, series, words, listed), extras)).encode("utf-8", "surrogatepass")).hexdigest()


def _body_digest(essay: EssayView) -> str:
    return hashlib.sha256(repr(essay.body_identity).encode("utf-8", "surrogatepass")).hexdigest()


def series_shown(essay: EssayView, series: SeriesView | None, words: bool, listed: dict[str, tuple[object, ...]] | None = None) -> tuple[object, ...] | None:
    """What an essay page shows of its series: of the other parts, what a listing shows
    (never their text). `listed` keeps each part's listing tuple for the next page."""
    if series is None:
        return None
    if listed is None:
        listed = {}
    parts = tuple(listed[e.slug] if e.slug in listed else listed.setdefault(e.slug, _listed(e, words)) for e in series.nearby(essay.slug))
    return (series.key, series.title, series.path, series.total, series.tease, series.truncated, parts, series.soon())


def _listed(essay: EssayView, words: bool) -> tuple[object, ...]:
    # The exact word count only when a template shows it: a sentence added to an
    # essay seldom changes its "N min read", and then no listing is re-rendered.
    count = essay.words if words else None
    return (essay.slug, essay.title, essay.subtitle, essay.summary, essay.part, essay.total, essay.release, essay.reading_minutes, count, essay.path)


def analyse(env: jinja2.Environment) -> None:
    """Make every analysis a build asks of the templates now (each is kept with the
    environment): a build does this while its workers render the bodies."""
    essay_pages_cacheable(env)
    reads_word_counts(env)
    _attributes_read(env, LISTING_TEMPLATES)


def reads_word_counts(env: jinja2.Environment, names: tuple[str, ...] = ("essay.html",)) -> bool:
    """Whether the templates (or what they include) read an essay's exact `words`."""
    read = _attributes_read(env, names)
    return read is None or "words" in read


# Templates of pages that list essays; what they may read of an essay without
# making every body part of their key.
LISTING_TEMPLATES = ("home.html", "essays.html", "series.html", "tags.html", "tag.html", "author.html", "references.html", "page.html", "404.html", "search.html")
BODY_ATTRIBUTES = frozenset({"body_html", "held_html", "stored", "body_identity", "references_html", "held_references", "cite_html", "headings", "cited_keys", "as_of"})


def _attributes_read(env: jinja2.Environment, names: tuple[str, ...]) -> frozenset[str] | None:
    """Every attribute name the templates (and what they include) read; None if unknowable.
    Parsing templates is slow: the answer is kept with the environment."""
    known = _ANALYSED.setdefault(env, {})
    if names not in known:
        found = _parse_attributes_read(env, names)
        known[names] = None if found is None else frozenset(found)
    return known[names]


_ANALYSED: weakref.WeakKeyDictionary[jinja2.Environment, dict[tuple[str, ...], frozenset[str] | None]] = weakref.WeakKeyDictionary()
ANALYSIS_VERSION = 1


def analyses_from_cache(env: jinja2.Environment, folder: Path | None) -> Callable[[], None]:
    """Fill the environment's template analyses from the cache when every template's
    source is the same as when they were saved (parsing templates costs a tenth of a
    second); returns the function that saves them after this build's checks."""
    if env in _SAVERS:  # loaded already (a build asks twice: while rendering, and for its pages)
        return _SAVERS[env]
    store = JsonStore(folder / "templates" if folder else None)
    key = _templates_digest(env)
    known = _ANALYSED.setdefault(env, {})
    saved = store.load(key) if key else None
    if isinstance(saved, list) and not known:
        try:
            for names, value in saved:
                known[tuple(names)] = value if isinstance(value, bool) or value is None else frozenset(value)
        except (TypeError, ValueError):
            known.clear()

    def save() -> None:
        if key and known:
            entries = [[list(k), v if isinstance(v, bool) or v is None else sorted(v)] for k, v in known.items()]
            if store.save(key, entries):
                # Each edit of a template makes an entry: only the current one is needed.
                sweep_unused(store.folder, {key}, ".json", time.time())

    _SAVERS[env] = save
    return save


_SAVERS: weakref.WeakKeyDictionary[jinja2.Environment, Callable[[], None]] = weakref.WeakKeyDictionary()


def _templates_digest(env: jinja2.Environment) -> str | None:
    if env.loader is None:
        return None
    digest = hashlib.sha256(f"{ANALYSIS_VERSION}\x00{__version__}".encode())
    try:
        for name in sorted(env.loader.list_templates()):
            digest.update(name.encode("utf-8") + b"\x00" + env.loader.get_source(env, name)[0].encode("utf-8") + b"\x00")
    except (TypeError, jinja2.TemplateError, OSError):
        return None
    return digest.hexdigest()


def _parse_attributes_read(env: jinja2.Environment, names: tuple[str, ...]) -> set[str] | None:
    found: set[str] = set()
    seen: set[str] = set()
    todo = [n for n in names if _exists(env, n)]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if env.loader is None:
            return None
        try:
            tree = _tree(env, current)
        except jinja2.TemplateError:
            return None
        found |= {n.attr for n in tree.find_all(nodes.Getattr) if not _of_a_page(n.node)}
        for ref in meta.find_referenced_templates(tree):
            if ref is None:
                return None
            todo.append(ref)
    return found


def _tree(env: jinja2.Environment, name: str) -> nodes.Template:
    """A template's syntax tree, parsed once per environment for every analysis (they
    share base.html and the partials). Raises jinja2.TemplateError as parsing does."""
    trees = _TREES.setdefault(env, {})
    if name not in trees:
        try:
            trees[name] = env.parse(env.loader.get_source(env, name)[0] if env.loader else "")
        except jinja2.TemplateError as exc:
            trees[name] = exc
    found = trees[name]
    if isinstance(found, jinja2.TemplateError):
        raise found
    return found


_TREES: weakref.WeakKeyDictionary[jinja2.Environment, dict[str, nodes.Template | jinja2.TemplateError]] = weakref.WeakKeyDictionary()


def _of_a_page(node: nodes.Node) -> bool:
    """`page.x` and `site.home.x`: standalone pages, whose text is in the key anyway."""
    if isinstance(node, nodes.Name):
        return node.name == "page"
    return isinstance(node, nodes.Getattr) and node.attr == "home" and isinstance(node.node, nodes.Name) and node.node.name == "site"


def _exists(env: jinja2.Environment, name: str) -> bool:
    try:
        env.get_template(name)
        return True
    except jinja2.TemplateNotFound:
        return False
    except jinja2.TemplateError:  # it exists, but does not compile: reported as the site's problem
        return True


def listing_digest(site: Site, env: jinja2.Environment, chrome: str) -> str | None:
    """Everything listing pages can show, hashed; None when the templates cannot be checked."""
    shape = listing_shape(site, env, chrome)
    if shape is None:
        return None
    # Part by part: the repr of the whole shape (and its bytes) took ~15 MB at 5,000 essays.
    digest = hashlib.sha256()
    for part in shape:
        digest.update(b"T" if isinstance(part, tuple) else b"V")
        for piece in part if isinstance(part, tuple) else (part,):
            text = repr(piece).encode("utf-8", "surrogatepass")
            digest.update(b"%d:" % len(text))
            digest.update(text)
        digest.update(b";")
    return digest.hexdigest()


def listing_shape(site: Site, env: jinja2.Environment, chrome: str) -> tuple[object, ...] | None:
    """Everything listing pages can show: the site without essay bodies (bodies too
    when a listing template reads them). None when the templates cannot be checked."""
    read = _attributes_read(env, LISTING_TEMPLATES)
    if read is None:
        return None
    essays = tuple(_shown_in_listings(e, "words" in read) for e in site.essays)
    if read & BODY_ATTRIBUTES:
        essays += tuple(_body_shown(e) for e in site.essays)
    around = _site_parts(site)
    if "as_of" not in read:
        around["as_of"] = None
    return (chrome, essays, tuple((s.key, s.teasers) for s in site.series), *around.values())


@dataclass(frozen=True)
class ListingParts:
    """What listing pages can show, in parts (serve's). The frame (the navigation, site
    and theme) makes every listing again when it changes. Each other part makes again
    only the listings that read it (`ReadingEnvironment`): the parts of the site around
    the essays (which essays there are and in which order, the tags, authors and series
    that list them, the references, the schedule, standalone pages…), what a listing
    shows of each essay, and apart, each essay's links to its neighbours (which change
    with a neighbour's title). What a listing's own variables list is compared apart
    (`listed_in`)."""

    frame: tuple[object, ...]
    around: dict[str, object]                   # by the attribute of `site` that holds it
    essays: dict[str, tuple[object, ...]]       # by slug
    neighbours: dict[str, tuple[object, ...]]   # by slug: (prev, next)


@dataclass(frozen=True)
class ListingNumbers:
    """A number for each part of `ListingParts` (Memo.token): the same as the last
    build's where the part is."""

    frame: int
    around: dict[str, int]
    essays: dict[str, tuple[int, int]]          # (what a listing shows, its neighbours)

    @classmethod
    def of(cls, parts: ListingParts, memo: Memo) -> ListingNumbers:
        own, links = memo.tokens("listed essay", parts.essays), memo.tokens("essay's neighbours", parts.neighbours)
        return cls(memo.token("listing frame", parts.frame), memo.tokens("around the essays", parts.around), {slug: (own[slug], links[slug]) for slug in own})


def listing_parts(site: Site, env: jinja2.Environment, chrome: str) -> ListingParts | None:
    """`listing_shape` in parts; None when the templates cannot be checked."""
    read = _attributes_read(env, LISTING_TEMPLATES)
    if read is None:
        return None
    words, bodies = "words" in read, bool(read & BODY_ATTRIBUTES)
    essays = {e.slug: _shown_in_listings(e, words, False) + ((_body_shown(e),) if bodies else ()) for e in site.essays}
    lists = {name: listed_in(getattr(site, name)) for name in ("essays", "tags", "authors", "series")}
    return ListingParts((chrome,), {**lists, **_site_parts(site)}, essays, {e.slug: (e.prev, e.next) for e in site.essays})


def listed_in(value: object) -> object:
    """Which essays a value lists, in order, and the rest of it (what is shown of each
    essay is compared apart): a listing's variables, or a part of `site`."""
    if isinstance(value, EssayView):
        return value.slug
    if isinstance(value, SeriesView):  # its title and description are the chrome's
        return (value.key, value.teasers, tuple(e.slug for e in value.parts))
    if isinstance(value, (tuple, list)):
        return tuple(listed_in(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, listed_in(v)) for k, v in value.items())
    return value


def _shown_in_listings(essay: EssayView, words: bool, neighbours: bool = True) -> tuple[object, ...]:
    e = essay
    shown = _listed(e, words) + (e.tags, e.authors, e.series, e.image, e.image_alt, e.draft, e.revisions, e.updated)
    return shown + (e.prev, e.next) if neighbours else shown


def _body_shown(essay: EssayView) -> str:
    return _body_digest(essay) + hashlib.sha256((essay.held_references + essay.cite_html).encode()).hexdigest()


def _site_parts(site: Site) -> dict[str, object]:
    """What listings can show of `site` besides its essays and what lists them, by name."""
    return {
        "references": site.references,
        "next_release": site.next_release,
        "next_announce": site.next_announce,
        "pages": site.pages,
        "home": site.home,
        "as_of": site.as_of,
    }


class Reads:
    """What one render read: which essays, whether any link to a neighbour, and which
    attributes of `site`."""

    def __init__(self) -> None:
        self.slugs: set[str] = set()
        self.neighbours = False
        self.site: set[str] = set()

    def note(self, obj: Any, name: Any) -> None:
        kind = type(obj)
        if kind is EssayView:
            self.slugs.add(obj.slug)
            if name in _NEIGHBOURS:
                self.neighbours = True
        elif kind is Site and isinstance(name, str):
            self.site.add(name)


_NEIGHBOURS = frozenset({"prev", "next"})


class ReadingEnvironment(jinja2.Environment):
    """A Jinja environment that can tell what a render read (serve's): templates reach
    every attribute and item through `getattr` and `getitem`, the filters that take an
    `attribute=` too. A listing page is then made again when what it read changed (an
    essay, the references…), or the frame around every listing; not on every edit."""

    reading: Reads | None = None

    def getattr(self, obj: Any, attribute: str) -> Any:
        if self.reading is not None:
            self.reading.note(obj, attribute)
        return jinja2.Environment.getattr(self, obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if self.reading is not None:
            self.reading.note(obj, argument)
        return jinja2.Environment.getitem(self, obj, argument)


@contextmanager
def reads_of(env: jinja2.Environment) -> Iterator[Reads | None]:
    """What the renders in the block read; None when `env` cannot tell."""
    if not isinstance(env, ReadingEnvironment):
        yield None
        return
    env.reading = found = Reads()
    try:
        yield found
    finally:
        env.reading = None


def listing_page_key(listings: str, template: str, path: str, head: object, root_relative: bool) -> str:
    return hashlib.sha256(repr((listings, template, path, head, root_relative)).encode("utf-8")).hexdigest()


class KeptPages:
    """The pages the last builds left in the output folder and its spare, found by
    the key each was made from (output.py's manifests): a page whose key is among
    them is not made again, because writing the output will link or keep that file.

    No page is kept twice: the cache used to hold a copy of every page as well, which
    cost a cold build one more file per page. The price is that a build into a new
    output folder, or after the output and its spare are gone, renders every page.
    """

    def __init__(self, out: Path, kept: Kept) -> None:
        self.out = out
        self.previous = {entry[0]: (rel, entry) for rel, entry in kept.previous.items() if _keyed(entry)}
        self.spare = frozenset(entry[0] for entry in kept.spare.values() if _keyed(entry))

    def any(self) -> bool:
        """Whether the last builds left any page (a first build's answer: no)."""
        return bool(self.previous or self.spare)

    def has(self, key: str) -> bool:
        """Some file of the last builds was made from `key` (it may since be gone or edited)."""
        return key in self.previous or key in self.spare

    def get(self, key: str) -> bytes | None:
        """The previous output's file made from `key`, if nobody touched it since; None
        makes the caller render the page again. (The spare is not read: writing the
        output updates it in place.)"""
        found = self.previous.get(key)
        if found is None:
            return None
        rel, entry = found
        path = self.out / rel
        try:
            info = os.lstat(path)
            if [info.st_size, info.st_mtime_ns, info.st_ino] != entry[1:]:
                return None
            return path.read_bytes()
        except OSError:
            return None


def _keyed(entry: object) -> bool:
    return isinstance(entry, list) and len(entry) == 4 and isinstance(entry[0], str)
