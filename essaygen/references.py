"""Citations in the build: bibliographies, key checks, formatting, reference lists,
"cite this essay", and the collection's references page.

The citation syntax is parsed during the Markdown stage (each citation keeps its
file position); here every key is checked for every essay that is checked, and
the *published* essays are formatted by pandoc's citeproc, a round of essays at a time.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property, partial
from pathlib import Path
from typing import Any, TypeVar

from essaygen import __version__
from essaygen.cache import JsonStore, cache_folder, stored_citations, stored_entry
from essaygen.citations import export
from essaygen.citations.bibliography import Bibliography, check_keys, load_bibliography
from essaygen.citations.engine import (
    CitationFormatError,
    CitationRequest,
    FormattedCitations,
    Formatter,
    PandocNotFound,
    cluster_inputs,
    cite_this_request,
    reference_list_request,
)
from essaygen.citations.render import backrefs_of, ref_id, render_reference_list, strip_number
from essaygen.citations.styles import resolve_style
from essaygen.config import Author, SiteConfig
from essaygen.markdown import RenderedBody
from essaygen.memo import Memo
from essaygen.memory import release_freed
from essaygen.pages import EssayExtras, OutputFile
from essaygen.problems import Problem
from essaygen.record import package_fingerprint
from essaygen.schedule import Planned
from essaygen.site import BodyGone, CollectionReference, EssayView, Site
from essaygen.sweep import sweep_unused
from essaygen.urls import essay_dir

_TAGS = re.compile(r"<[^>]+>")
_T = TypeVar("_T")


CITED_VERSION = 2  # bump when what _cited_essay makes changes


@dataclass(frozen=True)
class Cited:
    views: tuple[EssayView, ...]
    extras: dict[str, EssayExtras] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    downloads: tuple[OutputFile, ...] = ()
    references: tuple[CollectionReference, ...] = ()

    def files(self, site: Site) -> Iterator[OutputFile]:
        """The downloads; those of essays whose citations are in a cache entry are made
        as they are written, each read from there (not holding this object's views)."""
        return _files(self.downloads, site.essays)


def _files(downloads: Sequence[OutputFile], essays: Sequence[EssayView]) -> Iterator[OutputFile]:
    yield from downloads
    for view in essays:
        if view.stored is not None and view.stored.cited is not None:
            yield from _entry_downloads(view.path, view.stored.cited)


def plain_text(fragment: str) -> str:
    return html.unescape(_TAGS.sub("", fragment)).strip()


def apply_citations(
    root: Path, config: SiteConfig, checked: Sequence[Planned], bodies: Mapping[str, RenderedBody], views: Sequence[EssayView],
    use_cache: bool, memo: Memo | None = None, ahead: PlainCites | None = None, files: Mapping[str, str] | None = None,
    writes: bool = True, scratch: Path | None = None,
) -> Cited:
    """`ahead`: "cite this essay" as `plain_cites_ahead` made it, if it was. `files`:
    the cache file of each slim body (whose citations are read from there). `writes`:
    False when the cache is read but never written (check). `scratch`: a build's own
    folder for what it may not keep (check's, --no-cache's), finished citations there."""
    cache = cache_folder(root, use_cache)
    clusters = Clusters(bodies, files or {})
    uses_citations = bool(config.bibliography) or any(clusters.has_any(p.essay.slug) for p in checked)
    if not uses_citations:
        return _without_citations(config, views, memo, ahead or {})
    bibs, problems = _bibliographies(root, config, checked, cache, writes)
    if memo is not None and not problems:
        # Formatting depends on every essay at once (the collection's list): remembered whole.
        held = tuple((p.essay.slug, clusters[p.essay.slug]) for p in checked)
        inputs = (id(config), tuple(views), held, tuple((slug, bib.items) for slug, bib in bibs.items()))
        token = memo.token("citation inputs", inputs)
        return memo.recall(("cited", token), lambda: _checked_and_formatted(root, config, checked, clusters, bibs, views, cache, memo=memo))
    return _checked_and_formatted(root, config, checked, clusters, bibs, views, cache, problems, writes=writes, scratch=scratch)


@dataclass(frozen=True)
class Clusters:
    """Each checked essay's parsed citations: its body's, or a slim body's, read from its
    cache file each time they are asked for (a 5,000-essay site would otherwise hold
    ~25 MB of them from the Markdown stage on)."""

    bodies: Mapping[str, RenderedBody]
    files: Mapping[str, str]

    def __getitem__(self, slug: str) -> tuple[Any, ...]:
        body = self.bodies[slug]
        if body.citations or not body.cites:
            return body.citations
        found = stored_citations(self.files[slug])
        if found is None:
            raise BodyGone(self.files[slug])
        return found

    def has_any(self, slug: str) -> bool:
        body = self.bodies[slug]
        return bool(body.citations or body.cites)


@dataclass(frozen=True)
class _Sent:
    """What an essay's citations send pandoc: a digest of them without their positions
    (part of its cache entry's key), and the keys cited, in order."""

    digest: str
    keys: tuple[str, ...]


def _sent(clusters: Sequence[Any]) -> _Sent:
    cited = [cluster_inputs(c) for c in clusters]
    digest = hashlib.sha256(json.dumps(cited, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()
    return _Sent(digest, tuple(dict.fromkeys(sys.intern(i.key) for c in clusters for i in c.items)))


def _remembered_sent(memo: Memo, slug: str, clusters: tuple[Any, ...]) -> _Sent:
    """serve's `_sent`: the same clusters object as last build's (an unchanged body's) sends the same."""
    last = memo.find(("sent", slug))
    if last is None or last[0] is not clusters:
        last = (clusters, _sent(clusters))
        memo.remember(("sent", slug), last)
    return last[1]  # type: ignore[no-any-return]


def _checked_and_formatted(
    root: Path, config: SiteConfig, checked: Sequence[Planned], clusters: Clusters, bibs: Mapping[str, Bibliography],
    views: Sequence[EssayView], cache: Path | None, problems: list[Problem] | None = None, memo: Memo | None = None,
    writes: bool = True, scratch: Path | None = None,
) -> Cited:
    problems = list(problems or [])
    published = {v.slug for v in views}
    sent = {}
    for planned in checked:  # each essay's citations read once here, and again only if pandoc formats them
        slug = planned.essay.slug
        found = clusters[slug]
        problems += check_keys(found, bibs[slug], planned.essay.source)
        if slug in published:
            sent[slug] = _sent(found) if memo is None else _remembered_sent(memo, slug, found)
    style = resolve_style(config.citation_style, root)
    if style is None:
        problems.append(config.doc.problem(("citations", "style"), f"citation style '{config.citation_style}' not found — use vancouver, harvard, apa, or the path of a .csl file"))
    if problems:
        return Cited(tuple(views), problems=tuple(problems))
    assert style is not None
    return _format(config, views, clusters, sent, bibs, style, cache, memo, writes, scratch)


def _bibliographies(
    root: Path, config: SiteConfig, checked: Sequence[Planned], cache: Path | None, writes: bool = True,
) -> tuple[dict[str, Bibliography], list[Problem]]:
    """Each essay's bibliography: the site's, plus its own `bibliography:` files."""
    site_paths = tuple(root / p for p in config.bibliography)
    loaded: dict[tuple[Path, ...], Bibliography] = {}
    problems: list[Problem] = []
    result = {}
    for planned in checked:
        essay = planned.essay
        folder = (root / essay.source).parent
        paths = site_paths + tuple(folder / p for p in essay.bibliography)
        if paths not in loaded:
            bib, found = load_bibliography(paths, root, cache, writes)
            loaded[paths] = bib
            problems += [p for p in found if p not in problems]
        result[essay.slug] = loaded[paths]
    if not checked and site_paths:
        _, found = load_bibliography(site_paths, root, cache, writes)
        problems += found
    return result, problems


def _format(
    config: SiteConfig, views: Sequence[EssayView], clusters: Clusters, sent: Mapping[str, _Sent], bibs: Mapping[str, Bibliography], style: Path,
    cache: Path | None, memo: Memo | None = None, writes: bool = True, scratch: Path | None = None,
) -> Cited:
    store = _CitedStore(JsonStore(cache / "cited" if cache else None, writes, scratch / "cited" if scratch else None), memo)
    # A build that streams keeps none of an essay's finished citations that its page
    # can read from the cache entry (_leaner), nor do check and --no-cache (theirs are
    # written to their scratch folder); serve holds them.
    keeps = cache is not None and writes
    lean = memo is None and (keeps or scratch is not None)
    made = _Made()
    used: set[str] = set()
    try:
        with _formatter(cache, writes, memo) as formatter:
            used = formatter.used
            formatter.fresh_styles()
            rounds = _Rounds(config, clusters, sent, bibs, style, store, lean, [formatter.identity(style), config.language])
            for start in range(0, len(views), ESSAYS_PER_ROUND):
                rounds.format(formatter, views[start : start + ESSAYS_PER_ROUND], made)
                release_freed()
            everything = made.everything
            if everything:  # the collection's page: one list, so "2023a/b" letters agree across it
                request = reference_list_request([everything[k] for k in sorted(everything)], style, config.language)
                try:
                    made.collection = formatter.format([request])[0]
                except CitationFormatError as exc:
                    made.failures += [(_COLLECTION, False, message, exc.keys.get(i)) for i, message in exc.failures]
    except PandocNotFound as exc:
        return Cited(tuple(views), problems=(config.doc.problem(("citations",), str(exc)),))
    if made.failures:
        return Cited(tuple(views), problems=_format_problems(config, made.todo, bibs, made.error()))
    if lean and keeps:  # a build's (serve, check and --no-cache sweep nothing): every entry it uses is known
        sweep_unused(cache / "cited", made.keys, ".json", time.time())
        # pandoc's results: those of essays whose finished citations were cached are not
        # asked for; gone after a week so, one costs a formatting when it is wanted again.
        sweep_unused(cache / "citations", used, ".json", time.time())
        # Converted .bib files: an edited bibliography's old versions (one folder, no subfolders).
        sweep_unused(cache / "bib", {key for bib in bibs.values() for key in bib.stored}, ".json", time.time(), flat=True)
    references = _collection(made.views, made.collection)
    return Cited(tuple(made.views), made.extras, (), tuple(made.downloads), references)


@contextmanager
def _formatter(cache: Path | None, writes: bool, memo: Memo | None) -> Iterator[Formatter]:
    """serve keeps one formatter, and its pandoc processes, from one rebuild to the next:
    starting pandoc is ~50 ms of every save that changes a citation. A build closes its own."""
    if memo is None:
        with Formatter(cache, writes) as formatter:
            yield formatter
        return
    yield memo.recall(("formatter", str(cache), writes), lambda: Formatter(cache, writes).closed_when_collected())


# Essays formatted in one round: pandoc's results for a round are let go before the
# next (all 5,000 essays' requests and results at once took ~100 MB).
ESSAYS_PER_ROUND = 250
_COLLECTION = -1  # a failure of the collection's request, not of an essay's


@dataclass
class _Made:
    """What the rounds of _format have made so far (one build's, never shared)."""

    views: list[EssayView] = field(default_factory=list)
    extras: dict[str, EssayExtras] = field(default_factory=dict)
    downloads: list[OutputFile] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    everything: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # every cited item, by key
    todo: list[EssayView] = field(default_factory=list)  # the essays sent to pandoc, in order
    failures: list[tuple[int, bool, str, str | None]] = field(default_factory=list)  # (essay in todo, its "cite this"?, message, entry key)
    collection: FormattedCitations | None = None

    def error(self) -> CitationFormatError:
        """The failures as one batch of requests: each essay sent, then each one's "cite
        this", then the collection's list (what _format_problems reads)."""
        count = len(self.todo)
        numbered = [(2 * count if at == _COLLECTION else at + count * own, message, key) for at, own, message, key in self.failures]
        return CitationFormatError([(i, m) for i, m, _ in numbered], {i: k for i, _, k in numbered if k is not None})


@dataclass(frozen=True)
class _Rounds:
    """The inputs of formatting the essays a round at a time."""

    config: SiteConfig
    clusters: Clusters
    sent: Mapping[str, _Sent]
    bibs: Mapping[str, Bibliography]
    style: Path
    store: _CitedStore
    lean: bool
    common: list[Any]  # the engine, style and locale (part of every key)
    digests: dict[int, str] = field(default_factory=dict)  # each bibliography's

    def format(self, formatter: Formatter, views: Sequence[EssayView], made: _Made) -> None:
        config, sent, style = self.config, self.sent, self.style
        made.everything.update((key, self.bibs[v.slug].items[key]) for v in views for key in sent[v.slug].keys if key in self.bibs[v.slug].items)
        # serve: an essay whose inputs are unchanged is neither looked up nor linked again.
        memo = self.store.memo
        memo_keys = {v.slug: self._memo_key(v) for v in views} if memo is not None else {}
        done = {slug: found for slug, key in memo_keys.items() if memo is not None and (found := memo.find(key)) is not None}
        rest = [v for v in views if v.slug not in done]
        own_items = {v.slug: export.essay_csl_item(**_csl_fields(config, cite_inputs(v))) for v in rest}
        keys = {v.slug: _cited_key(v, sent[v.slug].digest, _bib_digest(self.bibs[v.slug], self.digests), own_items[v.slug], self.common) for v in rest}
        made.keys += keys.values()
        # An essay whose finished citations are cached sends pandoc nothing.
        done.update((v.slug, found) for v in rest if (found := _load_cited(self.store, v, self.clusters, keys[v.slug], self.lean)) is not None)
        todo = [v for v in rest if v.slug not in done]
        clusters = {v.slug: self.clusters[v.slug] for v in todo}
        items = {v.slug: _cited_items(sent[v.slug].keys, self.bibs[v.slug]) for v in todo}
        requests = [CitationRequest(tuple(clusters[v.slug]), items[v.slug], style, config.language) for v in todo]
        requests += [cite_this_request(own_items[v.slug], style, config.language) for v in todo]
        offset = len(made.todo)
        made.todo += todo
        try:
            results = formatter.format(requests) if requests else []
        except CitationFormatError as exc:
            # Every problem is reported at once: the other rounds are formatted too.
            count = len(todo)
            made.failures += [(offset + i % count, i >= count, message, exc.keys.get(i)) for i, message in exc.failures]
            return
        if made.failures:
            return
        fresh = dict(zip((v.slug for v in todo), zip(results[: len(todo)], results[len(todo) :])))
        for view in views:
            if view.slug in done:
                new_view, extras, files = done[view.slug]
            else:
                result, own = fresh.pop(view.slug)
                new_view, extras, files = _cite_essay(view, clusters[view.slug], result, own, own_items[view.slug], items[view.slug])
                stored = _save_cited(self.store, keys[view.slug], new_view, result, extras, files)
                if self.lean and stored:
                    new_view, extras, files = _leaner(new_view, extras, files, self.store.entry(keys[view.slug]))
            made.views.append(new_view)
            made.extras[view.slug] = extras
            made.downloads += files
            if memo is not None:
                memo.remember(memo_keys[view.slug], (new_view, extras, files))

    def _memo_key(self, view: EssayView) -> Hashable:
        """What an essay's finished citations are made of, as serve remembers them: the
        essay (its body, so its citations, and what "cite this" shows), what it sends
        pandoc, its bibliography, and the site, style, locale and engine."""
        bib = _bib_digest(self.bibs[view.slug], self.digests)
        return ("finished citations", view, self.sent[view.slug].digest, bib, id(self.config), self._common_text)

    @cached_property
    def _common_text(self) -> str:
        return repr(self.common)


def _cited_key(view: EssayView, sent: str, bib_digest: str, own_item: Mapping[str, Any], common: list[Any]) -> str:
    """Everything an essay's finished citations are made of: its body, URL and
    citations (`sent`: _Sent.digest), its bibliography, its own CSL item, the style,
    locale and engine."""
    inputs = [CITED_VERSION, __version__, package_fingerprint(), view.slug, view.path, repr(view.body_identity), sent, bib_digest, own_item, common]
    text = json.dumps(inputs, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _bib_digest(bib: Bibliography, known: dict[int, str]) -> str:
    """A digest of a bibliography's items, once per bibliography in a build."""
    if id(bib) not in known:
        text = json.dumps(bib.items, sort_keys=True, ensure_ascii=False, default=dict)
        known[id(bib)] = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return known[id(bib)]


def _cite_essay(
    view: EssayView, clusters: Sequence[Any], result: FormattedCitations, own: FormattedCitations,
    own_item: Mapping[str, Any], items: Sequence[Mapping[str, Any]],
) -> tuple[EssayView, EssayExtras, list[OutputFile]]:
    """An essay with its citations linked, reference list, "cite this" and meta tags."""
    return _cited_view(view, clusters, result, own), _extras(own_item, items, result), _downloads(view, own_item)


@dataclass(frozen=True)
class _CitedStore:
    """Finished citations on disk, and in memory too in a serve session."""

    disk: JsonStore
    memo: Memo | None

    def load(self, key: str) -> Any:
        if self.memo is None:
            return self.disk.load(key)
        return self.memo.recall(("cited entry", key), lambda: self.disk.load(key))

    def entry(self, key: str) -> str:
        """The file of an entry on disk."""
        return str(self.disk.file(key))

    def save(self, key: str, value: Any) -> bool:
        """Whether the value is on disk."""
        if self.memo is not None:
            self.memo.remember(("cited entry", key), value)
        return self.disk.save(key, value)


def _load_cited(store: _CitedStore, view: EssayView, clusters: Clusters, key: str, lean: bool = False) -> tuple[EssayView, EssayExtras, list[OutputFile]] | None:
    """An essay's finished citations from its cache entry, or None. A lean view never
    reads its body's citations: the entry's key is made of them."""
    found = store.load(key)
    if not isinstance(found, dict):
        return None
    try:
        formatted, extras = _formatted_of(found), _extras_of(found)  # checked now, even when read again later
        bib, ris = found["bib"].encode("utf-8"), found["ris"].encode("utf-8")
        cited = replace(view, held_references=str(found["references"]), cite_html=str(found["cite"]), cited_keys=_keys(found["keys"]))
        if lean and view.stored is not None:  # its downloads are made from the entry (Cited.files)
            return _leaner(cited, extras, [], store.entry(key))
        files = [OutputFile(view.path + "cite.bib", bib), OutputFile(view.path + "cite.ris", ris)]
        return cited.with_citations(clusters[view.slug], formatted), extras, files
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _save_cited(store: _CitedStore, key: str, view: EssayView, result: FormattedCitations, extras: EssayExtras, files: Sequence[OutputFile]) -> bool:
    return store.save(key, {
        "clusters": list(result.clusters), "entries": [list(e) for e in result.entries], "notes": list(result.notes),
        "references": view.references_html, "cite": view.cite_html, "keys": list(view.cited_keys),
        "meta": [list(m) for m in extras.scholar_meta], "jsonld": list(extras.jsonld_citations),
        "bib": (files[0].data or b"").decode("utf-8"), "ris": (files[1].data or b"").decode("utf-8"),
    })


def _leaner(view: EssayView, extras: EssayExtras, files: list[OutputFile], entry: str) -> tuple[EssayView, EssayExtras, list[OutputFile]]:
    """The view, extras and downloads without what is read from the essay's cache entry
    when its page and files are made: the body's parsed citations, pandoc's formatted
    clusters and entries, the reference list, the Scholar tags, the JSON-LD texts, the
    BibTeX and RIS (at 5,000 essays, ~160 MB a build would otherwise hold until then)."""
    if view.stored is None:
        return view, extras, files
    stored = replace(view.stored, clusters=(), formatted=None, cited=entry)
    return replace(view, stored=stored, held_references=""), EssayExtras(cited=entry), []  # Cited.files makes its files


def _entry_downloads(path: str, entry: str) -> list[OutputFile]:
    """An essay's BibTeX and RIS, read from its cache entry (named by its key) when written."""
    key = Path(entry).stem
    return [OutputFile(path + name, key=f"{name}:{key}", load=partial(_entry_text, entry, part)) for name, part in (("cite.bib", "bib"), ("cite.ris", "ris"))]


def _entry_text(entry: str, part: str) -> bytes:
    return _from_entry(entry, lambda found: str(found[part]).encode("utf-8"))


def stored_formatted(entry: str) -> FormattedCitations:
    """An essay's formatted citations, from its cache entry (a page being made)."""
    return _from_entry(entry, _formatted_of)


def stored_references(entry: str) -> str:
    """An essay's reference list, from its cache entry."""
    return _from_entry(entry, lambda found: str(found["references"]))


def stored_extras(entry: str) -> EssayExtras:
    """An essay page's Scholar tags and JSON-LD citations, from its cache entry."""
    return _from_entry(entry, _extras_of)


def _from_entry(entry: str, read: Callable[[Any], _T]) -> _T:
    try:
        return read(stored_entry(entry))
    except (KeyError, TypeError, ValueError):
        raise BodyGone(entry) from None


def _formatted_of(found: Any) -> FormattedCitations:
    return FormattedCitations(tuple(found["clusters"]), tuple((str(k), str(e)) for k, e in found["entries"]), tuple(found.get("notes", ())))


def _extras_of(found: Any) -> EssayExtras:
    return EssayExtras(tuple((str(a), str(b)) for a, b in found["meta"]), tuple(found["jsonld"]))


def _cited_items(keys: Sequence[str], bib: Bibliography) -> tuple[Mapping[str, Any], ...]:
    return tuple(dict(bib.items[key]) for key in keys if key in bib.items)


def _cited_view(view: EssayView, clusters: Sequence[Any], result: FormattedCitations, own: FormattedCitations) -> EssayView:
    references = render_reference_list(result, backrefs_of(clusters)) if result.entries else ""
    cite_html = strip_number(own.entries[0][1]) if own.entries else ""
    cited = view.with_citations(tuple(clusters), result)
    return replace(cited, held_references=references, cite_html=cite_html, cited_keys=_keys(k for k, _ in result.entries))


def _keys(keys: Iterable[str]) -> tuple[str, ...]:
    """Keys as one string each, however many essays cite them (5,000 essays hold ~60,000)."""
    return tuple(sys.intern(str(k)) for k in keys)


@dataclass(frozen=True)
class CiteInputs:
    """What "cite this essay" is made of: an essay's metadata and release, not its body."""

    slug: str
    title: str
    subtitle: str | None
    authors: tuple[Author, ...]
    release: datetime
    path: str
    series_title: str | None


def cite_inputs(view: EssayView) -> CiteInputs:
    return CiteInputs(view.slug, view.title, view.subtitle, view.authors, view.release, view.path, view.series_title)


def _csl_fields(config: SiteConfig, inputs: CiteInputs) -> dict[str, Any]:
    return {
        "slug": inputs.slug,
        "title": inputs.title,
        "subtitle": inputs.subtitle,
        "authors": [a.name for a in inputs.authors],
        "issued": inputs.release.astimezone(config.zone).date(),
        "url": config.absolute(config.base_path + inputs.path),
        "container_title": inputs.series_title or config.title,
        "publisher": config.title,
    }


def _extras(own: Mapping[str, Any], items: Sequence[Mapping[str, Any]], result: FormattedCitations) -> EssayExtras:
    """Google Scholar's citation_* tags (Zotero reads them) and JSON-LD citations."""
    meta = export.scholar_meta(own, items)
    texts = tuple(plain_text(entry) for _, entry in result.entries)
    return EssayExtras(scholar_meta=tuple(meta), jsonld_citations=texts)


def _downloads(view: EssayView, item: Mapping[str, Any]) -> list[OutputFile]:
    return [
        OutputFile(view.path + "cite.bib", export.render_bibtex(item).encode("utf-8")),
        OutputFile(view.path + "cite.ris", export.render_ris(item).encode("utf-8")),
    ]


def _lazy_downloads(inputs: CiteInputs, item: Mapping[str, Any]) -> list[OutputFile]:
    """The same files, keyed by the item: made only when the previous output lacks them."""
    key = hashlib.sha256(json.dumps([CITED_VERSION, __version__, item], sort_keys=True, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")).hexdigest()
    return [
        OutputFile(inputs.path + "cite.bib", key="cite.bib:" + key, load=lambda: export.render_bibtex(item).encode("utf-8")),
        OutputFile(inputs.path + "cite.ris", key="cite.ris:" + key, load=lambda: export.render_ris(item).encode("utf-8")),
    ]


def _collection(views: Sequence[EssayView], collection: FormattedCitations | None) -> tuple[CollectionReference, ...]:
    """Every cited work once, with the essays citing it, sorted by its text
    (numbers are stripped: a numeric style's numbers mean nothing here)."""
    if collection is None:
        return ()
    citing: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for view in views:
        essay = (view.title, view.path)  # one tuple an essay, however many works it cites
        for key in view.cited_keys:
            citing[key].append(essay)
    entries = {key: strip_number(entry) for key, entry in collection.entries}
    ordered = sorted(entries, key=lambda k: (plain_text(entries[k]).lower(), k))
    return tuple(CollectionReference(ref_id(key), entries[key], tuple(citing[key])) for key in ordered)


# "cite this essay" without a bibliography, by what it is made of: its HTML, its meta tags, its downloads.
PlainCite = tuple[str, EssayExtras, list[OutputFile]]
PlainCites = Mapping[CiteInputs, PlainCite]


def plain_cites_ahead(config: SiteConfig, published: Sequence[Planned]) -> PlainCites:
    """"Cite this essay" for each published essay, made before its body is rendered (a
    build's main process does this while its workers render): used by `apply_citations`
    for every essay whose view has exactly these inputs. Nothing when a bibliography
    is configured (the citation engine then formats it)."""
    if config.bibliography:
        return {}
    made = {}
    for planned in published:
        essay = planned.essay
        series = config.series.get(planned.series) if planned.series else None
        inputs = CiteInputs(essay.slug, essay.title, essay.subtitle, essay.authors, planned.release, essay_dir(essay.slug), series.title if series else None)
        made[inputs] = _plain_cite(config, inputs)
    return made


def _without_citations(config: SiteConfig, views: Sequence[EssayView], memo: Memo | None = None, ahead: PlainCites | None = None) -> Cited:
    """No bibliography configured: downloads and a plain "cite this essay" still work."""
    downloads: list[OutputFile] = []
    new_views = []
    extras_of: dict[str, EssayExtras] = {}
    for view in views:
        if memo is None:
            new_view, extras, files = _plainly_cited(config, view, ahead or {})
        else:  # serve: the same view object while the essay is unchanged (later stages remember by it)
            new_view, extras, files = memo.recall(("plain cite", id(config), view), lambda: _plainly_cited(config, view, {}))
        downloads += files
        new_views.append(new_view)
        extras_of[view.slug] = extras
    return Cited(tuple(new_views), extras_of, downloads=tuple(downloads))


def _plainly_cited(config: SiteConfig, view: EssayView, ahead: PlainCites) -> tuple[EssayView, EssayExtras, list[OutputFile]]:
    inputs = cite_inputs(view)
    cite_html, extras, files = ahead.get(inputs) or _plain_cite(config, inputs)
    return replace(view, cite_html=cite_html), extras, files


def _plain_cite(config: SiteConfig, inputs: CiteInputs) -> PlainCite:
    item = export.essay_csl_item(**_csl_fields(config, inputs))
    extras = EssayExtras(scholar_meta=tuple(export.scholar_meta(item)))
    return html.escape(plain_citation(inputs, item)), extras, _lazy_downloads(inputs, item)


def plain_citation(inputs: CiteInputs, item: Mapping[str, Any]) -> str:
    """"Cite this essay" without a citation style: authors, year, title, container, URL."""
    names = ", ".join(a.name for a in inputs.authors)
    year = inputs.release.year
    container = item.get("container-title", "")
    return f"{names + '. ' if names else ''}{item['title']}. {container}. {year}. {item['URL']}"


def _format_problems(config: SiteConfig, views: Sequence[EssayView], bibs: Mapping[str, Bibliography], exc: CitationFormatError) -> tuple[Problem, ...]:
    """Blame what failed: the bibliography entry when pandoc names it, else the essay
    whose request failed (requests are: each essay, each "cite this essay", the
    collection's list), and the style only when every request failed alike."""
    count = len(views)
    messages = {message for _, message in exc.failures}
    if not exc.keys and len(exc.failures) >= 2 * count and len(messages) == 1:
        return (config.doc.problem(("citations", "style"), f"pandoc could not format any citation: {messages.pop()} — check the citation style"),)
    problems: dict[Problem, None] = {}
    for index, message in exc.failures:
        if index >= 2 * count and len(exc.failures) > 1:
            continue  # the collection's list holds the same items as the essays that failed
        view = views[index % count] if count else None
        key = exc.keys.get(index)
        origin = bibs[view.slug].origins.get(key) if view is not None and key else None
        if origin is not None:
            problems[Problem(*origin, f"pandoc could not format this entry: {message} — check its fields")] = None
        elif view is not None:
            problems[Problem(view.source, 1, 1, f"pandoc could not format this essay's citations: {message} — check its citations and the bibliography entries they cite")] = None
        else:
            problems[config.doc.problem(("citations",), f"pandoc could not format the references: {message} — check the bibliography")] = None
    return tuple(problems)
