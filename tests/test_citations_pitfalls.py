"""The 17 citation pitfalls of CITATIONS.md, in Vancouver, Harvard and APA.

Items are in tests/citations/pitfalls.json, loaded through load_bibliography (so DOIs
are normalised as on a real site). Every style runs with the locale `en-GB`, the
Lab Essays' `language`. Expected strings are CITATIONS.md's where it gives them;
elsewhere they pin what pandoc 3.9 prints (marked "pinned").

Letter suffixes (pitfall 1) are per essay: each essay is formatted as its own
document with only the works it cites, so an essay citing one of two 2023 reports
by the same author prints "2023", matching its own reference list.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from essaygen.citations.bibliography import Bibliography, load_bibliography
from essaygen.citations.engine import CitationRequest, FormattedCitations, Formatter, find_pandoc
from essaygen.citations.export import csl_to_plain_text
from essaygen.citations.render import render_reference_list
from essaygen.citations.styles import patch_style, resolve_style
from essaygen.citations.syntax import parse_citations

HERE = Path(__file__).parent / "citations"
LOCALE = "en-GB"


@pytest.fixture(scope="module")
def bib() -> Bibliography:
    bib, problems = load_bibliography([HERE / "pitfalls.json"], HERE, None)
    assert problems == ()
    return bib


@pytest.fixture(scope="module")
def formatter() -> Iterator[Formatter]:
    with Formatter(None) as f:
        yield f


@pytest.fixture(scope="module")
def fmt(bib: Bibliography, formatter: Formatter):
    def run(markdown: str, style: str) -> FormattedCitations:
        clusters = parse_citations(markdown)
        keys = list(dict.fromkeys(item.key for c in clusters for item in c.items))
        request = CitationRequest(
            tuple(clusters), tuple(bib.items[k] for k in keys), resolve_style(style, HERE), LOCALE
        )
        return formatter.format([request])[0]

    return run


def texts(result: FormattedCitations) -> list[str]:
    return [csl_to_plain_text(c) for c in result.clusters]


def entries(result: FormattedCitations) -> dict[str, str]:
    return {key: csl_to_plain_text(html) for key, html in result.entries}


def order(result: FormattedCitations) -> list[str]:
    return [key for key, _ in result.entries]


# 1. Letter suffixes -----------------------------------------------------------------


@pytest.mark.parametrize("style", ["harvard", "apa"])
def test_01_letter_suffixes(fmt, style: str) -> None:
    both = fmt("[@thf2023a, p. 12; @thf2023b]", style)
    assert texts(both) == ["(The Health Foundation, 2023a, p. 12; 2023b)"]
    assert [e.split(" (")[1][:6] for e in entries(both).values()] == ["2023a)", "2023b)"]


@pytest.mark.parametrize("style", ["harvard", "apa"])
def test_01_letter_suffixes_are_per_essay(fmt, style: str) -> None:
    assert texts(fmt("[@thf2023b]", style)) == ["(The Health Foundation, 2023)"]


def test_01_vancouver_has_no_letters(fmt) -> None:
    result = fmt("[@thf2023a; @thf2023b]", "vancouver")
    assert texts(result) == ["(1,2)"]
    assert "2023a" not in "".join(entries(result).values())


# 2. APA name disambiguation ------------------------------------------------------------


def test_02_apa_disambiguates_with_second_author(fmt) -> None:
    result = fmt("[@smith2019a; @smith2019b]", "apa")
    assert texts(result) == ["(Smith, Jones, et al., 2019; Smith, Patel, et al., 2019)"]


def test_02_harvard_names_all_three(fmt) -> None:  # pinned: Harvard's et al. starts at 4
    result = fmt("[@smith2019a; @smith2019b]", "harvard")
    assert texts(result) == ["(Smith, Jones and Brown, 2019; Smith, Patel and Khan, 2019)"]


# 3. et al. -------------------------------------------------------------------------------


def test_03_vancouver_lists_six_authors_then_et_al(fmt) -> None:
    result = fmt("[@marmot2020]", "vancouver")
    assert entries(result)["marmot2020"] == (
        "1. Marmot M, Allen J, Boyce T, Goldblatt P, Morrison J, Herd E, et al. Health equity in "
        "England: the Marmot review 10 years on. London: Institute of Health Equity; 2020 Feb."
    )


def test_03_harvard_four_authors_gives_italic_et_al(fmt) -> None:
    result = fmt("[@marmot2010]", "harvard")
    assert result.clusters[0] == '(<a href="#ref-marmot2010" role="doc-biblioref">Marmot <em>et al.</em>, 2010</a>)'
    assert entries(result)["marmot2010"].startswith("Marmot, M. et al. (2010)")


def test_03_apa_et_al_in_text_all_authors_in_entry(fmt) -> None:  # pinned
    result = fmt("[@marmot2020]", "apa")
    assert texts(result) == ["(Marmot et al., 2020)"]
    assert entries(result)["marmot2020"].startswith(
        "Marmot, M., Allen, J., Boyce, T., Goldblatt, P., Morrison, J., Herd, E., Callaghan, O., & Norman, R. (2020)."
    )


# 4. Corporate authors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "cluster", "entry_start"),
    [
        ("vancouver", "(1)", "1. NHS England. The NHS long term plan."),
        ("harvard", "(NHS England, 2019)", "NHS England (2019) The NHS long term plan."),
        ("apa", "(NHS England, 2019)", "NHS England. (2019). The NHS long term plan."),
    ],
)
def test_04_corporate_author_is_never_split(fmt, style: str, cluster: str, entry_start: str) -> None:
    result = fmt("[@nhs2019]", style)
    assert texts(result) == [cluster]
    assert entries(result)["nhs2019"].startswith(entry_start)
    assert "England, N" not in entries(result)["nhs2019"]


# 5. Name particles ------------------------------------------------------------------------


def test_05_harvard_sorts_van_den_berg_under_b(fmt) -> None:
    result = fmt("[@cole2018; @vandenberg2018; @adams2018]", "harvard")
    assert order(result) == ["adams2018", "vandenberg2018", "cole2018"]
    assert entries(result)["vandenberg2018"].startswith("van den Berg, A. (2018)")
    assert texts(result) == ["(Cole, 2018; van den Berg, 2018; Adams, 2018)"]


def test_05_apa_sorts_van_den_berg_under_v(fmt) -> None:  # pinned: pandoc's APA sorts by the particle
    result = fmt("[@cole2018; @vandenberg2018; @adams2018]", "apa")
    assert order(result) == ["adams2018", "cole2018", "vandenberg2018"]


def test_05_vancouver_keeps_the_particle(fmt) -> None:
    assert entries(fmt("[@vandenberg2018]", "vancouver"))["vandenberg2018"].startswith("1. van den Berg A.")


# 6. Page ranges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "pages"),
    [("apa", "40(3), 233–241."), ("vancouver", "2017 Mar;40(3):233–41."), ("harvard", "40(3), pp. 233–241.")],
)
def test_06_page_ranges(fmt, style: str, pages: str) -> None:
    assert entries(fmt("[@pages2017]", style))["pages2017"].endswith(pages)


# 7. No doubled punctuation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("vancouver", "1. Gordon A. What is the future for care homes? Age Ageing. 2021;50(2):300–2."),
        ("harvard", "Gordon, A. (2021) ‘What is the future for care homes?’, Age and Ageing, 50(2), pp. 300–302."),
        ("apa", "Gordon, A. (2021). What is the future for care homes? Age and Ageing, 50(2), 300–302."),
    ],
)
def test_07_question_mark_gets_no_full_stop(fmt, style: str, expected: str) -> None:
    entry = entries(fmt("[@carehomes2021]", style))["carehomes2021"]
    assert entry == expected
    assert "?." not in entry


# 8. Vancouver dates ----------------------------------------------------------------------


def test_08_vancouver_dates(fmt) -> None:
    found = entries(fmt("[@marmot2010; @webpage2022]", "vancouver"))
    assert "2010 Feb;126:S4–10." in found["marmot2010"]
    assert "2010Feb" not in found["marmot2010"]
    assert found["webpage2022"] == (
        "2. National Voices. Peer support: what is it and does it work? [Internet]. 2022 "
        "[cited 2024 May 2]. Available from: https://www.nationalvoices.org.uk/peer-support"
    )


def test_08_harvard_access_date_is_british(fmt) -> None:
    assert "(Accessed: 2 May 2024)." in entries(fmt("[@webpage2022]", "harvard"))["webpage2022"]


# 9. Vancouver collapses consecutive numbers --------------------------------------------------


def test_09_vancouver_collapses_ranges(fmt) -> None:
    result = fmt("[@marmot2010; @pages2017; @nhs2019; @cole2018] and [@dixon2016; @marmot2010]", "vancouver")
    assert texts(result) == ["(1–4)", "(1,5)"]
    assert result.clusters[0] == '(<a href="#ref-marmot2010" role="doc-biblioref">1</a>–<a href="#ref-cole2018" role="doc-biblioref">4</a>)'


def test_09_vancouver_number_has_its_own_space(fmt) -> None:
    result = fmt("[@marmot2010; @pages2017; @nhs2019; @cole2018]", "vancouver")
    assert result.entries[0][1].startswith('<span class="csl-left-margin">1. </span><span class="csl-right-inline">')
    page = render_reference_list(result, {})
    assert '<ol class="references-list references-numbered">' in page
    assert '<li id="ref-marmot2010"><span class="csl-right-inline">Marmot M,' in page
    assert "1.Marmot" not in csl_to_plain_text(page)


# 10. Locator labels -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("harvard", ["(Adams, 2018, ch. 3)", "(Cole, 2018, Table 2)"]),
        ("apa", ["(Adams, 2018, Chapter 3)", "(Cole, 2018, Table 2)"]),
        # pinned: nlm-citation-sequence prints no locators; an unknown label stays as suffix text
        ("vancouver", ["(1)", "(2, Table 2)"]),
    ],
)
def test_10_locator_labels(fmt, style: str, expected: list[str]) -> None:
    assert texts(fmt("[@adams2018, chap. 3] [@cole2018, Table 2]", style)) == expected


def test_10_unknown_label_stays_in_the_suffix_outside_the_link(fmt) -> None:
    cluster = fmt("[@cole2018, Table 2]", "harvard").clusters[0]
    assert cluster == '(<a href="#ref-cole2018" role="doc-biblioref">Cole, 2018</a>, Table 2)'


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [("sec. 4", "sect. 4"), ("vol. 2", "vol. 2"), ("paras. 3-4", "paras 3–4"), ("p. 33", "p. 33"), ("33", "p. 33")],
)
def test_10_harvard_locators_in_en_gb(fmt, suffix: str, expected: str) -> None:
    cluster = fmt(f"[@adams2018, {suffix}]", "harvard").clusters[0]
    assert cluster == f'(<a href="#ref-adams2018" role="doc-biblioref">Adams, 2018, {expected}</a>)'


# 11. Modes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("apa", ["(2016)", "Taylor et al. (2024)", "Taylor et al. (2024, p. 5)"]),
        ("harvard", ["(2016)", "Taylor, Green and Ahmed (2024)", "Taylor, Green and Ahmed (2024, p. 5)"]),
        ("vancouver", ["(1)", "(2)", "(2)"]),  # pinned: numeric styles print no author
    ],
)
def test_11_modes(fmt, style: str, expected: list[str]) -> None:
    assert texts(fmt("[-@dixon2016] then @taylor2024 and @taylor2024 [p. 5]", style)) == expected


# 12. Escaping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["vancouver", "harvard", "apa"])
def test_12_markup_in_titles_is_escaped(fmt, style: str) -> None:
    html = dict(fmt("[@escape2020]", style).entries)["escape2020"]
    assert "p&lt;0.05 &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "J &amp; K" in html
    assert "<script" not in html
    assert "<em>vivo</em>" in html  # <i> is CSL rich text: it passes through


@pytest.mark.parametrize("style", ["vancouver", "harvard", "apa"])
def test_12_csl_rich_text_passes_through(fmt, style: str) -> None:
    html = dict(fmt("[@richtext2021]", style).entries)["richtext2021"]
    assert "CO<sub>2</sub>" in html
    assert "m<sup>2</sup>" in html
    assert "<strong>bold</strong>" in html
    assert '<span class="nocase">iPhone</span>' in html  # kept as written
    assert "&lt;q&gt;study&lt;/q&gt;" in html  # any other tag is text


# 13. DOIs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("vancouver", 'doi:<a href="https://doi.org/10.1136/bmj.l6890">10.1136/bmj.l6890</a>'),
        ("harvard", 'Available at: <a href="https://doi.org/10.1136/bmj.l6890">https://doi.org/10.1136/bmj.l6890</a>.'),
        ("apa", '<a href="https://doi.org/10.1136/bmj.l6890">https://doi.org/10.1136/bmj.l6890</a>'),
    ],
)
def test_13_doi_urls_are_not_doubled(fmt, bib: Bibliography, style: str, expected: str) -> None:
    assert bib.items["doiurl2019"]["DOI"] == "10.1136/bmj.l6890"
    html = dict(fmt("[@doiurl2019]", style).entries)["doiurl2019"]
    assert expected in html
    assert "doi.org/https" not in html and "https://doi.org/<a" not in html


# 14. No author -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "cluster", "entry"),
    [
        ("vancouver", "(1)", "1. Health survey for England 2015. Leeds: NHS Digital; 2016."),
        ("harvard", "(Health survey for England 2015, 2016)", "Health survey for England 2015 (2016). Leeds: NHS Digital."),
        ("apa", "(Health Survey for England 2015, 2016)", "Health survey for England 2015. (2016). NHS Digital."),
    ],
)
def test_14_title_takes_the_author_position(fmt, style: str, cluster: str, entry: str) -> None:
    result = fmt("[@anon2015]", style)
    assert texts(result) == [cluster]
    assert entries(result)["anon2015"] == entry


# 15. Case-sensitive keys ---------------------------------------------------------------------


@pytest.mark.parametrize("style", ["vancouver", "harvard", "apa"])
def test_15_keys_differing_in_case_are_two_works(fmt, style: str) -> None:
    result = fmt("[@X1; @x1]", style)
    found = entries(result)
    assert set(found) == {"X1", "x1"}
    assert "Upper" in found["X1"] and "Lower" in found["x1"]
    page = render_reference_list(result, {})
    assert 'id="ref-X1"' in page and 'id="ref-x1"' in page


# 16. Book chapter with editors in Vancouver ----------------------------------------------------


def test_16_vancouver_chapter_editors(fmt) -> None:
    # CITATIONS.md's string, with pandoc's typographic apostrophe in "King’s".
    assert entries(fmt("[@whitehead1995]", "vancouver"))["whitehead1995"] == (
        "1. Whitehead M. Tackling inequalities: a review of policy initiatives. In: Benzeval M, "
        "Judge K, Whitehead M, editors. Tackling inequalities in health: an agenda for action. "
        "London: King’s Fund; 1995. p. 22–52."
    )


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("harvard", "in M. Benzeval, K. Judge, and M. Whitehead (eds) Tackling inequalities in health"),
        # en-GB's short term for editors has no full stop; APA (American) wants "(Eds.)"
        ("apa", "In M. Benzeval, K. Judge, & M. Whitehead (Eds), Tackling inequalities in health"),
    ],
)
def test_16_other_styles_chapter_editors(fmt, style: str, expected: str) -> None:  # pinned
    assert expected in entries(fmt("[@whitehead1995]", style))["whitehead1995"]


def test_16_apa_in_en_us_abbreviates_editors_with_a_full_stop(bib: Bibliography, formatter: Formatter) -> None:
    request = CitationRequest(
        tuple(parse_citations("[@whitehead1995]")), (bib.items["whitehead1995"],), resolve_style("apa", HERE), "en-US"
    )
    entry = csl_to_plain_text(formatter.format([request])[0].entries[0][1])
    assert "In M. Benzeval, K. Judge, & M. Whitehead (Eds.), Tackling inequalities in health" in entry


def test_16_the_engine_defect_is_still_there_unpatched(tmp_path: Path) -> None:
    """pandoc 3.9 itself, with the unpatched style. When this fails, pandoc is fixed:
    styles.patch_style can go."""
    style = resolve_style("vancouver", tmp_path)
    assert style is not None and patch_style(style.read_bytes()) is not None
    source = "---\nlang: en-GB\n---\n[@whitehead1995]\n"
    run = subprocess.run(
        [str(find_pandoc()), "-f", "markdown", "-t", "plain", "--wrap=none", "--citeproc",
         "--bibliography", str(HERE / "pitfalls.json"), "--csl", str(style)],
        input=source, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "In, editorsBenzeval M, Judge K, Whitehead M." in run.stdout


# 17. Harvard with three corporate authors --------------------------------------------------------


def test_17_harvard_three_corporate_authors(fmt) -> None:  # pinned: no Oxford comma
    result = fmt("@nesta2016 said so", "harvard")
    assert texts(result) == ["Nesta, The Health Foundation and National Voices (2016)"]
    assert entries(result)["nesta2016"].startswith("Nesta, The Health Foundation and National Voices (2016) Realising")


def test_17_apa_three_corporate_authors(fmt) -> None:  # pinned
    result = fmt("@nesta2016 said so", "apa")
    assert texts(result) == ["Nesta et al. (2016)"]
    assert entries(result)["nesta2016"].startswith("Nesta, The Health Foundation, & National Voices. (2016).")
