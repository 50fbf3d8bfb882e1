"""The search index's postings (term -> the essays using it, with weights), merged
from every essay, or patched from the previous build's when only a few changed.

A posting is "essay,weight" (the essay's number in the index); a term's postings
are in essay order, kept joined into one string (a 5,000-essay site has millions of
postings: one string object each would cost a hundred megabytes). Merging means
reading every essay's terms, a third of a second for 1,000 essays; a build in which
one essay changed instead takes the previous build's postings (kept in the cache
with the list of essays they were made from), removes that essay's old postings and
adds its new ones. The result is the same either way, which a test checks.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from essaygen.pickles import read_pickle, write_pickle

VERSION = 1
COMPACT_EVERY = 256          # essays between joins of the postings (memory)
PATCH_LIMIT = 64             # more changed essays than this: merge afresh


@dataclass(frozen=True)
class Entry:
    """An essay's place in the index, and what its postings were made from."""

    slug: str
    identity: str | None        # its body's text and terms (a cache file); None: unknown
    about: str                  # its title, subtitle, summary and tag terms: "term weight term weight"


@dataclass
class Postings:
    terms: dict[str, list[str]] = field(default_factory=dict)
    added: int = 0

    def add(self, number: int, weights: Iterable[tuple[str, str]]) -> None:
        """An essay's postings, after every essay numbered before it."""
        prefix = f"{number},"
        terms = self.terms
        for term, weight in weights:
            found = terms.get(term)
            if found is None:
                terms[term] = [prefix + weight]
            else:
                found.append(prefix + weight)
        self.added += 1
        if self.added % COMPACT_EVERY == 0:
            self.compact()

    def compact(self) -> None:
        for found in self.terms.values():
            if len(found) > 1:
                found[:] = [",".join(found)]

    def replace(self, number: int, old: Iterable[tuple[str, str]], new: Iterable[tuple[str, str]]) -> None:
        """Essay `number`'s postings `old` replaced by `new`, each term's kept in essay order."""
        now = dict(new)
        for term, _ in old:
            if term not in now:
                self._set(term, number, None)
        for term, weight in now.items():
            self._set(term, number, weight)

    def _set(self, term: str, number: int, weight: str | None) -> None:
        """Essay `number`'s posting for `term`: found by bisection, as postings are in
        essay order (a common word has one for nearly every essay)."""
        found = self.terms.get(term)
        parts = ",".join(found).split(",") if found else []
        at = 2 * bisect.bisect_left(range(len(parts) // 2), number, key=lambda k: int(parts[2 * k]))
        if at < len(parts) and int(parts[at]) == number:
            del parts[at : at + 2]
        if weight is not None:
            parts[at:at] = [str(number), weight]
        if parts:
            self.terms[term] = [",".join(parts)]
        elif found is not None:
            del self.terms[term]

    def joined(self, term: str) -> str:
        return ",".join(self.terms[term])


def weights(terms: str, about: str) -> list[tuple[str, str]]:
    """An essay's (term, weight) postings: its body's terms (in their order), with the
    weights of title and other terms (`about`, in the same form) added, then the terms
    only those have."""
    parts = terms.split()
    pairs = about.split()
    extra = dict(zip(pairs[::2], map(int, pairs[1::2])))
    found = []
    for term, weight in zip(parts[::2], parts[1::2]):
        if term in extra:
            weight = str(int(weight) + extra.pop(term))
        found.append((term, weight))
    found += [(term, str(extra[term])) for term in sorted(extra)]
    return found


def patched(
    previous: tuple[list[Entry], Postings] | None, entries: list[Entry], recall: Callable[[str], str | None], terms_of: Callable[[int], str],
) -> Postings | None:
    """The previous build's postings, changed where essays changed; None when the
    list of essays is not the same or too much changed (then merge afresh).
    `recall(identity)` gives an earlier body's terms; `terms_of(n)` essay n's now."""
    if previous is None:
        return None
    before, postings = previous
    if [e.slug for e in before] != [e.slug for e in entries] or any(e.identity is None for e in entries):
        return None
    changed = [n for n, (old, new) in enumerate(zip(before, entries)) if old != new]
    if len(changed) > PATCH_LIMIT:
        return None
    for n in changed:
        old_terms = recall(before[n].identity or "")
        if old_terms is None:
            return None
        postings.replace(n, weights(old_terms, before[n].about), weights(terms_of(n), entries[n].about))
    return postings


def load(file: Path | None, stamp: str) -> tuple[list[Entry], Postings] | None:
    """The postings a build saved, with its entries; None if absent, damaged or foreign."""
    found = read_pickle(file) if file is not None else None
    if not isinstance(found, tuple) or len(found) != 3:
        return None
    saved_stamp, entries, terms = found
    if saved_stamp != stamp or not isinstance(terms, dict) or not isinstance(entries, list):
        return None
    return entries, Postings(terms)


def save(file: Path | None, stamp: str, entries: list[Entry], postings: Postings) -> None:
    if file is not None:
        postings.compact()
        write_pickle(file, (stamp, entries, postings.terms))
