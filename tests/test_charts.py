"""Charts: golden figures per case in tests/charts/<case>/, exact problems for bad
blocks, and the properties every SVG must have (well-formed, accessible, exact).

Regenerate the goldens with `pytest tests/test_charts.py --update-golden` and read
the diff. Each case is a fence body (`chart.md`), its CSV files, and a `media/`
folder standing in for content/media/.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from essaygen.charts import (
    STYLESHEET,
    ChartContext,
    ChartResult,
    Origin,
    build_table,
    parse_chart_spec,
    parse_csv_rows,
    render_chart_block,
    render_svg,
    render_table_html,
)
from essaygen.charts.numbers import format_number, nice_ticks, parse_number
from essaygen.charts.text import wrap
from essaygen.problems import Problem

CASES_DIR = Path(__file__).parent / "charts"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "chart.md").is_file())
SVG = "{http://www.w3.org/2000/svg}"
ESSAY = "content/essays/survey/index.md"
FENCE = 10  # the opening ``` line in every test; the body starts on line 11


def context(folder: Path, **changes: object) -> ChartContext:
    values = dict(source_path=ESSAY, essay_dir=folder, media_dir=folder / "media", media_url="/media/",
                  bundle_url="", id_prefix=folder.name, fence_line=FENCE)
    return ChartContext(**{**values, **changes})


def render_case(case: str) -> ChartResult:
    folder = CASES_DIR / case
    return render_chart_block((folder / "chart.md").read_text(encoding="utf-8"), 1, context(folder))


def svg_of(html: str, narrow: bool = False) -> ET.Element:
    """The <svg> of a figure (its wide drawing, or the phones' copy), parsed as XML:
    proves it is well-formed."""
    found = [svg for svg in re.findall(r"<svg .*?</svg>", html, re.DOTALL) if ("chart-narrow" in svg) == narrow]
    assert len(found) == 1, html
    return ET.fromstring(found[0])


# ---- golden figures ---------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, request: pytest.FixtureRequest) -> None:
    result = render_case(case)
    assert result.problems == ()
    expected = CASES_DIR / case / "expected.html"
    if request.config.getoption("--update-golden", default=False):
        expected.write_text(result.html, encoding="utf-8")
    assert expected.is_file(), f"no golden for {case}: run pytest with --update-golden"
    assert result.html == expected.read_text(encoding="utf-8")


def test_required_cases_exist() -> None:
    required = {"bar", "grouped-bar", "stacked-bar", "line", "dot", "negative", "long-labels",
                "line-many-series", "stacked-percent", "inline-rows", "csv-bundle", "csv-media"}
    assert required <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_svg_is_well_formed_and_accessible(case: str) -> None:
    html = render_case(case).html
    svg = svg_of(html)
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "Highest: " in desc.text and "lowest: " in desc.text
    assert html.startswith('<figure class="chart') and "<figcaption>" in html
    assert "<details class=\"chart-data\"><summary>Data table</summary>" in html


@pytest.mark.parametrize("case", CASES)
def test_svg_ids_are_unique_and_derived_from_the_prefix(case: str) -> None:
    svg = svg_of(render_case(case).html)
    ids = [e.get("id") for e in svg.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"{case}-chart-1-") for i in ids)
    for ref in re.findall(r"url\(#([^)]+)\)", ET.tostring(svg, encoding="unicode")):
        assert ref in ids


@pytest.mark.parametrize("case", CASES)
def test_a_copy_for_phones_comes_first_drawn_narrow(case: str) -> None:
    """The figure holds the chart drawn for a phone's column (shown there by charts.css),
    first, then the wide one: the same title and description, ids of their own, and every
    mark and label inside its narrower drawing."""
    html = render_case(case).html
    assert html.index("chart-narrow") < html.index("<svg", html.index("<svg") + 1), "the narrow copy comes first"
    narrow, wide = svg_of(html, narrow=True), svg_of(html)
    assert (narrow.get("width"), wide.get("width")) == ("320", "640")
    assert narrow.get("viewBox").startswith("0 0 320 ")
    assert narrow.find(f"{SVG}title").text == wide.find(f"{SVG}title").text
    assert narrow.find(f"{SVG}desc").text == wide.find(f"{SVG}desc").text
    ids = [e.get("id") for svg in (narrow, wide) for e in svg.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"{case}-chart-1-narrow-") for e in narrow.iter() if (i := e.get("id")))
    for ref in re.findall(r"url\(#([^)]+)\)", ET.tostring(narrow, encoding="unicode")):
        assert ref.startswith(f"{case}-chart-1-narrow-")
    for element in narrow.iter():
        for name in ("x", "x1", "x2"):
            if element.get(name) is not None:
                assert 0 <= float(element.get(name)) <= 320, (case, element.tag, element.attrib)
        if element.tag == f"{SVG}rect" and element.get("x") is not None:
            assert float(element.get("x")) + float(element.get("width")) <= 320, (case, element.attrib)


def test_the_copy_for_phones_wraps_long_labels_and_titles_to_more_lines() -> None:
    narrow, wide = (svg_of(render_case("long-labels").html, narrow=n) for n in (True, False))

    def lines(svg: ET.Element, where: str) -> list[str]:
        texts = svg.findall(f"{SVG}text") if where == "title" else svg.find(f"{SVG}g[@class='{where}']").iter(f"{SVG}text")
        return max(([t.text for t in text.findall(f"{SVG}tspan")] for text in texts), key=len)

    assert len(lines(narrow, "chart-categories")) == 3 > len(lines(wide, "chart-categories"))
    title = lines(narrow, "title")
    assert len(title) == 4 and " ".join(title) == " ".join(lines(wide, "title")), title   # not cut short


def test_the_copy_for_phones_of_several_lines_names_them_in_a_legend() -> None:
    """Names beside the lines' ends would leave a phone's copy no room for the lines:
    a legend names the series and each end carries its last value only."""
    narrow, wide = (svg_of(render_case("line-many-series").html, narrow=n) for n in (True, False))
    names = {"Online forum", "Peer mentoring", "Site visits", "Workshops"}
    legend = narrow.find(f"{SVG}g[@class='chart-legend']")
    assert legend is not None and {"".join(t.itertext()) for t in legend.iter(f"{SVG}text")} == names | {"activity:"}
    ends = narrow.find(f"{SVG}g[@class='chart-labels']")
    assert sorted("".join(t.itertext()) for t in ends.iter(f"{SVG}text")) == ["15", "38", "71", "83"]
    assert wide.find(f"{SVG}g[@class='chart-legend']") is None
    assert {"".join(t.itertext()).rsplit(" ", 1)[0] for t in wide.find(f"{SVG}g[@class='chart-labels']").iter(f"{SVG}text")} == names


def test_desc_names_what_is_compared_and_the_extremes() -> None:
    desc = svg_of(render_case("bar").html).find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == ("Bar chart of months by phase. Highest: Developing and testing ideas (5); "
                         "lowest: Research and discovery (4).")


def test_desc_of_several_series_names_the_series() -> None:
    desc = svg_of(render_case("grouped-bar").html).find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == ("Grouped bar chart of share by answer and year (2016 and 2018). "
                         "Highest: Agree, 2016 (45%); lowest: Disagree, 2018 (10.5%).")


def test_rendering_is_deterministic() -> None:
    assert render_case("stacked-bar").html == render_case("stacked-bar").html


def test_charts_of_one_essay_get_distinct_ids() -> None:
    folder = CASES_DIR / "inline-rows"
    body = (folder / "chart.md").read_text()
    first, second = (render_chart_block(body, i, context(folder)).html for i in (1, 2))
    ids = lambda html: {e.get("id") for e in svg_of(html).iter() if e.get("id")}  # noqa: E731
    assert not ids(first) & ids(second)


# ---- geometry ------------------------------------------------------------------------


def _marks(svg: ET.Element) -> list[ET.Element]:
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "chart-marks")
    return list(group.iter(f"{SVG}rect"))


def _gridlines(svg: ET.Element) -> dict[str, Decimal]:
    """Tick label -> x of its gridline, for horizontal value axes."""
    axis = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "chart-axis")
    lines = [Decimal(e.get("x1", "")) for e in axis.iter(f"{SVG}line")]
    labels = [e.text or "" for e in axis.iter(f"{SVG}text")]
    return dict(zip(labels, lines))


def test_percentage_stack_reaches_the_axis_end_exactly() -> None:
    svg = svg_of(render_case("stacked-percent").html)
    end = _gridlines(svg)["100%"]
    rows: dict[str, Decimal] = {}
    for rect in _marks(svg):
        right = Decimal(rect.get("x", "")) + Decimal(rect.get("width", ""))
        rows[rect.get("y", "")] = max(rows.get(rect.get("y", ""), Decimal(0)), right)
    assert len(rows) == 3 and set(rows.values()) == {end}


def test_negative_bars_grow_left_from_the_zero_axis() -> None:
    svg = svg_of(render_case("negative").html)
    zero = _gridlines(svg)["0"]
    rects = _marks(svg)
    lefts = [r for r in rects if Decimal(r.get("x", "")) < zero]
    assert len(lefts) == 2  # -3.25 and -1.5
    assert all(Decimal(r.get("x", "")) + Decimal(r.get("width", "")) == zero for r in lefts)
    assert all(Decimal(r.get("x", "")) == zero for r in rects if r not in lefts)


def test_long_labels_are_cut_with_the_full_text_in_a_title() -> None:
    svg = svg_of(render_case("long-labels").html)
    full = "To give something back to others in the same situation after my own recovery from a long illness that lasted for years"
    cut = [t for t in svg.iter(f"{SVG}text") if (tip := t.find(f"{SVG}title")) is not None and tip.text == full]
    assert len(cut) == 1
    shown = " ".join(s.text or "" for s in cut[0].iter(f"{SVG}tspan"))
    assert shown.endswith("\u2026") and len(shown) < len(full)


def test_text_from_the_data_is_escaped(tmp_path: Path) -> None:
    body = ('type: bar\nrows:\n  - {who: "<script>alert(1)</script> & co", n: 3}\nx: who\ny: n\n'
            'title: "A <b>bold</b> title"\ncaption: "x < y & z"\n')
    html = render_chart_block(body, 1, context(tmp_path)).html
    assert "<script>" not in html and "<b>" not in html
    texts = [t.text for t in svg_of(html).iter(f"{SVG}tspan")]
    assert "<script>alert(1)</script> & co" in texts
    assert '<p class="chart-caption">x &lt; y &amp; z</p>' in html


def test_colors_override_the_palette_through_custom_properties(tmp_path: Path) -> None:
    body = 'type: bar\nrows: [{a: x, b: 1}]\nx: a\ny: b\ncolors: ["#0b6e4f"]\n'
    svg = svg_of(render_chart_block(body, 1, context(tmp_path)).html)
    assert svg.get("style") == "--chart-1:#0b6e4f"


# ---- data files and links --------------------------------------------------------------


def test_csv_beside_the_essay_is_linked_under_the_bundle_url() -> None:
    folder = CASES_DIR / "csv-bundle"
    result = render_chart_block((folder / "chart.md").read_text(), 1,
                                context(folder, bundle_url="/essays/waiting/"))
    assert '<a href="/essays/waiting/data/waiting.csv" download>' in result.html
    assert result.dependencies == ((folder / "data" / "waiting.csv").resolve(),)


def test_csv_from_media_is_linked_under_the_media_url() -> None:
    result = render_case("csv-media")
    assert '<a href="/media/surveys/support%20types.csv" download>' in result.html


def test_inline_rows_have_no_download_link_and_no_dependencies() -> None:
    result = render_case("inline-rows")
    assert "download" not in result.html and result.dependencies == ()


def test_a_missing_file_depends_on_every_place_looked(tmp_path: Path) -> None:
    result = render_chart_block("type: bar\ndata: later.csv\nx: a\ny: b\n", 1, context(tmp_path))
    assert result.dependencies == (tmp_path / "later.csv", tmp_path / "media" / "later.csv")


# ---- problems ----------------------------------------------------------------------------


def problems_of(body: str, folder: Path, files: dict[str, str] | None = None) -> tuple[Problem, ...]:
    for name, text in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    result = render_chart_block(body, 1, context(folder))
    assert result.html == ""
    return result.problems


TIMELINE = {"timeline.csv": "phase,months\nResearch,4\nTesting,5\n"}


def test_missing_file(tmp_path: Path) -> None:
    body = "type: bar\ndata: other.csv\nx: phase\ny: months\n"
    assert problems_of(body, tmp_path, TIMELINE) == (Problem(
        ESSAY, 12, 7, "chart data file 'other.csv' not found — put it beside the essay or in content/media/"),)


def test_missing_file_suggests_a_close_name(tmp_path: Path) -> None:
    body = "type: bar\ndata: timline.csv\nx: phase\ny: months\n"
    assert problems_of(body, tmp_path, TIMELINE) == (Problem(
        ESSAY, 12, 7, "chart data file 'timline.csv' not found — did you mean 'timeline.csv'?"),)


def test_data_path_may_not_leave_the_essay_folder(tmp_path: Path) -> None:
    essay = tmp_path / "essays" / "survey"
    essay.mkdir(parents=True)
    (tmp_path / "secret.csv").write_text("a,b\nx,1\n")
    body = "type: bar\ndata: ../../secret.csv\nx: a\ny: b\n"
    assert problems_of(body, essay) == (Problem(
        ESSAY, 12, 7, "chart data path '../../secret.csv' leads outside the essay's folder — "
        "put it beside the essay or in content/media/"),)


def test_csv_rows_longer_than_the_header(tmp_path: Path) -> None:
    body = "type: bar\ndata: timeline.csv\nx: phase\ny: months\n"
    files = {"timeline.csv": "phase,months\nResearch,4\nTesting,5,extra\n"}
    assert problems_of(body, tmp_path, files) == (Problem(
        ESSAY, 12, 7, "chart data file 'timeline.csv' line 3 has more cells than its header — "
        "name the extra column in the first line, or remove the cells"),)


def test_csv_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "timeline.csv").write_bytes("phase,months\nRéseau,4\n".encode("latin-1"))
    body = "type: bar\ndata: timeline.csv\nx: phase\ny: months\n"
    assert problems_of(body, tmp_path) == (Problem(
        ESSAY, 12, 7, "chart data file 'timeline.csv' is not UTF-8 text — save it as \"CSV UTF-8\""),)


def test_csv_with_an_invisible_character(tmp_path: Path) -> None:
    # Was: lxml's "All strings must be XML compatible" while writing the feeds (exit 3).
    body = "type: bar\ndata: timeline.csv\nx: phase\ny: months\n"
    assert problems_of(body, tmp_path, {"timeline.csv": "phase,months\nRes\x01earch,4\n"}) == (Problem(
        ESSAY, 12, 7, "chart data file 'timeline.csv' line 2 contains the invisible character U+0001, which no web "
        "page or feed can carry — delete it (most editors do not show it)"),)


@pytest.mark.parametrize("line, where, code", [
    ('title: "a\\x01b"', (14, 8), "0001"),
    ('caption: "a\\ud800"', (14, 10), "D800"),
    ('"x\\x9b": 1', (14, 1), "009B"),
])  # fmt: skip
def test_an_invisible_character_written_as_an_escape_is_a_problem(tmp_path: Path, line: str, where: tuple[int, int], code: str) -> None:
    # Was: exit 3 from the feeds (lxml) or from writing the page (a lone surrogate).
    body = f"type: bar\nx: phase\ny: months\n{line}\nrows: [{{phase: a, months: 1}}]\n"
    assert problems_of(body, tmp_path) == (Problem(
        ESSAY, *where, f"this text contains the invisible character U+{code}, which no web page or feed can carry — "
        "remove the escape that writes it"),)


def test_a_character_yaml_refuses_is_a_problem_at_it(tmp_path: Path) -> None:
    # Was: yaml.reader.ReaderError escaping parse_chart_spec (DEL and the C1 controls).
    assert problems_of("type: bar\ntitle: a\x7fb\n", tmp_path) == (Problem(
        ESSAY, 12, 9, "chart settings contain the invisible character U+007F, which YAML does not allow — "
        "delete it (most editors do not show it)"),)


def test_settings_nested_too_deeply_are_a_problem(tmp_path: Path) -> None:
    [problem] = problems_of("type: bar\nrows: " + "[" * 5000 + "\n", tmp_path)
    assert problem.message == "chart settings are nested too deeply — write plain `key: value` lines"


def test_unknown_column(tmp_path: Path) -> None:
    body = "type: bar\ndata: timeline.csv\nx: phase\ny: month\n"
    assert problems_of(body, tmp_path, TIMELINE) == (Problem(
        ESSAY, 14, 4, "chart column 'month' is not in timeline.csv — did you mean 'months'?"),)


def test_unknown_column_without_a_close_match_lists_the_columns(tmp_path: Path) -> None:
    body = "type: grouped-bar\ndata: timeline.csv\nx: phase\ny: [months, cost]\n"
    assert problems_of(body, tmp_path, TIMELINE) == (Problem(
        ESSAY, 14, 13, "chart column 'cost' is not in timeline.csv — use one of: phase, months"),)


def test_non_numeric_value_in_a_csv(tmp_path: Path) -> None:
    body = "type: bar\ndata: timeline.csv\nx: phase\ny: months\n"
    files = {"timeline.csv": "phase,months\nResearch,4\nTesting,five\n"}
    assert problems_of(body, tmp_path, files) == (Problem(
        ESSAY, 12, 7, "chart value 'five' in column 'months' of timeline.csv (line 3) is not a number — "
        "write a plain number such as 12.5"),)


def test_non_numeric_value_in_inline_rows_points_at_the_cell(tmp_path: Path) -> None:
    body = "type: bar\nrows:\n  - {phase: A, months: 4}\n  - phase: B\n    months: five\nx: phase\ny: months\n"
    assert problems_of(body, tmp_path) == (Problem(
        ESSAY, 15, 13, "chart value 'five' in column 'months' is not a number — write a plain number such as 12.5"),)


def test_unknown_type(tmp_path: Path) -> None:
    body = "type: bars\ndata: timeline.csv\nx: phase\ny: months\n"
    assert problems_of(body, tmp_path, TIMELINE) == (Problem(
        ESSAY, 11, 7, "unknown chart type 'bars' — did you mean 'bar'?"),)


def test_unknown_type_without_a_close_match_lists_the_types(tmp_path: Path) -> None:
    body = "type: pie\ndata: timeline.csv\nx: phase\ny: months\n"
    assert problems_of(body, tmp_path, TIMELINE) == (Problem(
        ESSAY, 11, 7, "unknown chart type 'pie' — use one of: bar, grouped-bar, stacked-bar, line, dot"),)


def test_unknown_key_suggests_the_known_one(tmp_path: Path) -> None:
    body = "type: bar\ndata: timeline.csv\nx: phase\ny: months\ntitel: Hi\n"
    assert problems_of(body, tmp_path, TIMELINE) == (Problem(
        ESSAY, 15, 1, "unknown chart key 'titel' — did you mean 'title'?"),)


def test_invalid_yaml_points_at_the_line_in_the_file(tmp_path: Path) -> None:
    body = "type: bar\nx: [phase\ny: months\n"
    assert problems_of(body, tmp_path) == (Problem(
        ESSAY, 13, 2, "chart settings are not valid YAML (expected ',' or ']', but got ':') — "
        "check the indentation, and quote values that contain ': '"),)


def test_unquoted_percent_unit_says_how_to_fix_it(tmp_path: Path) -> None:
    (problem,) = problems_of("type: bar\nunit: %\n", tmp_path)
    assert (problem.line, problem.col) == (12, 7)
    assert problem.message.endswith('— write it in quotes, e.g. unit: "%"')


def test_tab_indentation_says_use_spaces(tmp_path: Path) -> None:
    (problem,) = problems_of("type: bar\nrows:\n\t- {a: 1}\n", tmp_path)
    assert (problem.line, problem.col) == (13, 1)
    assert problem.message.endswith("— indent with spaces, not tabs")


def test_missing_keys_are_reported_at_the_fence(tmp_path: Path) -> None:
    assert [p.message.split(" — ")[0] for p in problems_of("title: Hi\n", tmp_path)] == [
        "chart has no type", "chart has no x column", "chart has no y column", "chart has no data"]
    assert {(p.line, p.col) for p in problems_of("title: Hi\n", tmp_path)} == {(FENCE, 1)}


@pytest.mark.parametrize(("body", "where", "message"), [
    ("type: bar\nrows: [{a: x, b: 1, g: p}]\nx: a\ny: b\ngroup: g\n", (15, 8),
     "a bar chart shows one series — use type: grouped-bar or stacked-bar for several"),
    ("type: bar\nrows: [{a: x, b: 1}]\nx: a\ny: b\ncolors: ['red;x:y']\n", (15, 10),
     "chart colour 'red;x:y' is not a CSS colour — use a hex code such as #1f5fa8 or a colour name"),
    ("type: bar\nrows: [{a: x, b: 1}, {a: x, b: 2}]\nx: a\ny: b\n", (12, 7),
     "chart data has two rows for a 'x' — keep one, or name the series column with group:"),
    ("type: bar\nrows: [{a: Research, b: 1}]\nx: a\ny: b\nhighlight: Reserch\n", (15, 12),
     "chart highlight 'Reserch' is not among the a values — did you mean 'Research'?"),
    ("type: line\nrows: [{a: x, b: 1}]\nx: a\ny: b\nsort: ascending\n", (15, 7),
     "sort does not apply to line charts — remove it; a line follows the data's order"),
    ("type: bar\nunit: percentage\nrows: [{a: x, b: 1}]\nx: a\ny: b\n", (12, 7),
     "unknown chart unit 'percentage' — use unit: \"%\" or unit: count"),
    ("type: bar\ntype: line\nrows: [{a: x, b: 1}]\nx: a\ny: b\n", (12, 1),
     "chart key 'type' is given twice — keep one"),
    ("type: bar\nrows: [1, 2]\nx: a\ny: b\n", (12, 7),
     "chart rows must be a list of mappings — write each row as - {x: label, y: 12}"),
])
def test_settings_that_do_not_fit(tmp_path: Path, body: str, where: tuple[int, int], message: str) -> None:
    assert problems_of(body, tmp_path) == (Problem(ESSAY, *where, message),)


def test_parse_chart_spec_counts_lines_from_the_block_by_default() -> None:
    spec, problems = parse_chart_spec("type: bar\nrows: [{a: x, b: 1}]\nx: a\ny: b\n")
    assert problems == () and spec is not None
    assert (spec.type, spec.x, spec.y, spec.at("y").line) == ("bar", "a", ("b",), 4)


def test_scalars_stay_as_written() -> None:
    spec, _ = parse_chart_spec('type: bar\nrows: [{a: no, b: "1.50"}, {a: 2019, b: 2}]\nx: a\ny: b\n')
    assert spec is not None and spec.rows is not None
    assert spec.rows.rows == (("no", "1.50"), ("2019", "2"))


def test_the_stages_compose_without_touching_the_disk() -> None:
    spec, problems = parse_chart_spec("type: dot\nrows: [{a: x, b: 1}, {a: y, b: -2}]\nx: a\ny: b\nunit: count\n")
    assert spec is not None and spec.rows is not None and problems == ()
    table, problems = build_table(spec, spec.rows, Origin(ESSAY, ""))
    assert table is not None and problems == ()
    assert [c for c, _, _ in table.points()] == ["x", "y"]
    assert svg_of(render_svg(spec, table, "t")).get("aria-labelledby") == "t-title t-desc"
    assert render_table_html(table, spec.unit).count("<tr>") == 3


LABELS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
CELLS = st.one_of(st.decimals(-10**6, 10**6, places=2, allow_nan=False).map(str), st.just(""), LABELS)


@settings(max_examples=80, deadline=None)
@given(kind=st.sampled_from(["bar", "grouped-bar", "stacked-bar", "line", "dot"]),
       rows=st.lists(st.tuples(LABELS, CELLS, CELLS), min_size=1, max_size=12),
       highlight=LABELS)
def test_any_inline_data_gives_problems_or_a_well_formed_svg(kind: str, rows: list, highlight: str) -> None:
    several = kind != "bar"
    body = yaml.safe_dump({"type": kind, "x": "x", "y": ["a", "b"] if several else "a", "title": highlight,
                           "rows": [{"x": x, "a": a, "b": b} for x, a, b in rows]}, allow_unicode=True)
    result = render_chart_block(body, 1, context(CASES_DIR))
    assert bool(result.problems) != bool(result.html)
    if result.html:
        svg = svg_of(result.html)
        assert svg.find(f"{SVG}desc") is not None


# ---- small pure pieces ----------------------------------------------------------------------


def test_parse_csv_rows_handles_bom_quotes_blank_lines_and_short_rows() -> None:
    table = parse_csv_rows('\ufeffname , value\n\n"Smith, J",1\nshort\n')
    assert table.columns == ("name", "value")
    assert table.rows == (("Smith, J", "1"), ("short", ""))
    assert [row[0].line for row in table.where] == [3, 4]


@pytest.mark.parametrize(("text", "value"), [
    ("12.5", "12.5"), ("4", "4"), ("-3.25", "-3.25"), ("2,666", "2666"), ("45%", "45"), (" 7 ", "7"),
    ("five", None), ("1,23", None), ("-", None), ("", None), ("12 months", None),
])
def test_parse_number(text: str, value: str | None) -> None:
    assert parse_number(text) == (None if value is None else Decimal(value))


@pytest.mark.parametrize(("value", "unit", "text"), [
    ("12.50", "", "12.5"), ("4", "", "4"), ("-3.25", "", "-3.25"), ("2666", "", "2,666"),
    ("0.1", "%", "0.1%"), ("1E+2", "%", "100%"), ("-0", "", "0"), ("0.30000", "", "0.3"),
])
def test_format_number_has_no_float_noise(value: str, unit: str, text: str) -> None:
    assert format_number(Decimal(value), unit) == text


@pytest.mark.parametrize(("low", "high", "ticks"), [
    ("0", "5", "0 1 2 3 4 5"), ("0", "100", "0 20 40 60 80 100"), ("-3.25", "12.5", "-5 0 5 10 15"),
    ("0", "2666", "0 500 1000 1500 2000 2500 3000"), ("0", "0.87", "0 0.2 0.4 0.6 0.8 1"),
    ("0", "0", "0 0.2 0.4 0.6 0.8 1"), ("-40", "-5", "-40 -30 -20 -10 0"),
])
def test_nice_ticks(low: str, high: str, ticks: str) -> None:
    result = nice_ticks(Decimal(low), Decimal(high))
    assert " ".join(format(v, "f") for v in result.values) == ticks


def test_nice_ticks_for_counts_are_whole_and_dots_need_not_start_at_zero() -> None:
    assert nice_ticks(Decimal(0), Decimal(11), whole=True).values == tuple(map(Decimal, "0 2 4 6 8 10 12".split()))
    assert nice_ticks(Decimal(0), Decimal("0.5"), whole=True).values[-1] == Decimal(1)
    assert nice_ticks(Decimal("3.9"), Decimal("7.25"), zero=False).values == tuple(map(Decimal, "345678"))


def test_wrap_breaks_at_words_and_cuts_what_does_not_fit() -> None:
    assert wrap("Research and discovery", 300, 13).lines == ("Research and discovery",)
    cut = wrap("one two three four five six seven eight nine ten", 60, 13)
    assert len(cut.lines) == 2 and cut.cut and cut.lines[-1].endswith("\u2026")
    assert wrap("Supercalifragilisticexpialidocious", 60, 13).lines[0].endswith("\u2026")


# ---- stylesheet ----------------------------------------------------------------------------


def _contrast(a: str, b: str) -> float:
    def luminance(hex_color: str) -> float:
        if len(hex_color) == 4:  # #fff
            hex_color = "#" + "".join(c * 2 for c in hex_color[1:])
        channels = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_palettes_meet_wcag_aa_on_their_backgrounds() -> None:
    css = STYLESHEET.read_text()
    blocks = re.findall(r"\{([^{}]*--chart-bg:[^{}]*)\}", css)
    assert len(blocks) >= 3  # light, dark (media query and data-theme), print
    for block in blocks:
        props = dict(re.findall(r"--chart-([\w-]+):\s*(?:var\(--[\w-]+,\s*)?(#[0-9a-f]{6}|#[0-9a-f]{3})\b", block))
        background = props.pop("bg")
        on_fill = props.pop("on")
        for name, color in props.items():
            assert _contrast(color, background) >= 4.5, (name, color, background)
            assert _contrast(color, on_fill) >= 4.5, (name, color, on_fill)
