"""yamldoc.parse_yaml: plain data with file positions, and refusals of what an editor never means."""

from __future__ import annotations

import time

import pytest

from essaygen.yamldoc import MAX_NODES, parse_yaml


def parsed(text: str, line_offset: int = 0):
    doc, problems = parse_yaml(text, "content/essays/x.md", line_offset=line_offset)
    assert problems == [], problems
    assert doc is not None
    return doc


def refused(text: str, line_offset: int = 0):
    doc, problems = parse_yaml(text, "content/essays/x.md", line_offset=line_offset)
    assert doc is None, doc
    assert problems, "expected at least one problem"
    for problem in problems:
        assert problem.path == "content/essays/x.md"
        assert " — " in problem.message, f"no 'what to do' part: {problem.message}"
    return problems


# ---------------------------------------------------------------- positions

def test_positions_are_file_lines_with_the_offset() -> None:
    doc = parsed("title: A\ntags:\n  - one\n  - two\n", line_offset=1)
    assert doc.where(("title",)) == (2, 8)
    assert doc.where(("title",), key=True) == (2, 1)
    assert doc.where(("tags", 1)) == (5, 5)


def test_where_falls_back_to_the_nearest_parent() -> None:
    doc = parsed("revisions:\n  - date: 2018-01-01\n", line_offset=1)
    assert doc.where(("revisions", 0, "note")) == doc.where(("revisions", 0)) == (3, 5)
    assert doc.where(("nothing", "here")) == (2, 1)


def test_problem_carries_path_and_position() -> None:
    doc = parsed("a: 1\nb: 2\n", line_offset=3)
    problem = doc.problem(("b",), "bad b — fix it")
    assert (problem.path, problem.line, problem.col, problem.message) == ("content/essays/x.md", 5, 4, "bad b — fix it")


def test_syntax_error_position_includes_the_offset() -> None:
    [problem] = refused("title: Peer support: a review\n", line_offset=1)
    assert (problem.line, problem.col) == (2, 20)
    assert problem.message.startswith("YAML syntax error")


def test_empty_document_is_none_not_an_error() -> None:
    doc, problems = parse_yaml("", "x")
    assert problems == [] and doc is not None and doc.data is None


# ---------------------------------------------------------------- duplicates, aliases, merge keys

def test_duplicate_key_is_refused_at_the_second_key() -> None:
    [problem] = refused("title: A\ndate: 2018-01-01\ntitle: B\n", line_offset=1)
    assert (problem.line, problem.col) == (4, 1)
    assert "'title' is given twice" in problem.message


def test_duplicate_nested_key_is_refused() -> None:
    [problem] = refused("authors:\n  lab: {name: A, name: B}\n")
    assert "'name' is given twice" in problem.message
    assert problem.line == 2


def test_every_duplicate_is_reported() -> None:
    problems = refused("a: 1\na: 2\nb: 1\nb: 2\n")
    assert [p.line for p in problems] == [2, 4]


def test_aliases_expand_to_copies() -> None:
    doc = parsed("base: &b [x, y]\ncopy: *b\n")
    assert doc.data == {"base": ["x", "y"], "copy": ["x", "y"]}


def test_merge_key_merges_and_local_keys_win() -> None:
    doc = parsed("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n")
    assert doc.data["c"] == {"x": 1, "y": 3}


def test_merge_of_a_list_of_mappings_first_wins() -> None:
    doc = parsed("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n")
    assert doc.data["c"] == {"x": 1, "y": 2}


def test_merge_of_a_scalar_is_refused() -> None:
    [problem] = refused("a: &a 1\nc:\n  <<: *a\n")
    assert "'<<' must merge a mapping" in problem.message


def test_recursive_alias_is_refused() -> None:
    [problem] = refused("a: &a\n  b: *a\n", line_offset=1)
    assert "refers to itself" in problem.message
    assert problem.line == 2


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    [problem] = refused("\n".join(lines) + "\n", line_offset=1)
    assert time.perf_counter() - started < 1.0
    assert "too many values" in problem.message
    assert 2 <= problem.line <= 10


def test_many_plain_values_below_the_budget_are_fine() -> None:
    doc = parsed("tags: [" + ", ".join(f"t{i}" for i in range(MAX_NODES // 2)) + "]\n")
    assert len(doc.data["tags"]) == MAX_NODES // 2


def test_deep_nesting_is_refused_not_a_crash() -> None:
    [problem] = refused("a: " + "[" * 5000 + "]" * 5000 + "\n", line_offset=1)
    assert problem.line == 2
    assert "nested too deeply" in problem.message


# ---------------------------------------------------------------- documents and tags

def test_several_documents_are_refused() -> None:
    [problem] = refused("title: A\n--- # another\ndate: 2018-01-01\n", line_offset=1)
    assert problem.line == 3
    assert "more than one YAML document" in problem.message


@pytest.mark.parametrize("text", [
    "title: !!python/object:os.system echo\n",
    "title: !!python/name:os.system\n",
    "title: !!binary aGVsbG8=\n",
    "title: !custom x\n",
])
def test_scalar_tags_are_refused(text: str) -> None:
    [problem] = refused(text, line_offset=1)
    assert "unsupported YAML tag" in problem.message
    assert (problem.line, problem.col) == (2, 8)


@pytest.mark.parametrize("text", [
    "tags: !!python/object/apply:os.system [echo pwned]\n",
    "tags: !!set {a, b}\n",
    "authors: !custom {name: x}\n",
])
def test_collection_tags_are_refused(text: str) -> None:
    [problem] = refused(text, line_offset=1)
    assert "unsupported YAML tag" in problem.message


def test_explicit_str_tag_is_allowed() -> None:
    assert parsed("date: !!str 2018-05-30\n").data == {"date": "2018-05-30"}


# ---------------------------------------------------------------- scalars

def test_timestamps_stay_strings() -> None:
    doc = parsed("date: 2018-05-30\nrelease: 2018-05-30 09:00\niso: 2018-05-30T09:00:00+01:00\n")
    assert doc.data == {"date": "2018-05-30", "release": "2018-05-30 09:00", "iso": "2018-05-30T09:00:00+01:00"}


def test_plain_scalars_keep_their_yaml_types() -> None:
    doc = parsed("part: 3\ndraft: false\ntitle: 2018\nempty:\n")
    assert doc.data == {"part": 3, "draft": False, "title": 2018, "empty": None}


def test_non_string_keys_become_strings() -> None:
    assert parsed("2018: a\n").data == {"2018": "a"}


def test_a_mapping_as_key_is_refused() -> None:
    [problem] = refused("? [a, b]\n: c\n")
    assert "a key must be a plain word" in problem.message


def test_a_null_key_is_reported() -> None:
    refused("~: stray value\ntitle: A\n")


def test_tab_indentation_is_refused() -> None:
    [problem] = refused("tags:\n\t- a\n", line_offset=1)
    assert (problem.line, problem.col) == (3, 1)


def test_tab_indentation_says_use_spaces() -> None:
    [problem] = refused("tags:\n\t- a\n", line_offset=1)
    assert "tab" in problem.message and "spaces" in problem.message
