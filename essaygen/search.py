"""Client-side search: an index of the released essays, written by the build.

Each rendered body carries its searchable text (section by section) and its term
weights, computed in the render workers and cached with the body, so a build only
merges them: the released essays' postings, sharded by a term's first two
characters, the per-essay text the results' excerpts come from, and a list of the
essays. The index is made from exactly the essays that go live, so it can hold
nothing embargoed. The theme's search.js reads it (format: docs/THEMES.md).

(Pagefind did this job before: it cost more than all our rendering, 3.6 s and
440 MB for 1,000 essays, and re-indexed the whole site on every change.)
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from essaygen.metadata import format_date
from essaygen.site import EssayView, Site

FORMAT_VERSION = 1
FOLDER = "search/"
MIN_TERM = 2                 # one-letter words are not indexed
TITLE_WEIGHT = 5
HEADING_WEIGHT = 3
ABOUT_WEIGHT = 2             # subtitle, summary, tags

_TOKEN = re.compile(r"[^\W_]{2,}")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Typographic punctuation, replaced by spaces first: English prose is then ASCII
# and takes the fast path (bytes.translate, several times faster than a regex).
_PUNCTUATION = "’‘“”–—…\u00a0\u2009\u202f"
_ASCII_WORDS = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + b" " * 128
_HEADING = re.compile(r'<h([2-6])\b[^>]*?\sid="([^"]*)"[^>]*>(.*?)</h\1>', re.S)
# Markup that is not prose: charts' SVG repeats their caption and data table,
# footnote markers are numbers and arrows, placeholders are links and citations.
_NOT_PROSE = re.compile(
    r'<svg\b.*?</svg>|<sup class="footnote-ref">.*?</sup>|<a href="#fnref[^"]*" class="footnote-backref">.*?</a>|\x00[LEC]\d+\x00',
    re.S,
)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\n]{2,}")


@dataclass(frozen=True)
class SearchBody:
    """What a body contributes to the index, kept compact (a 5,000-essay site holds
    one per essay): JSON text for the excerpt file, and "term weight term weight"."""

    text: str
    terms: str
    words: int               # the sum of the weights in `terms`


# ---------------------------------------------------------------- text and terms

def fold(text: str) -> str:
    """Lowercase without accents ("Élan" -> "elan"), as search.js folds a query."""
    return _NON_ASCII.sub(_strip_marks, text).lower()


def _strip_marks(match: re.Match[str]) -> str:
    decomposed = unicodedata.normalize("NFKD", match.group())
    return "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))


def terms_of(text: str) -> list[str]:
    """The indexed words of `text`: folded runs of letters and digits, two or more long."""
    return [w for w in _words(text) if len(w) >= MIN_TERM]


def _words(text: str) -> list[str]:
    for mark in _PUNCTUATION:
        text = text.replace(mark, " ")
    if not text.isascii():
        return _TOKEN.findall(fold(text))
    return text.lower().encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()


def body_sections(body_html: str) -> list[tuple[str, str, str]]:
    """(heading id, heading text, plain text) per section; the first has no heading."""
    sections = []
    start, ident, heading = 0, "", ""
    for match in _HEADING.finditer(body_html):
        sections.append((ident, heading, plain_text(body_html[start : match.start()])))
        ident, heading, start = html.unescape(match.group(2)), plain_text(match.group(3)), match.end()
    sections.append((ident, heading, plain_text(body_html[start:])))
    return [s for s in sections if s[1] or s[2]]


def plain_text(fragment: str) -> str:
    # Markdown's HTML has no tabs or carriage returns; str.split() would be slower.
    text = html.unescape(_TAG.sub(" ", _NOT_PROSE.sub("", fragment))).replace("\n", " ")
    return _SPACES.sub(" ", text).strip()


def search_body(body_html: str) -> SearchBody:
    """A body's text and term weights (headings count more than running text)."""
    sections = body_sections(body_html)
    counts = Counter(_words(" ".join(text for _, _, text in sections)))
    for term in _words(" ".join(heading for _, heading, _ in sections)):
        counts[term] += HEADING_WEIGHT
    for short in [t for t in counts if len(t) < MIN_TERM]:
        del counts[short]
    text = json.dumps({"sections": sections}, ensure_ascii=False, separators=(",", ":"))
    return SearchBody(text, " ".join(f"{t} {n}" for t, n in sorted(counts.items())), sum(counts.values()))


# ---------------------------------------------------------------- the index files

def plan_search(site: Site, bodies: Mapping[str, SearchBody]) -> Iterator[tuple[str, bytes]]:
    """(output path, bytes) of every index file, for the released essays only."""
    docs = []
    postings: dict[str, list[str]] = {}  # term -> ["doc,weight", ...]: strings, joined into JSON as they are
    for number, essay in enumerate(site.essays):
        body = bodies[essay.slug]
        about = _about_weights(essay)
        _add_postings(postings, number, body.terms, about)
        text_path = f"text/{hashlib.sha256(essay.path.encode()).hexdigest()[:12]}.json"
        docs.append(_doc(site, essay, text_path, body.words + sum(about.values())))
        yield FOLDER + text_path, body.text.encode("utf-8")
    shards: dict[str, list[str]] = {}
    for term in sorted(postings):
        shards.setdefault(term[:2].encode("utf-8").hex(), []).append(f'{json.dumps(term, ensure_ascii=False)}:[{",".join(postings[term])}]')
    yield FOLDER + "index.json", _json({"version": FORMAT_VERSION, "docs": docs, "shards": sorted(shards)})
    for name, entries in shards.items():
        yield f"{FOLDER}terms/{name}.json", ("{" + ",".join(entries) + "}").encode("utf-8")


def _about_weights(essay: EssayView) -> Counter[str]:
    """Terms of the title, subtitle, summary and tags, which weigh more than the body's."""
    weights: Counter[str] = Counter()
    for text, weight in ((essay.title, TITLE_WEIGHT), (essay.subtitle or "", ABOUT_WEIGHT), (essay.summary, ABOUT_WEIGHT), (" ".join(t.name for t in essay.tags), ABOUT_WEIGHT)):
        for term in terms_of(text):
            weights[term] += weight
    return weights


def _add_postings(postings: dict[str, list[str]], number: int, terms: str, about: Counter[str]) -> None:
    """One essay's postings, appended in essay order (a few hundred thousand for a large
    site: string work only, no parsing of the body's weights unless a title shares the term)."""
    prefix = f"{number},"
    parts = terms.split()
    extra = dict(about)
    for term, weight in zip(parts[::2], parts[1::2]):
        if term in extra:
            weight = str(int(weight) + extra.pop(term))
        found = postings.get(term)
        if found is None:
            postings[term] = [prefix + weight]
        else:
            found.append(prefix + weight)
    for term in sorted(extra):
        postings.setdefault(term, []).append(f"{prefix}{extra[term]}")


def _doc(site: Site, essay: EssayView, text_path: str, words: int) -> dict[str, object]:
    config = site.config
    return {
        "url": essay.path,
        "title": essay.title,
        "kicker": f"Part {essay.part} of {essay.total}" if essay.series and essay.part else "",
        "subtitle": essay.subtitle or "",
        "date": format_date(essay.release, config.language, config.zone),
        "words": words,
        "text": text_path,
    }


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


__all__ = ["SearchBody", "fold", "terms_of", "body_sections", "plain_text", "search_body", "plan_search", "FORMAT_VERSION"]
