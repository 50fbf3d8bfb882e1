"""Citations and reference lists on the page: links, tooltips, back-links, escaping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from essaygen.citations.bibliography import Bibliography, load_bibliography
from essaygen.citations.engine import CitationRequest, FormattedCitations, Formatter
from essaygen.citations.render import backrefs_of, link_citations, ref_id, render_reference_list
from essaygen.citations.styles import resolve_style
from essaygen.citations.syntax import citation_plugin, parse_citations
from essaygen.mdsource import line_tracking_plugin

HERE = Path(__file__).parent / "citations"


@pytest.fixture(scope="module")
def bib() -> Bibliography:
    return load_bibliography([HERE / "pitfalls.json"], HERE, None)[0]


@pytest.fixture(scope="module")
def formatter() -> Iterator[Formatter]:
    with Formatter(None) as f:
        yield f


@pytest.fixture(scope="module")
def page(bib: Bibliography, formatter: Formatter):
    """Markdown -> (body HTML with citations linked, reference list HTML)."""

    def run(markdown: str, style: str = "vancouver", id_prefix: str = "") -> tuple[str, str]:
        env: dict = {"_body_lines": markdown.split("\n")}
        md = MarkdownIt("commonmark").use(line_tracking_plugin).use(citation_plugin)
        body = md.render(markdown, env)
        clusters = env.get("citations", [])
        keys = list(dict.fromkeys(i.key for c in clusters for i in c.items))
        request = CitationRequest(tuple(clusters), tuple(bib.items[k] for k in keys), resolve_style(style, HERE), "en-GB")
        formatted = formatter.format([request])[0]
        return (
            link_citations(body, clusters, formatted, id_prefix),
            render_reference_list(formatted, backrefs_of(clusters), id_prefix),
        )

    return run


# --- in-text citations -----------------------------------------------------------------


def test_a_citation_links_to_its_entry_with_a_tooltip(page) -> None:
    body, _ = page("As shown [@nhs2019].")
    assert body == (
        '<p>As shown <span class="citation" id="cite-1">(<span class="citation-ref">'
        '<a href="#ref-nhs2019" role="doc-biblioref" aria-describedby="cite-1-1">1</a>'
        '<span class="citation-tip" id="cite-1-1" hidden><span class="csl-left-margin">1. </span>'
        '<span class="csl-right-inline">NHS England. The NHS long term plan. London: NHS England; 2019 Jan.</span>'
        "</span></span>)</span>.</p>\n"
    )


def test_collapsed_range_links_its_ends(page) -> None:
    body, _ = page("[@marmot2010; @pages2017; @nhs2019; @cole2018]")
    assert body.count('role="doc-biblioref"') == 2
    assert 'href="#ref-marmot2010"' in body and 'href="#ref-cole2018"' in body
    assert "</span>–<span" in body


def test_tooltip_drops_links_but_keeps_them_in_the_list(page) -> None:
    body, refs = page("[@doiurl2019]", "harvard")
    tip = body.split('class="citation-tip"')[1]
    assert "<a " not in tip and "https://doi.org/10.1136/bmj.l6890" in tip
    assert '<a href="https://doi.org/10.1136/bmj.l6890">' in refs


def test_citation_inside_a_link_has_no_nested_link(page) -> None:
    body, _ = page("[@nhs2019](https://example.com) and [@cole2018]", "harvard")
    assert body.startswith(
        '<p><a href="https://example.com"><span class="citation" id="cite-1">NHS England (2019)</span></a> and '
    )
    assert body.count("<a ") == 2  # the editor's link and the second citation's link
    assert 'href="#ref-cole2018"' in body


def test_id_prefix_namespaces_every_id(page) -> None:
    body, refs = page("[@nhs2019] [@nhs2019]", id_prefix="e1-")
    assert 'id="e1-cite-1"' in body and 'id="e1-cite-2"' in body
    assert 'href="#e1-ref-nhs2019"' in body and 'aria-describedby="e1-cite-2-1"' in body
    assert '<li id="e1-ref-nhs2019">' in refs and 'href="#e1-cite-2"' in refs
    assert 'aria-labelledby="e1-references"' in refs and '<h2 id="e1-references">' in refs


def test_titles_stay_escaped_in_tooltips_and_the_list(page) -> None:
    body, refs = page("[@escape2020]", "apa")
    for html in (body, refs):
        assert "p&lt;0.05 &lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "J &amp; K" in html
        assert "<script>" not in html


def test_missing_formatted_cluster_is_an_error() -> None:
    with pytest.raises(ValueError, match="placeholder 1"):
        link_citations("\x00C1\x00", parse_citations("[@a]"), FormattedCitations(("(1)",), ()))


# --- the reference list ----------------------------------------------------------------------


def test_vancouver_list_is_numbered_by_the_ol_and_links_back(page) -> None:
    _, refs = page("[@nhs2019] then [@cole2018; @nhs2019] and [@nhs2019]")
    assert refs == (
        '<section class="references" role="doc-bibliography" aria-labelledby="references">\n'
        '<h2 id="references">References</h2>\n'
        '<ol class="references-list references-numbered">\n'
        '<li id="ref-nhs2019"><span class="csl-right-inline">NHS England. The NHS long term plan. London: '
        'NHS England; 2019 Jan.</span> <span class="backrefs">↩ '
        '<a href="#cite-1" role="doc-backlink" aria-label="Back to citation 1 of 3">a</a> '
        '<a href="#cite-2" role="doc-backlink" aria-label="Back to citation 2 of 3">b</a> '
        '<a href="#cite-3" role="doc-backlink" aria-label="Back to citation 3 of 3">c</a></span></li>\n'
        '<li id="ref-cole2018"><span class="csl-right-inline">Cole M. Listening to patients. London: Sage; '
        '2018.</span> <a class="backref" href="#cite-2" role="doc-backlink" aria-label="Back to the citation">'
        "↩</a></li>\n</ol>\n</section>"
    )


def test_harvard_list_is_alphabetical_and_unnumbered(page) -> None:
    _, refs = page("[@nhs2019] [@cole2018] [@adams2018]", "harvard")
    assert '<ol class="references-list references-unnumbered">' in refs
    assert [line.split('"')[1] for line in refs.split("\n") if line.startswith("<li")] == [
        "ref-adams2018", "ref-cole2018", "ref-nhs2019"
    ]  # fmt: skip


def test_styles_with_their_own_labels_keep_them() -> None:
    formatted = FormattedCitations(
        ("[1]",), (("a", '<span class="csl-left-margin">[1]</span><span class="csl-right-inline">A.</span>'),)
    )
    refs = render_reference_list(formatted, {"a": [1]})
    assert '<ol class="references-list references-labelled">' in refs
    assert '<span class="csl-left-margin">[1]</span>' in refs


def test_no_entries_no_list() -> None:
    assert render_reference_list(FormattedCitations((), ()), {}) == ""


def test_many_back_links_use_letters_past_z() -> None:
    formatted = FormattedCitations(("x",) * 28, (("a", "A."),))
    refs = render_reference_list(formatted, {"a": list(range(1, 29))})
    assert ">z</a>" in refs and ">aa</a>" in refs and ">ab</a>" in refs


# --- helpers --------------------------------------------------------------------------------------


def test_backrefs_of_counts_each_cluster_once() -> None:
    clusters = parse_citations("[@a; @b] [@a, p. 1; @a, p. 2] @b")
    assert backrefs_of(clusters) == {"a": [1, 2], "b": [1, 3]}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("smith2020", "ref-smith2020"),
        ("X1", "ref-X1"),
        ("x1", "ref-x1"),
        ("Müller2020", "ref-Müller2020"),
        ("doi:10.1000/182", "ref-doi:10.1000~2f~182"),
        ("a~b", "ref-a~7e~b"),
        ("https://example.com/bib?a=1&b=2", "ref-https:~2f~~2f~example.com~2f~bib~3f~a~3d~1~26~b~3d~2"),
    ],
)
def test_ref_id_is_safe_and_injective(key: str, expected: str) -> None:
    assert ref_id(key) == expected


def test_clusters_and_formatted_clusters_must_match() -> None:
    with pytest.raises(ValueError, match="2 citations but 1 formatted"):
        link_citations("", parse_citations("[@a] [@b]"), FormattedCitations(("(1)",), ()))


def test_strip_number() -> None:
    from essaygen.citations.render import strip_number

    entry = '<span class="csl-left-margin">1. </span><span class="csl-right-inline">Cole M. <em>x</em>.</span>'
    assert strip_number(entry) == '<span class="csl-right-inline">Cole M. <em>x</em>.</span>'
    assert strip_number("Cole, M. (2018)") == "Cole, M. (2018)"
