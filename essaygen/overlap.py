"""Keeping the main process busy while worker processes render.

A stream of files made by workers (the pages) may yield `Pending` instead of waiting
for the next one. `interleave` then makes files of the main process's own (search
index, feeds) until that worker result is done: neither side waits for the other,
and finished pages never pile up in memory for longer than one of those files takes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Pending:
    """The next item of a stream is still being made elsewhere; asking the stream for
    it again waits for it."""

    future: Future[Any]

    def done(self) -> bool:
        return self.future.done()


def interleave(made_elsewhere: Iterable[T | Pending], own_work: Iterable[T]) -> Iterator[T]:
    """Every item of both, those made elsewhere first whenever they are ready, and one
    item of `own_work` at a time while they are not."""
    work = iter(own_work)
    for item in made_elsewhere:
        if not isinstance(item, Pending):
            yield item
            continue
        while not item.done():
            mine = next(work, _END)
            if mine is _END:
                break  # nothing left to do here: the stream waits for its item
            yield mine  # type: ignore[misc]
    yield from work


_END = object()


def worker_started() -> None:
    """In a forked worker process: what it inherited is never collected (gc.freeze also
    keeps the collector from touching, and so copying, those pages), and collections
    run less often, as a worker makes many short-lived objects (Markdown's tokens, a
    page's strings) and few cycles. About 4% of a worker's time."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
