"""Citations and reference lists as HTML for the page (pure functions).

The markup, for themes (a starting stylesheet is CITATION_CSS below):

    <span class="citation" id="cite-3">(                         one cluster
      <span class="citation-ref">                                 one linked item
        <a href="#ref-smith" role="doc-biblioref" aria-describedby="cite-3-1">Smith, 2019</a>
        <span class="citation-tip" id="cite-3-1" hidden>Smith, J. (2019) ...</span>
      </span>)</span>

    <section class="references" role="doc-bibliography" aria-labelledby="references">
      <h2 id="references">References</h2>
      <ol class="references-list references-numbered | references-labelled | references-unnumbered">
        <li id="ref-smith">entry <span class="backrefs">↩ <a role="doc-backlink" ...>a</a> ...</span></li>
      </ol>
    </section>

`.citation-tip` holds the entry (its links removed). It carries `hidden`, so where
our CSS is absent (feed readers, reader modes) it stays out of the text; the theme's
CSS shows it on hover and keyboard focus with no JavaScript (author CSS overrides
the `hidden` attribute's UA style), and `aria-describedby` gives it to screen
readers as the link's description without reading it inline.

`references-numbered` lists (Vancouver) show their numbers as ordinary list
markers, which match the citation numbers, even without CSS; `references-labelled`
lists keep the style's own labels ("[1]") in `.csl-left-margin`;
`references-unnumbered` lists (Harvard, APA) are alphabetical and show no numbers.
Both of the latter need `list-style: none`. The role doc-bibliography is on the
<section>: the Nu HTML Checker rejects it on <ol>.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from essaygen.citations.engine import FormattedCitations
from essaygen.citations.syntax import CitationCluster

CITATION_CSS = """\
.citation-ref { position: relative; }
.citation-tip { display: none; position: absolute; left: 0; top: 100%; z-index: 10;
  width: max-content; max-width: min(32rem, 90vw); padding: .5rem .75rem;
  background: Canvas; color: CanvasText; border: 1px solid GrayText; border-radius: .25rem;
  font-size: .875rem; line-height: 1.4; white-space: normal; }
.citation-ref:hover .citation-tip, .citation-ref:focus-within .citation-tip { display: block; }
.references-labelled, .references-unnumbered { list-style: none; padding-left: 0; }
.references-labelled .csl-left-margin { display: inline-block; min-width: 2.5em; }
.references-unnumbered li { padding-left: 2em; text-indent: -2em; }
@media print { .citation-tip { display: none; } }
"""

_ANCHOR_OR_PLACEHOLDER = re.compile(r"<a[\s>]|</a>|\x00([CN])(\d+)\x00")
_REF_LINK = re.compile(r'<a href="#ref-([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_TAG_A = re.compile(r"</?a\b[^>]*>")
_LEFT_MARGIN = re.compile(r'<span class="csl-left-margin">(.*?)</span>', re.DOTALL)


def ref_id(key: str) -> str:
    """The HTML id of a key's entry: "ref-" + the key, with characters outside
    letters, digits and "-_.:" written as "~hex~". Injective, so `X1` and `x1`
    stay two entries, and safe in a URL fragment without escaping."""
    safe = "".join(c if c.isalnum() or c in "-_.:" else f"~{ord(c):x}~" for c in key)
    return f"ref-{safe}"


def strip_number(entry_html: str) -> str:
    """An entry without the number numeric styles print in `.csl-left-margin`, for
    places where the per-essay number means nothing ("cite this essay", the
    collection's references page)."""
    return _LEFT_MARGIN.sub("", entry_html, count=1)


def backrefs_of(clusters: Sequence[CitationCluster]) -> dict[str, list[int]]:
    """Key -> the numbers (1-based) of the clusters citing it, in order."""
    found: dict[str, list[int]] = {}
    for n, cluster in enumerate(clusters, start=1):
        for item in cluster.items:
            numbers = found.setdefault(item.key, [])
            if not numbers or numbers[-1] != n:
                numbers.append(n)
    return found


# --- in-text citations ----------------------------------------------------------


def link_citations(
    body_html: str, clusters: Sequence[CitationCluster], formatted: FormattedCitations, id_prefix: str = ""
) -> str:
    """Replace each "\\x00C{n}\\x00" placeholder with its formatted, linked cluster (and,
    with a note style, each "\\x00N{n}\\x00" with the note an author-in-text cluster makes)."""
    if len(clusters) != len(formatted.clusters):
        raise ValueError(f"{len(clusters)} citations but {len(formatted.clusters)} formatted clusters")
    entries = dict(formatted.entries)
    parts, depth, last = [], 0, 0
    for match in _ANCHOR_OR_PLACEHOLDER.finditer(body_html):
        if match.group(1) is None:
            depth = max(0, depth + (1 if match.group(0).startswith("<a") else -1))
            continue
        n = int(match.group(2))
        parts.append(body_html[last : match.start()])
        parts.append(_cluster_html(n, formatted, entries, id_prefix, inside_link=depth > 0, note=match.group(1) == "N"))
        last = match.end()
    parts.append(body_html[last:])
    return "".join(parts)


def _cluster_html(
    n: int, formatted: FormattedCitations, entries: Mapping[str, str], id_prefix: str, inside_link: bool,
    note: bool = False,
) -> str:
    if n >= len(formatted.clusters) or (note and n >= len(formatted.notes)):
        raise ValueError(f"citation placeholder {n} has no formatted cluster")
    # A cluster that is a note of its own is placed in it; an author-in-text one
    # leaves its author in the text and its note ("-note") in the note after it.
    cite_id = f"{id_prefix}cite-{n + 1}{'-note' if note else ''}"
    cluster = formatted.notes[n] if note else formatted.clusters[n] or (formatted.notes[n] if formatted.notes else "")
    if inside_link:
        # [@smith](url): the editor's link wins; a link inside a link is invalid HTML.
        inner = _TAG_A.sub("", cluster)
    else:
        counter = iter(range(1, 1_000_000))
        inner = _REF_LINK.sub(lambda m: _item_html(m, cite_id, next(counter), entries, id_prefix), cluster)
    return f'<span class="citation" id="{cite_id}">{inner}</span>'


def _item_html(match: re.Match, cite_id: str, j: int, entries: Mapping[str, str], id_prefix: str) -> str:
    key = html.unescape(match.group(1))
    entry = entries.get(key)
    if entry is None:  # a style without a bibliography: no entry to link to or show
        return match.group(2)
    tip_id = f"{cite_id}-{j}"
    link = (
        f'<a href="#{id_prefix}{ref_id(key)}" role="doc-biblioref" '
        f'aria-describedby="{tip_id}">{match.group(2)}</a>'
    )
    tip = f'<span class="citation-tip" id="{tip_id}" hidden>{_TAG_A.sub("", entry)}</span>'
    return f'<span class="citation-ref">{link}{tip}</span>'


# --- the reference list ---------------------------------------------------------------


def render_reference_list(
    formatted: FormattedCitations,
    backrefs: Mapping[str, list[int]],
    id_prefix: str = "",
    heading: str = "References",
) -> str:
    if not formatted.entries:
        return ""
    kind = _list_kind(formatted.entries)
    items = []
    for key, entry in formatted.entries:
        body = strip_number(entry) if kind == "references-numbered" else entry
        links = _backlinks(backrefs.get(key, []), id_prefix)
        items.append(f'<li id="{id_prefix}{ref_id(key)}">{body}{links}</li>')
    heading_id = f"{id_prefix}references"
    return (
        f'<section class="references" role="doc-bibliography" aria-labelledby="{heading_id}">\n'
        f'<h2 id="{heading_id}">{html.escape(heading)}</h2>\n'
        f'<ol class="references-list {kind}">\n' + "\n".join(items) + "\n</ol>\n</section>"
    )


def _list_kind(entries: Sequence[tuple[str, str]]) -> str:
    margins = [_LEFT_MARGIN.search(entry) for _, entry in entries]
    if not any(margins):
        return "references-unnumbered"
    expected = [f"{i}." for i in range(1, len(entries) + 1)]
    labels = [m.group(1).strip() if m else "" for m in margins]
    # "1.", "2.", ... in order is exactly what an <ol> shows by itself, even without CSS.
    return "references-numbered" if labels == expected else "references-labelled"


def _backlinks(numbers: Sequence[int], id_prefix: str) -> str:
    if not numbers:
        return ""
    if len(numbers) == 1:
        return (
            f' <a class="backref" href="#{id_prefix}cite-{numbers[0]}" role="doc-backlink" '
            f'aria-label="Back to the citation">↩</a>'
        )
    links = " ".join(
        f'<a href="#{id_prefix}cite-{n}" role="doc-backlink" '
        f'aria-label="Back to citation {i} of {len(numbers)}">{_letters(i)}</a>'
        for i, n in enumerate(numbers, start=1)
    )
    return f' <span class="backrefs">↩ {links}</span>'


def _letters(i: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa (as Wikipedia's back-links)."""
    out = ""
    while i > 0:
        i, rest = divmod(i - 1, 26)
        out = chr(ord("a") + rest) + out
    return out
