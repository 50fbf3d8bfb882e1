"""Citation clusters as pandoc's JSON AST, for the worker to read with `pandoc.read(.., 'json')`.

Why JSON AST: pandoc's JSON reader takes ~1 ms for an essay's 20+ clusters, its
Markdown reader 5-8 ms, and building Cite elements in Lua costs more still. With
the AST the worker adds about 20% to pandoc's own citeproc time.

A prefix or suffix of plain words becomes Str and Space elements here, as pandoc's
reader would make them. One with Markdown (emphasis, code, quotes to curl, "--")
is a *fragment*: the worker reads those with pandoc's Markdown reader and puts the
result in place, so they render exactly as pandoc would render them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from essaygen.citations.locators import normalise_locator
from essaygen.citations.syntax import AUTHOR_IN_TEXT, SUPPRESS_AUTHOR, CitationCluster

_MODES = {AUTHOR_IN_TEXT: "AuthorInText", SUPPRESS_AUTHOR: "SuppressAuthor"}
# Anything pandoc's reader would turn into more than Str and Space.
_MARKUP = re.compile(r"""[*_`\[\]\\<>&~^$'"@{}|]|--|\.\.\.""")
_WORDS = re.compile(r"(\s+)")
IN_NOTE_TEXT = "\ue000"  # a private-use character: no text of an essay reaches pandoc as one


@dataclass(frozen=True)
class Fragment:
    """A prefix or suffix for the worker to read as Markdown (indices are 1-based)."""

    cluster: int
    item: int
    field: str  # "prefix" | "suffix"
    text: str


def plain_inlines(text: str) -> list[dict]:
    """Str and Space elements, as pandoc.Inlines(text) makes them."""
    return [{"t": "Space"} if part.isspace() else {"t": "Str", "c": part} for part in _WORDS.split(text) if part]


def _inlines(text: str, where: tuple[int, int, str], fragments: list[Fragment]) -> list[dict]:
    if _MARKUP.search(text):
        fragments.append(Fragment(where[0], where[1], where[2], text))
        return []
    return plain_inlines(text)


def note_order(clusters: Sequence[CitationCluster]) -> list[int]:
    """The order pandoc sees the clusters in: as written, or with a note style that of
    their notes (a citation in a footnote defined at the end is read where the footnote
    is referred to, so that "Ibid." and short forms follow the notes as a reader does)."""
    order = list(range(len(clusters)))
    if any(c.note for c in clusters):
        order.sort(key=lambda i: (clusters[i].note, i))
    return order


def essay_blocks(clusters: Sequence[CitationCluster], locale: str) -> tuple[list[dict], list[Fragment]]:
    """One Para holding one Cite per cluster, each followed by a HorizontalRule (the
    worker splits pandoc's HTML at the rules: no text can produce an <hr />). With a
    note style, the clusters come in `note_order`, and one written in a footnote is
    wrapped in a Note (so citeproc formats it as a citation in a note, making none)."""
    blocks: list[dict] = []
    fragments: list[Fragment] = []
    for n, cluster in enumerate(clusters, start=1):
        citations = []
        for j, item in enumerate(cluster.items, start=1):
            suffix = normalise_locator(item.suffix, locale)
            citations.append(
                {
                    "citationId": item.key,
                    "citationPrefix": _inlines(item.prefix, (n, j, "prefix"), fragments),
                    "citationSuffix": _inlines(suffix, (n, j, "suffix"), fragments),
                    "citationMode": {"t": _MODES.get(item.mode, "NormalCitation")},
                    "citationNoteNum": cluster.note or n,
                    "citationHash": 0,
                }
            )
        cite = {"t": "Cite", "c": [citations, [{"t": "Str", "c": "?"}]]}
        if cluster.in_note:
            # After text in a note, pandoc puts a normal citation in parentheses: text
            # stands before it here too (IN_NOTE_TEXT, taken off by the worker).
            before = [] if cluster.opens_note else [{"t": "Str", "c": IN_NOTE_TEXT}, {"t": "Space"}]
            after = ([] if not cluster.after else [{"t": "Space"}, {"t": "Str", "c": IN_NOTE_TEXT}] if cluster.after == "text"
                     else [{"t": "Str", "c": cluster.after}])  # as the note goes on: pandoc's "." depends on it
            cite = {"t": "Note", "c": [{"t": "Para", "c": [*before, cite, *after]}]}
        blocks.append({"t": "Para", "c": [cite]})
        blocks.append({"t": "HorizontalRule"})
    return blocks, fragments
