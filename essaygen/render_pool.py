"""Rendering Markdown bodies: from the cache when possible, else on every core.

Workers receive a body's text, or only its file and digest (they read it again:
a large build does not hold every body), and return rendered bodies, never the
whole site; the list of content files is sent once per worker, not once per
essay. For a streaming build (`slim` jobs) the workers store each body in the
cache and send back only its metadata: the HTML and search text stay on disk
until a page needs them.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from essaygen.cache import BodyCache, BodyIndex
from essaygen.content import read_body
from essaygen.markdown import RenderContext, RenderedBody, body_key, render_body
from essaygen.memo import Memo
from essaygen.overlap import worker_started
from essaygen.search import SearchBody
from essaygen.sweep import sweep_unused

# Below this many bodies to render, starting workers costs more than it saves.
PARALLEL_THRESHOLD = 24


@dataclass(frozen=True)
class BodyJob:
    ctx: RenderContext
    digest: str             # sha256 of the body text (content.body_digest)
    text: str | None        # None: the worker reads it from ctx.path
    slim: bool = False      # come back without the HTML and search text once stored


@dataclass(frozen=True)
class _Worker:
    files: frozenset[str]
    cache: BodyCache | None


_worker = _Worker(frozenset(), None)


def _init_worker(worker: _Worker, forked: bool = True) -> None:
    global _worker
    _worker = worker
    if forked:
        worker_started()


def _render_one(job: tuple[BodyJob, str]) -> RenderedBody:
    """Render a body and store it in the cache: in the worker, so that writing a
    thousand cache entries is shared between the cores too."""
    item, key = job
    text, problem = (item.text, None) if item.text is not None else read_body(Path(item.ctx.root), item.ctx.path, item.digest)
    if text is None:
        assert problem is not None
        return RenderedBody("", (), 0, (), (), frozenset(), (), (problem,), SearchBody("", "", 0))
    rendered = render_body(text, replace(item.ctx, files=_worker.files))
    stored = _worker.cache is not None and _worker.cache.put(key, rendered)
    return rendered.slimmed(stored=True) if stored and item.slim else rendered


def render_bodies(
    jobs: Sequence[BodyJob], cache: BodyCache, files: frozenset[str], workers: int = 0, memo: Memo | None = None,
    head_start: HeadStart | None = None, search: bool = True,
) -> tuple[list[RenderedBody], int]:
    """(a body per job, how many were rendered rather than taken from the cache).
    A `slim` job's body comes back without its HTML when that is in the cache.
    `head_start`: where some of them may be rendered already (its workers do the rest)."""
    if memo is not None:
        return _render_remembered(jobs, cache, files, workers, memo, search)
    keys = [body_key(job.digest, job.ctx) for job in jobs]
    # Slim bodies' metadata comes from the index, kept for the next build (not for serve's
    # few bodies at a time: it holds whole bodies and would leave the index empty).
    index = BodyIndex(cache) if any(job.slim for job in jobs) else None
    started = head_start.knows if head_start is not None else lambda key: False
    results: list[RenderedBody | None] = [None if started(key) else _cached(job, key, cache, index) for job, key in zip(jobs, keys)]
    missing = [i for i, found in enumerate(results) if found is None]
    todo = [(jobs[i], keys[i]) for i in missing]
    made = head_start.render(todo) if head_start is not None else None
    for i, body in zip(missing, made if made is not None else _render(todo, _Worker(files, cache), workers)):
        results[i] = body
    if index is not None:
        for key, job, body in zip(keys, jobs, results):
            if job.slim and body is not None and body.is_slim and not index.knows(key):
                index.remember(key, body)
        index.save()
        if cache.writable:
            # Every body this build uses is known now: the rest can go once they are old,
            # but for the last build's (the search postings are patched from a changed essay's).
            sweep_unused(cache.folder, {*keys, *index.previous_keys()}, ".body", time.time())
    return [r for r in results if r is not None], len(missing)


def _cached(job: BodyJob, key: str, cache: BodyCache, index: BodyIndex | None) -> RenderedBody | None:
    if not job.slim or index is None:
        return cache.get(key)
    return index.get(key) or cache.get_meta(key)


def _render_remembered(
    jobs: Sequence[BodyJob], cache: BodyCache, files: frozenset[str], workers: int, memo: Memo, search: bool = True,
) -> tuple[list[RenderedBody], int]:
    """Bodies from memory when their text and context are the same and the files they
    looked up (links, images, chart data) still have the same digests; else as above.
    Not keyed by the whole list of content files: a body depends only on those it looked
    up (a file it did not find has the digest "missing"), as in the cache on disk, so
    adding an essay or an image does not fetch every body again. Without a search index
    (serve's), a body's search text is not kept (a sixth of what serve holds per essay)."""
    found: list[RenderedBody | None] = []
    for job in jobs:
        known = memo.find(("body", job.digest, job.ctx, search))
        fresh = known is not None and all(cache.digests(path) == digest for path, digest in known[1])
        found.append(known[0] if fresh else None)
    missing = [i for i, body in enumerate(found) if body is None]
    rendered, count = render_bodies([jobs[i] for i in missing], cache, files, workers)
    for i, body in zip(missing, rendered):
        found[i] = body = body if search else body.without_search_text()
        deps = tuple((path, cache.digests(path)) for path in body.deps)
        memo.remember(("body", jobs[i].digest, jobs[i].ctx, search), (body, deps))
    return [b for b in found if b is not None], count


def _render(jobs: Sequence[tuple[BodyJob, str]], worker: _Worker, workers: int) -> list[RenderedBody]:
    count = _worker_count(workers)
    if count <= 1 or len(jobs) < PARALLEL_THRESHOLD:
        _init_worker(worker, forked=False)
        return [_render_one(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(jobs) // (count * 8))
    with ProcessPoolExecutor(count, mp_context=context, initializer=_init_worker, initargs=(worker,)) as pool:
        return list(pool.map(_render_one, jobs, chunksize=chunk))


def _worker_count(workers: int) -> int:
    return workers or min(os.cpu_count() or 1, 8)


def _render_batch(jobs: Sequence[tuple[BodyJob, str]]) -> list[RenderedBody]:
    return [_render_one(job) for job in jobs]


class HeadStart:
    """Bodies rendered while the rest of the site is still being read and planned.

    A cold build used to read and parse every source on one core before any body was
    rendered. Instead, each essay parsed afresh is `offer`ed at once: once there are
    enough to be worth the processes, the workers start on them in small batches, and
    `render_bodies` later takes their results by key (and gives the workers whatever
    is left). An offered essay that the build then does not render (the build stops
    at a problem) only cost a worker's time: `close` cancels what has not started.
    """

    BATCH = 8                  # bodies per batch: ~40 ms of a worker's time

    def __init__(self, cache: BodyCache, files: frozenset[str], workers: int = 0) -> None:
        self.cache = cache
        self.worker = _Worker(files, cache)
        self.count = _worker_count(workers)
        self.waiting: list[tuple[BodyJob, str]] = []
        self.started: dict[str, tuple[Future[list[RenderedBody]], int]] = {}
        self.pool: ProcessPoolExecutor | None = None

    def offer(self, job: BodyJob) -> None:
        """Start rendering `job` unless the cache holds its body (a stat: not read now)."""
        if self.count <= 1:
            return
        key = body_key(job.digest, job.ctx)
        file = self.cache.file(key)
        if file is None or os.path.exists(file):
            return
        self.waiting.append((job, key))
        if self.pool is None and len(self.waiting) >= PARALLEL_THRESHOLD:
            self.pool = ProcessPoolExecutor(self.count, mp_context=multiprocessing.get_context("fork"), initializer=_init_worker, initargs=(self.worker,))
        if self.pool is not None and len(self.waiting) >= self.BATCH:
            self._submit()

    def _submit(self) -> None:
        assert self.pool is not None
        for start in range(0, len(self.waiting), self.BATCH):
            batch = self.waiting[start : start + self.BATCH]
            future = self.pool.submit(_render_batch, batch)
            for n, (_, key) in enumerate(batch):
                self.started[key] = (future, n)
        self.waiting = []

    @property
    def files(self) -> frozenset[str]:
        return self.worker.files

    def knows(self, key: str) -> bool:
        return key in self.started

    def render(self, jobs: Sequence[tuple[BodyJob, str]]) -> list[RenderedBody] | None:
        """The bodies of `jobs` (started here or not), or None when no worker was started."""
        if self.pool is None:
            return None
        self.waiting = [job for job in jobs if job[1] not in self.started]
        self._submit()
        bodies = []
        for _, key in jobs:
            future, n = self.started.pop(key)
            bodies.append(future.result()[n])
        return bodies

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None
