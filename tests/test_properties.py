"""Property-based robustness (GitHub issue 8, DESIGN.md §4 invariants 2, 4 and 5).

For every generated input essaygen either succeeds or reports `path:line:col: message —
what to do` and exits 1: never a traceback (exit 3), never a hang, never a partial
output/. The pure stages (parse_yaml, parse_essay, parse_config, render_body, the clock)
get 2,000 examples each in CI; whole builds run in-process on fewer examples.
ESSAYGEN_HYPOTHESIS_PROFILE=nightly (`make test-nightly`) runs ten times as many.

Every bug these properties found keeps its minimal example as a `test_regression_*`
at the end of this file.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, example, given, note, settings
from hypothesis import strategies as st

from essaygen.clock import BadDate, load_zone, parse_instant
from essaygen.config import parse_config
from essaygen.content import Source, decode_source, parse_essay, parse_page, split_front_matter
from essaygen.markdown import RenderContext, render_body
from essaygen.problems import Problem
from essaygen.yamldoc import UNSAFE_CHARACTER, parse_yaml
from robustness.harness import assert_honest, check_output_files, diff, run_main, snapshot, watchdog, write_site
from robustness.profiles import BUILDS, PURE, PURE_EXAMPLES
from robustness.strategies import (
    DATES, NAMES, TEXT, ZONES, billion_laughs, front_matters, markdown_bodies, publishable_bodies, publishable_front_matters, site_configs,
    site_yaml_texts, yaml_texts,
)

ESSAY = "content/essays/generated.md"
FIX = re.compile(r".+ — .+", re.DOTALL)
SITE = """\
title: Generated
base_url: https://essays.example.org/
timezone: UTC
search: {enabled: false}
series:
  s:
    title: The S series
    schedule:
      - release: 2020-01-01
        essays: [waved]
"""


def _config():
    config, problems = parse_config(SITE, Path("/nonexistent-site"))
    assert config is not None, problems
    return config


CONFIG = _config()


def assert_problems(problems: list[Problem] | tuple[Problem, ...], path: str, lines: int) -> None:
    """Each problem names `path`, a real line and column, what is wrong and what to do."""
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.path == path, problem
        assert 1 <= problem.line <= lines + 1, (problem, lines)
        assert problem.col >= 1, problem
        assert FIX.match(problem.message), f"no ' — what to do' in: {problem}"
        assert "\n" not in problem.message or problem.message.count("\n") < 5, problem


# ---------------------------------------------------------------- YAML

@PURE
@given(yaml_texts())
def test_parse_yaml_never_raises_and_places_every_problem(text: str) -> None:
    with watchdog(10):
        doc, problems = parse_yaml(text, "site.yaml", line_offset=3)
    assert (doc is None) == bool(problems)
    assert_problems(problems, "site.yaml", text.count("\n") + text.count("\r") + 4)
    if doc is not None:
        assert all(line >= 4 for line, _ in doc.marks.values())


@settings(PURE, max_examples=max(20, PURE_EXAMPLES // 20))   # up to 0.1 s each: the refusal walks 20,000 nodes
@given(st.integers(2, 40), st.integers(2, 40))
def test_alias_bombs_are_refused_quickly(levels: int, width: int) -> None:
    text = billion_laughs(levels, width)
    with watchdog(5):
        doc, problems = parse_yaml(text, "x.yaml")
    if width ** (levels - 1) > 20_000:
        assert doc is None and "aliases expand to too many values" in problems[0].message


# ---------------------------------------------------------------- front matter and files

BODIES = st.one_of(st.just(""), TEXT, st.sampled_from(["---", "...", "---\n---", "text\n---\nmore"]))


@PURE
@given(front_matters(), BODIES, st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_parse_essay_never_raises(front: str, body: str, newline: str, bom: bool) -> None:
    text = ("\ufeff" if bom else "") + newline.join(["---", *front.split("\n"), "---", body])
    decoded, problem = decode_source(text.encode("utf-8", "surrogatepass"), ESSAY)
    if decoded is None:
        assert problem is not None and FIX.match(problem.message)
        return
    lines = decoded.count("\n") + 1
    with watchdog(10):
        essay, problems = parse_essay(Source(ESSAY, "essay", decoded), CONFIG)
    note(f"problems: {problems}")
    assert (essay is None) == bool(problems)
    assert_problems(problems, ESSAY, lines)
    if essay is not None:
        assert essay.title and essay.slug
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", essay.slug)
        _assert_xml_safe(essay.title, essay.subtitle or "", essay.summary, *essay.tags, *(a.name for a in essay.authors), essay.image_alt or "")
        for moment in (essay.date, essay.updated, *(r.date for r in essay.revisions)):
            if moment is not None:
                _assert_usable_instant(moment)


@PURE
@given(front_matters("page"), BODIES, st.sampled_from(["page", "home"]))
def test_parse_page_never_raises(front: str, body: str, kind: str) -> None:
    text = "---\n" + front + "\n---\n" + body
    decoded, problem = decode_source(text.encode("utf-8", "surrogatepass"), "content/pages/p.md")
    if decoded is None:
        return
    page, problems = parse_page(Source("content/pages/p.md", kind, decoded))
    assert (page is None) == bool(problems)
    assert_problems(problems, "content/pages/p.md", decoded.count("\n") + 1)


@PURE
@given(st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_any_file_bytes_are_read_or_refused_with_a_position(data: bytes) -> None:
    text, problem = decode_source(data, ESSAY)
    assert (text is None) == (problem is not None)
    if problem is not None:
        assert problem.line >= 1 and problem.col >= 1 and FIX.match(problem.message)
        return
    assert "\r" not in text
    _assert_xml_safe(text)  # decode_source looks for unsafe characters only in files with suspect bytes
    front, body, offset, problems = split_front_matter(text, ESSAY)
    assert_problems(problems, ESSAY, text.count("\n") + 1)


def _assert_xml_safe(*texts: str) -> None:
    """What reaches feeds must be XML 1.0 characters (lxml refuses the rest)."""
    for text in texts:
        assert not UNSAFE_CHARACTER.search(text), repr(text)


def _assert_usable_instant(moment: datetime) -> None:
    assert moment.tzinfo is not None
    moment.astimezone(timezone.utc).isoformat()
    moment.astimezone(load_zone("Pacific/Kiritimati")).isoformat()
    moment.astimezone(load_zone("Etc/GMT+12")).isoformat()


# ---------------------------------------------------------------- the clock

@PURE
@given(st.one_of(DATES, TEXT, st.from_regex(r"\d{1,5}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?\s*(Z|[+-]\d{2}:?\d{2})?)?", fullmatch=True)),
       st.sampled_from(["UTC", "Europe/London", "Pacific/Kiritimati", "Etc/GMT+12", "America/St_Johns"]))
def test_parse_instant_gives_a_usable_instant_or_bad_date(text: str, zone: str) -> None:
    try:
        moment = parse_instant(text, load_zone(zone))
    except BadDate as exc:
        assert FIX.match(str(exc)), exc
        return
    _assert_usable_instant(moment)


@PURE
@given(st.one_of(st.sampled_from(ZONES), TEXT))
@example("__pycache__")  # a folder in tzdata's zoneinfo: once an IsADirectoryError
def test_any_time_zone_name_loads_or_is_bad_date(name: str) -> None:
    try:
        load_zone(name)
    except BadDate as exc:
        assert FIX.match(str(exc))


# ---------------------------------------------------------------- site.yaml

@PURE
@given(site_yaml_texts(("waved",)))
def test_parse_config_never_raises(text: str) -> None:
    with watchdog(10):
        config, problems = parse_config(text, Path("/nonexistent-site"))
    assert (config is None) == bool(problems)
    assert_problems(problems, "site.yaml", text.count("\n") + 1)
    if config is not None:
        for key in config.series:
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key
        assert config.base_url.endswith("/") and config.absolute("x").startswith(("http://", "https://"))
        _assert_xml_safe(config.title, config.description, config.language, *(s.title for s in config.series.values()))
        for series in config.series.values():
            for wave in series.waves:
                _assert_usable_instant(wave.release)


# ---------------------------------------------------------------- Markdown

FILES = frozenset({"content/media/pic.png", "content/essays/other.md", "content/essays/b/cover.png"})


@PURE
@given(markdown_bodies(), st.booleans(), st.sampled_from([None, "content/essays/b"]), st.booleans())
def test_render_body_never_raises(body: str, unsafe: bool, bundle: str | None, notes: bool) -> None:
    decoded, problem = decode_source(body.encode("utf-8", "surrogatepass"), ESSAY)
    if decoded is None:
        return
    path = f"{bundle}/index.md" if bundle else ESSAY
    ctx = RenderContext(path, 4, "essays/b/", bundle, "/nonexistent-site", unsafe, FILES, notes)
    with watchdog(20):
        rendered = render_body(decoded, ctx)
    _assert_citations_placed(rendered.html, rendered.citations, notes)
    assert_problems(rendered.problems, path, decoded.count("\n") + 5)
    if not unsafe:
        assert "<script" not in rendered.html.lower()
        assert not re.search(r"<[a-z]+[^>]*\son[a-z]+=", rendered.html, re.IGNORECASE), rendered.html
    for url in re.findall(r'(?:href|src)="([^"]*)"', rendered.html):
        assert not re.match(r"\s*(javascript|vbscript|data):", url, re.IGNORECASE), url


def _assert_citations_placed(html: str, clusters: tuple[Any, ...], notes: bool) -> None:
    """Each citation's placeholder is in the HTML at most once (one in a footnote never
    referred to, or defined twice, is not shown); with a note style, each that is a note
    of its own is in a note, once."""
    from essaygen.citations.syntax import AUTHOR_IN_TEXT, note_placeholder, placeholder

    for n, cluster in enumerate(clusters):
        assert html.count(placeholder(n)) <= 1, (n, cluster)
        if cluster.in_note and not cluster.note:
            assert placeholder(n) not in html, (n, cluster)
        own_note = notes and not cluster.in_note
        assert html.count(note_placeholder(n)) == (1 if own_note and cluster.items[0].mode == AUTHOR_IN_TEXT else 0)
        if own_note:
            assert html.count(placeholder(n)) == 1, (n, cluster)
            assert cluster.note >= 1 and f'<li id="fn{cluster.note}" class="footnote-item">' in html, (n, cluster)


# Inline text in which one character may be markup, among plain words and the characters
# markdown-it's text rule stops at without any rule of ours taking them ("-", ":", "#").
INLINE_TEXTS = st.lists(
    st.sampled_from(["peer", " ", "support", "-", ":", "#", "+", "=", "%", "$", "{", "}", "é", "'", '"', "(c)", "...",
                     "*", "_", "~", "`", "[", "]", "!", "^", "<", ">", "&", "@", "\\", "\n", "|", "  \n", "[@a]", "[^1]"]),
    max_size=30,
).map("".join)
# Lines that start (after some indentation) with what each block rule looks for, or not.
BLOCK_TEXTS = st.lists(
    st.tuples(st.sampled_from(["", " ", "   ", "    ", "> ", "- ", "1. ", "  - "]),
              st.sampled_from(["text", "# h", "> q", "- i", "* i", "+ i", "2) i", "```", "~~~", "***", "---", "___", "===",
                               "<div>", "<!-- c -->", "[a]: /u", "[^n]: note", "| a | b |", "|---|---|", "", "[@a]", "\t- x"])),
    max_size=12,
).map(lambda lines: "\n".join(indent + text for indent, text in lines))


@PURE
@given(st.one_of(markdown_bodies(), INLINE_TEXTS, BLOCK_TEXTS, INLINE_TEXTS.map(lambda t: f"| a | b |\n|---|---|\n| {t} | x |\n\n# {t}\n")), st.booleans())
def test_markdown_short_cuts_give_what_markdown_it_would(body: str, unsafe: bool) -> None:
    """Our two short cuts of markdown-it's parser give exactly what it gives: inline text
    with no markup character as one text token (mdsource), and block rules tried only on
    lines that start as they need (mdrules.block_starts_plugin)."""
    from types import MethodType

    from markdown_it.parser_block import ParserBlock

    from essaygen import mdsource
    from essaygen.markdown import make_parser

    ctx = RenderContext(ESSAY, 4, "essays/b/", None, "/nonexistent-site", unsafe, FILES)
    short = render_body(body, ctx)
    md = make_parser(unsafe)
    markup, tokenize = mdsource._markup, md.block.tokenize
    mdsource._markup = lambda md: None  # type: ignore[assignment]
    md.block.tokenize = MethodType(ParserBlock.tokenize, md.block)  # type: ignore[method-assign]
    try:
        full = render_body(body, ctx)
    finally:
        mdsource._markup, md.block.tokenize = markup, tokenize  # type: ignore[method-assign]
    assert short == full


# ---------------------------------------------------------------- whole builds, in-process

@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every example: the site, and a sibling that must never change."""
    root = tmp_path_factory.mktemp("world")
    (root / "outside").mkdir()
    (root / "outside" / "secret.txt").write_text("OUTSIDE-SECRET\n")
    return root


CANARY_ESSAY = "---\ntitle: CANARY-TITLE-EMBARGOED\nsummary: CANARY-SUMMARY-EMBARGOED\ndate: 2999-01-01\n---\nCANARY-BODY-EMBARGOED\n"
CANARY_DRAFT = "---\ntitle: Draft\nsummary: CANARY-SUMMARY-DRAFT\ndate: 2001-01-01\ndraft: true\n---\nCANARY-BODY-DRAFT\n"
STALE = "stale-marker.txt"


@st.composite
def sites(draw: st.DrawFn) -> dict[str, Any]:
    """A site whose text is hostile everywhere, and at most one part of it anything at all
    (site.yaml, an essay's front matter or body, a page), so that about half of them build."""
    chaos = draw(st.sampled_from(["none", "none", "site", "front", "body", "page"]))
    names = draw(st.lists(st.from_regex(r"[a-z]{1,6}", fullmatch=True), min_size=1, max_size=3, unique=True))
    essays: dict[str, str] = {}
    for i, name in enumerate(names):
        front = draw(front_matters()) if chaos == "front" and i == 0 else draw(publishable_front_matters())
        body = draw(markdown_bodies()) if chaos == "body" and i == 0 else draw(publishable_bodies())
        essays[f"{name}.md"] = "---\n" + front + "\n---\n" + body
    if draw(st.booleans()):
        essays["waved.md"] = "---\ntitle: Waved\n---\nIn the wave."
        schedule: tuple[str, ...] = ("waved",)
    else:
        schedule = ()
    essays["zz-embargoed.md"] = CANARY_ESSAY
    essays["zz-draft.md"] = CANARY_DRAFT
    config = draw(site_configs(schedule, mutate=chaos == "site"))
    site_yaml = yaml.safe_dump(config, allow_unicode=draw(st.booleans()), sort_keys=False)
    pages = {}
    if chaos == "page":
        pages["about.md"] = "---\n" + draw(front_matters("page")) + "\n---\n" + draw(st.one_of(markdown_bodies(), publishable_bodies()))
    elif draw(st.booleans()):
        pages["about.md"] = "---\ntitle: " + json.dumps(draw(NAMES), ensure_ascii=False) + "\n---\n" + draw(publishable_bodies())
    return {"site_yaml": site_yaml, "essays": essays, "pages": pages}


@BUILDS
@given(sites())
def test_generated_sites_build_or_fail_honestly_atomically_and_contained(world: Path, site: dict[str, Any]) -> None:
    root = write_site(world / "site", site["site_yaml"], site["essays"], site["pages"],
                      files={"content/media/pic.png": b"\x89PNG fake", "content/essays/b/index.md": "---\ntitle: B\ndate: 2019-01-01\n---\nBundle.", "content/essays/b/cover.png": b"png"})
    out = root / "output"
    if out.is_dir():
        (out / STALE).write_text("from an earlier build")
    before = snapshot(world, skip=["site/output", "site/.essaygen-cache"])
    previous = snapshot(out) if out.exists() else None
    code, stdout, stderr = run_main(["build", root, "--as-of", "2024-06-01"])
    note(stderr)
    event(f"exit {code}")
    assert_honest(code, stderr)
    assert diff(before, snapshot(world, skip=["site/output", "site/.essaygen-cache"])) == [], "a build changed files outside output/"
    assert not [p for p in root.iterdir() if p.name.startswith(".essaygen-stage-")]
    if code == 1:
        assert (snapshot(out) if out.exists() else None) == previous, "a failed build changed output/"
        return
    assert not (out / STALE).exists(), "a successful build must replace output/ whole"
    files = check_output_files(out)
    assert "index.html" in files and "feed.xml" in files
    for rel, data in files.items():
        for canary in (b"CANARY-BODY-EMBARGOED", b"CANARY-SUMMARY-EMBARGOED", b"CANARY-BODY-DRAFT", b"CANARY-SUMMARY-DRAFT", b"OUTSIDE-SECRET"):
            assert canary not in data, f"{canary!r} leaked into {rel}"


# ---------------------------------------------------------------- known slowness outside these modules

def test_a_long_line_of_open_brackets_renders_in_linear_time() -> None:
    ctx = RenderContext(ESSAY, 4, "essays/x/", None, "/nonexistent-site", False, frozenset())
    with watchdog(10):
        render_body("[" * 20_000, ctx)


# ---------------------------------------------------------------- regressions: minimal failing examples

def _essay_problems(front: str, body: str = "Text.\n") -> list[Problem]:
    text = "---\n" + front + "\n---\n" + body
    decoded, problem = decode_source(text.encode("utf-8"), ESSAY)
    if problem:
        return [problem]
    essay, problems = parse_essay(Source(ESSAY, "essay", decoded), CONFIG)
    return problems


def _build_site(tmp_path: Path, site_yaml: str, essays: dict[str, str | bytes], files: dict[str, str | bytes] | None = None) -> tuple[int, str]:
    root = write_site(tmp_path / "site", site_yaml, essays, files=files or {})
    code, _, stderr = run_main(["build", root, "--as-of", "2024-06-01"])
    return code, stderr


PLAIN_SITE = "title: T\nbase_url: https://e.example.org/\nsearch: {enabled: false}\n"


@pytest.mark.parametrize("date", ["0001-01-01 00:00 +05:00", "9999-12-31 23:59 -05:00", "0001-01-01", "9999-12-31"])
def test_regression_a_date_at_the_ends_of_the_calendar_is_a_problem_not_an_overflow(tmp_path: Path, date: str) -> None:
    # Was: OverflowError (exit 3) converting the release to UTC or to the site's zone.
    code, stderr = _build_site(tmp_path, PLAIN_SITE, {"a.md": f"---\ntitle: A\ndate: {date}\n---\nx\n"})
    [problem] = assert_honest(code, stderr)
    assert problem.startswith("content/essays/a.md:3:7: ") and "is out of range — write a year from 2 to 9998" in problem


@pytest.mark.parametrize("escape", ["\\x01", "\\e", "\\0", "\\uFFFE", "\\N", "\\x9b"])
def test_regression_an_escaped_control_character_in_front_matter_is_a_problem(tmp_path: Path, escape: str) -> None:
    # Was: lxml's "All strings must be XML compatible" while writing the feeds (exit 3).
    code, stderr = _build_site(tmp_path, PLAIN_SITE, {"a.md": f'---\ntitle: "a{escape}b"\ndate: 2020-01-01\n---\nx\n'})
    [problem] = assert_honest(code, stderr)
    assert problem.startswith("content/essays/a.md:2:8: this text contains the invisible character U+")


@pytest.mark.parametrize("char", ["\x01", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9b", "\ufffe", "\uffff"])
def test_regression_an_invisible_character_in_a_body_is_a_problem(tmp_path: Path, char: str) -> None:
    # Was: exit 3 from the feeds (C0 controls, U+FFFE) or from the chart YAML reader (DEL, C1 controls).
    code, stderr = _build_site(tmp_path, PLAIN_SITE, {"a.md": f"---\ntitle: A\ndate: 2020-01-01\n---\nline one\nx{char}y\n"})
    [problem] = assert_honest(code, stderr)
    assert problem.startswith(f"content/essays/a.md:6:2: the file contains the invisible character U+{ord(char):04X}")


def test_regression_a_raw_control_character_in_site_yaml_is_one_line_at_its_place(tmp_path: Path) -> None:
    # Was: "YAML error: unacceptable character #x0001 ...\n  in "<unicode string>", position 9" over two lines, at 1:1.
    code, stderr = _build_site(tmp_path, PLAIN_SITE + "description: a\x01b\n", {})
    [problem] = assert_honest(code, stderr)
    assert problem.startswith("site.yaml:4:15: the control character U+0001 cannot be in YAML — ")


@pytest.mark.parametrize("key", ["../../outside", "/tmp/x", "a b", "Ünïcode", "a\\nb"])
def test_regression_a_series_name_that_is_not_a_slug_is_a_problem(tmp_path: Path, key: str) -> None:
    # Was: UnsafePath "refusing to write 'series/../../outside/index.html'" (exit 3).
    code, stderr = _build_site(tmp_path, PLAIN_SITE + f'series:\n  "{key}":\n    title: S\n', {"a.md": "---\ntitle: A\ndate: 2020-01-01\n---\nx\n"})
    [problem] = assert_honest(code, stderr)
    assert problem.startswith("site.yaml:5:3: series name ") and "cannot be part of a web address" in problem


@pytest.mark.parametrize("url", ["https://[::1/", "https://example.org:99999/"])
def test_regression_an_unparseable_base_url_is_a_problem(url: str) -> None:
    # Was: ValueError "Invalid IPv6 URL" from urlsplit (exit 3).
    config, problems = parse_config(f"title: T\nbase_url: {url}\n", Path("/nonexistent-site"))
    [problem] = problems
    assert (problem.line, problem.col) == (2, 11) and "is not a valid URL" in problem.message and " — write e.g." in problem.message


@pytest.mark.parametrize("title", ['"  "', '"\\r\\n"', "''"])
def test_regression_a_blank_title_is_missing(title: str) -> None:
    # Was: an essay with an empty title (the '\r\n' title stripped to '').
    [problem] = _essay_problems(f"title: {title}\ndate: 2020-01-01")
    assert problem.message.startswith("missing required key 'title' — ")


def test_regression_yaml_positions_count_only_real_line_breaks() -> None:
    # Was: YAML counts U+2028/U+0085 as line breaks, so problems after one pointed a line too far.
    doc, _ = parse_yaml('title: "a\u2028b"\npart: 2\n', "x.md", line_offset=1)
    assert doc is not None and doc.where(("part",)) == (3, 7)          # libyaml's own count says line 4
    doc, problems = parse_yaml("title: a\u2028b\npart: 2\n", "x.md", line_offset=1)
    [problem] = problems                                               # unquoted, "b" starts a new YAML line
    assert (problem.line, problem.col) == (2, 9) and problem.message.startswith("an invisible line separator (U+2028) splits this line")


@pytest.mark.parametrize("front", ['"a\\nb": 1\ntitle: A', 'title: A\nslug: "a\\nb"', 'title: A\ndate: "2020-01-01\\nx"', 'title: A\nseries: "a\\nb"'])
def test_regression_a_value_with_a_line_break_gives_a_one_line_message(front: str) -> None:
    # Was: the value quoted as is, so the message ran over two lines of the terminal.
    problems = _essay_problems(front)
    assert problems and all("\n" not in p.message and "\\n" in p.message for p in problems), problems


@pytest.mark.parametrize("front, expected", [
    ("title: A\nsummary:", "'summary' must be text, not nothing — write a value after `summary:`, or remove the line"),
    ("title: No", "'title' must be text, not bool False — put the words in quotes"),
    ("title: A\ntags: [a, [b]]", "'1' must be text, not list ['b'] — write text after `1:`"),
])
def test_regression_kind_messages_say_what_to_do(front: str, expected: str) -> None:
    # Was: "'summary' must be text, not nothing" with no fix; `tags: [a, [b]]` accepted and stringified.
    [problem] = _essay_problems(front)
    assert problem.message.startswith(expected), problem


@pytest.mark.parametrize("text, message", [
    ("tags: !!set {a, b}\ntitle: A", "unsupported YAML tag 'tag:yaml.org,2002:set'"),
    ("~: stray\ntitle: A", "a key is empty"),
    ("title: A\ntags:\n\t- a", "a tab character in YAML — indent with spaces"),
])
def test_regression_yaml_that_was_silently_misread_is_a_problem(text: str, message: str) -> None:
    # Was: collection tags and null keys dropped without a word; libyaml's tab message never got the hint.
    [problem] = _essay_problems(text)
    assert problem.message.startswith(message), problem


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x", "example.org/me"])
def test_regression_an_author_url_must_be_a_web_address(url: str) -> None:
    # Was: `<a href="javascript:alert(1)">` on every essay page of the author (found by test_escaping.py).
    config, problems = parse_config(f"title: T\nbase_url: https://e.org/\nauthors:\n  a: {{name: A, url: {json.dumps(url)}}}\n", Path("/x"))
    [problem] = problems
    assert (problem.line, problem.col) == (4, 21) and "is not a web address — write e.g." in problem.message


# ---------------------------------------------------------------- found here, outside the modules these tests fix

BIB_SITE = PLAIN_SITE + "citations:\n  bibliography: content/refs.json\n"
CITES = {"a.md": "---\ntitle: A\ndate: 2020-01-01\n---\nSee [@a].\n"}


def test_regression_a_control_character_in_the_bibliography_is_a_problem(tmp_path: Path) -> None:
    code, stderr = _build_site(tmp_path, BIB_SITE, CITES, {"content/refs.json": json.dumps([{"id": "a", "type": "book", "title": "x\u0001y"}])})
    assert_honest(code, stderr)


def test_regression_a_bibliography_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    code, stderr = _build_site(tmp_path, BIB_SITE, CITES, {"content/refs.json": b'[{"id": "a", "title": "caf\xe9"}]'})
    assert_honest(code, stderr)


def test_regression_a_csl_date_written_as_text_is_a_problem(tmp_path: Path) -> None:
    code, stderr = _build_site(tmp_path, BIB_SITE, CITES, {"content/refs.json": json.dumps([{"id": "a", "type": "book", "issued": "2020"}])})
    assert_honest(code, stderr)


def test_regression_a_chart_with_a_del_character_is_a_problem() -> None:
    ctx = RenderContext(ESSAY, 4, "essays/x/", None, "/nonexistent-site", False, frozenset())
    rendered = render_body("```chart\ntype: bar\ntitle: a\x7fb\n```\n", ctx)
    assert rendered.problems
