"""schema: unknown keys with "did you mean", required keys, kinds — every problem at its file position."""

from __future__ import annotations

import pytest

from essaygen.config import SCHEMA as SITE_SCHEMA
from essaygen.content import ESSAY_SCHEMA
from essaygen.schema import Field, check_keys, clean_keys, hint
from essaygen.yamldoc import parse_yaml


def check(front: str, schema=ESSAY_SCHEMA):
    """(valid part, problems) of front matter written after a `---` line (so text line 1 is file line 2)."""
    doc, problems = parse_yaml(front, "content/essays/x.md", line_offset=1)
    assert not problems, problems
    return clean_keys(doc, schema, doc.data, ())


def only(front: str, schema=ESSAY_SCHEMA):
    _, problems = check(front, schema)
    assert len(problems) == 1, problems
    return problems[0]


# ---------------------------------------------------------------- did you mean

@pytest.mark.parametrize("typo, meant", [("seires", "series"), ("titel", "title"), ("Date", "date"), ("image-alt", "image_alt"), ("subtitel", "subtitle")])
def test_unknown_key_suggests_the_close_one(typo: str, meant: str) -> None:
    problem = only(f"title: A\n{typo}: x\n")
    assert problem.message == f"unknown key '{typo}' — did you mean '{meant}'?"
    assert (problem.line, problem.col) == (3, 1)


def test_unknown_key_far_from_all_lists_the_known_ones() -> None:
    problem = only("title: A\nzzz: 1\n")
    assert problem.message.startswith("unknown key 'zzz' — known keys: ")
    assert "series" in problem.message and "image_alt" in problem.message


def test_hint_lists_known_keys_sorted() -> None:
    assert hint("qqq", ["b", "a"]) == " — known keys: a, b"
    assert hint("tittle", ["title", "date"]) == " — did you mean 'title'?"


def test_unknown_nested_key_points_at_the_nested_key() -> None:
    _, problems = check("title: A\nrevisions:\n  - date: 2018-01-01\n    nite: fixed\n")
    messages = {(p.line, p.col): p.message for p in problems}
    assert messages[(5, 5)] == "unknown key 'nite' — did you mean 'note'?"
    assert "missing required key 'note'" in messages[(4, 5)]


def test_unknown_site_key_in_nested_series() -> None:
    _, problems = check("title: T\nbase_url: https://e.org/\nseries:\n  s:\n    title: S\n    shedule: []\n", SITE_SCHEMA)
    [problem] = problems
    assert (problem.line, problem.col) == (7, 5)
    assert problem.message == "unknown key 'shedule' — did you mean 'schedule'?"


# ---------------------------------------------------------------- required

def test_missing_required_key_points_at_the_mapping_and_gives_an_example() -> None:
    problem = only("subtitle: S\ndate: 2018-01-01\n")
    assert (problem.line, problem.col) == (2, 1)
    assert problem.message == "missing required key 'title' — add `title: Understanding decision making`"


@pytest.mark.parametrize("value", ['""', "''", ""])
def test_empty_required_value_counts_as_missing_and_points_at_the_key(value: str) -> None:
    problem = only(f"date: 2018-01-01\ntitle: {value}\n")
    assert (problem.line, problem.col) == (3, 1)
    assert "missing required key 'title'" in problem.message


def test_required_keys_of_list_items_are_checked_per_item() -> None:
    _, problems = check("title: A\nrevisions:\n  - {date: 2018-01-01, note: a}\n  - {note: b}\n")
    [problem] = problems
    assert problem.line == 5
    assert "missing required key 'date'" in problem.message


# ---------------------------------------------------------------- kinds

@pytest.mark.parametrize("front, line, col, start", [
    ("title: A\npart: three\n", 3, 7, "'part' must be a whole number, not str 'three'"),
    ("title: A\npart: true\n", 3, 7, "'part' must be a whole number, not bool True"),
    ("title: A\ndraft: 'yes'\n", 3, 8, "'draft' must be true or false, not str 'yes'"),
    ("title: A\ntags: {a: 1}\n", 3, 7, "'tags' must be text or a list, not dict"),
    ("title: [a, b]\n", 2, 8, "'title' must be text, not list"),
    ("title: A\ndate: true\n", 3, 7, "'date' must be a date or text, not bool True"),
])
def test_wrong_kind_is_reported_at_the_value_with_an_example(front: str, line: int, col: int, start: str) -> None:
    problem = only(front)
    assert (problem.line, problem.col) == (line, col)
    assert problem.message.startswith(start)
    assert " — write e.g. `" in problem.message


def test_numbers_are_accepted_as_text() -> None:
    valid, problems = check("title: 1984\nsubtitle: 2.5\n")
    assert problems == [] and valid == {"title": 1984, "subtitle": 2.5}


def test_too_long_text_is_reported() -> None:
    problem = only("title: " + "x" * 501 + "\n")
    assert problem.message == "'title' is too long (501 characters) — shorten it"


def test_list_items_are_checked() -> None:
    _, problems = check("title: T\nbase_url: https://e.org/\nseries:\n  s:\n    title: S\n    schedule:\n      - release: 2018-01-01\n        essays: [a, [b]]\n", SITE_SCHEMA)
    [problem] = problems
    assert problem.line == 9
    assert "must be text, not list" in problem.message


def test_choices_are_enforced() -> None:
    _, problems = check("title: T\nbase_url: https://e.org/\nseries:\n  s:\n    title: S\n    tease: all\n", SITE_SCHEMA)
    [problem] = problems
    assert (problem.line, problem.col) == (7, 12)
    assert "'tease' must be one of titles, count, none, not 'all'" in problem.message


def test_choice_message_says_what_to_write() -> None:
    _, problems = check("title: T\nbase_url: https://e.org/\nseries:\n  s:\n    title: S\n    tease: all\n", SITE_SCHEMA)
    assert " — " in problems[0].message


def test_every_problem_is_reported_and_the_valid_part_kept() -> None:
    valid, problems = check("title: A\nseires: s\npart: x\ndraft: 1\nsubtitle: ok\n")
    assert valid == {"title": "A", "subtitle": "ok"}
    assert sorted((p.line, p.col) for p in problems) == [(3, 1), (4, 7), (5, 8)]


def test_check_keys_returns_only_problems() -> None:
    doc, _ = parse_yaml("title: A\nx: 1\n", "p")
    assert [p.message.split(" —")[0] for p in check_keys(doc, ESSAY_SCHEMA, doc.data, ())] == ["unknown key 'x'"]


def test_map_of_free_names_checks_each_value() -> None:
    _, problems = check("title: T\nbase_url: https://e.org/\nauthors:\n  a: {name: A}\n  b: {url: https://x}\n", SITE_SCHEMA)
    [problem] = problems
    assert problem.line == 6 and "missing required key 'name'" in problem.message


def test_field_defaults() -> None:
    field = Field("str")
    assert (field.required, field.choices, field.keys, field.items) == (False, (), None, None)


def test_empty_optional_value_says_what_to_do() -> None:
    problem = only("title: A\nsummary:\n")
    assert " — " in problem.message


def test_yaml_keyword_where_text_is_expected_suggests_quotes() -> None:
    problem = only("title: No\n")
    assert "quote" in problem.message


@pytest.mark.parametrize("front", ["title: A\ntags: [a, [b]]\n", "title: A\nauthors:\n  - name: Jane Doe\n"])
def test_items_of_text_or_list_fields_are_checked(front: str) -> None:
    problem = only(front)
    assert "must be text" in problem.message
