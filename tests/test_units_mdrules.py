"""mdrules and the Markdown stage: figures, pull quotes, heading ids, safe links, escaped HTML, local files."""

from __future__ import annotations

import re

import pytest

from essaygen import mdrules
from essaygen.markdown import LinkTarget, RenderContext, render_body, resolve_links

PATH = "content/essays/x.md"
OFFSET = 4   # four lines of front matter before the body


def render(body: str, *, unsafe_html: bool = False, files: frozenset[str] = frozenset(), bundle: str | None = None, path: str = PATH):
    ctx = RenderContext(path, OFFSET, "essays/x/", bundle, "/nonexistent-site", unsafe_html, files)
    return render_body(body, ctx)


def ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


# ---------------------------------------------------------------- figures

def test_image_with_title_alone_becomes_a_figure() -> None:
    html = render('![A chart](../media/a.svg "Figure 1: survey respondents")', files=frozenset({"content/media/a.svg"})).html
    assert html.startswith("<figure><img ")
    assert '<figcaption>Figure 1: survey respondents</figcaption>' in html
    assert 'alt="A chart"' in html and 'src="../../media/a.svg"' in html
    assert "title=" not in html and "<p>" not in html


def test_image_without_title_stays_a_paragraph() -> None:
    html = render("![A chart](../media/a.svg)", files=frozenset({"content/media/a.svg"})).html
    assert html.startswith("<p><img ") and "<figure" not in html


def test_image_inside_text_is_not_a_figure() -> None:
    html = render('See ![A chart](../media/a.svg "t") here', files=frozenset({"content/media/a.svg"})).html
    assert "<figure" not in html and 'title="t"' in html


def test_figure_caption_is_escaped() -> None:
    html = render('![x](../media/a.svg "<script>alert(1)</script>")', files=frozenset({"content/media/a.svg"})).html
    assert "<script>" not in html and "&lt;script&gt;" in html


# ---------------------------------------------------------------- pull quotes

@pytest.mark.parametrize("dash", ["—", "–", "--", "―"])
def test_blockquote_ending_in_a_dash_line_is_a_pull_quote(dash: str) -> None:
    html = render(f"> Peer support gave me my life back.\n>\n> {dash} A participant\n").html
    assert html.startswith('<figure class="pull-quote">\n<blockquote>\n<p>Peer support gave me my life back.</p>\n</blockquote>\n')
    assert "<figcaption>— A participant</figcaption>" in html


def test_plain_blockquote_is_untouched() -> None:
    html = render("> Just a quotation.\n").html
    assert html == "<blockquote>\n<p>Just a quotation.</p>\n</blockquote>\n"


def test_one_paragraph_dash_quote_is_not_a_pull_quote() -> None:
    assert "pull-quote" not in render("> — only an attribution\n").html


# ---------------------------------------------------------------- heading ids

def test_heading_ids_are_slugs_and_unique() -> None:
    body = render("## Who took part\n\n## Who took part\n\n### Who took part\n")
    assert [h[1] for h in body.headings] == ["who-took-part", "who-took-part-1", "who-took-part-2"]
    assert [h[0] for h in body.headings] == [2, 2, 3]


@pytest.mark.parametrize("title", ["References", "Footnotes", "Main", "TOC", "Top", "Cite this", "Revisions", "Search", "Content"])
def test_heading_ids_never_take_a_reserved_id(title: str) -> None:
    [(_, found, text)] = render(f"## {title}\n").headings
    assert found not in mdrules.RESERVED_IDS
    assert found.startswith(title.lower().replace(" ", "-"))
    assert text == title


def test_reserved_ids_include_references_and_footnotes() -> None:
    assert {"references", "footnotes"} <= mdrules.RESERVED_IDS


def test_heading_without_letters_gets_an_id() -> None:
    assert [h[1] for h in render("## 日本\n\n## !!!\n").headings] == ["section", "section-1"]


def test_heading_text_of_formatting_and_code() -> None:
    [(level, found, text)] = render("## The `part:` key *explained*\n").headings
    assert (level, found, text) == (2, "the-part-key-explained", "The part: key explained")


def test_every_id_in_a_body_is_unique() -> None:
    html = render("## Section\n\n## section\n\nText[^1]\n\n[^1]: A note.\n").html
    assert len(ids(html)) == len(set(ids(html)))


def test_heading_ids_do_not_collide_with_footnote_ids() -> None:
    html = render("## fn1\n\nText[^1]\n\n[^1]: A note.\n").html
    assert len(ids(html)) == len(set(ids(html))), ids(html)


# ---------------------------------------------------------------- dangerous links

@pytest.mark.parametrize("markdown", [
    "[x](javascript:alert(1))",
    "[x](JavaScript:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](java%73cript:alert(1))",
    "[x](JaVaScRiPt&#58;alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](file:///etc/passwd)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "![x](DATA:image/png;base64,AAAA)",
    "<javascript:alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
])
def test_dangerous_urls_are_never_links(markdown: str) -> None:
    html = render(markdown).html
    assert "<a " not in html and "<img " not in html
    assert 'href="' not in html and 'src="' not in html


@pytest.mark.parametrize("url", ["javascript:x", " JAVASCRIPT:x", "data:x", "vbscript:x", "file:x", "java%73cript:x"])
def test_safe_link_refuses(url: str) -> None:
    assert mdrules.safe_link(url) is False


@pytest.mark.parametrize("url", ["https://example.org", "mailto:a@example.org", "other.md", "#sec", "/abs", "../media/a.svg"])
def test_safe_link_allows(url: str) -> None:
    assert mdrules.safe_link(url) is True


def test_external_links_are_kept() -> None:
    assert render("[ext](https://example.org/a?b=1)").html == '<p><a href="https://example.org/a?b=1">ext</a></p>\n'


# ---------------------------------------------------------------- raw HTML

def test_raw_html_is_escaped_by_default() -> None:
    html = render('<script>alert(1)</script>\n\nHi <b onclick="x()">there</b> <img src=x onerror=alert(1)>\n').html
    assert "<script" not in html and "<b " not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;b onclick=" in html


def test_raw_html_is_kept_with_unsafe_html() -> None:
    html = render("<aside>Note</aside>\n\nHi <b>there</b>\n", unsafe_html=True).html
    assert "<aside>Note</aside>" in html and "<b>there</b>" in html


def test_unsafe_html_still_neutralises_markdown_javascript_links() -> None:
    assert "href=" not in render("[x](javascript:alert(1))", unsafe_html=True).html


# ---------------------------------------------------------------- local links and files

def test_local_helpers() -> None:
    assert mdrules.is_local("other.md") and mdrules.is_local("../media/a%20b.svg")
    assert not mdrules.is_local("https://x.org/") and not mdrules.is_local("/abs") and not mdrules.is_local("#frag")
    assert not mdrules.is_local("//cdn.example.org/x.js") and not mdrules.is_local("mailto:a@b.org")
    assert mdrules.resolve_local("content/essays", "other.md#Who%20took") == ("content/essays/other.md", "Who took")
    assert mdrules.resolve_local("content/essays", "../media/a%20b.svg") == ("content/media/a b.svg", None)
    assert mdrules.resolve_local("content/essays", "../../../etc/passwd")[0] == "../etc/passwd"


def test_link_to_an_essay_is_recorded_with_its_file_position() -> None:
    body = render("Intro.\n\nSee [the survey](decision-making.md#who-took-part) for more.\n")
    [link] = body.links
    assert (link.target, link.anchor, link.line, link.col, link.raw) == ("content/essays/decision-making.md", "who-took-part", 7, 5, "decision-making.md#who-took-part")


def test_link_position_inside_a_list_and_a_quote() -> None:
    body = render("- one\n- see [x](a.md)\n\n> quoted [y](b.md)\n")
    assert [(l.line, l.col) for l in body.links] == [(6, 7), (8, 10)]


def test_missing_image_is_a_problem_at_its_position() -> None:
    body = render("Intro.\n\n  ![Timeline](../media/timeline.png)\n")
    [problem] = body.problems
    assert (problem.path, problem.line, problem.col) == (PATH, 7, 3)
    assert problem.message == "'../media/timeline.png' does not exist (looked for content/media/timeline.png) — check the file name, or add the file"


def test_file_outside_content_is_a_problem() -> None:
    [problem] = render("![x](../../site.yaml)").problems
    assert "points outside the content folder" in problem.message


def test_file_that_is_not_published_is_a_problem() -> None:
    [problem] = render("![x](../notes/a.png)", files=frozenset({"content/notes/a.png"})).problems
    assert "is not published" in problem.message and "content/media/" in problem.message


def test_bundle_file_is_relative_to_the_page() -> None:
    body = render("![x](chart.svg)", path="content/essays/x/index.md", bundle="content/essays/x", files=frozenset({"content/essays/x/chart.svg"}))
    assert body.problems == () and 'src="chart.svg"' in body.html


def test_file_urls_are_percent_encoded() -> None:
    body = render("![x](../media/chart%20%231.png)", files=frozenset({"content/media/chart #1.png"}))
    assert body.problems == ()
    assert 'src="../../media/chart%20%231.png"' in body.html


def test_resolve_links_to_a_missing_essay_and_anchor() -> None:
    body = render("See [a](gone.md) and [b](other.md#nope) and [c](other.md#yes).\n")
    targets = {"content/essays/other.md": LinkTarget("essays/other/", frozenset({"yes"}))}
    html, problems = resolve_links(body, PATH, "essays/x/", targets)
    assert [(p.line, p.col) for p in problems] == [(5, 5), (5, 22)]
    assert problems[0].message == "link to 'gone.md', but there is no content/essays/gone.md — link to an existing essay or page by its .md file"
    assert problems[1].message.startswith("'#nope' is not a heading or anchor in content/essays/other.md")
    assert '<a href="../other/#yes">c</a>' in html


def test_link_to_an_unreleased_essay_loses_its_link() -> None:
    body = render("See [later](later.md).\n")
    html, problems = resolve_links(body, PATH, "essays/x/", {"content/essays/later.md": LinkTarget(None, frozenset())})
    assert problems == [] and "essays/later" not in html and "later.md" not in html
    assert '<span class="unreleased-link">later</span>' in html


def test_link_to_an_anchor_in_the_same_essay() -> None:
    body = render("## Method\n\nSee [above](#method) and [nowhere](#nowhere).\n")
    html, problems = resolve_links(body, PATH, "essays/x/", {PATH: LinkTarget("essays/x/", body.anchors)})
    assert '<a href="#method">above</a>' in html
    [problem] = problems
    assert (problem.line, problem.col) == (7, 26) and "'#nowhere' is not a heading or anchor" in problem.message


def test_regression_a_heading_that_looks_like_a_reference_id_terminates() -> None:
    """`# ref x` once looped forever: every `-N` suffix still matched the reserved `ref-…` pattern."""
    from essaygen.markdown import RenderContext, render_body

    ctx = RenderContext("content/essays/x.md", 0, "essays/x/", None, "/tmp", False, frozenset())
    body = render_body("## ref x\n\n## ref x\n\n## fn1\n", ctx)
    ids = [h[1] for h in body.headings]
    assert ids == ["section-ref-x", "section-ref-x-1", "section-fn1"]
