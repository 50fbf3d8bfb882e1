"""Citation syntax: the fixture cases of tests/citations/syntax.txt, and the plugin's HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from essaygen.citations.syntax import (
    CitationCluster,
    CitationItem,
    citation_plugin,
    parse_citations,
    placeholder,
    scan_key,
)
from essaygen.mdsource import line_tracking_plugin

FIXTURE = Path(__file__).parent / "citations" / "syntax.txt"
_ITEM = re.compile(
    r'^\s+(\S+) (\S+) (\d+):(\d+)(?: prefix=("(?:[^"\\]|\\.)*"))?(?: suffix=("(?:[^"\\]|\\.)*"))?\s*$'
)


def read_cases(path: Path) -> list[tuple[str, str, str]]:
    """(title, input, expected) triples of a title / . / input / . / expected / . file."""
    cases, lines, i = [], path.read_text(encoding="utf-8").split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("#"):
            i += 1
            continue
        title = line
        assert lines[i + 1] == ".", f"line {i + 2}: expected '.' after the title {title!r}"
        end_input = lines.index(".", i + 2)
        end_expected = lines.index(".", end_input + 1)
        cases.append((title, "\n".join(lines[i + 2 : end_input]), "\n".join(lines[end_input + 1 : end_expected])))
        i = end_expected + 1
    return cases


def parse_expected(text: str) -> list[CitationCluster]:
    if text.strip() == "(none)":
        return []
    clusters: list[tuple[int, int, list[CitationItem]]] = []
    for line in text.split("\n"):
        if line.startswith("cluster "):
            where = line.split()[1].split(":")
            clusters.append((int(where[0]), int(where[1]), []))
            continue
        found = _ITEM.match(line)
        assert found, f"unreadable expected line: {line!r}"
        mode, key, row, col, prefix, suffix = found.groups()
        clusters[-1][2].append(
            CitationItem(
                key=key,
                mode=mode,
                prefix=json.loads(prefix) if prefix else "",
                suffix=json.loads(suffix) if suffix else "",
                line=int(row),
                col=int(col),
            )
        )
    return [CitationCluster(tuple(items), row, col) for row, col, items in clusters]


CASES = read_cases(FIXTURE)


def test_fixture_has_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(("title", "source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_syntax_case(title: str, source: str, expected: str) -> None:
    assert parse_citations(source) == parse_expected(expected)


# --- the plugin in a markdown-it pipeline --------------------------------------------


def _md() -> MarkdownIt:
    return MarkdownIt("commonmark").use(line_tracking_plugin).use(citation_plugin)


def _render(source: str, env: dict | None = None) -> tuple[str, dict]:
    env = env if env is not None else {}
    env.setdefault("_body_lines", source.split("\n"))
    return _md().render(source, env), env


def test_placeholders_are_rendered_in_order() -> None:
    html, env = _render("See [@a; @b] and @c [p. 2].")
    assert html == f"<p>See {placeholder(0)} and {placeholder(1)}.</p>\n"
    assert [[i.key for i in c.items] for c in env["citations"]] == [["a", "b"], ["c"]]


def test_link_around_in_text_citation_keeps_the_link() -> None:
    html, _ = _render("[@smith](https://example.com)")
    assert html == f'<p><a href="https://example.com">{placeholder(0)}</a></p>\n'


def test_email_autolink_is_a_mailto_link() -> None:
    html, env = _render("<jane@example.com>")
    assert html == '<p><a href="mailto:jane@example.com">jane@example.com</a></p>\n'
    assert "citations" not in env


def test_escaped_at_sign_renders_as_at_sign() -> None:
    html, env = _render(r"\@smith")
    assert html == "<p>@smith</p>\n"
    assert "citations" not in env


def test_nul_in_source_cannot_forge_a_placeholder() -> None:
    html, _ = _render("a \x00C0\x00 b")
    assert "\x00" not in html


def test_existing_citations_list_is_appended_to() -> None:
    env: dict = {"citations": ["earlier"]}
    html, env = _render("[@a]", env)
    assert html == f"<p>{placeholder(1)}</p>\n"
    assert len(env["citations"]) == 2


def test_positions_count_front_matter_lines() -> None:
    body = "Intro.\n\n> Quoted [@k, p. 9]."
    env = {"line_offset": 4, "_body_lines": body.split("\n")}
    _render(body, env)
    (cluster,) = env["citations"]
    assert (cluster.line, cluster.col) == (7, 10)
    assert (cluster.items[0].line, cluster.items[0].col) == (7, 11)


def test_citation_inside_link_label_is_parsed_once() -> None:
    # The link rule looks ahead (silent mode) before tokenizing: no duplicates.
    _, env = _render("[see @a](https://example.com) and [@b]")
    assert [c.items[0].key for c in env["citations"]] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("smith04", ("smith04", 7)),
        ("Foo_bar.baz.", ("Foo_bar.baz", 11)),
        ("{a{b}c} x", ("a{b}c", 7)),
        ("{a", None),
        ("-a", None),
        ("", None),
    ],
)
def test_scan_key(text: str, expected: tuple[str, int] | None) -> None:
    assert scan_key(text, 0, len(text)) == expected



@pytest.mark.parametrize("line", [
    "[" * 20_000, "[" * 10_000 + "x" + "]" * 10_000, "@a [" * 5_000, "[;" * 10_000, "[`" * 10_000,
    "@{" * 10_000, "[" + "@{" * 10_000 + "]", "[a [b " * 4_000,
])  # fmt: skip
def test_long_lines_of_brackets_and_braces_parse_in_linear_time(line: str) -> None:
    # Was: every "[" (and every "@{") scanned to the end of the line: ~50 s for 20,000 "[".
    from robustness.harness import watchdog

    with watchdog(10):
        parse_citations(line)
