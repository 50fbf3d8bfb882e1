"""essaygen.search: the index the build writes for the theme's search page (no browser needed)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from browser.sitekit import LAUNCH, TODAY, build_sample, copy_sample
from essaygen import search
from essaygen.build import BuildOptions, build
from essaygen.markdown import RenderContext, render_body

NOW = datetime(2026, 11, 22, tzinfo=timezone.utc)


def index_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "search").rglob("*.json"))}


def postings(out: Path, term: str) -> list[int]:
    shard = out / "search" / "terms" / f"{term[:2].encode().hex()}.json"
    return json.loads(shard.read_text()).get(term, []) if shard.is_file() else []


# ---------------------------------------------------------------- words

@pytest.mark.parametrize(("text", "terms"), [
    ("Peer support, peer-led.", ["peer", "support", "peer", "led"]),
    ("The Lab’s “naïve” approach — 2,666 people", ["the", "lab", "naive", "approach", "666", "people"]),
    ("Élan CAFÉ ﬁne", ["elan", "cafe", "fine"]),
    ("a I x", []),                                   # one-letter words are not indexed
    ("snake_case", ["snake", "case"]),
    ("Ωmega жук 東京", ["ωmega", "жук", "東京"]),
    ("cafe\u0301s", ["cafes"]),                       # a combining accent joins its word, as in search.js
])
def test_words_are_folded_like_the_browser_folds_a_query(text: str, terms: list[str]) -> None:
    assert search.terms_of(text) == terms


def test_sections_follow_headings_and_leave_out_what_is_not_prose() -> None:
    body = (
        "<p>Intro &amp; more.<sup class=\"footnote-ref\"><a href=\"#fn1\" id=\"fnref1\">[1]</a></sup></p>\n"
        "<h2 id=\"first-part\">First <em>part</em></h2>\n<p>Body \x00C0\x00 text.</p>\n"
        "<figure><svg class=\"chart-svg\"><title>Chart title okapi</title></svg><figcaption>Caption</figcaption></figure>\n"
        "<h3 id=\"deeper\">Deeper</h3><p>Last.<a href=\"#fnref1\" class=\"footnote-backref\">↩︎</a></p>"
    )
    assert search.body_sections(body) == [
        ("", "", "Intro & more."),
        ("first-part", "First part", "Body text. Caption"),
        ("deeper", "Deeper", "Last."),
    ]


def test_a_body_weighs_headings_above_running_text() -> None:
    ctx = RenderContext("content/essays/x.md", 0, "essays/x/", None, ".", False, frozenset())
    body = render_body("Giraffes are tall.\n\n## Okapi\n\nThe okapi is a giraffid.\n", ctx).search
    weights = dict(zip(body.terms.split()[::2], map(int, body.terms.split()[1::2])))
    assert weights["giraffes"] == 1 and weights["okapi"] == 1 + search.HEADING_WEIGHT
    assert "a" not in weights
    assert json.loads(body.text) == {"sections": [["", "", "Giraffes are tall."], ["okapi", "Okapi", "The okapi is a giraffid."]]}


# ---------------------------------------------------------------- the index of a build

def test_the_index_holds_released_essays_only(tmp_path: Path) -> None:
    out = build_sample(tmp_path / "launch", LAUNCH)
    index = json.loads((out / "search" / "index.json").read_text())
    assert index["version"] == search.FORMAT_VERSION
    assert sorted(d["url"] for d in index["docs"]) == ["essays/decision-making/", "essays/learning-and-insights/", "essays/what-is-the-q-lab/"]
    first = next(d for d in index["docs"] if d["url"] == "essays/what-is-the-q-lab/")
    assert (first["title"], first["kicker"], first["date"]) == ("What is the Q Improvement Lab?", "Part 1 of 6", "30 May 2018")
    for doc in index["docs"]:
        assert (out / "search" / doc["text"]).is_file()
    assert index["shards"] == sorted(p.stem for p in (out / "search" / "terms").iterdir())
    everything = b"".join(index_files(out).values())
    for embargoed in (b"tolerating", b"achieving-impact", b"ways-of-working", b"essays/evaluation/", b"How the Lab aims"):
        assert embargoed not in everything, embargoed
    assert postings(out, "tolerating") == []
    found = postings(out, "laboratory")
    assert [index["docs"][n]["url"] for n in found[::2]] == ["essays/what-is-the-q-lab/"]


def test_the_index_is_deterministic_and_grows_with_the_releases(tmp_path: Path) -> None:
    first = index_files(build_sample(tmp_path / "a", TODAY))
    second = index_files(build_sample(tmp_path / "b", TODAY))
    assert first == second, "the same sources give the same search index"
    docs = json.loads(first["search/index.json"])["docs"]
    assert len(docs) == 6
    assert b"tolerating" in b"".join(first.values()), "released in August, so searchable today"


def test_titles_count_more_than_bodies(tmp_path: Path) -> None:
    out = build_sample(tmp_path / "today", TODAY)
    docs = json.loads((out / "search" / "index.json").read_text())["docs"]
    pairs = postings(out, "evaluation")
    weights = {docs[n]["url"]: w for n, w in zip(pairs[::2], pairs[1::2])}
    assert max(weights, key=weights.__getitem__) == "essays/evaluation/"


def test_search_off_writes_no_index_and_no_search_page(tmp_path: Path) -> None:
    site = copy_sample(tmp_path / "site")
    yaml = site / "site.yaml"
    yaml.write_text(yaml.read_text() + "\nsearch:\n  enabled: false\n")
    out = tmp_path / "out"
    build(BuildOptions(site, out=out, as_of=TODAY, use_cache=False, jobs=1), NOW)
    assert not (out / "search").exists()
    assert 'href="search/"' not in (out / "index.html").read_text()


def test_the_build_renders_the_search_page(tmp_path: Path) -> None:
    out = build_sample(tmp_path / "today", TODAY)
    html = (out / "search" / "index.html").read_text()
    assert 'id="search-form"' in html and "assets/search.js" in html
    assert '<meta name="robots" content="noindex">' in html, "the search page itself is not for search engines"


def test_a_warm_build_gives_the_same_index(tmp_path: Path) -> None:
    site = copy_sample(tmp_path / "site")
    out = tmp_path / "out"
    build(BuildOptions(site, out=out, as_of=TODAY, jobs=1), NOW)
    cold = index_files(out)
    essay = site / "content" / "essays" / "evaluation.md"
    essay.write_text(essay.read_text() + "\nA zebra crossing.\n")
    build(BuildOptions(site, out=out, as_of=TODAY, jobs=1), NOW)
    warm = index_files(out)
    assert postings(out, "zebra"), "the edit is searchable after the next build"
    assert warm != cold
