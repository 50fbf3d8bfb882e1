"""Safe by default (DESIGN.md §4 invariant 6, GitHub issue 8).

Every front matter value, site.yaml value and bibliography field reaches HTML, XML and
JSON escaped: each output file is parsed (html.parser, ElementTree, json) and no
element, attribute or script from the content may appear in it. Markdown links to
javascript:, vbscript: and data: URLs are neutralised however they are spelled; raw
HTML stays text unless site.yaml says `markdown: {unsafe_html: true}`.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, note, settings

from essaygen.markdown import RenderContext, render_body
from robustness.harness import assert_honest, check_output_files, parse_html, run_main, write_site
from robustness.profiles import BUILD_EXAMPLES, BUILDS
from robustness.strategies import NAMES

AS_OF = "2024-06-01"


def payload(where: str) -> str:
    """Text that breaks out of HTML text, attributes, <script>, CDATA and JSON if not escaped."""
    return f"""{where} <x-evil-{where}>&amp; "q" 'a' </script><script>alert("{where}")</script> ]]> <!-- \\u003c {{{{ x }}}}"""


FIELDS = ["site-title", "site-description", "series-title", "series-description", "announce", "author-name", "essay-title",
          "subtitle", "summary", "tag", "plain-author", "revision-note", "page-title", "page-summary", "teased-title", "image-alt"]
P = {name: payload(name) for name in FIELDS}
J = {name: json.dumps(value, ensure_ascii=False) for name, value in P.items()}   # a JSON string is a YAML scalar

SITE = f"""\
title: {J['site-title']}
description: {J['site-description']}
base_url: https://essays.example.org/essays/
timezone: UTC
search: {{enabled: false}}
authors:
  lab: {{name: {J['author-name']}, url: "https://example.org/lab?a=1&b=<2>"}}
series:
  s:
    title: {J['series-title']}
    description: {J['series-description']}
    tease: titles
    schedule:
      - release: 2020-01-01
        essays: [released]
      - release: 2999-01-01
        announce: {J['announce']}
        essays: [teased]
"""
ESSAY = f"""\
---
title: {J['essay-title']}
subtitle: {J['subtitle']}
summary: {J['summary']}
tags: [{J['tag']}]
authors: [lab, {J['plain-author']}]
image: cover.png
image_alt: {J['image-alt']}
revisions:
  - {{date: 2021-01-01, note: {J['revision-note']}}}
---
Body text with a [link](https://example.org/?q=<x>&r="y") and `<code>`.
"""
TEASED = f"---\ntitle: {J['teased-title']}\n---\nNot yet.\n"
PAGE = f"---\ntitle: {J['page-title']}\nsummary: {J['page-summary']}\n---\nAbout.\n"


@pytest.fixture(scope="module")
def hostile_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    site = write_site(tmp_path_factory.mktemp("escaping") / "site", SITE, {"released/index.md": ESSAY, "teased.md": TEASED}, {"about.md": PAGE},
                      files={"content/essays/released/cover.png": b"\x89PNG"})
    code, _, stderr = run_main(["build", site, "--as-of", AS_OF])
    assert code == 0, stderr
    return check_output_files(site / "output")


def _html_files(files: dict[str, bytes]) -> dict[str, str]:
    return {rel: data.decode() for rel, data in files.items() if rel.endswith(".html")}


def assert_no_injection(rel: str, text: str) -> None:
    """No element, attribute or script of the content's making in one HTML page."""
    page = parse_html(text)
    for tag, attrs in page.tags:
        assert not tag.startswith("x-evil"), f"{rel}: an <{tag}> element from the content"
        for name, value in attrs:
            assert not name.startswith("on"), f"{rel}: <{tag} {name}=...> from the content"
            if name in ("href", "src", "action", "formaction") and value:
                assert not _dangerous_url(value), f"{rel}: <{tag} {name}={value!r}>"
    for attrs, body in page.scripts:
        assert "alert(" not in body or attrs.get("type") == "application/ld+json", f"{rel}: a script from the content: {body[:200]}"
        if attrs.get("type") == "application/ld+json":
            assert "</" not in body and "<!--" not in body and "<x-evil" not in body, f"{rel}: JSON-LD that can close its <script>"
            json.loads(body)


def _dangerous_url(value: str) -> bool:
    """As a browser reads it: entities decoded, control characters and spaces dropped."""
    flat = re.sub(r"[\x00-\x20]", "", value).lower()   # html.parser has decoded the entities once, as a browser does
    return flat.startswith(("javascript:", "vbscript:", "data:"))


def test_every_html_page_escapes_every_value(hostile_output: dict[str, bytes]) -> None:
    pages = _html_files(hostile_output)
    assert "essays/released/index.html" in pages and "series/s/index.html" in pages and "about/index.html" in pages
    for rel, text in pages.items():
        assert_no_injection(rel, text)


def test_each_value_reaches_the_pages_as_text(hostile_output: dict[str, bytes]) -> None:
    """Escaped, not dropped: the reader sees exactly what the editor wrote."""
    pages = {rel: "\n".join(parse_html(text).texts) for rel, text in _html_files(hostile_output).items()}
    essay = pages["essays/released/index.html"]
    for field in ("essay-title", "subtitle", "summary", "tag", "plain-author", "author-name", "revision-note", "series-title", "site-title", "image-alt"):
        assert P[field] in essay, field
    for field in ("teased-title", "announce", "series-description"):
        assert P[field] in pages["series/s/index.html"], field
    assert P["page-title"] in pages["about/index.html"] and P["page-summary"] in pages["about/index.html"]
    assert P["site-description"] in pages["index.html"]


def test_json_ld_carries_the_values_intact(hostile_output: dict[str, bytes]) -> None:
    page = parse_html(hostile_output["essays/released/index.html"].decode())
    [data] = [json.loads(body) for attrs, body in page.scripts if attrs.get("type") == "application/ld+json"]
    assert data["headline"] == P["essay-title"] and data["description"] == P["summary"]
    assert data["isPartOf"]["name"] == P["series-title"]


def test_feeds_parse_and_carry_the_values_intact(hostile_output: dict[str, bytes]) -> None:
    atom = ElementTree.fromstring(hostile_output["feed.xml"])
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert atom.findtext("a:title", namespaces=ns) == P["site-title"]
    [entry] = atom.findall("a:entry", ns)
    assert entry.findtext("a:title", namespaces=ns) == P["essay-title"]
    assert not any(el.tag.split("}")[-1].startswith("x-evil") for el in atom.iter())
    rss = ElementTree.fromstring(hostile_output["rss.xml"])
    assert rss.findtext("channel/item/title") == P["essay-title"]
    assert not any(el.tag.startswith("x-evil") for el in rss.iter())
    series = ElementTree.fromstring(hostile_output["series/s/feed.xml"])
    assert series.findtext("a:title", namespaces=ns) == P["series-title"]
    feed = json.loads(hostile_output["feed.json"])
    assert feed["title"] == P["site-title"]
    [item] = feed["items"]
    assert item["title"] == P["essay-title"] and item["summary"] == P["summary"]
    for xml_name in ("feed.xml", "rss.xml", "series/s/feed.xml"):
        for fragment in feed_html(hostile_output[xml_name]):
            assert_no_injection(xml_name, fragment)
    assert_no_injection("feed.json", item["content_html"])


def feed_html(data: bytes) -> list[str]:
    """The HTML a feed reader renders: Atom <content type="html">, RSS <content:encoded>."""
    tree = ElementTree.fromstring(data)
    found = [el.text or "" for el in tree.iter("{http://www.w3.org/2005/Atom}content")]
    found += [el.text or "" for el in tree.iterfind("channel/item/{http://purl.org/rss/1.0/modules/content/}encoded")]
    assert found, "no entry content in the feed"
    return found


def test_rss_item_descriptions_are_html_escaped(hostile_output: dict[str, bytes]) -> None:
    rss = ElementTree.fromstring(hostile_output["rss.xml"])
    for description in rss.iterfind("channel/item/description"):
        assert_no_injection("rss.xml", description.text or "")


def test_the_sitemap_parses(hostile_output: dict[str, bytes]) -> None:
    ElementTree.fromstring(hostile_output["sitemap.xml"])


def test_an_embargoed_title_is_teased_escaped_and_nothing_else_of_it_leaks(hostile_output: dict[str, bytes]) -> None:
    for rel, data in hostile_output.items():
        assert b"Not yet." not in data, rel
        assert b"essays/teased" not in data, rel


# ---------------------------------------------------------------- author URLs and other links from site.yaml

@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x"])
def test_an_author_url_that_runs_script_is_refused(tmp_path: Path, url: str) -> None:
    site_yaml = SITE.replace('url: "https://example.org/lab?a=1&b=<2>"', f"url: {json.dumps(url)}")
    site = write_site(tmp_path / "site", site_yaml, {"released.md": "---\ntitle: R\nauthors: [lab]\n---\nText.\n", "teased.md": TEASED})
    code, _, stderr = run_main(["build", site, "--as-of", AS_OF])
    [problem] = assert_honest(code, stderr)
    assert problem.startswith("site.yaml:7:") and "url" in problem, stderr


# ---------------------------------------------------------------- bibliography fields

REFS = [
    {"id": "evil2020", "type": "article-journal", "title": payload("ref-title"), "author": [{"family": payload("ref-family"), "given": "<b>G</b>"}],
     "container-title": payload("ref-container"), "issued": {"date-parts": [[2020]]}, "URL": "javascript:alert('ref-url')", "DOI": "10.1/\"><script>alert(1)</script>"},
    {"id": "plain2019", "type": "book", "title": "A plain book", "publisher": "<i>Pub</i> & Co", "issued": {"date-parts": [[2019]]}, "URL": "https://example.org/?a=1&b=2"},
]


@pytest.fixture(scope="module")
def cited_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    site_yaml = SITE.replace("search: {enabled: false}\n", "search: {enabled: false}\ncitations:\n  bibliography: content/refs.json\n  style: vancouver\n")
    body = ESSAY.replace("Body text", "As shown [@evil2020, p. 3] and [@plain2019]. Body text")
    site = write_site(tmp_path_factory.mktemp("cited") / "site", site_yaml, {"released/index.md": body, "teased.md": TEASED},
                      files={"content/essays/released/cover.png": b"\x89PNG", "content/refs.json": json.dumps(REFS)})
    code, _, stderr = run_main(["build", site, "--as-of", AS_OF], timeout=300)
    assert code == 0, stderr
    return check_output_files(site / "output")


def test_bibliography_fields_reach_every_page_escaped(cited_output: dict[str, bytes]) -> None:
    pages = _html_files(cited_output)
    assert "ref-title" in pages["essays/released/index.html"] and "ref-title" in pages["references/index.html"]
    for rel, text in pages.items():
        assert_no_injection(rel, text)


def test_bibliography_fields_reach_the_feeds_escaped(cited_output: dict[str, bytes]) -> None:
    for xml_name in ("feed.xml", "rss.xml", "series/s/feed.xml"):
        tree = ElementTree.fromstring(cited_output[xml_name])
        assert not any(el.tag.split("}")[-1].startswith("x-evil") for el in tree.iter())
        fragments = feed_html(cited_output[xml_name])
        assert any("ref-title" in f for f in fragments), xml_name
        for fragment in fragments:
            assert_no_injection(xml_name, fragment)
    item = json.loads(cited_output["feed.json"])["items"][0]
    assert_no_injection("feed.json", item["content_html"])


# ---------------------------------------------------------------- links in Markdown

DANGEROUS_LINKS = [
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](  javascript:alert(1))", "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))", "[x](&#x6A;avascript:alert(1))", "[x](&#106&#97&#118&#97script:alert(1))", "[x](java&#x09;script:alert(1))",
    "[x](%6Aavascript:alert(1))", "[x](javascript%3Aalert(1))", "[x](<java\tscript:alert(1)>)", "[x](\\javascript:alert(1))",
    "[x](vbscript:msgbox(1))", "[x](VBScript:msgbox(1))", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)", "![x](data:image/svg+xml,<svg/onload=alert(1)>)", "![x](javascript:alert(1))",
    "<javascript:alert(1)>", "<JAVASCRIPT:alert(1)>", "<data:text/html,x>", "[x][r]\n\n[r]: javascript:alert(1)", "[x][r]\n\n[r]: <data:text/html,x>",
    "[x](javascript:alert(1) \"title\")", "[x](\u200bjavascript:alert(1))", "[x](&Tab;javascript:alert(1))", "[x](&NewLine;javascript:alert(1))",
]
CTX = RenderContext("content/essays/x.md", 4, "essays/x/", None, "/nonexistent-site", False, frozenset())


@pytest.mark.parametrize("markdown", DANGEROUS_LINKS)
def test_dangerous_link_targets_are_neutralised(markdown: str) -> None:
    rendered = render_body(markdown + "\n", CTX)
    for tag, attrs in parse_html(rendered.html).tags:
        for name, value in attrs:
            if name in ("href", "src") and value:
                assert not _dangerous_url(value), f"{markdown!r} -> {rendered.html!r}"


@pytest.mark.parametrize("markdown", ["[x](https://example.org/)", "[x](mailto:a@example.org)", "[x](?q=1)", "<https://example.org/a>"])
def test_safe_link_targets_stay_links(markdown: str) -> None:
    assert "<a href=" in render_body(markdown + "\n", CTX).html


# ---------------------------------------------------------------- raw HTML

RAW_HTML = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<iframe src=https://evil.example></iframe>", '<a href="javascript:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>", "<b onclick=alert(1)>bold</b>", "<style>body{display:none}</style>", "<x-evil-raw>",
    "text <span onmouseover=alert(1)>inline</span> text", "<!-- <script>alert(1)</script> -->", "<details open ontoggle=alert(1)>",
]


@pytest.mark.parametrize("raw", RAW_HTML)
def test_raw_html_is_text_by_default(raw: str) -> None:
    rendered = render_body(f"Before.\n\n{raw}\n\nAfter {raw} inline.\n", CTX)
    page = parse_html(rendered.html)
    assert [tag for tag, _ in page.tags if tag not in ("p",)] == [], rendered.html


def test_raw_html_passes_when_the_site_turns_it_on(tmp_path: Path) -> None:
    site_yaml = "title: T\nbase_url: https://e.example.org/\nsearch: {enabled: false}\nmarkdown: {unsafe_html: true}\n"
    site = write_site(tmp_path / "site", site_yaml, {"a.md": "---\ntitle: A\ndate: 2020-01-01\n---\n<div class=\"raw-div\">raw</div>\n\n<x-custom>inline</x-custom>\n"})
    code, _, stderr = run_main(["build", site, "--as-of", AS_OF])
    assert code == 0, stderr
    page = (site / "output/essays/a/index.html").read_text()
    assert '<div class="raw-div">raw</div>' in page and "<x-custom>" in page


def test_raw_html_in_a_whole_build_stays_off_by_default(tmp_path: Path) -> None:
    site_yaml = "title: T\nbase_url: https://e.example.org/\nsearch: {enabled: false}\n"
    # Links that read as local files are errors in a build ("does not exist"): keep the others.
    links = [link for link in DANGEROUS_LINKS if not render_body(link + "\n", CTX).problems]
    body = "\n\n".join(RAW_HTML) + "\n\n" + "\n\n".join(links) + "\n"
    site = write_site(tmp_path / "site", site_yaml, {"a.md": f"---\ntitle: A\ndate: 2020-01-01\n---\n{body}"})
    code, _, stderr = run_main(["build", site, "--as-of", AS_OF])
    assert code == 0, stderr
    files = check_output_files(site / "output")
    for rel, text in _html_files(files).items():
        assert_no_injection(rel, text)
    content = json.loads(files["feed.json"])["items"][0]["content_html"]
    assert_no_injection("feed.json", content)


# ---------------------------------------------------------------- generated text everywhere

@settings(BUILDS, max_examples=max(10, BUILD_EXAMPLES // 5))
@given(title=NAMES, summary=NAMES, tag=NAMES, author=NAMES, site_title=NAMES, series_title=NAMES)
def test_generated_text_in_every_field_is_escaped_everywhere(tmp_path_factory: pytest.TempPathFactory, **values: str) -> None:
    q: dict[str, Any] = {k: json.dumps(v, ensure_ascii=False) for k, v in values.items()}
    site_yaml = (f"title: {q['site_title']}\nbase_url: https://e.example.org/\nsearch: {{enabled: false}}\n"
                 f"series:\n  s:\n    title: {q['series_title']}\n")
    essay = f"---\ntitle: {q['title']}\nsummary: {q['summary']}\ntags: [{q['tag']}]\nauthors: [{q['author']}]\nseries: s\ndate: 2020-01-01\n---\nText.\n"
    site = write_site(_world(tmp_path_factory) / "site", site_yaml, {"a.md": essay})
    code, _, stderr = run_main(["build", site, "--as-of", AS_OF])
    note(stderr)
    assert_honest(code, stderr)
    if code:
        return
    files = check_output_files(site / "output")
    for rel, text in _html_files(files).items():
        assert_no_injection(rel, text)
    atom = ElementTree.fromstring(files["feed.xml"])
    [entry] = atom.findall("{http://www.w3.org/2005/Atom}entry")
    assert entry.findtext("{http://www.w3.org/2005/Atom}title") == values["title"].strip()
    assert json.loads(files["feed.json"])["items"][0]["title"] == values["title"].strip()


_WORLD: list[Path] = []


def _world(factory: pytest.TempPathFactory) -> Path:
    if not _WORLD:
        _WORLD.append(factory.mktemp("escaping-generated"))
    return _WORLD[0]
