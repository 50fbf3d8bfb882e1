"""Discovery for crawlers: sitemap.xml (released pages only) and robots.txt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from xml.sax.saxutils import escape

from essaygen.pages import OutputFile
from essaygen.site import Site


def sitemap_urls(site: Site) -> list[tuple[str, datetime | None]]:
    """(site path, last modified) of every public page."""
    newest = max((e.modified for e in site.essays), default=None)
    urls: list[tuple[str, datetime | None]] = [("", newest), ("essays/", newest)]
    urls += [(e.path, e.modified) for e in site.essays if not e.draft]
    for series in site.series:
        urls.append((series.path, max((e.modified for e in series.parts), default=None)))
    urls += [(tag.path, max(e.modified for e in essays)) for tag, essays in site.tags.items()]
    urls += [(f"authors/{key}/", max(e.modified for e in essays)) for key, (_, essays) in site.authors.items()]
    urls += [("tags/", newest), ("references/", newest)]
    urls += [(p.path, None) for p in site.pages if not p.draft]
    unique = {}
    for path, modified in urls:  # one entry per page, whatever listed it
        if path not in unique or (modified and (unique[path] is None or modified > unique[path])):
            unique[path] = modified
    return sorted(unique.items())


def sitemap_xml(site: Site) -> bytes:
    config = site.config
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, modified in sitemap_urls(site):
        lastmod = f"<lastmod>{modified.astimezone(config.zone).isoformat(timespec='seconds')}</lastmod>" if modified else ""
        lines.append(f"  <url><loc>{escape(config.absolute(config.base_path + path))}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots_txt(site: Site) -> bytes:
    config = site.config
    if site.drafts:  # a draft preview must never be indexed
        return b"User-agent: *\nDisallow: /\n"
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.absolute(config.base_path + 'sitemap.xml')}\n".encode()


def plan_discovery(site: Site) -> Iterator[OutputFile]:
    yield OutputFile("sitemap.xml", sitemap_xml(site))
    yield OutputFile("robots.txt", robots_txt(site))
