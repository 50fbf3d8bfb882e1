"""Page metadata: <head> descriptions, Open Graph, JSON-LD, dates for readers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from essaygen.site import EssayView, SeriesView, Site

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


@dataclass(frozen=True)
class Head:
    title: str
    description: str
    canonical: str
    og_type: str = "website"
    image: str | None = None
    image_alt: str | None = None
    meta: tuple[tuple[str, str], ...] = ()     # (name, content), e.g. Google Scholar's citation_*
    jsonld: str = ""
    noindex: bool = False
    published: str | None = None
    modified: str | None = None


@lru_cache(maxsize=8192)
def format_date(moment: datetime, language: str, zone: tzinfo) -> str:
    """A release date as a reader in the site's language expects it: "30 May 2018".
    (Kept: each date is shown on a dozen pages, in their lists of a series' parts.)"""
    local = moment.astimezone(zone)
    month = _MONTHS[local.month - 1]
    if language.lower() in ("en-us", "en_us"):
        return f"{month} {local.day}, {local.year}"
    return f"{local.day} {month} {local.year}"


@lru_cache(maxsize=8192)
def iso_time(moment: datetime, zone: tzinfo) -> str:
    """A moment as an HTML <time datetime> wants it, in the site's time zone."""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def json_ld(data: dict[str, Any]) -> str:
    """JSON for a <script> element: '<', '>' and '&' escaped so no text can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=None, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _person(author: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Organization" if author.key.endswith("team") else "Person", "name": author.name}
    if author.url:
        data["url"] = author.url
    return data


def website_ld(site: Site) -> dict[str, Any]:
    config = site.config
    return {"@context": "https://schema.org", "@type": "WebSite", "name": config.title, "description": config.description, "url": config.base_url, "inLanguage": config.language}


def article_ld(site: Site, essay: EssayView, citations: Sequence[str] = ()) -> dict[str, Any]:
    config = site.config
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": essay.title,
        "name": essay.title,
        "description": essay.summary,
        "url": config.absolute(config.base_path + essay.path),
        "mainEntityOfPage": config.absolute(config.base_path + essay.path),
        "datePublished": essay.release.astimezone(config.zone).isoformat(timespec="seconds"),
        "dateModified": essay.modified.astimezone(config.zone).isoformat(timespec="seconds"),
        "inLanguage": config.language,
        "wordCount": essay.words,
        "author": [_person(a) for a in essay.authors],
        "publisher": {"@type": "Organization", "name": config.title, "url": config.base_url},
    }
    if essay.subtitle:
        data["alternativeHeadline"] = essay.subtitle
    if essay.tags:
        data["keywords"] = ", ".join(t.name for t in essay.tags)
    if essay.image:
        data["image"] = config.url_of(essay.image)
    if essay.series_title and essay.series:
        data["isPartOf"] = {"@type": "CreativeWorkSeries", "name": essay.series_title, "url": config.absolute(config.base_path + f"series/{essay.series}/")}
        if essay.part:
            data["position"] = essay.part
    if citations:
        data["citation"] = [{"@type": "CreativeWork", "name": text} for text in citations]
    return data


def collection_ld(site: Site, series: SeriesView) -> dict[str, Any]:
    config = site.config
    return {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": series.title,
        "description": series.description,
        "url": config.absolute(config.base_path + series.path),
        "inLanguage": config.language,
        "hasPart": [{"@type": "ScholarlyArticle", "headline": e.title, "url": config.absolute(config.base_path + e.path)} for e in series.parts],
    }
