"""content: front matter splitting, slugs, and parse_essay (pure: no files)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from datetime import datetime, timezone
from pathlib import Path

import pytest

from essaygen.config import parse_config
from essaygen.content import Source, decode_source, is_safe_slug, parse_essay, parse_page, slugify, split_front_matter

CONFIG_TEXT = """title: The Lab Essays
base_url: https://essays.example.org/
timezone: Europe/London
authors:
  lab-team: {name: The Q Lab team, url: https://example.org/lab}
series:
  lab-essays:
    title: The Lab Essays
"""
CONFIG, _problems = parse_config(CONFIG_TEXT, Path("/nonexistent-site"))
assert CONFIG is not None, _problems


def essay(text: str, path: str = "content/essays/peer-support.md", bundle: str | None = None):
    return parse_essay(Source(path, "essay", text, bundle), CONFIG)


def good(text: str, **kw):
    found, problems = essay(text, **kw)
    assert problems == [], problems
    assert found is not None
    return found


def bad(text: str, **kw):
    found, problems = essay(text, **kw)
    assert found is None
    assert problems
    for problem in problems:
        assert problem.path == kw.get("path", "content/essays/peer-support.md")
        assert " — " in problem.message, problem.message
    return sorted((p.line, p.col, p.message) for p in problems)


# ---------------------------------------------------------------- split_front_matter

def test_split_gives_front_body_and_lines_before_the_body() -> None:
    front, body, offset, problems = split_front_matter("---\ntitle: A\ndate: 2018-01-01\n---\nFirst line\n", "p.md")
    assert (front, body, offset, problems) == ("title: A\ndate: 2018-01-01", "First line\n", 4, [])


def test_split_accepts_yaml_end_marker_and_trailing_spaces() -> None:
    front, body, offset, _ = split_front_matter("---  \ntitle: A\n...\nBody", "p.md")
    assert (front, body, offset) == ("title: A", "Body", 3)


def test_split_empty_front_matter() -> None:
    front, body, offset, problems = split_front_matter("---\n---\nBody", "p.md")
    assert (front, body, offset, problems) == ("", "Body", 2, [])


@pytest.mark.parametrize("text, start", [
    ("", "the file is empty"),
    ("  \n\n", "the file is empty"),
    ("title: A\n", "no front matter"),
    ("\n---\ntitle: A\n---\n", "no front matter"),
    ("---\ntitle: A\n\nBody\n", "the front matter opened here is never closed"),
])
def test_split_problems_are_at_the_top_of_the_file(text: str, start: str) -> None:
    front, _, _, problems = split_front_matter(text, "p.md")
    assert front is None
    [problem] = problems
    assert (problem.path, problem.line, problem.col) == ("p.md", 1, 1)
    assert problem.message.startswith(start) and "`---`" in problem.message


def test_body_problems_count_lines_of_the_file() -> None:
    found = good("---\ntitle: A\ndate: 2018-01-01\n---\n\nBody\n")
    assert found.line_offset == 4
    assert found.body.split("\n")[1] == "Body"   # file line 6 = body line 2 = offset + 2


# ---------------------------------------------------------------- decode_source

def test_decode_strips_bom_and_normalises_newlines() -> None:
    text, problem = decode_source(b"\xef\xbb\xbf---\r\ntitle: A\r---\n", "p.md")
    assert (text, problem) == ("---\ntitle: A\n---\n", None)


def test_decode_points_at_the_first_bad_byte() -> None:
    text, problem = decode_source("---\ntitle: A\n---\nLe caf\xe9 et le th\xe9\n".encode("latin-1"), "p.md")
    assert text is None and problem is not None
    assert (problem.line, problem.col) == (4, 7)
    assert "not UTF-8" in problem.message and "save it as UTF-8" in problem.message


# ---------------------------------------------------------------- slugs

@pytest.mark.parametrize("text, slug", [
    ("Ways of Working", "ways-of-working"),
    ("Café au lait", "cafe-au-lait"),
    ("Über uns", "uber-uns"),
    ("  --A--B--  ", "a-b"),
    ("A_b", "a-b"),
    ("a/b/../c", "a-b-c"),
    ("What is the Q Lab?", "what-is-the-q-lab"),
    ("2,666 respondents", "2-666-respondents"),
    ("日本語", ""),
    ("..", ""),
])
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize("slug, safe", [
    ("a", True), ("decision-making", True), ("2018", True), ("a" * 120, True),
    ("", False), ("a" * 121, False), ("A", False), ("a--b", False), ("-a", False), ("a-", False),
    ("a_b", False), ("a b", False), ("../x", False), ("a/b", False), (".", False), ("é", False),
])
def test_is_safe_slug(slug: str, safe: bool) -> None:
    assert is_safe_slug(slug) is safe


def test_slugify_output_is_always_safe_or_empty() -> None:
    for text in ("Ways of Working", "  x  ", "日本 x", "---", "A" * 300):
        slug = slugify(text)
        assert slug == "" or is_safe_slug(slug) or len(slug) > 120


# ---------------------------------------------------------------- parse_essay: the happy path

def test_parse_essay_reads_every_field() -> None:
    found = good(
        "---\ntitle: '  Decision making  '\nsubtitle: Survey\nsummary: Short.\nauthors: [lab-team, Jane Doe]\n"
        "series: lab-essays\npart: 2\ndate: 2018-05-30\ntags: [survey, survey, ' x ', '']\ndraft: true\n"
        "image: cover.jpg\nimage_alt: A workshop\n---\nBody\n"
    )
    assert found.slug == "peer-support"
    assert found.title == "Decision making"
    assert (found.subtitle, found.summary, found.series, found.part, found.draft) == ("Survey", "Short.", "lab-essays", 2, True)
    assert [a.name for a in found.authors] == ["The Q Lab team", "Jane Doe"]
    assert found.authors[0].url == "https://example.org/lab"
    assert found.authors[1].key == "jane-doe"
    assert found.tags == ("survey", "x")
    assert found.date == datetime(2018, 5, 29, 23, 0, tzinfo=timezone.utc)
    assert (found.image, found.image_alt) == ("cover.jpg", "A workshop")
    assert found.line_offset == 13 and found.body == "Body\n"


def test_single_author_and_tag_may_be_text() -> None:
    found = good("---\ntitle: A\nauthors: lab-team\ntags: survey\ndate: 2018-01-01\n---\n")
    assert [a.key for a in found.authors] == ["lab-team"] and found.tags == ("survey",)


def test_slug_comes_from_the_bundle_folder() -> None:
    found = good("---\ntitle: A\ndate: 2018-01-01\n---\n", path="content/essays/decision-making/index.md", bundle="content/essays/decision-making")
    assert found.slug == "decision-making" and found.bundle == "content/essays/decision-making"


def test_slug_comes_from_a_file_name_with_spaces_and_capitals() -> None:
    assert good("---\ntitle: A\ndate: 2018-01-01\n---\n", path="content/essays/Ways of Working.md").slug == "ways-of-working"


def test_explicit_slug_wins() -> None:
    assert good("---\ntitle: A\nslug: my-essay\ndate: 2018-01-01\n---\n").slug == "my-essay"


def test_latest_revision_sets_updated() -> None:
    found = good("---\ntitle: A\ndate: 2018-01-01\nupdated: 2018-02-15\nrevisions:\n"
                 "  - {date: 2018-03-01, note: second}\n  - {date: 2018-02-01, note: first}\n---\n")
    assert [r.note for r in found.revisions] == ["first", "second"]
    assert found.updated == datetime(2018, 3, 1, tzinfo=timezone.utc)


def test_a_later_updated_than_every_revision_is_kept() -> None:
    found = good("---\ntitle: A\ndate: 2018-01-01\nupdated: 2018-04-01\nrevisions:\n  - {date: 2018-02-01, note: x}\n---\n")
    assert found.updated.astimezone(ZoneInfo("Europe/London")).date().isoformat() == "2018-04-01"


def test_no_date_is_not_a_parse_problem() -> None:
    """A series wave may give the release; the schedule decides whether one is missing."""
    assert good("---\ntitle: A\n---\n").date is None


# ---------------------------------------------------------------- parse_essay: problems

def test_missing_title() -> None:
    assert bad("---\ndate: 2018-01-01\n---\n") == [(2, 1, "missing required key 'title' — add `title: Understanding decision making`")]


def test_unknown_key_with_hint() -> None:
    assert bad("---\ntitle: A\nseires: lab-essays\n---\n") == [(3, 1, "unknown key 'seires' — did you mean 'series'?")]


def test_impossible_date_is_at_the_value() -> None:
    [(line, col, message)] = bad("---\ntitle: A\ndate: 2020-13-45\n---\n")
    assert (line, col) == (3, 7) and message.startswith("'2020-13-45' is not a real date")


def test_impossible_updated_and_revision_dates() -> None:
    problems = bad("---\ntitle: A\ndate: 2018-01-01\nupdated: 2018-02-30\nrevisions:\n  - {date: 2018-13-01, note: x}\n---\n")
    assert [(line, col) for line, col, _ in problems] == [(4, 10), (6, 12)]


@pytest.mark.parametrize("slug, suggestion", [("../../x", "x"), ("Third Essay!", "third-essay"), ("日本", "my-essay"), ("a/b", "a-b")])
def test_unsafe_slug_suggests_a_safe_one(slug: str, suggestion: str) -> None:
    [(line, col, message)] = bad(f"---\ntitle: A\nslug: '{slug}'\ndate: 2018-01-01\n---\n")
    assert (line, col) == (3, 7)
    assert message == f"slug '{slug}' is not safe — use lowercase letters, digits and hyphens, e.g. `slug: {suggestion}`"


def test_file_name_without_letters_needs_a_slug() -> None:
    [(line, col, message)] = bad("---\ntitle: A\ndate: 2018-01-01\n---\n", path="content/essays/日本.md")
    assert (line, col) == (1, 1)
    assert "cannot make a URL slug from the file name '日本'" in message and "`slug: some-words`" in message


def test_image_needs_alt() -> None:
    [(line, col, message)] = bad("---\ntitle: A\ndate: 2018-01-01\nimage: cover.jpg\n---\n")
    assert (line, col) == (4, 8) and message.startswith("'image' needs 'image_alt'")


def test_unknown_series_with_hint() -> None:
    [(line, col, message)] = bad("---\ntitle: A\nseries: lab-essay\ndate: 2018-01-01\n---\n")
    assert (line, col) == (3, 9)
    assert message == "unknown series 'lab-essay' — did you mean 'lab-essays'? (series are declared in site.yaml)"


def test_unknown_series_far_from_all_names_the_known_series() -> None:
    [(_, _, message)] = bad("---\ntitle: A\nseries: nope\ndate: 2018-01-01\n---\n")
    assert "known keys" not in message and "lab-essays" in message


@pytest.mark.parametrize("part", [0, -1])
def test_part_must_be_positive(part: int) -> None:
    [(line, col, message)] = bad(f"---\ntitle: A\nseries: lab-essays\npart: {part}\n---\n")
    assert (line, col) == (4, 7) and message.startswith("'part' must be 1 or more")


def test_front_matter_must_be_a_mapping() -> None:
    assert bad("---\n- title: A\n---\n") == [(2, 1, "front matter must be `key: value` lines — start with `title: ...`")]


def test_scalar_front_matter_is_not_a_mapping() -> None:
    assert bad("---\nJust a title\n---\n")[0][:2] == (2, 1)


def test_yaml_errors_are_at_file_lines() -> None:
    [(line, col, _)] = bad("---\ntitle: A\ndate: 2018-01-01\ntags: [a, b\n---\n")
    assert line >= 4


def test_every_problem_of_one_file_is_reported() -> None:
    problems = bad("---\nseires: x\ndate: 2018-02-30\nslug: A B\nimage: c.jpg\npart: 0\n---\n")
    messages = " | ".join(m for _, _, m in problems)
    for expected in ("unknown key 'seires'", "missing required key 'title'", "'2018-02-30' is not a real date",
                     "slug 'A B' is not safe", "'image' needs 'image_alt'", "'part' must be 1 or more"):
        assert expected in messages
    assert len(problems) == 6


# ---------------------------------------------------------------- pages

def test_page_slug_must_not_be_reserved() -> None:
    page, problems = parse_page(Source("content/pages/essays.md", "page", "---\ntitle: Essays\n---\n"))
    assert page is None
    [problem] = problems
    assert "the page slug 'essays' is used by the site itself" in problem.message and "`slug: about-essays`" in problem.message


def test_home_page_has_the_empty_slug() -> None:
    page, problems = parse_page(Source("content/index.md", "home", "---\ntitle: Home\n---\nWelcome"))
    assert problems == [] and page is not None and page.slug == "" and page.kind == "home"


def test_page_rejects_essay_keys() -> None:
    _, problems = parse_page(Source("content/pages/about.md", "page", "---\ntitle: About\ndate: 2018-01-01\n---\n"))
    [problem] = problems
    assert (problem.line, problem.col) == (3, 1) and problem.message.startswith("unknown key 'date'")
