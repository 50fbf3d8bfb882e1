"""Hypothesis strategies for what an editor can write: YAML, front matter, Markdown, site.yaml.

Values are deliberately of every kind (wrong types, huge, unicode, YAML keywords), and
raw YAML lines bring what a dict cannot: anchors, aliases, merge keys, tags, several
documents, tabs, directives and broken syntax.
"""

from __future__ import annotations

import string
from typing import Any

import yaml
from hypothesis import strategies as st

from essaygen.content import ESSAY_SCHEMA, PAGE_SCHEMA

# ---------------------------------------------------------------- text

# Characters that matter to YAML, Markdown, HTML, XML, JSON, URLs and paths.
PUNCT = "[](){}<>*_`~!@#$%^&|\\/:;\"'=+-.,?\t "
SPICE = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\u202e", "\u200b", "é", "ß", "中", "🙂", "\U0010fffd"]
TEXT = st.text(st.sampled_from(list(string.ascii_letters + string.digits + PUNCT) + SPICE) | st.characters(codec="utf-8"), max_size=60)
WORDS = st.text(st.sampled_from(list(string.ascii_letters + " -éü")), min_size=1, max_size=30).filter(lambda s: s.strip())
HOSTILE = st.sampled_from([
    "<script>alert(1)</script>", "</script><script>alert(2)</script>", '"><img src=x onerror=alert(3)>', "]]>", "<![CDATA[x]]>",
    "&amp;", "&", "&#0;", "&#x0;", "{{ site }}", "{% raw %}", "${x}", "\\u003c", "'", '"', "<!--", "-->", "javascript:alert(1)",
    "../../../../etc/passwd", "..", ".", "/", "\\..\\..\\", "%2e%2e%2f", "con", "NUL", "a\nb", "\r\n", " ", "",
])
DATES = st.sampled_from([
    "2018-05-30", "2018-05-30 09:00", "2018-05-30T09:00:00Z", "2018-05-30T09:00:00+01:00", "2018-5-3", "2018-02-30", "2018-13-01",
    "0001-01-01", "0001-01-01 00:00 +05:00", "9999-12-31", "9999-12-31 23:59 -05:00", "2018-05-30 25:00", "2018-05-30 09:60",
    "2018-05-30T09:00:00+24:00", "2018-05-30T09:00:00.1234567", "2030-01-01", "yesterday", "", "2018-05-30 09:00 +0530",
    "20180530", "2018-05-30 09:00:00.000001Z", "1970-01-01", "2038-01-19T03:14:08Z",
])
NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 2**31, 2**63, 10**100]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT, HOSTILE, DATES, st.text(max_size=1000))


# Any YAML value: scalars, lists and mappings (with non-text keys too).
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.one_of(TEXT, st.integers(), st.booleans()), inner, max_size=4),
    max_leaves=8,
)


# ---------------------------------------------------------------- YAML

RAW_YAML_LINES = [
    "base: &a {title: Anchored, slug: anchored}", "<<: *a", "<<: [*a, *a]", "<<: 5", "<<: *nothing", "x: &b [1, 2]", "y: *b",
    "tags: &t [a, b]", "more: *t", "z: &c\n  - *c", "&d q: *d",
    "title: !!python/object/apply:os.system [echo pwned]", "title: !!python/name:os.system", "title: !!binary aGVsbG8=",
    "date: !!timestamp 2001-12-14", "tags: !!set {a, b}", "authors: !custom {name: x}", "title: !<tag:yaml.org,2002:str> tagged",
    "title: !!str 5", "part: !!int '7'", "part: !!float '1e309'", "title: !!omap [{a: 1}]",
    "? [complex, key]\n: value", "? |\n  block key\n: value", "[1, 2]: x", "{a: 1}: y", "~: stray", "null: x", "true: x", "1.5: x",
    "---", "...", "--- !!map", "%YAML 1.1", "%TAG ! tag:example.com,2000:", "--- |\n  literal document",
    "\ttitle: tabbed", "title:\tvalue", "tags:\n\t- a", "  title: indented", "title: 'unterminated", 'title: "unterminated',
    'title: "\\x01\\x1b\\u0000"', 'title: "\\ud800"', "title: \"\\U0001F600\"", "title: [a, b", "title: {a: 1",
    "title: a: b", "title: |\n  block\n  text", "title: >-\n  folded\n  text", "title: |0\n  bad", "key: @at", "key: `tick",
    "key: %percent", "key: *", "key: &", "title: 0o17", "part: 0x1F", "part: 1_000", "part: .nan", "part: -.inf", "part: 1e400",
    "title: ~", "title: ''", "title:", "draft: yes", "draft: on", "draft: 'false'", "summary: =", "title: <<",
    "title: " + "x" * 600, "tags: [" + ", ".join(["t"] * 300) + "]", "title: \ufeffbom", "title: \u2028sep", "- just a list item",
    "title: a\n title: b", "title: A\ntitle: B", "authors:\n  - name: Jane\n    url: x",
]


def billion_laughs(levels: int, width: int) -> str:
    lines = ["a0: &a0 [lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"title: *a{levels - 1}")
    return "\n".join(lines)


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(data: Any, flow: bool | None, unicode: bool) -> str:
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=flow, allow_unicode=unicode, sort_keys=False, width=80)


def draw_dump(draw: st.DrawFn, data: Any) -> str:
    return _dump(data, draw(st.sampled_from([None, False, True])), draw(st.booleans()))


def dumped(data: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    return st.builds(_dump, data, st.sampled_from([None, False, True]), st.booleans())


_DOCUMENTS = st.dictionaries(TEXT, VALUES, max_size=5)


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    """YAML text: dumped data, raw edge-case lines, alias bombs, or any mixture."""
    kind = draw(st.sampled_from(["dumped", "raw", "mixed", "bomb", "noise"]))
    if kind == "bomb":
        return billion_laughs(draw(st.integers(2, 12)), draw(st.integers(2, 12)))
    if kind == "noise":
        return draw(st.text(st.sampled_from(list(":-?&*!|>'\"#%@`[]{},\n\t ") + ["a", "é", "\x00"]), max_size=200))
    parts = []
    if kind in ("dumped", "mixed"):
        parts.append(draw_dump(draw, draw(_DOCUMENTS)))
    if kind in ("raw", "mixed"):
        parts += draw(st.lists(st.sampled_from(RAW_YAML_LINES), min_size=1, max_size=6))
    draw(st.randoms()).shuffle(parts)
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return newline.join(parts)


# ---------------------------------------------------------------- front matter

KEY_TYPOS = ["titel", "seires", "Title", "tag", "author", "date ", "image-alt", "Slug", "summary\t", ""]


def _value_strategy(name: str) -> st.SearchStrategy[Any]:
    good: dict[str, st.SearchStrategy[Any]] = {
        "title": WORDS, "subtitle": WORDS, "summary": WORDS, "slug": st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True),
        "authors": st.lists(WORDS, max_size=3), "series": st.just("s"), "part": st.integers(1, 4), "date": DATES,
        "updated": DATES, "revisions": st.lists(st.fixed_dictionaries({"date": DATES, "note": WORDS}), max_size=2),
        "tags": st.lists(WORDS, max_size=3), "draft": st.booleans(), "image": st.just("cover.png"), "image_alt": WORDS,
        "feed_id": WORDS, "bibliography": st.just("refs.json"), "nav": st.booleans(), "order": st.integers(-5, 5),
    }
    return st.one_of(good.get(name, WORDS), good.get(name, WORDS), VALUES, HOSTILE)


_VALUE_FOR = {name: _value_strategy(name) for name in {*ESSAY_SCHEMA, *PAGE_SCHEMA, *KEY_TYPOS}}


@st.composite
def front_matters(draw: st.DrawFn, schema: str = "essay") -> str:
    """The YAML between the `---` lines: mostly the schema's keys, with any values."""
    keys = list(ESSAY_SCHEMA if schema == "essay" else PAGE_SCHEMA)
    chosen = draw(st.lists(st.sampled_from(keys + KEY_TYPOS), max_size=8, unique=True))
    if draw(st.integers(0, 4)) and "title" not in chosen:
        chosen.insert(0, "title")
    data = {name: draw(_VALUE_FOR[name]) for name in chosen}
    text = draw_dump(draw, data)
    if draw(st.integers(0, 3)) == 0:
        lines = text.splitlines()
        for raw in draw(st.lists(st.sampled_from(RAW_YAML_LINES), min_size=1, max_size=3)):
            lines.insert(draw(st.integers(0, len(lines))), raw)
        text = "\n".join(lines)
    return text


# ---------------------------------------------------------------- Markdown

MARKDOWN_FRAGMENTS = [
    "- a\n  - b\n    - c\n      1. d\n         > e", "1. one\n2) two\n\n* star\n+ plus", "[unclosed link", "[a](", "[a](b",
    "![img](", "]]][[[", "[@smith2019]", "[see @a, p. 3; -@b]", "@narrative says", "[-@a]", "write to me@example.org",
    "\\@escaped", "[@unclosed", "@{braced key}", "[@a]{.x}", "<div>raw <b>html</b></div>", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "<!-- comment", "<?php echo 1; ?>", "<![CDATA[x]]>", "</p></div></body>",
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x]( javascript:alert(1))", "[x](&#106;avascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)", "![x](data:image/svg+xml,<svg onload=alert(1)>)", "<javascript:alert(1)>",
    "[x][ref]\n\n[ref]: vbscript:msgbox", "[x](other.md)", "[x](other.md#there)", "[x](#top)", "[x](../../../../etc/passwd)",
    "![x](../media/pic.png)", "![x](../../../outside.png)", "[x](%2e%2e/%2e%2e/x.md)", "[x](<a b.md>)", "[x](/abs/path)",
    "# Heading\n## main\n### references\n## fn1", "Setext\n===", "text[^1]\n\n[^1]: a note", "[^missing]", "[^1]: orphan note",
    "text[^c]\n\n[^c]: [@a] opens, @b [p. 3] says, then [see @a; @b].", "a^[inline [@a] note] b", "^[[@a]]", "@a.[^c] [@b]!",
    "[^c]: > quoted [@a]\n    - listed @b", "**[@a]**, *@b*; [@a]\n[@b]",
    "| a | b |\n|---|---|\n| 1 | 2 |", "| unbalanced |\n|---|---|---|", "```\nunclosed fence", "```python\ncode\n```",
    "```chart\ntype: bar\n```", "```chart\n: : :\n```", "```chart\ntype: bar\nx: a\ny: b\nrows: [{a: x, b: 1}]\n```",
    "    indented code", "> quote\n>\n> — Someone", "> > > nested", "***", "~~strike~~", "**bold *nested _deep_***",
    "`code with [@key]`", "``` `` ```", "\\", "&copy; &#xFFFE; &#0; &#x110000;", "\x00", "\x01\x02\x1f", "\x0b\x0c", "\u2028",
    "\ufeff", "\r\n", "\r", "line  \nbreak", "\\\nbackslash break",
]


@st.composite
def markdown_bodies(draw: st.DrawFn, max_line: int = 1500) -> str:
    """A Markdown body: fragments, free text and long lines, with any line endings.

    Lines stay under `max_line` characters: a longer line of brackets meets a known
    quadratic slowdown in the citation syntax, tested on its own (test_properties.py).
    """
    blocks = draw(st.lists(
        st.one_of(
            st.sampled_from(MARKDOWN_FRAGMENTS),
            TEXT,
            st.text(st.sampled_from(list("[]()@-;*_`<>!#\\ \n") + ["a", "k", "é"]), max_size=80),
            st.builds(lambda c, n: c * n, st.sampled_from(["word ", "[", "@a ", "*", "<", "\\", "x" * 20]), st.integers(1, 60)),
        ),
        max_size=10,
    ))
    if draw(st.integers(0, 9)) == 0:
        blocks.append("long " * draw(st.integers(50, max_line // 5)))
    separator = draw(st.sampled_from(["\n\n", "\n", " "]))
    body = separator.join(blocks)
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    return body.replace("\n", newline)


# ---------------------------------------------------------------- site.yaml

BASE_URLS = [
    "https://essays.example.org/", "https://example.org/writing", "http://localhost:8000/", "https://[::1]/", "https://[::1/",
    "https://example.org:99999/", "https://user:pw@example.org/", "HTTPS://EXAMPLE.ORG/", "https://example.org/a b/",
    "https://example.org/?q=1", "https://example.org/#x", "ftp://example.org/", "//example.org/", "example.org", "/essays/",
    "https://example.org/../../", "https://exa<mple>.org/", "https://example.org/\"'", "javascript:alert(1)//", "",
]
ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Etc/GMT+12", "Europe/Londn",
         "../../etc/passwd", "/etc/localtime", "", "UTC\x00", "localtime", "Factory", "EST5EDT", " UTC "]
PATHISH = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
    st.lists(st.sampled_from(list("./\\%~ -_aZ0é:") + ["..", "../", "\x00"]), min_size=1, max_size=8).map("".join),
    HOSTILE,
)


@st.composite
def site_configs(draw: st.DrawFn, essays: tuple[str, ...] = (), mutate: bool = True) -> dict[str, Any]:
    """site.yaml as data: valid, with one series scheduling `essays`, then maybe mutated."""
    series_key = draw(PATHISH) if mutate and draw(st.integers(0, 5)) == 0 else "s"
    data: dict[str, Any] = {
        "title": draw(WORDS),
        "base_url": draw(st.sampled_from(BASE_URLS)) if mutate and draw(st.integers(0, 4)) == 0 else "https://essays.example.org/",
        "timezone": draw(st.sampled_from(ZONES)) if mutate and draw(st.integers(0, 4)) == 0 else "UTC",
        "search": {"enabled": False},
        "series": {series_key: {"title": draw(WORDS), "tease": draw(st.sampled_from(["titles", "count", "none"])),
                                "schedule": [{"release": "2020-01-01", "essays": list(essays)}] if essays else []}},
    }
    if not mutate:
        return data
    for key in draw(st.lists(st.sampled_from(list(_SITE_VALUES)), max_size=3, unique=True)):
        data[key] = draw(_SITE_VALUES[key])
    return data


def _site_value(key: str) -> st.SearchStrategy[Any]:
    special: dict[str, st.SearchStrategy[Any]] = {
        "authors": st.dictionaries(PATHISH, st.one_of(st.fixed_dictionaries({"name": st.one_of(WORDS, HOSTILE)}), VALUES), max_size=3),
        "series": st.dictionaries(PATHISH, st.fixed_dictionaries({"title": st.one_of(WORDS, VALUES)}, optional={
            "tease": st.one_of(st.sampled_from(["titles", "count", "none", "all"]), VALUES),
            "schedule": st.lists(st.fixed_dictionaries({"release": st.one_of(DATES, VALUES), "essays": st.one_of(st.lists(PATHISH, max_size=3), VALUES)},
                                                        optional={"announce": st.one_of(WORDS, HOSTILE, VALUES)}), max_size=3)}), max_size=2),
        "feed": st.fixed_dictionaries({}, optional={"entries": NUMBERS, "id_authority": st.one_of(WORDS, HOSTILE, VALUES)}),
        "markdown": st.fixed_dictionaries({}, optional={"unsafe_html": st.one_of(st.booleans(), VALUES)}),
        "citations": st.fixed_dictionaries({}, optional={"bibliography": st.one_of(PATHISH, VALUES), "style": st.one_of(st.sampled_from(["vancouver", "harvard", "apa", "nope"]), PATHISH)}),
    }
    return special.get(key, st.one_of(WORDS, HOSTILE, VALUES))


_SITE_VALUES = {key: _site_value(key) for key in ["title", "description", "base_url", "language", "timezone", "theme", "authors",
                                                  "series", "citations", "feed", "markdown", "tilte", "unknown"]}


def site_yaml_texts(essays: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    return st.one_of(
        dumped(site_configs(essays)),
        st.builds(lambda text, raw: text + "\n" + "\n".join(raw), dumped(site_configs(essays)), st.lists(st.sampled_from(RAW_YAML_LINES), max_size=3)),
    )


# ---------------------------------------------------------------- what builds (with hostile text)

_UNPUBLISHABLE = ("[@", "@narrative", "@{", "-@", ".md", "../", "[^", "chart", "\x00", "\x01", "\x0b", "\x1f")
PUBLISHABLE_FRAGMENTS = [f for f in MARKDOWN_FRAGMENTS if not any(bad in f for bad in _UNPUBLISHABLE)]
SAFE_TEXT = st.text(st.sampled_from(list(string.ascii_letters + string.digits + PUNCT.replace("@", "")) + ["é", "ß", "中", "🙂", "\u202e", "\u200b", "\u2028", "\ufeff"]), max_size=60)
NAMES = st.one_of(HOSTILE, SAFE_TEXT).map(str.strip).filter(lambda s: s and s not in ("'", '"'))


@st.composite
def publishable_bodies(draw: st.DrawFn) -> str:
    """Markdown that should build: no citations or local links, but every hostile fragment."""
    blocks = draw(st.lists(st.one_of(st.sampled_from(PUBLISHABLE_FRAGMENTS), SAFE_TEXT, NAMES), max_size=8))
    return draw(st.sampled_from(["\n\n", "\n"])).join(blocks).replace("\n", draw(st.sampled_from(["\n", "\r\n"])))


@st.composite
def publishable_front_matters(draw: st.DrawFn) -> str:
    """Front matter that should parse, with hostile text in every free-text field (JSON strings are YAML)."""
    import json

    fields = {
        "title": draw(NAMES), "summary": draw(NAMES), "subtitle": draw(NAMES),
        "tags": draw(st.lists(NAMES, max_size=3)), "authors": draw(st.lists(NAMES, max_size=2)),
        "date": f"2019-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 28)):02d}",
    }
    chosen = ["title", "date"] + draw(st.lists(st.sampled_from(["summary", "subtitle", "tags", "authors"]), unique=True))
    return "\n".join(f"{key}: {json.dumps(fields[key], ensure_ascii=False)}" for key in chosen)
