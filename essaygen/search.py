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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from essaygen import __version__, postings, record
from essaygen.metadata import format_date
from essaygen.pages import OutputFile
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
# Letters and digits to themselves, lowercased; anything else to a space.
_ASCII_WORDS = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)) + b" " * 128
_HEADING = re.compile(r'<h([2-6])\b[^>]*?\sid="([^"]*)"[^>]*>(.*?)</h\1>', re.S)
# Markup that is not prose: charts' SVG repeats their caption and data table,
# footnote markers are numbers and arrows, placeholders are links and citations.
# Two passes, each with a literal first character the regex engine can skip to (one
# alternation is several times slower); the same removals, as a placeholder never
# stands inside a tag.
_PLACEHOLDER = re.compile(r"\x00[LECN]\d+\x00")
_NOT_PROSE = re.compile(
    r'<(?:svg\b.*?</svg>|sup class="footnote-ref">.*?</sup>|a href="#fnref[^"]*" class="footnote-backref">.*?</a>)',
    re.S,
)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\n]{2,}")
_RUN_OF_SPACES = re.compile(r"  +")  # _SPACES where no tab or CR is left: found faster


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
    """The words of `text`, folded (callers drop the one-letter ones)."""
    for mark in _PUNCTUATION:
        text = text.replace(mark, " ")
    if not text.isascii():
        # Folding makes most accented text ASCII ("café" -> "cafe"), and what is left
        # that is not a letter or digit ("©", "→") separates words, as a space does:
        # then one accent no longer sends a whole essay down the slow regex.
        text = _NON_ASCII.sub(_letters_only, fold(text))
        if not text.isascii():
            return _TOKEN.findall(text)
    return text.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()


def _letters_only(match: re.Match[str]) -> str:
    return "".join(c if c.isalnum() else " " for c in match.group())


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
    if "\x00" in fragment:
        fragment = _PLACEHOLDER.sub("", fragment)
    text = html.unescape(_TAG.sub(" ", _NOT_PROSE.sub("", fragment))).replace("\n", " ")
    # Markdown's HTML rarely has tabs or carriage returns; str.split() would be slower.
    spaces = _SPACES if "\t" in text or "\r" in text else _RUN_OF_SPACES
    return spaces.sub(" ", text).strip()


def search_body(body_html: str) -> SearchBody:
    """A body's text and term weights (headings count more than running text)."""
    sections = body_sections(body_html)
    counts = Counter(_words(" ".join(text for _, _, text in sections)))
    for term in _words(" ".join(heading for _, heading, _ in sections)):
        counts[term] += HEADING_WEIGHT
    for short in [t for t in counts if len(t) < MIN_TERM]:
        del counts[short]
    text = json.dumps({"sections": sections}, ensure_ascii=False, separators=(",", ":"))
    return SearchBody(text, " ".join([f"{t} {counts[t]}" for t in sorted(counts)]), sum(counts.values()))


# ---------------------------------------------------------------- the index files

@dataclass(frozen=True)
class SearchSource:
    """How the index gets an essay's search text and terms."""

    words: int                            # the sum of its body's term weights
    identity: str | None                  # what they are made of (its body's cache file); None: unknown
    load: Callable[[], SearchBody]


def plan_search(site: Site, sources: Mapping[str, SearchSource], state: Path | None = None, recall: Callable[[str], str | None] | None = None) -> Iterator[OutputFile]:
    """Every index file, for the released essays only. Each essay's text and terms are
    loaded in turn and let go: only the postings are kept until the term files are
    written. With `state` (a cache file) and `recall` (an earlier body's terms by its
    identity), a build in which few essays changed patches the previous postings and
    reads no unchanged essay at all (postings.py)."""
    stamp = f"{postings.VERSION}:{FORMAT_VERSION}:{__version__}:{record.package_fingerprint()}"
    entries, docs, texts = [], [], []
    for essay in site.essays:
        about = _about_weights(essay)
        entries.append(postings.Entry(essay.slug, sources[essay.slug].identity, " ".join(f"{t} {n}" for t, n in sorted(about.items()))))
        texts.append(FOLDER + f"text/{hashlib.sha256(essay.path.encode()).hexdigest()[:12]}.json")
        docs.append(_doc(site, essay, texts[-1][len(FOLDER) :], sources[essay.slug].words + sum(about.values())))
    previous = postings.load(state, stamp) if recall is not None else None
    merged = postings.patched(previous, entries, recall or (lambda _: None), lambda n: sources[site.essays[n].slug].load().terms)
    if merged is None:
        merged = postings.Postings()
        for number, (essay, entry) in enumerate(zip(site.essays, entries)):
            body = sources[essay.slug].load()
            merged.add(number, postings.weights(body.terms, entry.about))
            yield OutputFile(texts[number], body.text.encode("utf-8"), key=_text_key(entry))
    else:
        for essay, path, entry in zip(site.essays, texts, entries):
            yield _text_file(path, entry, sources[essay.slug])
    postings.save(state, stamp, entries, merged)
    del entries, previous
    yield OutputFile(FOLDER + "index.json", _json({"version": FORMAT_VERSION, "docs": docs, "shards": sorted({_shard(t) for t in merged.terms})}))
    yield from _shard_files(merged)


def _shard(term: str) -> str:
    return term[:2].encode("utf-8").hex()


def _shard_files(merged: postings.Postings) -> Iterator[OutputFile]:
    """One file per shard, each made and let go in turn. Terms sharing their first two
    characters are neighbours in sorted order: a shard is a run of them."""
    current, entries = "", []
    for term in sorted(merged.terms):
        name = _shard(term)
        if name != current and entries:
            yield OutputFile(f"{FOLDER}terms/{current}.json", ("{" + ",".join(entries) + "}").encode("utf-8"))
            entries = []
        current = name
        entries.append(f'{json.dumps(term, ensure_ascii=False)}:[{merged.joined(term)}]')
        del merged.terms[term]
    if entries:
        yield OutputFile(f"{FOLDER}terms/{current}.json", ("{" + ",".join(entries) + "}").encode("utf-8"))


def _text_key(entry: postings.Entry) -> str | None:
    return None if entry.identity is None else f"search-text:{FORMAT_VERSION}:{entry.identity}"


def _text_file(path: str, entry: postings.Entry, source: SearchSource) -> OutputFile:
    """An essay's text file, read from its body only if the previous output lacks it."""
    key = _text_key(entry)
    if key is None:
        return OutputFile(path, source.load().text.encode("utf-8"))
    return OutputFile(path, key=key, load=lambda: source.load().text.encode("utf-8"))


def _about_weights(essay: EssayView) -> Counter[str]:
    """Terms of the title, subtitle, summary and tags, which weigh more than the body's."""
    weights: Counter[str] = Counter()
    for text, weight in ((essay.title, TITLE_WEIGHT), (essay.subtitle or "", ABOUT_WEIGHT), (essay.summary, ABOUT_WEIGHT), (" ".join(t.name for t in essay.tags), ABOUT_WEIGHT)):
        for term in terms_of(text):
            weights[term] += weight
    return weights


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


__all__ = ["SearchBody", "SearchSource", "fold", "terms_of", "body_sections", "plain_text", "search_body", "plan_search", "FORMAT_VERSION"]
