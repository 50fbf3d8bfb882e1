"""A build: the pipeline from the site folder to the output folder.

    load_config -> find_sources -> read and parse_* -> plan_schedule -> render bodies
    -> resolve links -> citations -> assemble_site -> plan files -> write_output

`now` is passed in (`as_of`), never read by a stage. Every stage collects its
problems; the build stops at the first stage boundary that has any, reporting
all of them, before anything is written.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from essaygen import __version__, record
from essaygen.cache import BodyCache, FileDigests, cache_folder, stored_search
from essaygen.citations.styles import uses_notes
from essaygen.clock import BadDate, parse_as_of
from essaygen.config import SiteConfig
from essaygen.content import Essay, Page, body_digest
from essaygen.loading import Loaded, load_site
from essaygen.lock import build_lock
from essaygen.markdown import LinkTarget, RenderContext, RenderedBody, body_key, link_tags, published_path, resolve_links
from essaygen.mdrules import resolve_local
from essaygen.memo import Memo
from essaygen.memory import release_freed
from essaygen.overlap import interleave
from essaygen.output import WriteStats, kept_manifests as output_kept, write_output
from essaygen.pages import EssayExtras, EssayPages, OutputFile, plan_pages
from essaygen.pagecache import KeptPages as PagesKept, analyse, analyses_from_cache, chrome_digest, essay_pages_cacheable, listing_digest, listing_parts, reads_word_counts, ListingNumbers, ReadingEnvironment
from essaygen.problems import Problem, SiteError, UsageError, raise_if
from essaygen.render_pool import BodyJob, HeadStart, render_bodies
from essaygen.schedule import DRAFT, Planned, Schedule, plan_schedule
from essaygen.search import SearchBody, SearchSource, plan_search
from essaygen.site import BodyGone, EssayView, PageView, Site, StoredBody, assemble_site, make_tags
from essaygen.themes import Theme, asset_versions, make_environment, template_problems, theme_digest
from essaygen.urls import essay_dir, page_dir

if TYPE_CHECKING:
    from essaygen.references import PlainCites

# Imported only by the pages stage (feedgen and xml.sax among them: ~35 ms).
PAGE_STAGE_MODULES = ("essaygen.feeds", "essaygen.discovery")


def is_absolute_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


@dataclass(frozen=True)
class BuildOptions:
    root: Path
    out: Path | None = None
    as_of: str | datetime | None = None     # None: now
    drafts: bool = False
    write: bool = True                      # False for `check`
    use_cache: bool = True
    jobs: int = 0                           # worker processes; 0 chooses
    search: bool = True                     # build the search index (serve skips it)
    memo: Memo | None = None                # results kept between builds of one process (serve)
    collect: bool = False                   # keep the files in memory (BuildResult.output) instead of writing
    scratch: Path | None = None             # set by build() for check and --no-cache: a temporary folder bodies stream through

    @property
    def writes_cache(self) -> bool:
        """`check` writes nothing at all; `build` and `serve` keep what they made."""
        return self.use_cache and (self.write or self.collect)


@dataclass(frozen=True)
class Collected:
    """The output of a build kept in memory: each file's bytes, or the file to copy."""

    files: dict[str, OutputFile]


@dataclass(frozen=True)
class BuildResult:
    site: Site
    schedule: Schedule
    files: int
    stats: WriteStats | None
    rendered: int                           # bodies rendered (not taken from the cache)
    timings: tuple[tuple[str, float], ...] = ()
    output: Collected | None = None         # with BuildOptions.collect


class Stopwatch:
    """Seconds spent per stage, for `build --timings` and the benchmarks."""

    def __init__(self) -> None:
        self.laps: list[tuple[str, float]] = []
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self.last))
        self.last = now


def build(options: BuildOptions, now: datetime) -> BuildResult:
    with _scratch_for(options) as options:
        return _build(options, now)


@contextlib.contextmanager
def _scratch_for(options: BuildOptions) -> Iterator[BuildOptions]:
    """A build that keeps no cache (check, --no-cache) still streams its bodies as
    `build` does, through a temporary folder of its own, deleted when it ends: at 5,000
    essays it would otherwise hold every essay's HTML and text (~700 MB)."""
    if options.memo is not None or options.writes_cache or options.scratch is not None:
        yield options
        return
    with tempfile.TemporaryDirectory(prefix="essaygen-bodies-") as folder:
        yield replace(options, scratch=Path(folder))


def _build(options: BuildOptions, now: datetime) -> BuildResult:
    root = options.root.absolute()
    watch = Stopwatch()
    with build_lock(root, enabled=options.write and (root / "site.yaml").is_file()):
        keeper = record.Keeper.start(root, options.out or root / "output", options.drafts, options.search, options.write and options.use_cache)
        streaming = streams(options)
        with head_start_for(root, options) as head_start:
            # No essay's text is held: the renderers read each body again (checked against
            # its digest), and serve's memo keeps what was parsed, not the files' text.
            loaded = load_site(
                root, options.memo, keep_bodies=False, parse_cache=cache_folder(root) if streaming and options.writes_cache else None,
                files=head_start.files if head_start else None, parsed_essay=_offer_to(root, options, head_start),
            )
            keeper.inputs_known(loaded.config, loaded.essays)
            if not options.search:  # the theme then shows no search page or link either
                loaded = replace(loaded, config=_without_search(loaded.config, options.memo))
            as_of = resolve_as_of(options.as_of, loaded.config, now)
            schedule, problems = plan_schedule(loaded.config, loaded.essays, as_of, options.drafts, loaded.broken_slugs)
            if schedule is None:
                raise SiteError([*loaded.problems, *problems])
            watch.lap("read and parse")
            env = _environment(root, loaded.theme, options) if loaded.theme is not None else None
            ahead = None
            if head_start is not None:  # while its workers render the bodies
                if env is not None:
                    analyses_from_cache(env, cache_folder(root, options.writes_cache))
                    analyse(env)
                from essaygen.references import plain_cites_ahead

                ahead = plain_cites_ahead(loaded.config, schedule.published(options.drafts))
                for module in PAGE_STAGE_MODULES:  # imported now, not between the stages, when nothing else runs
                    importlib.import_module(module)
            broken = template_problems(env, loaded.config) if env is not None else []
            site, extras, rendered, extra_files, searchable = render_site(root, loaded, schedule, options, head_start, ahead, broken)
            del ahead  # what the site uses of it is the site's now (at 5,000 essays, its keys are a megabyte)
            release_freed()  # what the citations were formatted with
            watch.lap("markdown, links, citations")
        # Files stream from the templates to the disk: a 5,000-essay site never holds
        # every page in memory at once.
        out = options.out or root / "output"
        cache = cache_folder(root, options.use_cache)
        # Which pages the last builds left in the output (and its spare): not made again.
        # (serve remembers its pages in memory and never writes the output.)
        last = output_kept(record.manifest_path(root, out), record.spare_path(root, out)) if cache and options.memo is None else None
        files = Counted(plan_files(root, loaded, site, env, extras, extra_files, searchable, options, PagesKept(out, last) if last else None))
        del searchable  # plan_files frees it once the search index is made
        stats = None
        output = None
        if options.collect:
            kept: dict[str, OutputFile] = {}
            for item in files:  # the first file for a path wins, as when writing
                kept.setdefault(item.path, item)
            output = Collected(kept)
        elif options.write:
            manifest = record.manifest_path(root, out) if cache else None
            spare = record.spare_path(root, out) if cache else None
            stats = write_output(out, files, trash=cache / "trash" if cache else None, manifest=manifest, spare=spare, kept=last)
            keeper.finish(schedule, len(site.essays), files.count, stats.state)
        else:
            for _ in files:  # templates and feeds are checked too
                pass
        watch.lap("templates, feeds, search, write" if options.write else "templates and feeds")
        if options.memo is not None:
            options.memo.succeeded()
        return BuildResult(site, schedule, files.count, stats, rendered, tuple(watch.laps), output)


@contextlib.contextmanager
def head_start_for(root: Path, options: BuildOptions) -> Iterator[HeadStart | None]:
    """Workers rendering bodies while the sources are still being read: for a build
    that streams (a large site's cold build is the one that gains), stopped after."""
    if not streams(options):
        yield None
        return
    from essaygen.loading import content_files

    head_start = HeadStart(body_cache(root, options, FileDigests(root)), content_files(root), options.jobs)
    try:
        yield head_start
    finally:
        head_start.close()


def _offer_to(root: Path, options: BuildOptions, head_start: HeadStart | None) -> Callable[[Essay, SiteConfig], None] | None:
    if head_start is None:
        return None

    notes: dict[int, bool] = {}  # one site.yaml per build: its style is looked up once, not per essay

    def offer(essay: Essay, config: SiteConfig) -> None:
        if not essay.draft or options.drafts:  # what render_site renders (drafts only with --drafts)
            if id(config) not in notes:
                notes[id(config)] = uses_notes(config.citation_style, root)
            head_start.offer(BodyJob(_essay_context(root, config, essay, notes[id(config)]), essay.body_digest, None, slim=True))

    return offer


class Counted:
    """Passes output files through, counting them."""

    def __init__(self, files: Iterable[OutputFile]) -> None:
        self.files = files
        self.count = 0

    def __iter__(self) -> Iterator[OutputFile]:
        for item in self.files:
            self.count += 1
            yield item


def resolve_as_of(value: str | datetime | None, config: SiteConfig, now: datetime) -> datetime:
    if value is None:
        return now.astimezone(timezone.utc)
    try:
        return parse_as_of(value, config.zone) if isinstance(value, str) else value
    except BadDate as exc:
        raise UsageError(f"--as-of: {exc}") from exc


def _without_search(config: SiteConfig, memo: Memo | None) -> SiteConfig:
    if memo is None:
        return replace(config, search=False)
    # One object while site.yaml is unchanged: later stages remember results by it.
    return memo.recall(("config without search", id(config)), lambda: replace(config, search=False))


# ---------------------------------------------------------------- rendering

def render_site(
    root: Path, loaded: Loaded, schedule: Schedule, options: BuildOptions, head_start: HeadStart | None = None, ahead: PlainCites | None = None,
    known: Sequence[Problem] = (),
) -> tuple[Site, dict[str, EssayExtras], int, Iterable[OutputFile], dict[str, SearchSource]]:
    """The essays' bodies, links and citations, and the site they make; `known`: problems
    found before (the templates'), reported with these."""
    config = loaded.config
    # Embargoed essays are rendered to *check* them (links, citations), never published.
    checked = [p for p in schedule.planned if p.state != DRAFT or options.drafts]
    published = {p.essay.slug for p in schedule.published(options.drafts)}
    pages = [p for p in loaded.pages if not p.draft or options.drafts]
    digests = FileDigests(root)
    cache = body_cache(root, options, digests)
    slim = streams(options)
    # Whether the style puts citations in notes: two stats of its file, once per build
    # rather than per essay (2,000 of a serve rebuild's 3,000 stats at 1,000 essays).
    notes = uses_notes(config.citation_style, root)
    jobs = [BodyJob(_essay_context(root, config, p.essay, notes), p.essay.body_digest, p.essay.body or None, slim) for p in checked]
    jobs += [BodyJob(_page_context(root, config, page, notes), body_digest(page.body), page.body) for page in pages]
    bodies, rendered = render_bodies(jobs, cache, loaded.files, options.jobs, options.memo, head_start, loaded.config.search)
    if head_start is not None:
        head_start.close()  # its workers exit before the page workers start
    essay_bodies = dict(zip((p.essay.slug for p in checked), bodies[: len(checked)]))
    page_bodies = dict(zip((p.source for p in pages), bodies[len(checked) :]))
    targets = _link_targets(checked, pages, published, essay_bodies, page_bodies, loaded.sources)
    problems: list[Problem] = [*loaded.problems, *known, *(p for body in bodies for p in body.problems)]
    links = _link_resolver(targets, options.memo)
    body_files = {p.essay.slug: cache.file(body_key(job.digest, job.ctx)) for p, job in zip(checked, jobs)}
    essay_html = {p.essay.slug: _linked(p.essay, essay_bodies[p.essay.slug], body_files[p.essay.slug], targets, links, problems) for p in checked}
    page_views = []
    for page in pages:
        html, found = links(page_bodies[page.source], page.source, page_dir(page.slug))
        problems += found
        page_views.append(PageView(page.slug, page.source, page.kind, page.title, page.subtitle, page.summary, html, page.nav, page.order, page.draft))
    if options.memo is None:
        # Each body's HTML is resolved now: let it go (a large site's peak memory).
        del bodies, page_bodies
        searchable = {p.essay.slug: _search_source(essay_bodies[p.essay.slug], body_files[p.essay.slug]) for p in checked}
        essay_bodies = {slug: body.slimmed() for slug, body in essay_bodies.items()}
    else:
        searchable = {slug: _search_source(body, None) for slug, body in essay_bodies.items()}
    from essaygen.references import apply_citations

    images = {p.essay.slug: _cover_image(p.essay, loaded.files, problems) for p in checked}
    views = [_essay_view(p, essay_bodies[p.essay.slug], essay_html[p.essay.slug], images[p.essay.slug], config) for p in checked if p.essay.slug in published]
    release_freed()  # what the Markdown stage's results were sent in
    slim_files = {slug: file for slug, file in body_files.items() if file is not None and essay_bodies[slug].cites}
    cited = apply_citations(
        root, config, checked, essay_bodies, views, options.use_cache, options.memo, ahead, slim_files, writes=options.writes_cache, scratch=options.scratch,
    )
    problems += cited.problems
    raise_if(problems)
    site = replace(assemble_site(config, schedule, cited.views, page_views, options.drafts, options.memo), references=cited.references)
    return site, cited.extras, rendered, cited.files(site), searchable


def _linked(
    essay: Essay, body: RenderedBody, file: str | None, targets: dict[str, LinkTarget],
    links: Callable[[RenderedBody, str, str], tuple[str, list[Problem]]], problems: list[Problem],
) -> tuple[str, StoredBody | None]:
    """An essay's HTML with its links resolved, or (streaming) its cache file and link tags."""
    folder = essay_dir(essay.slug)
    if body.is_slim and file is not None:  # its HTML stays in the cache until its page is made
        tags, found = link_tags(body.links, essay.source, folder, targets)
        problems += found
        return "", StoredBody(file, tags)
    html, found = links(body, essay.source, folder)
    problems += found
    return html, None


def streams(options: BuildOptions) -> bool:
    """Whether bodies stay in the cache (or check's and --no-cache's scratch folder), read
    when their pages are made, or are held in memory (serve, whose memo keeps them anyway)."""
    return options.memo is None and (options.writes_cache or options.scratch is not None)


def body_cache(root: Path, options: BuildOptions, digests: FileDigests) -> BodyCache:
    """Rendered bodies: the site's cache, written by build and serve, only read by check
    (not by --no-cache); check's and --no-cache's own go to their scratch folder."""
    return BodyCache(cache_folder(root, options.use_cache), digests, writable=options.writes_cache, scratch=options.scratch)


def _search_source(body: RenderedBody, file: str | None) -> SearchSource:
    """How the search index gets a body's text and terms: from memory, or from its cache file."""
    if not body.is_slim or file is None:
        search = body.search
        return SearchSource(search.words, None, lambda: search)

    def load() -> SearchBody:
        found = stored_search(file)
        if found is None:
            raise BodyGone(file)
        return found

    return SearchSource(body.search.words, file, load)


def _stored_terms(file: str) -> str | None:
    found = stored_search(file)
    return None if found is None else found.terms


def _link_resolver(targets: dict[str, LinkTarget], memo: Memo | None) -> Callable[[RenderedBody, str, str], tuple[str, list[Problem]]]:
    if memo is None:
        return lambda body, path, folder: resolve_links(body, path, folder, targets)
    token = memo.token("link targets", targets)
    return lambda body, path, folder: memo.recall(("links", body, path, folder, token), lambda: resolve_links(body, path, folder, targets))


def _essay_context(root: Path, config: SiteConfig, essay: Essay, notes: bool) -> RenderContext:
    return RenderContext(essay.source, essay.line_offset, essay_dir(essay.slug), essay.bundle, str(root), config.unsafe_html, frozenset(), notes)


def _page_context(root: Path, config: SiteConfig, page: Page, notes: bool) -> RenderContext:
    return RenderContext(page.source, page.line_offset, page_dir(page.slug), None, str(root), config.unsafe_html, frozenset(), notes)


def _link_targets(checked: Sequence[Planned], pages: Sequence[Page], published: set[str], essay_bodies: dict[str, RenderedBody], page_bodies: dict[str, RenderedBody], sources: frozenset[str]) -> dict[str, LinkTarget]:
    # Sources that exist but did not parse (or are drafts) are real files: no "missing" error.
    targets = dict.fromkeys(sources, LinkTarget(None, None))
    for planned in checked:
        slug = planned.essay.slug
        targets[planned.essay.source] = LinkTarget(essay_dir(slug) if slug in published else None, essay_bodies[slug].anchors)
    for page in pages:
        targets[page.source] = LinkTarget(page_dir(page.slug), page_bodies[page.source].anchors)
    return targets


def _cover_image(essay: Essay, files: frozenset[str], problems: list[Problem]) -> str | None:
    """The output path of the essay's `image:` (or the URL itself), checked like body images."""
    if not essay.image or is_absolute_url(essay.image):
        return essay.image
    folder = essay.source.rsplit("/", 1)[0]
    target, _ = resolve_local(folder, essay.image)
    published = published_path(target, essay.bundle, essay_dir(essay.slug)) if target in files else None
    if published is None:
        where = "does not exist" if target not in files else "is not published (put it beside a bundle essay or in content/media/)"
        problems.append(essay.doc.problem(("image",), f"the image '{essay.image}' {where} — check the file name and folder"))
    return published


def _essay_view(planned: Planned, body: RenderedBody, html: tuple[str, StoredBody | None], image: str | None, config: SiteConfig) -> EssayView:
    essay = planned.essay
    series = config.series.get(planned.series) if planned.series else None
    return EssayView(
        slug=essay.slug,
        source=essay.source,
        title=essay.title,
        subtitle=essay.subtitle,
        summary=essay.summary,
        authors=essay.authors,
        release=planned.release,
        updated=essay.updated,
        revisions=essay.revisions,
        tags=make_tags(essay.tags),
        series=planned.series,
        series_title=series.title if series else None,
        part=planned.part,
        total=planned.total,
        words=body.words,
        held_headings=body.headings if html[1] is None else (),  # else read with its HTML
        held_html=html[0],
        stored=html[1],
        image=image,
        image_alt=essay.image_alt,
        feed_id=essay.feed_id,
        draft=essay.draft,
    )


# ---------------------------------------------------------------- output files

def plan_files(
    root: Path, loaded: Loaded, site: Site, env: jinja2.Environment | None, extras: dict[str, EssayExtras], extra_files: Iterable[OutputFile],
    searchable: Mapping[str, SearchSource], options: BuildOptions, kept: PagesKept | None = None,
) -> Iterator[OutputFile]:
    assert loaded.theme is not None and env is not None  # a missing theme is a problem reported before this stage
    essay_pages = _essay_pages(root, loaded, site, env, options, kept)
    from essaygen.feeds import plan_feeds
    from essaygen.discovery import plan_discovery

    # While the page workers render, this process makes the search index and the feeds
    # (overlap.py). The workers start before any of that (interleave asks for pages
    # first), so they are not forked with the search postings in memory.
    own = itertools.chain(_search_files(root, site, searchable, options), extra_files, plan_feeds(site, options.memo, essay_pages.cache), plan_discovery(site))
    del searchable
    yield from interleave(plan_pages(site, env, extras, essay_pages), own)
    yield from _copies(loaded.theme.static, "assets/", within=loaded.theme.folder)
    yield from _copies(root / "content" / "media", "media/", within=root)
    essays = {e.source: e for e in loaded.essays}
    for view in site.essays:
        bundle = essays[view.source].bundle
        if bundle:
            yield from _copies(root / bundle, view.path, within=root, skip_markdown=True)


def _search_files(root: Path, site: Site, searchable: Mapping[str, SearchSource], options: BuildOptions) -> Iterator[OutputFile]:
    if site.config.search:
        cache = cache_folder(root, options.writes_cache and streams(options))
        yield from plan_search(site, searchable, cache / "search" / "postings.pickle" if cache else None, _stored_terms)


def _environment(root: Path, theme: Theme, options: BuildOptions) -> jinja2.Environment:
    def make() -> jinja2.Environment:
        # serve's tells which essays a listing read (pagecache.ReadingEnvironment).
        kind = jinja2.Environment if options.memo is None else ReadingEnvironment
        env = make_environment(root, theme, cache_folder(root, options.writes_cache), kind)
        env.globals["generator"] = f"essaygen {__version__}"
        env.globals["asset_versions"] = asset_versions(theme)
        return env

    if options.memo is None:
        return make()
    # Kept while no template or static file changed: its compiled templates and analyses too.
    return options.memo.recall(("environment", str(root), str(theme.folder), theme_digest(root, theme)), make)


def _essay_pages(root: Path, loaded: Loaded, site: Site, env: jinja2.Environment, options: BuildOptions, kept: PagesKept | None) -> EssayPages:
    folder = cache_folder(root, options.use_cache)
    workers = options.jobs or min(os.cpu_count() or 1, 8)
    memo = options.memo
    if memo is not None and loaded.theme is not None and essay_pages_cacheable(env):
        chrome = chrome_digest(site, theme_digest(root, loaded.theme))
        parts = listing_parts(site, env, chrome)
        if parts is None:
            return EssayPages(None, chrome, workers, None, reads_word_counts(env), memo)
        numbers = ListingNumbers.of(parts, memo)
        return EssayPages(None, chrome, workers, f"listings {numbers.frame}", reads_word_counts(env), memo, numbers)
    save_analyses = analyses_from_cache(env, folder if options.writes_cache else None)
    if kept is None or loaded.theme is None or not essay_pages_cacheable(env):
        return EssayPages(workers=workers)
    chrome = chrome_digest(site, theme_digest(root, loaded.theme))
    pages = EssayPages(kept, chrome, workers, listing_digest(site, env, chrome), reads_word_counts(env))
    save_analyses()
    return pages


def _copies(folder: Path, prefix: str, within: Path, skip_markdown: bool = False) -> Iterator[OutputFile]:
    """Every file under `folder` whose real path is inside `within` (symlinks out of the
    site are refused when the site is read; here they are never published either)."""
    if not folder.is_dir():
        return
    real_root = os.path.realpath(within)
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or (skip_markdown and path.suffix == ".md"):
            continue
        if not os.path.realpath(path).startswith(real_root + os.sep):
            continue
        yield OutputFile(prefix + path.relative_to(folder).as_posix(), copy_from=str(path))


def check_site(root: Path, as_of: str | datetime | None, now: datetime, drafts: bool = False) -> BuildResult:
    return build(BuildOptions(root, as_of=as_of, drafts=drafts, write=False), now)


__all__ = ["BuildOptions", "BuildResult", "UsageError", "build", "check_site", "SiteError"]
