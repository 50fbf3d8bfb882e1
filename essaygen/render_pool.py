"""Rendering Markdown bodies: from the cache when possible, else on every core.

Workers receive source text and return rendered bodies, never the whole site;
the list of content files is sent once per worker, not once per essay.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from essaygen.cache import BodyCache
from essaygen.markdown import RenderContext, RenderedBody, body_key, render_body
from essaygen.memo import Memo

# Below this many bodies to render, starting workers costs more than it saves.
PARALLEL_THRESHOLD = 24

_files: frozenset[str] = frozenset()
_cache: BodyCache | None = None


def _init_worker(files: frozenset[str], cache: BodyCache | None = None) -> None:
    global _files, _cache
    _files = files
    _cache = cache


def _render_one(job: tuple[str, RenderContext, str | None]) -> RenderedBody:
    """Render a body and store it in the cache: in the worker, so that writing a
    thousand cache entries is shared between the cores too."""
    body, ctx, key = job
    rendered = render_body(body, replace(ctx, files=_files))
    if _cache is not None and key is not None:
        _cache.put(key, rendered)
    return rendered


def render_bodies(
    jobs: Sequence[tuple[str, RenderContext]], cache: BodyCache, files: frozenset[str], workers: int = 0, memo: Memo | None = None
) -> tuple[list[RenderedBody], int]:
    """(a body per job, how many were rendered rather than taken from the cache)."""
    if memo is not None:
        return _render_remembered(jobs, cache, files, workers, memo)
    keys = [body_key(body, ctx) for body, ctx in jobs]
    results: list[RenderedBody | None] = [cache.get(key) for key in keys]
    missing = [i for i, found in enumerate(results) if found is None]
    for i, body in zip(missing, _render([(*jobs[i], keys[i]) for i in missing], files, workers, cache)):
        results[i] = body
    return [r for r in results if r is not None], len(missing)


def _render_remembered(
    jobs: Sequence[tuple[str, RenderContext]], cache: BodyCache, files: frozenset[str], workers: int, memo: Memo
) -> tuple[list[RenderedBody], int]:
    """Bodies from memory when their text, context and content files are the same and
    the files they read (chart data) still have the same digests; else as above."""
    files_token = memo.token("content files", files)
    found: list[RenderedBody | None] = []
    for body, ctx in jobs:
        known = memo.find(("body", body, ctx, files_token))
        fresh = known is not None and all(cache.digests(path) == digest for path, digest in known[1])
        found.append(known[0] if fresh else None)
    missing = [i for i, body in enumerate(found) if body is None]
    rendered, count = render_bodies([jobs[i] for i in missing], cache, files, workers)
    for i, body in zip(missing, rendered):
        found[i] = body
        deps = tuple((path, cache.digests(path)) for path in body.deps)
        memo.remember(("body", jobs[i][0], jobs[i][1], files_token), (body, deps))
    return [b for b in found if b is not None], count


def _render(jobs: Sequence[tuple[str, RenderContext, str]], files: frozenset[str], workers: int, cache: BodyCache) -> list[RenderedBody]:
    count = workers or min(os.cpu_count() or 1, 8)
    if count <= 1 or len(jobs) < PARALLEL_THRESHOLD:
        _init_worker(files, cache)
        return [_render_one(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(jobs) // (count * 8))
    with ProcessPoolExecutor(count, mp_context=context, initializer=_init_worker, initargs=(files, cache)) as pool:
        return list(pool.map(_render_one, jobs, chunksize=chunk))
