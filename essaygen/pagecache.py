"""Essay pages rendered once per distinct input, kept in the cache between builds.

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
from dataclasses import replace
from pathlib import Path

import jinja2
from jinja2 import meta, nodes

from essaygen import __version__
from essaygen.cache import JsonStore
from essaygen.search import search_available
from essaygen.site import EssayView, SeriesView, Site

# What an essay page may read of `site` and still be cached by the key below.
SITE_ATTRIBUTES = frozenset({"config", "series", "nav_pages", "drafts"})


def essay_pages_cacheable(env: jinja2.Environment, name: str = "essay.html") -> bool:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            source = env.loader.get_source(env, current)[0] if env.loader else ""
            tree = env.parse(source)
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
        theme_digest,
        repr(site.config),
        site.drafts,
        tuple((p.title, p.path) for p in site.nav_pages),
        tuple((s.key, s.title, s.path, s.total, s.description) for s in site.series),
        search_available(site.config),
    )
    return hashlib.sha256(repr(chrome).encode("utf-8")).hexdigest()


def essay_page_key(chrome: str, essay: EssayView, series: SeriesView | None, extras: object) -> str:
    shown = None
    if series is not None:
        # Of the other parts, a page shows what a listing shows: never their text.
        parts = tuple(_listed(e) for e in series.nearby(essay.slug))
        shown = (series.key, series.title, series.path, series.total, series.tease, series.truncated, parts, series.soon())
    own = replace(essay, body_html=hashlib.sha256(essay.body_html.encode("utf-8")).hexdigest())
    return hashlib.sha256(repr((chrome, own, shown, extras)).encode("utf-8")).hexdigest()


def _listed(essay: EssayView) -> tuple[object, ...]:
    return (essay.slug, essay.title, essay.subtitle, essay.summary, essay.part, essay.total, essay.release, essay.words, essay.path)


class PageCache:
    def __init__(self, folder: Path | None, writable: bool = True) -> None:
        self.store = JsonStore(folder / "pages" if folder else None, writable)

    def get(self, key: str) -> bytes | None:
        found = self.store.load(key)
        return found.encode("utf-8") if isinstance(found, str) else None

    def put(self, key: str, html: bytes) -> None:
        self.store.save(key, html.decode("utf-8"))
