"""A build: the pipeline from the site folder to the output folder.

    load_config -> read_sources -> parse_* -> plan_schedule -> render bodies
    -> resolve links -> citations -> assemble_site -> plan files -> write_output

`now` is passed in (`as_of`), never read by a stage. Every stage collects its
problems; the build stops at the first stage boundary that has any, reporting
all of them, before anything is written.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import jinja2

from essaygen import __version__, record
from essaygen.cache import BodyCache, FileDigests, cache_folder
from essaygen.clock import BadDate, parse_as_of
from essaygen.config import SiteConfig, load_config
from essaygen.content import Essay, Page, Source, parse_essay, parse_page, read_sources, slugify
from essaygen.lock import build_lock
from essaygen.markdown import LinkTarget, RenderContext, RenderedBody, published_path, resolve_links
from essaygen.mdrules import resolve_local
from essaygen.memo import Memo
from essaygen.output import WriteStats, write_output
from essaygen.pages import EssayExtras, EssayPages, OutputFile, plan_pages
from essaygen.pagecache import PageCache, analyses_from_cache, chrome_digest, essay_pages_cacheable, listing_digest, listing_shape, reads_word_counts
from essaygen.problems import Problem, SiteError, UsageError, raise_if
from essaygen.render_pool import render_bodies
from essaygen.schedule import DRAFT, Planned, Schedule, plan_schedule
from essaygen.search import SearchBody, plan_search
from essaygen.site import EssayView, PageView, Site, assemble_site, make_tags
from essaygen.themes import Theme, find_theme, make_environment, theme_digest
from essaygen.urls import essay_dir, page_dir


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


@dataclass(frozen=True)
class Loaded:
    config: SiteConfig
    theme: Theme | None
    essays: tuple[Essay, ...]
    pages: tuple[Page, ...]
    files: frozenset[str]
    sources: frozenset[str]              # every Markdown source read, parsed or not
    broken_slugs: frozenset[str]         # slugs (from file names) of essays that did not parse
    problems: tuple[Problem, ...]        # carried on, so one build reports every stage's problems


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
    root = options.root.absolute()
    watch = Stopwatch()
    with build_lock(root, enabled=options.write and (root / "site.yaml").is_file()):
        keeper = record.Keeper.start(root, options.out or root / "output", options.drafts, options.search, options.write and options.use_cache)
        loaded = load_site(root, options.memo)
        keeper.inputs_known(loaded.config, loaded.essays)
        if not options.search:  # the theme then shows no search page or link either
            loaded = replace(loaded, config=_without_search(loaded.config, options.memo))
        as_of = resolve_as_of(options.as_of, loaded.config, now)
        schedule, problems = plan_schedule(loaded.config, loaded.essays, as_of, options.drafts, loaded.broken_slugs)
        if schedule is None:
            raise SiteError([*loaded.problems, *problems])
        watch.lap("read and parse")
        site, extras, rendered, extra_files, searchable = render_site(root, loaded, schedule, options)
        watch.lap("markdown, links, citations")
        # Files stream from the templates to the disk: a 5,000-essay site never holds
        # every page in memory at once.
        files = Counted(plan_files(root, loaded, site, extras, extra_files, searchable, options))
        del searchable  # plan_files frees it once the search index is made
        stats = None
        output = None
        if options.collect:
            kept: dict[str, OutputFile] = {}
            for item in files:  # the first file for a path wins, as when writing
                kept.setdefault(item.path, item)
            output = Collected(kept)
        elif options.write:
            cache = cache_folder(root, options.use_cache)
            out = options.out or root / "output"
            manifest = record.manifest_path(root, out) if cache else None
            stats = write_output(out, files, trash=cache / "trash" if cache else None, manifest=manifest)
            keeper.finish(schedule, len(site.essays), files.count, stats.state)
        else:
            for _ in files:  # templates and feeds are checked too
                pass
        watch.lap("templates, feeds, search, write" if options.write else "templates and feeds")
        if options.memo is not None:
            options.memo.succeeded()
        return BuildResult(site, schedule, files.count, stats, rendered, tuple(watch.laps), output)


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


def load_site(root: Path, memo: Memo | None = None) -> Loaded:
    """Read and parse everything. Only a broken site.yaml stops here: every other
    problem is carried on, so later stages can report theirs in the same build."""
    config, problems = _load_config(root, memo)
    raise_if(problems)
    assert config is not None
    theme, theme_problems = find_theme(root, config.theme)
    sources, problems = read_sources(root, memo)
    problems += theme_problems
    essays, pages = _parse_all(sources, config, problems, memo)
    problems += duplicate_slugs(essays, pages)
    parsed = {e.source for e in essays}
    broken = frozenset(slugify(Path(s.bundle or s.path).stem) for s in sources if s.kind == "essay" and s.path not in parsed)
    return Loaded(config, theme, tuple(essays), tuple(pages), content_files(root), frozenset(s.path for s in sources), broken, tuple(problems))


def _without_search(config: SiteConfig, memo: Memo | None) -> SiteConfig:
    if memo is None:
        return replace(config, search=False)
    # One object while site.yaml is unchanged: later stages remember results by it.
    return memo.recall(("config without search", id(config)), lambda: replace(config, search=False))


def _load_config(root: Path, memo: Memo | None) -> tuple[SiteConfig | None, list[Problem]]:
    if memo is None:
        return load_config(root)
    try:
        text = (root / "site.yaml").read_bytes()
    except OSError:
        return load_config(root)
    return memo.recall(("config", str(root), text), lambda: load_config(root))


def _parse_all(sources: Sequence[Source], config: SiteConfig, problems: list[Problem], memo: Memo | None = None) -> tuple[list[Essay], list[Page]]:
    essays: list[Essay] = []
    pages: list[Page] = []
    for source in sources:
        if memo is None:
            item, found = _parse_one(source, config)
        else:  # the memo keeps one config object while site.yaml is unchanged
            item, found = memo.recall(("parse", id(config), source), lambda: _parse_one(source, config))
        if isinstance(item, Essay):
            essays.append(item)
        elif item is not None:
            pages.append(item)
        problems += found
    return essays, pages


def _parse_one(source: Source, config: SiteConfig) -> tuple[Essay | Page | None, list[Problem]]:
    if source.kind == "essay":
        return parse_essay(source, config)
    return parse_page(source)


def duplicate_slugs(essays: Sequence[Essay], pages: Sequence[Page]) -> list[Problem]:
    problems = []
    for group in (essays, pages):
        first: dict[str, Essay | Page] = {}
        for item in group:
            if item.slug in first:
                problems.append(_duplicate(first[item.slug], item))
            else:
                first[item.slug] = item
    return problems


def _duplicate(first: Essay | Page, second: Essay | Page) -> Problem:
    """Point at the `slug:` line that caused the clash, else at the second file."""
    here, other = second, first
    if not _explicit_slug(second) and _explicit_slug(first):
        here, other = first, second
    line, col = here.doc.where(("slug",)) if _explicit_slug(here) else (1, 1)  # type: ignore[union-attr]
    how = "" if _explicit_slug(here) else f" (made from the file name '{Path(here.source).stem}')"
    return Problem(here.source, line, col, f"slug '{here.slug}'{how} is also used by {other.source} — give one of them another `slug:`")


def _explicit_slug(item: Essay | Page) -> bool:
    doc = getattr(item, "doc", None)
    return doc is not None and ("slug",) in doc.key_marks


def content_files(root: Path) -> frozenset[str]:
    """Every file under content/ (relative to the root), symlinks out of the site excluded."""
    found: set[str] = set()
    _content_files(str(root / "content"), "content/", os.path.realpath(root) + os.sep, found)
    return frozenset(found)


def _content_files(folder: str, prefix: str, real_root: str, found: set[str]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink() and not os.path.realpath(entry.path).startswith(real_root):
            continue
        if entry.is_dir():  # a linked folder is not followed (as os.walk does not)
            if not entry.is_symlink():
                _content_files(entry.path, prefix + entry.name + "/", real_root, found)
        else:
            found.add(prefix + entry.name)


# ---------------------------------------------------------------- rendering

def render_site(root: Path, loaded: Loaded, schedule: Schedule, options: BuildOptions) -> tuple[Site, dict[str, EssayExtras], int, list[OutputFile], dict[str, SearchBody]]:
    config = loaded.config
    # Embargoed essays are rendered to *check* them (links, citations), never published.
    checked = [p for p in schedule.planned if p.state != DRAFT or options.drafts]
    published = {p.essay.slug for p in schedule.published(options.drafts)}
    pages = [p for p in loaded.pages if not p.draft or options.drafts]
    digests = FileDigests(root)
    cache = BodyCache(cache_folder(root, options.use_cache), digests, writable=options.writes_cache)
    jobs = [(p.essay.body, _essay_context(root, loaded, p.essay)) for p in checked]
    jobs += [(page.body, _page_context(root, loaded, page)) for page in pages]
    bodies, rendered = render_bodies(jobs, cache, loaded.files, options.jobs, options.memo)
    essay_bodies = dict(zip((p.essay.slug for p in checked), bodies[: len(checked)]))
    page_bodies = dict(zip((p.source for p in pages), bodies[len(checked) :]))
    targets = _link_targets(checked, pages, published, essay_bodies, page_bodies, loaded.sources)
    problems: list[Problem] = [*loaded.problems, *(p for body in bodies for p in body.problems)]
    essay_html = {}
    links = _link_resolver(targets, options.memo)
    for planned in checked:
        html, found = links(essay_bodies[planned.essay.slug], planned.essay.source, essay_dir(planned.essay.slug))
        essay_html[planned.essay.slug] = html
        problems += found
    page_views = []
    for page in pages:
        html, found = links(page_bodies[page.source], page.source, page_dir(page.slug))
        problems += found
        page_views.append(PageView(page.slug, page.source, page.kind, page.title, page.subtitle, page.summary, html, page.nav, page.order, page.draft))
    if options.memo is None:
        # Each body's HTML is resolved now: let it go (a large site's peak memory).
        del bodies, page_bodies
        essay_bodies = {slug: replace(body, html="") for slug, body in essay_bodies.items()}
    from essaygen.references import apply_citations

    images = {p.essay.slug: _cover_image(p.essay, loaded.files, problems) for p in checked}
    views = [_essay_view(p, essay_bodies[p.essay.slug], essay_html[p.essay.slug], images[p.essay.slug], config) for p in checked if p.essay.slug in published]
    cited = apply_citations(root, config, checked, essay_bodies, views, options.writes_cache, options.memo)
    problems += cited.problems
    raise_if(problems)
    site = replace(assemble_site(config, schedule, cited.views, page_views, options.drafts, options.memo), references=cited.references)
    # Only what the search index needs goes on: the rendered bodies can be freed (memory).
    return site, cited.extras, rendered, cited.files(site), {slug: body.search for slug, body in essay_bodies.items()}


def _link_resolver(targets: dict[str, LinkTarget], memo: Memo | None) -> Callable[[RenderedBody, str, str], tuple[str, list[Problem]]]:
    if memo is None:
        return lambda body, path, folder: resolve_links(body, path, folder, targets)
    token = memo.token("link targets", targets)
    return lambda body, path, folder: memo.recall(("links", body, path, folder, token), lambda: resolve_links(body, path, folder, targets))


def _essay_context(root: Path, loaded: Loaded, essay: Essay) -> RenderContext:
    return RenderContext(essay.source, essay.line_offset, essay_dir(essay.slug), essay.bundle, str(root), loaded.config.unsafe_html, frozenset())


def _page_context(root: Path, loaded: Loaded, page: Page) -> RenderContext:
    return RenderContext(page.source, page.line_offset, page_dir(page.slug), None, str(root), loaded.config.unsafe_html, frozenset())


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


def _essay_view(planned: Planned, body: RenderedBody, html: str, image: str | None, config: SiteConfig) -> EssayView:
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
        headings=body.headings,
        body_html=html,
        image=image,
        image_alt=essay.image_alt,
        feed_id=essay.feed_id,
        draft=essay.draft,
    )


# ---------------------------------------------------------------- output files

def plan_files(
    root: Path, loaded: Loaded, site: Site, extras: dict[str, EssayExtras], extra_files: Sequence[OutputFile],
    searchable: Mapping[str, SearchBody], options: BuildOptions,
) -> Iterator[OutputFile]:
    assert loaded.theme is not None  # a missing theme is a problem reported before this stage
    # The search index first: then every essay's text and terms can be freed before
    # the pages are rendered (the peak of a large build's memory).
    if site.config.search:
        yield from (OutputFile(path, data) for path, data in plan_search(site, searchable))
    del searchable
    env = _environment(root, loaded.theme, options)
    yield from plan_pages(site, env, extras, _essay_pages(root, loaded, site, env, options))
    yield from extra_files
    from essaygen.feeds import plan_feeds
    from essaygen.discovery import plan_discovery

    yield from plan_feeds(site, options.memo)
    yield from plan_discovery(site)
    yield from _copies(loaded.theme.static, "assets/", within=loaded.theme.folder)
    yield from _copies(root / "content" / "media", "media/", within=root)
    essays = {e.source: e for e in loaded.essays}
    for view in site.essays:
        bundle = essays[view.source].bundle
        if bundle:
            yield from _copies(root / bundle, view.path, within=root, skip_markdown=True)


def _environment(root: Path, theme: Theme, options: BuildOptions) -> jinja2.Environment:
    def make() -> jinja2.Environment:
        env = make_environment(root, theme, cache_folder(root, options.writes_cache))
        env.globals["generator"] = f"essaygen {__version__}"
        return env

    if options.memo is None:
        return make()
    # Kept while no template or static file changed: its compiled templates and analyses too.
    return options.memo.recall(("environment", str(root), str(theme.folder), theme_digest(root, theme)), make)


def _essay_pages(root: Path, loaded: Loaded, site: Site, env: jinja2.Environment, options: BuildOptions) -> EssayPages:
    folder = cache_folder(root, options.use_cache)
    workers = options.jobs or min(os.cpu_count() or 1, 8)
    memo = options.memo
    if memo is not None and loaded.theme is not None and essay_pages_cacheable(env):
        chrome = chrome_digest(site, theme_digest(root, loaded.theme))
        shape = listing_shape(site, env, chrome)
        listings = None if shape is None else f"listings {memo.token('listing shape', shape)}"
        return EssayPages(None, chrome, workers, listings, reads_word_counts(env), memo)
    save_analyses = analyses_from_cache(env, folder if options.writes_cache else None)
    if folder is None or loaded.theme is None or not essay_pages_cacheable(env):
        return EssayPages(workers=workers)
    chrome = chrome_digest(site, theme_digest(root, loaded.theme))
    pages = EssayPages(PageCache(folder, writable=options.writes_cache), chrome, workers, listing_digest(site, env, chrome), reads_word_counts(env))
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
