"""Giving the memory a stage freed back to the system, between a build's stages."""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


def release_freed() -> None:
    """glibc's free() returns memory to the system only from the top of its heap: what
    a stage freed below live objects stays in the process, counted in its RSS, until
    malloc_trim gives back every free page (~2 ms; nothing where libc is not glibc)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None
