"""Problems: what is wrong with a site, where, and what to do about it.

Every stage collects Problems instead of raising on the first one, so an editor
sees every mistake of a build at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in the site: `path:line:col: message`. Lines and columns are 1-based."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class SiteError(Exception):
    """Raised at a stage boundary when the collected problems stop the build."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[SiteError], tuple[tuple[Problem, ...]]]:
        # Raised in a page worker, it is pickled back whole (the default would rebuild
        # it from its message, one character a problem).
        return SiteError, (self.problems,)


def raise_if(problems: Iterable[Problem]) -> None:
    found = tuple(problems)
    if found:
        raise SiteError(found)


class UsageError(Exception):
    """Bad command-line input (exit status 2)."""
