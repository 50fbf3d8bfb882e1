"""Loading bibliographies and checking keys: positions, problems, .bib = CSL-JSON."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from essaygen.citations import bibliography
from essaygen.citations.bibliography import (
    Bibliography,
    bib_entry_positions,
    check_keys,
    load_bibliography,
    normalise_doi,
    parse_csl_json,
)
from essaygen.citations.engine import CitationRequest, Formatter
from essaygen.citations.styles import resolve_style
from essaygen.citations.syntax import parse_citations
from essaygen.problems import Problem

HERE = Path(__file__).parent / "citations"
ROOT = HERE.parent.parent  # display paths are relative to the site folder
SHOWN = "tests/citations"


def load(*names: str, cache_dir: Path | None = None) -> tuple[Bibliography, tuple[Problem, ...]]:
    return load_bibliography([HERE / n for n in names], ROOT, cache_dir)


@pytest.fixture(scope="module")
def formatter() -> Iterator[Formatter]:
    with Formatter(None) as f:
        yield f


# --- a .bib and its CSL-JSON equivalent --------------------------------------------------


@pytest.mark.parametrize("style", ["vancouver", "harvard", "apa"])
def test_bib_and_csl_json_give_the_same_reference_list(formatter: Formatter, style: str) -> None:
    from_bib, problems_bib = load("equivalent.bib")
    from_json, problems_json = load("equivalent.json")
    assert problems_bib == problems_json == ()
    assert list(from_bib.items) == list(from_json.items)
    clusters = tuple(parse_citations("[" + "; ".join(f"@{k}" for k in from_bib.items) + "]"))

    def formatted(bib: Bibliography):
        request = CitationRequest(clusters, tuple(bib.items.values()), resolve_style(style, ROOT), "en-GB")
        return formatter.format([request])[0]

    assert formatted(from_bib) == formatted(from_json)
    assert len(formatted(from_bib).entries) == 7


def test_bib_von_part_is_a_non_dropping_particle() -> None:
    bib, _ = load("equivalent.bib")
    assert bib.items["vandenberg2018"]["author"][0] == {
        "family": "Berg", "given": "Anna", "non-dropping-particle": "van den"
    }  # fmt: skip


def test_bib_items_keep_their_positions() -> None:
    bib, _ = load("equivalent.bib")
    assert bib.origins["dennis2003"] == (f"{SHOWN}/equivalent.bib", 3, 10)
    assert bib.origins["hse2015"] == (f"{SHOWN}/equivalent.bib", 60, 9)


def test_csl_json_positions_point_at_each_id() -> None:
    bib, _ = load("equivalent.json")
    assert bib.origins["dennis2003"] == (f"{SHOWN}/equivalent.json", 3, 11)
    assert bib.origins["marmot2015"] == (f"{SHOWN}/equivalent.json", 16, 11)


def test_dois_are_normalised_on_load() -> None:
    bib, _ = load("equivalent.bib")
    assert bib.items["dennis2003"]["DOI"] == "10.1016/S0020-7489(02)00092-5"


@pytest.mark.parametrize(
    "raw",
    ["10.1136/bmj.l6890", "https://doi.org/10.1136/bmj.l6890", "http://dx.doi.org/10.1136/bmj.l6890",
     "doi:10.1136/bmj.l6890", "DOI: 10.1136/bmj.l6890", " https://DOI.org/10.1136/bmj.l6890 "],
)  # fmt: skip
def test_normalise_doi(raw: str) -> None:
    assert normalise_doi(raw) == "10.1136/bmj.l6890"


def test_lower_case_doi_field_is_read() -> None:
    loaded = parse_csl_json('[{"id": "a", "doi": "https://doi.org/10.1/x"}]', "refs.json")
    assert loaded.items[0][0]["DOI"] == "10.1/x"


def test_bibliography_is_read_only() -> None:
    bib, _ = load("equivalent.json")
    with pytest.raises(TypeError):
        bib.items["new"] = {}  # type: ignore[index]


# --- problems ----------------------------------------------------------------------------------


def test_malformed_bib_entries_are_each_reported_and_the_rest_is_kept() -> None:
    bib, problems = load("malformed.bib")
    hint = "— check that entry for a missing comma, an unbalanced brace or quote"
    assert [str(p) for p in problems] == [
        f"{SHOWN}/malformed.bib:9:3: malformed BibTeX in entry 'nocomma' (line 7): unexpected 't' {hint}",
        f"{SHOWN}/malformed.bib:25:1: malformed BibTeX in entry 'unclosed' (line 19): unexpected '@' {hint}",
    ]
    assert list(bib.items) == ["good1", "good2", "good3"]
    assert bib.origins["good3"] == (f"{SHOWN}/malformed.bib", 25, 9)


def test_duplicate_keys_name_the_first_definition() -> None:
    bib, problems = load("duplicates.json", "duplicates.bib")
    first = "give each work its own key (keys are case-sensitive)"
    assert [str(p) for p in problems] == [
        f'{SHOWN}/duplicates.json:10:3: CSL-JSON item without an "id" — give it its citation key',
        f"{SHOWN}/duplicates.json:5:11: duplicate citation key 'able2020' — it is first defined at "
        f"{SHOWN}/duplicates.json:2:10; {first}",
        f"{SHOWN}/duplicates.bib:1:7: duplicate citation key 'Able2020' — it is first defined at "
        f"{SHOWN}/duplicates.json:3:10; {first}",
    ]
    assert bib.items["able2020"]["title"] == "First"
    assert bib.items["Able2020"]["title"] == "Different key: case matters"


def test_duplicate_key_within_a_bib() -> None:
    text = "@book{k,\n title={A}}\n\n@book{k,\n title={B}}\n"
    assert [(k, line, col) for k, line, col, _ in bib_entry_positions(text)] == [("k", 1, 7), ("k", 4, 7)]


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    (tmp_path / "refs.ris").write_text("TY  - BOOK\n")
    _, problems = load_bibliography([tmp_path / "nothere.bib", tmp_path / "refs.ris"], tmp_path, None)
    assert [str(p) for p in problems] == [
        "nothere.bib:1:1: bibliography file not found — check citations.bibliography in site.yaml "
        "(paths are relative to the site folder)",
        "refs.ris:1:1: unsupported bibliography format '.ris' — use BibTeX (.bib) or CSL-JSON (.json)",
    ]


def test_invalid_json_is_reported_at_its_position() -> None:
    loaded = parse_csl_json('[\n  {"id": "a",}\n]', "refs.json")
    assert [str(p) for p in loaded.problems] == [
        "refs.json:2:14: invalid CSL-JSON: Expecting property name enclosed in double quotes — fix the JSON here "
        "(often a missing or extra comma, quote or bracket), or export the bibliography again"
    ]


def test_csl_json_must_be_a_list() -> None:
    loaded = parse_csl_json('{"id": "a"}', "refs.json")
    assert [p.message for p in loaded.problems] == [
        "CSL-JSON must be a list of items ([{...}, ...]) — put the items between [ and ], even a single one"
    ]


def test_csl_json_nested_too_deeply_is_a_problem() -> None:
    [problem] = parse_csl_json("[" * 100_000, "refs.json").problems
    assert " — " in problem.message


def test_a_bibliography_that_is_not_utf8_is_reported_at_its_first_bad_byte(tmp_path: Path) -> None:
    (tmp_path / "refs.json").write_bytes(b'[\n  {"id": "a", "title": "Caf\xe9"}\n]')
    _, problems = load_bibliography([tmp_path / "refs.json"], tmp_path, None)
    assert [str(p) for p in problems] == [
        "refs.json:2:28: the file is not UTF-8 text — save it as UTF-8 (in most editors: Save with Encoding, UTF-8)"
    ]


@pytest.mark.parametrize("issued, parts", [
    ("2020", [[2020]]), ("2020-05", [[2020, 5]]), (" 2020-05-01 ", [[2020, 5, 1]]), ("2019/2020", [[2019], [2020]]),
])  # fmt: skip
def test_a_csl_date_written_as_text_becomes_date_parts(issued: str, parts: list) -> None:
    loaded = parse_csl_json(f'[{{"id": "a", "issued": "{issued}"}}]', "refs.json")
    assert loaded.problems == ()
    assert loaded.items[0][0]["issued"] == {"date-parts": parts}


@pytest.mark.parametrize("field, value, message", [
    ("issued", '"Spring 2020"', "'issued' of 'a' is the text 'Spring 2020', which is not a date pandoc reads — write {\"date-parts\""),
    ("issued", "2020", "'issued' of 'a' must be a date, not the number 2020 — write"),
    ("issued", '{"date-parts": [2020]}', "'issued' of 'a' has date-parts that are not one or two lists of whole numbers — write"),
    ("issued", '{"date-parts": [["2020a"]]}', "'issued' of 'a' has date-parts that are not"),
    ("issued", '{"literal": ["x"]}', "'issued' of 'a' has a 'literal' that is a list, not text — "),
    ("author", '"Smith"', "'author' of 'a' must be a list of names, not text — write a list of names, as in"),
    ("author", '["Smith"]', "'author' of 'a' has a name that is text, not an object — write a list of names"),
    ("editor", '[{"family": 5}]', "'editor' of 'a' has a name whose 'family' is the number 5, not text — "),
    ("type", "5", "'type' of 'a' must be text, not the number 5 — "),
    ("title", "[\"a\"]", "'title' of 'a' must be text, not a list — "),
    ("title", "null", "'title' of 'a' must be text, not null — "),
    ("page", "1.5", "'page' of 'a' must be text, not the number 1.5 — "),
    ("title", '"x\\u0001y"', "'title' of 'a' contains the invisible character U+0001, which no web page or feed can carry — delete it"),
    ("title", '"x\u007fy"', "'title' of 'a' contains the invisible character U+007F"),
    ("author", '[{"family": "x\\ud800"}]', "'author' of 'a' contains the invisible character U+D800"),
])  # fmt: skip
def test_a_csl_field_of_the_wrong_shape_is_reported_at_it_and_left_out(field: str, value: str, message: str) -> None:
    loaded = parse_csl_json(f'[\n  {{"id": "a",\n   "{field}": {value}}}\n]', "refs.json")
    [problem] = loaded.problems
    assert (problem.line, problem.col) == (3, len(field) + 8), problem
    assert problem.message.startswith(message), problem
    [(item, _, _)] = loaded.items  # kept, so that citing it is not also an "unknown key"
    assert field not in item


def test_unknown_csl_fields_are_kept_as_they_are() -> None:
    loaded = parse_csl_json('[{"id": "a", "custom": {"x": [1]}, "categories": ["a"]}]', "refs.json")
    assert loaded.problems == () and loaded.items[0][0]["custom"] == {"x": [1]}


# --- check_keys ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pitfalls() -> Bibliography:
    return load("pitfalls.json")[0]


def test_unknown_key_with_position(pitfalls: Bibliography) -> None:
    clusters = parse_citations("Known [@nhs2019].\n\n> Quoted and unknown [see @nobody, p. 3].")
    assert [str(p) for p in check_keys(clusters, pitfalls, "content/essays/x.md")] == [
        "content/essays/x.md:3:27: unknown citation key 'nobody' — add it to the bibliography, "
        "or write \\@ for a literal at-sign"
    ]


def test_unknown_key_suggests_a_close_one(pitfalls: Bibliography) -> None:
    (problem,) = check_keys(parse_citations("As @marmot2011 said"), pitfalls, "x.md")
    assert problem == Problem(
        "x.md", 1, 4,
        "unknown citation key 'marmot2011' — add it to the bibliography, or write \\@ for a literal "
        "at-sign (did you mean 'marmot2010'?)",
    )  # fmt: skip


def test_unknown_key_suggests_other_case(pitfalls: Bibliography) -> None:
    (problem,) = check_keys(parse_citations("[@NHS2019]"), pitfalls, "x.md")
    assert problem.message.endswith("(did you mean 'nhs2019'?)")


def test_social_handle_gets_the_at_sign_hint(pitfalls: Bibliography) -> None:
    (problem,) = check_keys(parse_citations("Follow us @TheQLab on social media."), pitfalls, "x.md")
    assert (problem.line, problem.col) == (1, 11)
    assert "write \\@ for a literal at-sign" in problem.message


def test_citation_hidden_in_a_suffix_is_reported(pitfalls: Bibliography) -> None:
    (problem,) = check_keys(parse_citations("[see @nhs2019 and @cole2018]"), pitfalls, "x.md")
    assert str(problem) == (
        "x.md:1:6: '@cole2018' inside the citation of 'nhs2019' is read as text, not cited — separate "
        "citations with ';' (as in [see @nhs2019; @cole2018]), or write \\@ for a literal at-sign"
    )


def test_escaped_or_email_at_sign_in_a_suffix_is_fine(pitfalls: Bibliography) -> None:
    clusters = parse_citations(r"[@nhs2019, write to jane@example.com or \@nhs]")
    assert check_keys(clusters, pitfalls, "x.md") == []


# --- the .bib conversion cache ----------------------------------------------------------------------


def test_bib_conversion_is_cached_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):
        calls.append(args)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(bibliography.subprocess, "run", counting_run)
    first, _ = load("equivalent.bib", cache_dir=tmp_path)
    assert len(calls) == 1
    second, _ = load("equivalent.bib", cache_dir=tmp_path)
    assert len(calls) == 1 and second == first
    for cached in (tmp_path / "bib").iterdir():
        cached.write_text("{not json")
    third, _ = load("equivalent.bib", cache_dir=tmp_path)
    assert len(calls) == 2 and third == first
