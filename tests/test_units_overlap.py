"""overlap.interleave: the main process's own files are made while worker results are pending."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Iterator

from essaygen.overlap import Pending, interleave


def _stream(futures: list[Future[str]], log: list[str]) -> Iterator[str | Pending]:
    for future in futures:
        if not future.done():
            yield Pending(future)
        log.append("waited" if not future.done() else "ready")
        yield future.result() if future.done() else "late"


def test_own_work_fills_the_wait_and_nothing_is_lost_or_reordered() -> None:
    ready: Future[str] = Future()
    ready.set_result("page 1")
    slow: Future[str] = Future()
    log: list[str] = []

    def own() -> Iterator[str]:
        for name in ("search 1", "search 2", "feed"):
            if name == "search 2":
                slow.set_result("page 2")  # the worker finishes while this file is made
            yield name

    assert list(interleave(_stream([ready, slow], log), own())) == ["page 1", "search 1", "search 2", "page 2", "feed"]
    assert log == ["ready", "ready"]  # the stream never had to wait


def test_when_own_work_runs_out_the_stream_waits() -> None:
    slow: Future[str] = Future()
    log: list[str] = []
    assert list(interleave(_stream([slow], log), iter(["search"]))) == ["search", "late"]
    assert log == ["waited"]

