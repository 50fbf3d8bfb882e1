"""Content: the editor's Markdown files, read from disk and parsed into essays and pages."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from essaygen.clock import BadDate, parse_instant
from essaygen.config import Author, SiteConfig
from essaygen.pickles import file_state
from essaygen.problems import Problem
from essaygen.schema import Field, clean_keys, hint, shown
from essaygen.yamldoc import UNSAFE_CHARACTER, YamlDoc, parse_yaml

MAX_SOURCE_BYTES = 20 * 1024 * 1024   # far beyond a 50,000-word essay; bounds memory and time

ESSAY_SCHEMA: Mapping[str, Field] = {
    "title": Field("str", required=True, example="title: Understanding decision making", max_length=500),
    "subtitle": Field("str", max_length=500),
    "slug": Field("str", example="slug: decision-making"),
    "summary": Field("str", max_length=2000),
    "authors": Field("str-or-list", items=Field("str"), example="authors: [lab-team]"),
    "series": Field("str", example="series: lab-essays"),
    "part": Field("int", example="part: 3"),
    "date": Field("scalar", example="date: 2018-05-30"),
    "updated": Field("scalar", example="updated: 2018-06-02"),
    "revisions": Field(
        "list",
        items=Field("map", keys={"date": Field("scalar", required=True, example="date: 2018-06-02"), "note": Field("str", required=True, example="note: Corrected a figure")}),
    ),
    "tags": Field("str-or-list", items=Field("str"), example="tags: [survey, decision making]"),
    "draft": Field("bool", example="draft: true"),
    "image": Field("str", example="image: cover.jpg"),
    "image_alt": Field("str", example="image_alt: Participants at a workshop"),
    "feed_id": Field("str"),
    "bibliography": Field("str-or-list", items=Field("str")),
}
PAGE_SCHEMA: Mapping[str, Field] = {
    "title": Field("str", required=True, example="title: About", max_length=500),
    "subtitle": Field("str", max_length=500),
    "slug": Field("str", example="slug: about"),
    "summary": Field("str", max_length=2000),
    "draft": Field("bool", example="draft: true"),
    "nav": Field("bool", example="nav: false"),
    "order": Field("int", example="order: 1"),
}
RESERVED_SLUGS = frozenset({"essays", "series", "tags", "references", "assets", "media", "authors", "search", "index"})


@dataclass(frozen=True)
class Source:
    """A Markdown file as read from disk."""

    path: str                 # relative to the site root, with "/" separators
    kind: str                 # "essay" | "page" | "home"
    text: str
    bundle: str | None = None  # the bundle folder (relative) of content/essays/<slug>/index.md


@dataclass(frozen=True)
class Revision:
    date: datetime
    note: str


@dataclass(frozen=True)
class Essay:
    source: str
    slug: str
    title: str
    subtitle: str | None
    summary: str
    authors: tuple[Author, ...]
    series: str | None
    part: int | None
    date: datetime | None
    updated: datetime | None
    revisions: tuple[Revision, ...]
    tags: tuple[str, ...]
    draft: bool
    image: str | None
    image_alt: str | None
    feed_id: str | None
    bibliography: tuple[str, ...]
    body: str                  # "" once rendered by a build that streams (build.py)
    line_offset: int           # file lines before the body
    bundle: str | None
    doc: YamlDoc
    body_digest: str = ""      # sha256 of the body

    @property
    def last_modified(self) -> datetime | None:
        return self.updated


@dataclass(frozen=True)
class Page:
    source: str
    kind: str                  # "page" | "home"
    slug: str
    title: str
    subtitle: str | None
    summary: str
    draft: bool
    nav: bool
    order: int
    body: str
    line_offset: int
    doc: YamlDoc | None = None


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens: "Ways of Working" -> "ways-of-working"."""
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", flat).strip("-")


def is_safe_slug(slug: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug)) and len(slug) <= 120


# ---------------------------------------------------------------- reading (I/O)

@dataclass(frozen=True)
class SourceFile:
    """A Markdown file found in the site, not read yet."""

    path: str                 # relative to the site root, with "/" separators
    kind: str                 # "essay" | "page" | "home"
    bundle: str | None = None


def read_sources(root: Path) -> tuple[list[Source], list[Problem]]:
    """Every Markdown source of the site, in a stable order."""
    found, problems = find_sources(root)
    sources = []
    for item in found:
        source, problem = read_source(root, item)
        if problem:
            problems.append(problem)
        elif source:
            sources.append(source)
    return sources, problems


def find_sources(root: Path) -> tuple[list[SourceFile], list[Problem]]:
    """Every Markdown file of the site, in a stable order, with problems of layout."""
    content = root / "content"
    found: list[SourceFile] = []
    problems: list[Problem] = []
    real_root = os.path.realpath(root) + os.sep
    for entry in _scan(content / "essays"):
        rel = "content/essays/" + entry.name
        if entry.is_symlink() and not os.path.realpath(entry.path).startswith(real_root):
            problems.append(Problem(rel, 1, 1, "this symlink points outside the site folder — copy the file into the site instead"))
        elif entry.is_dir():
            index = Path(entry.path) / "index.md"
            if index.is_file():
                found.append(SourceFile(rel + "/index.md", "essay", rel))
            elif any(Path(entry.path).glob("*.md")):
                problems.append(Problem(rel, 1, 1, "an essay folder needs an index.md — rename the essay's Markdown file to index.md"))
        elif entry.name.endswith(".md"):
            found.append(SourceFile(rel, "essay"))
    for entry in _sorted_entries(content / "pages"):
        if entry.suffix == ".md" and entry.is_file():
            found.append(SourceFile(_rel(root, entry), "page"))
    media = content / "media"
    if _escapes(root, media):
        problems.append(Problem("content/media", 1, 1, "content/media is a link to a folder outside the site — copy the files into the site instead"))
    if (content / "index.md").is_file():
        found.append(SourceFile("content/index.md", "home"))
    return found, problems


def read_source(root: Path, item: SourceFile) -> tuple[Source | None, Problem | None]:
    """A file's text (or why it cannot be used)."""
    return _read_source(root, item.path, item.kind, item.bundle)


def file_state_key(root: Path, item: SourceFile) -> tuple[object, ...] | None:
    """What tells a source file unchanged since it was last read (pickles.file_state:
    its size, times and inode), or None when it cannot be looked at."""
    state = file_state(os.path.join(root, item.path))
    return None if state is None else (str(root), item.path, item.kind, item.bundle, *state)


def read_body(root: Path, rel: str, digest: str) -> tuple[str | None, Problem | None]:
    """An essay's body read again from its file (by a render worker: the build does not
    hold every body), checked against the digest taken when it was parsed."""
    source, problem = _read_source(root, rel, "essay", None)
    if source is None:
        return None, problem
    body = split_front_matter(source.text, rel)[1]
    if body_digest(body) != digest:
        return None, Problem(rel, 1, 1, "the file changed while the site was being built — build again")
    return body, None


def body_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _sorted_entries(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(folder.iterdir(), key=lambda p: p.name)


def _scan(folder: Path) -> list[os.DirEntry[str]]:
    """A folder's entries by name (os.scandir: a thousand essays cost no Path objects)."""
    try:
        return sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _escapes(root: Path, path: Path) -> bool:
    """True when a symlink leads outside the site folder."""
    if not path.is_symlink():
        return False
    return not os.path.realpath(path).startswith(os.path.realpath(root) + os.sep)


def _read_source(root: Path, rel: str, kind: str, bundle: str | None) -> tuple[Source | None, Problem | None]:
    path = root / rel
    if _escapes(root, path):
        return None, Problem(rel, 1, 1, "this symlink points outside the site folder — copy the file into the site instead")
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        return None, Problem(rel, 1, 1, f"the file is {size // 1_048_576} MiB, more than the 20 MiB an essay may be — split it")
    data = path.read_bytes()
    text, problem = decode_source(data, rel)
    return (Source(rel, kind, text, bundle) if text is not None else None), problem


# The UTF-8 bytes an unsafe character (UNSAFE_CHARACTER) can start with: C0 controls
# but tab and newlines, DEL, and the lead bytes of U+0080-U+009F and U+FFFE/U+FFFF
# (strict UTF-8 has no surrogates). A file without any is safe: found by deleting every
# other byte, about twelve times faster than searching the text with the regex.
_SUSPECT = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xC2, 0xEF])
_NOT_SUSPECT = bytes(b for b in range(256) if b not in _SUSPECT)


def decode_source(data: bytes, rel: str) -> tuple[str | None, Problem | None]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, Problem(rel, line, col, "the file is not UTF-8 text — save it as UTF-8 (in most editors: Save with Encoding, UTF-8)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = UNSAFE_CHARACTER.search(text) if data.translate(None, _NOT_SUSPECT) else None
    if bad:
        return None, _unsafe_character(text, bad.start(), rel)
    return text, None


def _unsafe_character(text: str, index: int, rel: str) -> Problem:
    """A character no page or feed can carry: where it is and what to do."""
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    code = ord(text[index])
    if code == 0:
        fix = "the file may be saved as UTF-16: save it as UTF-8"
    else:
        fix = "delete it (most editors do not show it)"
    return Problem(rel, line, col, f"the file contains the invisible character U+{code:04X}, which no web page or feed can carry — {fix}")


# ---------------------------------------------------------------- parsing (pure)

def split_front_matter(text: str, path: str) -> tuple[str | None, str, int, list[Problem]]:
    """(front matter, body, lines before the body, problems). Line numbers stay those of the file."""
    if not text.strip():
        return None, "", 0, [Problem(path, 1, 1, "the file is empty — start it with front matter: a line `---`, `title: ...`, and a line `---`")]
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return None, text, 0, [Problem(path, 1, 1, "no front matter — start the file with a line `---`, then `title: ...`, then a line `---`")]
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 1, []
    return None, "", 0, [Problem(path, 1, 1, "the front matter opened here is never closed — add a line `---` after its last key")]


def parse_essay(source: Source, config: SiteConfig) -> tuple[Essay | None, list[Problem]]:
    doc, data, body, offset, problems = _front_matter(source, ESSAY_SCHEMA)
    if doc is None:
        return None, problems
    slug = _slug(doc, data, source, problems)
    date = _instant(doc, data, "date", config, problems)
    updated = _instant(doc, data, "updated", config, problems)
    revisions = _revisions(doc, data, config, problems)
    if revisions and (updated is None or revisions[-1].date > updated):
        updated = revisions[-1].date
    _check_image(doc, data, problems)
    series = data.get("series")
    if series is not None and str(series) not in config.series:
        problems.append(doc.problem(("series",), f"unknown series '{shown(series)}'{hint(str(series), list(config.series), 'series')} (series are declared in site.yaml)"))
    if data.get("part") is not None and data["part"] < 1:
        problems.append(doc.problem(("part",), "'part' must be 1 or more — write e.g. `part: 3`"))
    if problems:
        return None, problems
    return Essay(
        source=source.path,
        slug=slug,
        title=str(data["title"]).strip(),
        subtitle=_text(data.get("subtitle")),
        summary=_text(data.get("summary")) or "",
        authors=tuple(_author(str(a), config) for a in _as_list(data.get("authors"))),
        series=str(series) if series is not None else None,
        part=data.get("part"),
        date=date,
        updated=updated,
        revisions=revisions,
        tags=tuple(dict.fromkeys(str(t).strip() for t in _as_list(data.get("tags")) if str(t).strip())),
        draft=bool(data.get("draft", False)),
        image=_text(data.get("image")),
        image_alt=_text(data.get("image_alt")),
        feed_id=_text(data.get("feed_id")),
        bibliography=tuple(str(b) for b in _as_list(data.get("bibliography"))),
        body=body,
        line_offset=offset,
        bundle=source.bundle,
        doc=doc.top_level(),  # every check needing more was made above
        body_digest=body_digest(body),
    ), []


def parse_page(source: Source) -> tuple[Page | None, list[Problem]]:
    doc, data, body, offset, problems = _front_matter(source, PAGE_SCHEMA)
    if doc is None:
        return None, problems
    slug = "" if source.kind == "home" else _slug(doc, data, source, problems)
    if slug in RESERVED_SLUGS:
        problems.append(doc.problem(("slug",), f"the page slug '{slug}' is used by the site itself — choose another, e.g. `slug: about-{slug}`"))
    if problems:
        return None, problems
    return Page(
        source=source.path,
        kind=source.kind,
        slug=slug,
        title=str(data["title"]).strip(),
        subtitle=_text(data.get("subtitle")),
        summary=_text(data.get("summary")) or "",
        draft=bool(data.get("draft", False)),
        nav=bool(data.get("nav", True)),
        order=int(data.get("order", 0)),
        body=body,
        line_offset=offset,
        doc=doc,
    ), []


def _front_matter(
    source: Source, schema: Mapping[str, Field]
) -> tuple[YamlDoc | None, dict[str, Any], str, int, list[Problem]]:
    """The front matter's valid keys, with problems for the rest (all of them at once)."""
    front, body, offset, problems = split_front_matter(source.text, source.path)
    if front is None:
        return None, {}, body, offset, problems
    doc, problems = parse_yaml(front, source.path, line_offset=1)
    if doc is None:
        return None, {}, body, offset, problems
    if not isinstance(doc.data, dict):
        return None, {}, body, offset, [Problem(source.path, 2, 1, "front matter must be `key: value` lines — start with `title: ...`")]
    data, problems = clean_keys(doc, schema, doc.data, ())
    return doc, data, body, offset, problems


def _slug(doc: YamlDoc, data: dict[str, Any], source: Source, problems: list[Problem]) -> str:
    if data.get("slug") is not None:
        slug = str(data["slug"])
        if not is_safe_slug(slug):
            suggestion = slugify(slug) or "my-essay"
            problems.append(doc.problem(("slug",), f"slug '{shown(slug)}' is not safe — use lowercase letters, digits and hyphens, e.g. `slug: {suggestion}`"))
        return slug
    stem = Path(source.bundle).name if source.bundle else Path(source.path).stem
    slug = slugify(stem)
    if not slug:
        problems.append(Problem(source.path, 1, 1, f"cannot make a URL slug from the file name '{shown(stem)}' — add `slug: some-words` to the front matter"))
    return slug


def _instant(doc: YamlDoc, data: dict[str, Any], key: str, config: SiteConfig, problems: list[Problem]) -> datetime | None:
    if data.get(key) is None:
        return None
    try:
        return parse_instant(data[key], config.zone)
    except BadDate as exc:
        problems.append(doc.problem((key,), str(exc)))
        return None


def _revisions(doc: YamlDoc, data: dict[str, Any], config: SiteConfig, problems: list[Problem]) -> tuple[Revision, ...]:
    found = []
    for i, item in enumerate(data.get("revisions") or ()):
        try:
            found.append(Revision(parse_instant(item["date"], config.zone), str(item["note"]).strip()))
        except BadDate as exc:
            problems.append(doc.problem(("revisions", i, "date"), str(exc)))
    return tuple(sorted(found, key=lambda r: r.date))


def _check_image(doc: YamlDoc, data: dict[str, Any], problems: list[Problem]) -> None:
    if data.get("image") and not data.get("image_alt"):
        problems.append(doc.problem(("image",), "'image' needs 'image_alt' — add `image_alt: a short description of the picture`"))


def _author(name: str, config: SiteConfig) -> Author:
    return config.authors.get(name) or Author(slugify(name) or name, name)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
