"""site.yaml: the site's configuration, read against a declarative schema."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlsplit

from essaygen.clock import BadDate, load_zone, parse_instant
from essaygen.problems import Problem
from essaygen.schema import Field, check_keys, shown
from essaygen.yamldoc import YamlDoc, parse_yaml

CONFIG_NAME = "site.yaml"
_WEB_ADDRESS = re.compile(r"(?:https?://[^\s/]|mailto:\S)", re.IGNORECASE)   # what a link may safely point at

_AUTHOR = Field("map", keys={"name": Field("str", required=True, example="name: The Q Lab team"), "url": Field("str")})
_WAVE = Field(
    "map",
    keys={
        "release": Field("scalar", required=True, example="release: 2018-05-30 09:00"),
        "announce": Field("str"),
        "essays": Field("list", required=True, items=Field("str"), example="essays: [first-essay, second-essay]"),
    },
)
_SERIES = Field(
    "map",
    keys={
        "title": Field("str", required=True, example="title: The Lab Essays"),
        "description": Field("str"),
        "tease": Field("str", choices=("titles", "count", "none")),
        "schedule": Field("list", items=_WAVE),
    },
)
SCHEMA: Mapping[str, Field] = {
    "title": Field("str", required=True, example="title: The Lab Essays"),
    "description": Field("str"),
    "base_url": Field("str", required=True, example="base_url: https://essays.example.org/"),
    "language": Field("str", example="language: en-GB"),
    "timezone": Field("str", example="timezone: Europe/London"),
    "theme": Field("str", example="theme: lab"),
    "authors": Field("map", values=_AUTHOR),
    "series": Field("map", values=_SERIES),
    "citations": Field(
        "map",
        keys={"bibliography": Field("str-or-list", items=Field("str")), "style": Field("str", example="style: vancouver")},
    ),
    "feed": Field("map", keys={"entries": Field("int", example="entries: 20"), "id_authority": Field("str")}),
    "markdown": Field("map", keys={"unsafe_html": Field("bool", example="unsafe_html: true")}),
    "search": Field("map", keys={"enabled": Field("bool", example="enabled: false")}),
}


@dataclass(frozen=True)
class Author:
    key: str
    name: str
    url: str | None = None


@dataclass(frozen=True)
class Wave:
    release: datetime
    announce: str | None
    essays: tuple[str, ...]
    line: int                     # where the wave is written, for messages
    essay_marks: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class SeriesConfig:
    key: str
    title: str
    description: str
    tease: str
    waves: tuple[Wave, ...]


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    title: str
    description: str
    base_url: str                 # always ends with "/"
    language: str
    timezone_name: str
    zone: tzinfo
    theme: str
    authors: Mapping[str, Author]
    series: Mapping[str, SeriesConfig]
    bibliography: tuple[str, ...]
    citation_style: str
    feed_entries: int
    feed_id_authority: str
    unsafe_html: bool
    search: bool
    doc: YamlDoc = field(repr=False, compare=False)

    @property
    def base_path(self) -> str:
        """The path part of base_url ("/" or "/essays/"): every site URL starts with it."""
        return urlsplit(self.base_url).path or "/"

    def absolute(self, url_path: str) -> str:
        """An absolute URL for a site path such as "/essays/x/"."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}{url_path}"

    def url_of(self, output_path: str) -> str:
        """The absolute URL of an output path ("essays/x/", "media/a.png"), or a URL given as such."""
        if urlsplit(output_path).scheme in ("http", "https"):
            return output_path
        return self.absolute(self.base_path + quote(output_path, safe="/"))


def parse_config(text: str, root: Path, path: str = CONFIG_NAME) -> tuple[SiteConfig | None, list[Problem]]:
    doc, problems = parse_yaml(text, path)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, [Problem(path, 1, 1, "site.yaml must be a mapping of `key: value` lines — start with `title: ...`")]
    problems = check_keys(doc, SCHEMA, doc.data, ())
    if problems:
        return None, problems
    return _build(doc, root)


def _build(doc: YamlDoc, root: Path) -> tuple[SiteConfig | None, list[Problem]]:
    data: dict[str, Any] = doc.data
    problems: list[Problem] = []
    zone_name = str(data.get("timezone") or "UTC")
    try:
        zone = load_zone(zone_name)
    except BadDate as exc:
        return None, [doc.problem(("timezone",), str(exc))]
    base_url = _base_url(doc, problems)
    series = {str(k): _series(doc, str(k), v, zone, problems) for k, v in (data.get("series") or {}).items()}
    problems += _series_names(doc, series)
    problems += _author_urls(doc)
    entries = data.get("feed", {}).get("entries", 20)
    if entries < 1:
        problems.append(doc.problem(("feed", "entries"), "'entries' must be at least 1 — write e.g. `entries: 20`"))
    if problems:
        return None, problems
    citations = data.get("citations") or {}
    bib = citations.get("bibliography") or ()
    config = SiteConfig(
        root=root,
        title=str(data["title"]),
        description=str(data.get("description") or ""),
        base_url=base_url,
        language=str(data.get("language") or "en"),
        timezone_name=zone_name,
        zone=zone,
        theme=str(data.get("theme") or "lab"),
        authors=MappingProxyType({str(k): Author(str(k), str(v["name"]), None if v.get("url") is None else str(v["url"])) for k, v in (data.get("authors") or {}).items()}),
        series=MappingProxyType(series),
        bibliography=(bib,) if isinstance(bib, str) else tuple(str(b) for b in bib),
        citation_style=str(citations.get("style") or "vancouver"),
        feed_entries=int(entries),
        feed_id_authority=str(data.get("feed", {}).get("id_authority") or urlsplit(base_url).hostname or "localhost"),
        unsafe_html=bool(data.get("markdown", {}).get("unsafe_html", False)),
        search=bool(data.get("search", {}).get("enabled", True)),
        doc=doc,
    )
    return config, []


def _base_url(doc: YamlDoc, problems: list[Problem]) -> str:
    raw = str(doc.data["base_url"]).strip()
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError as exc:
        problems.append(doc.problem(("base_url",), f"base_url '{shown(raw)}' is not a valid URL ({exc}) — write e.g. `base_url: https://essays.example.org/`"))
        return raw
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(doc.problem(("base_url",), f"base_url must be absolute, not '{shown(raw)}' — write e.g. `base_url: https://essays.example.org/`"))
        return raw
    if parts.query or parts.fragment:
        problems.append(doc.problem(("base_url",), "base_url must not have a query or fragment — remove what follows '?' or '#'"))
    return raw if raw.endswith("/") else raw + "/"


def _author_urls(doc: YamlDoc) -> list[Problem]:
    """An author's `url` becomes a link on every page: only web and mail addresses."""
    problems = []
    for key, author in (doc.data.get("authors") or {}).items():
        url = author.get("url")
        if url is None:
            continue
        if not _WEB_ADDRESS.match(str(url)):
            problems.append(doc.problem(("authors", key, "url"), f"url '{shown(url)}' is not a web address — write e.g. `url: https://example.org/people/{shown(key)}`"))
    return problems


def _series_names(doc: YamlDoc, series: Mapping[str, SeriesConfig]) -> list[Problem]:
    """A series name is a folder of the output (series/<name>/): the rules of a slug."""
    from essaygen.content import is_safe_slug, slugify

    return [
        doc.problem(("series", key), f"series name '{shown(key)}' cannot be part of a web address — use lowercase letters, digits and hyphens, e.g. `{slugify(key) or 'my-series'}:`", key=True)
        for key in series
        if not is_safe_slug(key)
    ]


def _series(doc: YamlDoc, key: str, data: dict[str, Any], zone: tzinfo, problems: list[Problem]) -> SeriesConfig:
    waves = []
    for i, wave in enumerate(data.get("schedule") or ()):
        where = ("series", key, "schedule", i)
        try:
            release = parse_instant(wave["release"], zone)
        except BadDate as exc:
            problems.append(doc.problem(where + ("release",), str(exc)))
            continue
        essays = tuple(str(e) for e in wave["essays"])
        marks = tuple(doc.where(where + ("essays", j)) for j in range(len(essays)))
        announce = wave.get("announce")
        waves.append(Wave(release, str(announce) if announce else None, essays, doc.where(where)[0], marks))
    return SeriesConfig(key, str(data["title"]), str(data.get("description") or ""), str(data.get("tease") or "titles"), tuple(waves))


def load_config(root: Path) -> tuple[SiteConfig | None, list[Problem]]:
    """Read SITE/site.yaml (I/O)."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return None, [Problem(CONFIG_NAME, 1, 1, f"no site.yaml in {root} — run essaygen in a site folder, or create site.yaml with `title:` and `base_url:`")]
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem(CONFIG_NAME, 1, exc.start + 1, "site.yaml is not UTF-8 text — save it as UTF-8")]
    return parse_config(text, root)
