"""The essay as a citable work: CSL item, cite.bib, cite.ris, Highwire meta tags."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from essaygen.citations.engine import Formatter, cite_this_request, find_pandoc
from essaygen.citations.export import (
    citation_reference,
    csl_name,
    csl_to_plain_text,
    essay_csl_item,
    render_bibtex,
    render_ris,
    scholar_meta,
)
from essaygen.citations.styles import resolve_style

HERE = Path(__file__).parent / "citations"


def essay(**overrides) -> dict:
    fields = dict(
        slug="decision-making",
        title="Understanding decision making in peer support",
        subtitle="Results of the UK's largest peer support survey",
        authors=["The Q Lab team", "Jane Smith"],
        issued=date(2018, 5, 30),
        url="https://essays.example.org/essays/decision-making/",
        container_title="The Lab Essays",
        publisher="The Health Foundation",
    )
    fields.update(overrides)
    return essay_csl_item(**fields)


def test_essay_csl_item() -> None:
    assert essay() == {
        "id": "decision-making",
        "type": "post-weblog",
        "title": "Understanding decision making in peer support: Results of the UK's largest peer support survey",
        "author": [{"literal": "The Q Lab team"}, {"family": "Smith", "given": "Jane"}],
        "issued": {"date-parts": [[2018, 5, 30]]},
        "URL": "https://essays.example.org/essays/decision-making/",
        "container-title": "The Lab Essays",
        "publisher": "The Health Foundation",
    }


def test_a_title_ending_in_a_question_mark_takes_its_subtitle_without_a_colon() -> None:
    assert essay(title="Does peer support work?", subtitle="A survey")["title"] == "Does peer support work? A survey"
    assert essay(subtitle=None)["title"] == "Understanding decision making in peer support"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jane Smith", {"family": "Smith", "given": "Jane"}),
        ("Mary Ann Evans", {"family": "Evans", "given": "Mary Ann"}),
        ("Smith, Jane", {"family": "Smith", "given": "Jane"}),
        ("Anna van den Berg", {"family": "Berg", "given": "Anna", "non-dropping-particle": "van den"}),
        ("The Q Lab team", {"literal": "The Q Lab team"}),
        ("NHS England", {"literal": "NHS England"}),
        ("Nesta", {"literal": "Nesta"}),
        ({"literal": "National Voices"}, {"literal": "National Voices"}),
    ],
)
def test_csl_name(name, expected) -> None:
    assert csl_name(name) == expected


# --- cite this essay -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (
            "vancouver",
            "1. The Q Lab team, Smith J. Understanding decision making in peer support: Results of the UK’s "
            "largest peer support survey. The Lab Essays [Internet]. 2018 May 30. Available from: "
            "https://essays.example.org/essays/decision-making/",
        ),
        (
            "harvard",
            "The Q Lab team and Smith, J. (2018) ‘Understanding decision making in peer support: Results of "
            "the UK’s largest peer support survey’, The Lab Essays. The Health Foundation, 30 May. Available "
            "at: https://essays.example.org/essays/decision-making/.",
        ),
        (
            "apa",
            "The Q Lab team, & Smith, J. (2018, May 30). Understanding decision making in peer support: "
            "Results of the UK’s largest peer support survey. The Lab Essays. "
            "https://essays.example.org/essays/decision-making/",
        ),
    ],
)
def test_cite_this_essay(style: str, expected: str) -> None:
    with Formatter(None) as f:
        (result,) = f.format([cite_this_request(essay(), resolve_style(style, HERE), "en-GB")])
    assert csl_to_plain_text(result.entries[0][1]) == expected


# --- cite.bib and cite.ris ---------------------------------------------------------------------


def test_render_bibtex() -> None:
    assert render_bibtex(essay()) == (
        "@online{decision-making,\n"
        "  author = {{The Q Lab team} and Smith, Jane},\n"
        "  title = {{Understanding decision making in peer support: Results of the UK's largest peer support survey}},\n"
        "  date = {2018-05-30},\n"
        "  year = {2018},\n"
        "  organization = {The Health Foundation},\n"
        "  note = {The Lab Essays},\n"
        "  url = {https://essays.example.org/essays/decision-making/}\n"
        "}\n"
    )


def test_render_bibtex_escapes_special_characters() -> None:
    item = essay(title="50% of {R&D} costs $5 #1: a_b ^ ~ \\ end", subtitle=None, authors=["Smith & Sons Ltd"],
                 url="https://example.org/a{b}\\c?x=1&y=%20")  # fmt: skip
    bib = render_bibtex(item)
    assert r"title = {{50\% of \{R\&D\} costs \$5 \#1: a\_b \^{} \~{} \textbackslash{} end}}" in bib
    assert r"author = {{Smith \& Sons Ltd}}" in bib
    assert "url = {https://example.org/a%7Bb%7D%5Cc?x=1&y=%20}" in bib


def test_render_bibtex_reads_back_through_pandoc() -> None:
    item = essay(title="Risk & reward: 50% {more}", subtitle=None, authors=["Anna van den Berg", "NHS England"])
    run = subprocess.run(
        [str(find_pandoc()), "-f", "biblatex", "-t", "csljson"],
        input=render_bibtex(item), capture_output=True, text=True, check=True,
    )  # fmt: skip
    (back,) = json.loads(run.stdout)
    assert back["title"] == "Risk & reward: 50% {more}"
    assert back["author"] == [
        {"family": "Berg", "given": "Anna", "dropping-particle": "van den"},
        {"literal": "NHS England"},
    ]
    assert back["issued"] == {"date-parts": [[2018, 5, 30]]}
    assert back["URL"] == "https://essays.example.org/essays/decision-making/"


def test_render_ris() -> None:
    assert render_ris(essay(title="Line\nbreak  and\ttab", subtitle=None)) == (
        "TY  - BLOG\r\n"
        "AU  - The Q Lab team\r\n"
        "AU  - Smith, Jane\r\n"
        "TI  - Line break and tab\r\n"
        "T2  - The Lab Essays\r\n"
        "PY  - 2018\r\n"
        "DA  - 2018/05/30/\r\n"
        "PB  - The Health Foundation\r\n"
        "UR  - https://essays.example.org/essays/decision-making/\r\n"
        "ER  - \r\n"
    )


# --- Google Scholar meta tags ---------------------------------------------------------------------


def test_scholar_meta() -> None:
    cited = json.loads((HERE / "pitfalls.json").read_text(encoding="utf-8"))
    by_id = {item["id"]: item for item in cited}
    meta = scholar_meta(essay(), [by_id["escape2020"], by_id["nhs2019"]])
    assert meta == [
        ("citation_title", "Understanding decision making in peer support: Results of the UK's largest peer support survey"),
        ("citation_author", "The Q Lab team"),
        ("citation_author", "Smith, Jane"),
        ("citation_publication_date", "2018/05/30"),
        ("citation_publisher", "The Health Foundation"),
        ("citation_public_url", "https://essays.example.org/essays/decision-making/"),
        (
            "citation_reference",
            "citation_title=Effects with p<0.05 <script>alert(1)</script> in vivo; citation_author=Lee, Sam; "
            "citation_publication_date=2020; citation_journal_title=J & K; citation_volume=2; "
            "citation_firstpage=1; citation_lastpage=9",
        ),
        (
            "citation_reference",
            "citation_title=The NHS long term plan; citation_author=NHS England; "
            "citation_publication_date=2019/01; citation_publisher=NHS England",
        ),
    ]  # the caller escapes every value for HTML


def test_citation_reference_keeps_its_separator_unambiguous() -> None:
    item = {"title": "A; B", "author": [{"family": "van", "given": "X; Y"}], "DOI": "10.1/x", "type": "book"}
    assert citation_reference(item) == "citation_title=A, B; citation_author=van, X, Y; citation_doi=10.1/x"


def test_csl_to_plain_text() -> None:
    html = '<span class="csl-right-inline">Lee S. p&lt;0.05 in <em>vivo</em>.\n J &amp; K.</span>'
    assert csl_to_plain_text(html) == "Lee S. p<0.05 in vivo. J & K."
