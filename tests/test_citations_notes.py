"""Note styles (CSL class="note", as Chicago's notes styles): citations become footnotes,
numbered with the essay's own, as pandoc makes them.

The oracle is pandoc itself: tests/citations/notes/essay.md, given to pandoc with
--citeproc, must give the same text and the same notes as essaygen's page of it. The
style is a small one of our own (tests/citations/notes/notes.csl): full first notes,
"Ibid" for the work of the note before, author and short title after that, so that
the notes' order shows in their text.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import tree_bytes
from essaygen.build import BuildOptions, build
from essaygen.citations.pandocbin import find_pandoc
from essaygen.citations.syntax import CitationCluster
from essaygen.markdown import RenderContext, render_body

HERE = Path(__file__).parent / "citations" / "notes"
NOW = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
SITE_YAML = """title: Notes
base_url: https://example.org/
timezone: Europe/London
citations:
  bibliography: content/refs.bib
  style: notes.csl
"""


def make_site(folder: Path, body: str) -> Path:
    (folder / "content" / "essays").mkdir(parents=True)
    shutil.copy(HERE / "notes.csl", folder)
    shutil.copy(HERE / "refs.bib", folder / "content")
    (folder / "site.yaml").write_text(SITE_YAML)
    (folder / "content" / "essays" / "essay.md").write_text("---\ntitle: Notes\ndate: 2018-01-01\n---\n" + body)
    return folder


def built(site: Path, out: Path) -> str:
    build(BuildOptions(site, out=out, as_of="2026-11-22"), NOW)
    return (out / "essays" / "essay" / "index.html").read_text()


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def ours(page: str) -> tuple[list[str], list[str]]:
    """The paragraphs ("^n" for note n's marker) and the notes of an essay page."""
    page = re.sub(r'<span class="citation-tip"[^>]*>.*?</span></span>', "</span>", page, flags=re.S)
    body = page[page.index('<div class="prose') : page.index('<section class="footnotes"')]
    body = re.sub(r'<sup class="footnote-ref"><a href="#fn(\d+)" id="fnref\d+">\[\d+\]</a></sup>', r"^\1", body)
    notes = re.findall(r'<li id="fn\d+" class="footnote-item">(.*?)</li>', page, re.S)
    return [_text(p) for p in re.findall(r"<p>(.*?)</p>", body, re.S)], [_text(n).replace("↩︎", "").strip() for n in notes]


def pandocs(body: str, site: Path) -> tuple[list[str], list[str]]:
    """The same, as pandoc makes them from the same Markdown."""
    header = f"---\nbibliography: {site / 'content' / 'refs.bib'}\ncsl: {site / 'notes.csl'}\nlang: en-GB\n---\n"
    page = subprocess.run([str(find_pandoc()), "-f", "markdown", "-t", "html", "--citeproc", "--wrap=none"],
                          input=header + body, capture_output=True, text=True, check=True).stdout
    text = page.split('<div id="refs"')[0]
    text = re.sub(r'<a href="#fn(\d+)" class="footnote-ref"[^>]*><sup>\d+</sup></a>', r"^\1", text)
    notes = re.findall(r'<li id="fn\d+">(.*?)</li>', page, re.S)
    return [_text(p) for p in re.findall(r"<p>(.*?)</p>", text, re.S)], [_text(n).replace("↩︎", "").strip() for n in notes]


@pytest.fixture(scope="module")
def essay(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    body = (HERE / "essay.md").read_text()
    site = make_site(tmp_path_factory.mktemp("notes"), body)
    return site, body, built(site, site / "out")


def test_notes_are_those_pandoc_makes(essay: tuple[Path, str, str]) -> None:
    site, body, page = essay
    paragraphs, notes = ours(page)
    expected_paragraphs, expected_notes = pandocs(body, site)
    assert len(notes) == 14
    assert notes == expected_notes
    assert paragraphs == expected_paragraphs


def test_notes_follow_the_order_they_are_read_in(essay: tuple[Path, str, str]) -> None:
    # [^a] is defined at the end but read as note 3: "Ibid" there follows note 2's work.
    _, notes = ours(essay[2])
    assert notes[:3] == [
        "Julie Repper and Tim Carter, A review of the literature on peer support in mental health services (2011), 12.",
        "Repper and Carter, A review of the literature on peer support in mental health services.",
        "A note of our own citing (Ibid).",
    ]
    assert notes[9] == "Ibid. is where it starts."  # a note opening with a citation: no parentheses


def test_a_note_links_to_its_reference_and_back(essay: tuple[Path, str, str]) -> None:
    page = essay[2]
    note = re.search(r'<li id="fn1" class="footnote-item">(.*?)</li>', page, re.S)
    assert note and '<span class="citation" id="cite-1">' in note.group(1)
    assert 'href="#ref-repper2011" role="doc-biblioref"' in note.group(1)
    entry = re.search(r'<li id="ref-repper2011">(.*?)</li>', page, re.S)
    assert entry and 'href="#cite-1"' in entry.group(1), "the reference list links back to the citations"
    # An author-in-text citation: its author in the text, its note ("-note") in the note after it.
    assert re.search(r'As <span class="citation" id="cite-3">.*Cindy-Lee Dennis.*</span><sup class="footnote-ref"><a href="#fn4"', page)
    assert re.search(r'<li id="fn4" class="footnote-item"><p><span class="citation" id="cite-3-note">', page)


def test_a_warm_build_gives_what_a_cold_one_gives(essay: tuple[Path, str, str], tmp_path: Path) -> None:
    site = essay[0]
    built(site, tmp_path / "warm")  # everything from the cache: bodies and formatted notes
    assert tree_bytes(tmp_path / "warm") == tree_bytes(site / "out")


def test_an_edit_of_the_style_makes_it_in_text_again(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", "Peer support helps [@repper2011].\n")
    assert '<section class="footnotes"' in built(site, site / "out")
    csl = site / "notes.csl"
    csl.write_text(csl.read_text().replace('class="note"', 'class="in-text"'))
    page = built(site, site / "out")
    assert '<section class="footnotes"' not in page
    assert re.search(r'helps <span class="citation" id="cite-1">.*Julie Repper and Tim Carter', page)


def test_cite_this_essay_and_the_reference_list_have_no_stray_note(essay: tuple[Path, str, str]) -> None:
    # Their requests format one cluster each, which a note style makes a note: not shown.
    site, _, page = essay
    cite = re.search(r'<div class="cite-text">(.*?)</div>', page, re.S)
    assert cite and cite.group(1).endswith("Notes</a>.") and "footnote" not in cite.group(1)
    assert page.count('<section class="footnotes"') == 1 and 'id="footnotes"' in page
    collection = (site / "out" / "references" / "index.html").read_text()
    assert "footnote" not in collection and 'id="ref-repper2011"' in collection


def test_a_style_without_a_bibliography_links_to_no_entry(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", "Peer support helps [@repper2011].\n")
    csl = site / "notes.csl"
    csl.write_text(re.sub(r"<bibliography>.*</bibliography>", "", csl.read_text(), flags=re.S))
    page = built(site, site / "out")
    note = re.search(r'<li id="fn1" class="footnote-item">(.*?)</li>', page, re.S)
    assert note and "Julie Repper and Tim Carter, A review of the literature" in note.group(1)
    assert "aria-describedby" not in note.group(1) and "#ref-" not in page


def render_notes(body: str) -> tuple[str, tuple[CitationCluster, ...]]:
    rendered = render_body(body, RenderContext("e.md", 0, "essays/e/", None, ".", False, frozenset(), notes=True))
    return rendered.html, rendered.citations


def test_citations_become_notes_numbered_with_the_essays_own() -> None:
    html_, clusters = render_notes("One [@a].[^x] Two @b says; three.\n\n[^x]: Its note, citing [@c] here.\n")
    assert html_.startswith(
        '<p>One.<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>'
        '<sup class="footnote-ref"><a href="#fn2" id="fnref2">[2]</a></sup> '
        'Two \x00C1\x00<sup class="footnote-ref"><a href="#fn3" id="fnref3">[3]</a></sup> says; three.</p>'
    )
    assert '<li id="fn1" class="footnote-item"><p>\x00C0\x00 <a href="#fnref1"' in html_
    assert '<li id="fn2" class="footnote-item"><p>Its note, citing \x00C2\x00 here.' in html_
    assert '<li id="fn3" class="footnote-item"><p>\x00N1\x00 <a href="#fnref3"' in html_
    assert [(c.note, c.in_note, c.opens_note, c.after) for c in clusters] == [
        (1, False, False, ""), (3, False, False, ""), (2, True, False, "text"),
    ]


def test_punctuation_after_a_citation_goes_before_its_note() -> None:
    html_, _ = render_notes("See *this*\n[@a]; and [@b]: that, and [@c]!\n")
    assert html_ == (
        '<p>See <em>this</em>;<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup> and:'
        '<sup class="footnote-ref"><a href="#fn2" id="fnref2">[2]</a></sup> that, and!'
        '<sup class="footnote-ref"><a href="#fn3" id="fnref3">[3]</a></sup></p>\n'
        '<section class="footnotes" aria-labelledby="footnotes">\n<h2 id="footnotes">Notes</h2>\n<ol class="footnotes-list">\n'
        '<li id="fn1" class="footnote-item"><p>\x00C0\x00 <a href="#fnref1" class="footnote-backref">↩︎</a></p>\n</li>\n'
        '<li id="fn2" class="footnote-item"><p>\x00C1\x00 <a href="#fnref2" class="footnote-backref">↩︎</a></p>\n</li>\n'
        '<li id="fn3" class="footnote-item"><p>\x00C2\x00 <a href="#fnref3" class="footnote-backref">↩︎</a></p>\n</li>\n'
        '</ol>\n</section>\n'
    )


def test_in_text_styles_are_untouched() -> None:
    rendered = render_body("One [@a].\n", RenderContext("e.md", 0, "essays/e/", None, ".", False, frozenset()))
    assert rendered.html == "<p>One \x00C0\x00.</p>\n"
    assert [(c.note, c.in_note) for c in rendered.citations] == [(0, False)]
