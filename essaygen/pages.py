"""HTML pages: each page of the site rendered from the theme's templates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from essaygen.metadata import Head, article_ld, collection_ld, format_date, json_ld, website_ld
from essaygen.site import EssayView, PageView, SeriesView, Site, Tag
from essaygen.urls import relative_url

FEEDS = (("feed.xml", "application/atom+xml", "Atom"), ("rss.xml", "application/rss+xml", "RSS"), ("feed.json", "application/feed+json", "JSON Feed"))


@dataclass(frozen=True)
class OutputFile:
    """One file of the output: bytes to write, or a file to copy."""

    path: str                     # relative to the output folder, "/"-separated
    data: bytes | None = None
    copy_from: str | None = None  # absolute path of a file to copy


@dataclass(frozen=True)
class EssayExtras:
    """What the citations stage adds to an essay page's head."""

    scholar_meta: tuple[tuple[str, str], ...] = ()
    jsonld_citations: tuple[str, ...] = ()


def plan_pages(site: Site, env: jinja2.Environment, extras: dict[str, EssayExtras] | None = None) -> Iterator[OutputFile]:
    extras = extras or {}
    yield _page(site, env, "home.html", "", _home_head(site), {})
    yield _page(site, env, "essays.html", "essays/", _head(site, "All essays", site.config.description, "essays/"), {"essays": site.essays})
    for essay in site.essays:
        yield _essay_page(site, env, essay, extras.get(essay.slug, EssayExtras()))
    for series in site.series:
        yield _page(site, env, "series.html", series.path, _series_head(site, series), {"series": series})
    yield _page(site, env, "references.html", "references/", _head(site, "References", "Every work cited in " + site.config.title, "references/"), {"references": site.references})
    yield _page(site, env, "tags.html", "tags/", _head(site, "Topics", "Every topic of " + site.config.title, "tags/"), {"tags": site.tags})
    for tag, essays in site.tags.items():
        yield _page(site, env, "tag.html", tag.path, _head(site, f"Essays on {tag.name}", f"Essays on {tag.name} in {site.config.title}", tag.path), {"tag": tag, "essays": essays})
    for key, (author, essays) in site.authors.items():
        path = f"authors/{key}/"
        yield _page(site, env, "author.html", path, _head(site, author.name, f"Essays by {author.name}", path), {"author": author, "essays": essays})
    for page in site.pages:
        yield _page(site, env, "page.html", page.path, _head(site, page.title, page.summary or site.config.description, page.path, noindex=page.draft), {"page": page})
    yield _page(site, env, "404.html", "404.html", _head(site, "Page not found", "This page does not exist.", "404.html", noindex=True), {}, root_relative=True)


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
        "draft_mode": site.drafts,
        "html": Markup,
    }


def _essay_page(site: Site, env: jinja2.Environment, essay: EssayView, extras: EssayExtras) -> OutputFile:
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
    series = next((s for s in site.series if s.key == essay.series), None)
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


__all__ = ["OutputFile", "EssayExtras", "plan_pages", "render_template", "base_context", "EssayView", "PageView", "Tag"]
