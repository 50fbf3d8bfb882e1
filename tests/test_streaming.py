"""A build that streams: bodies stay in the cache until their pages are made, parsed
sources and the search postings are kept between builds, and the output replaced by
a build becomes the next one's staging folder. Each must give exactly what a build
from nothing gives."""

from __future__ import annotations

import json
import random
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import tree_bytes
from essaygen import postings
from essaygen.build import BuildOptions, build
from essaygen.cache import CACHE_DIR
from essaygen.content import body_digest, read_body
from essaygen.memo import Memo
from essaygen.output import safe_relative
from essaygen.pickles import KeptByState
from essaygen.problems import SiteError
from essaygen.site import BodyGone, StoredBody

AS_OF = "2026-11-22"
NOW = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
ESSAY = "content/essays/ways-of-working.md"


def build_into(site: Path, out: Path, **options: object) -> object:
    return build(BuildOptions(site, out=out, as_of=AS_OF, **options), NOW)  # type: ignore[arg-type]


def clean(site: Path, tmp_path: Path, name: str = "clean") -> dict[str, bytes]:
    out = tmp_path / name
    shutil.rmtree(out, ignore_errors=True)
    build_into(site, out, use_cache=False)
    return tree_bytes(out)


def test_published_essays_keep_their_bodies_in_the_cache_not_in_memory(sample_site: Path, tmp_path: Path) -> None:
    result = build_into(sample_site, tmp_path / "out")
    essays = result.site.essays  # type: ignore[attr-defined]
    assert essays and all(e.stored is not None and e.held_html == "" for e in essays)
    assert all(Path(e.stored.file).is_file() for e in essays)
    page = (tmp_path / "out" / essays[0].path / "index.html").read_text()
    assert essays[0].body_html in page
    # --no-cache keeps no cache, yet streams too: through a scratch folder of its own,
    # gone once the build is done.
    streamed = build_into(sample_site, tmp_path / "streamed", use_cache=False).site.essays  # type: ignore[attr-defined]
    assert all(e.stored is not None and e.held_html == "" for e in streamed)
    assert not any(Path(e.stored.file).exists() or str(sample_site) in e.stored.file for e in streamed)
    assert tree_bytes(tmp_path / "streamed") == tree_bytes(tmp_path / "out")


def test_check_streams_through_a_scratch_folder_and_never_writes_the_cache(sample_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from essaygen.build import check_site
    from essaygen.citations.engine import Formatter

    build_into(sample_site, tmp_path / "out")
    cache = sample_site / ".essaygen-cache"
    before = tree_bytes(cache)
    essay = sample_site / ESSAY
    essay.write_text(essay.read_text() + "\nA closing line, added since the build.\n")

    def no_pandoc(self: Formatter, requests: list[object]) -> list[object]:
        raise AssertionError(f"check formatted {len(requests)} request(s) the cache holds")

    monkeypatch.setattr(Formatter, "_ask", no_pandoc)
    result = check_site(sample_site, AS_OF, NOW)
    assert result.rendered == 1, "the other bodies are read from the site's cache"
    assert tree_bytes(cache) == before, "check writes nothing, not even to the cache"
    files = {e.source: e.stored.file for e in result.site.essays if e.stored is not None}
    assert len(files) == len(result.site.essays)
    outside = [source for source, file in files.items() if not file.startswith(str(cache))]
    assert outside == [ESSAY] and not Path(files[ESSAY]).exists(), "the edited essay went to check's scratch folder, now gone"


def test_what_another_essaygen_stored_is_not_used(sample_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cache key holds essaygen's code fingerprint: after an upgrade (or an edit of
    essaygen itself) no body, page or formatted citation made by the old code is taken."""
    from essaygen import markdown, pagecache, references

    first = build_into(sample_site, tmp_path / "out")
    again = build_into(sample_site, tmp_path / "out")
    assert first.rendered > 0 and again.rendered == 0  # type: ignore[attr-defined]
    chrome = pagecache.chrome_digest(again.site, "theme")  # type: ignore[attr-defined]
    for module in (markdown, pagecache, references):
        monkeypatch.setattr(module, "package_fingerprint", lambda: "another essaygen")
    upgraded = build_into(sample_site, tmp_path / "out")
    assert upgraded.rendered == first.rendered  # type: ignore[attr-defined]
    assert pagecache.chrome_digest(upgraded.site, "theme") != chrome  # type: ignore[attr-defined]


def test_a_stored_body_that_disappears_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BodyGone, match=r"the cache file .*gone\.body disappeared or was damaged during the build — build again"):
        StoredBody(str(tmp_path / "gone.body"), ()).html()


def test_a_streaming_build_leaves_finished_citations_in_their_cache_entries(sample_site: Path, tmp_path: Path) -> None:
    # An essay's parsed and formatted citations, reference list, Scholar tags and
    # JSON-LD texts are read from its `cited` entry when its page is made (at 5,000
    # essays, ~150 MB not held). The pages are the same as a build from nothing.
    expected = clean(sample_site, tmp_path)
    for run in ("cold", "warm, one essay changed"):
        if run != "cold":
            essay = sample_site / ESSAY
            essay.write_text(essay.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
            expected = clean(sample_site, tmp_path)
        result = build_into(sample_site, tmp_path / "out")
        cited = [e for e in result.site.essays if e.stored is not None and e.stored.cited]  # type: ignore[attr-defined]
        assert cited, "the sample site's essays cite works"
        assert all(not e.stored.clusters and e.stored.formatted is None and Path(e.stored.cited).is_file() for e in cited), run
        assert all(not e.held_references and "doc-bibliography" in e.references_html for e in cited), run
        assert tree_bytes(tmp_path / "out") == expected, run
    # --no-cache (and check) leave them in their scratch folder, gone once the build is
    # done; the pages are the same.
    lean = build_into(sample_site, tmp_path / "lean", use_cache=False).site.essays  # type: ignore[attr-defined]
    cited = [e for e in lean if e.stored is not None and e.stored.cited]
    assert cited and not any(e.held_references or Path(e.stored.cited).exists() for e in cited)
    assert not any(str(sample_site) in e.stored.cited for e in cited)
    assert tree_bytes(tmp_path / "lean") == expected


def test_citations_formatted_a_round_at_a_time_are_the_same(sample_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pandoc's results are let go a round of essays at a time (memory at 5,000 essays):
    # one essay a round gives what one round of every essay gives, cold and warm.
    from essaygen import references

    expected = clean(sample_site, tmp_path)
    monkeypatch.setattr(references, "ESSAYS_PER_ROUND", 1)
    for run in ("cold", "warm"):
        build_into(sample_site, tmp_path / "out")
        assert tree_bytes(tmp_path / "out") == expected, run


def test_pandoc_failures_in_every_round_are_reported_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from essaygen import references

    monkeypatch.setattr(references, "ESSAYS_PER_ROUND", 1)
    site = tmp_path / "site"
    (site / "content" / "essays").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://t.example.org/\ntimezone: UTC\ncitations:\n  bibliography: content/refs.json\n")
    bad = [{"id": key, "type": "book", "title": key, "author": [{"family": "Smith", "comma-suffix": [1]}], "issued": {"date-parts": [[2020]]}} for key in ("a", "b")]
    (site / "content" / "refs.json").write_text(json.dumps(bad, indent=1))
    for key in ("a", "b"):
        (site / "content" / "essays" / f"{key}.md").write_text(f"---\ntitle: {key}\ndate: 2020-01-01\n---\nSee [@{key}].\n")
    with pytest.raises(SiteError) as raised:
        build_into(site, tmp_path / "out")
    found = {(p.path, p.message.split(":")[0]) for p in raised.value.problems}
    assert found == {("content/refs.json", "pandoc could not format this entry")}, found
    lines = (site / "content" / "refs.json").read_text().splitlines()
    assert sorted(p.line for p in raised.value.problems) == [n for n, line in enumerate(lines, 1) if '"id": ' in line], "each entry at its id"
    assert not (tmp_path / "out").exists()


def test_a_stored_body_keeps_its_citations_and_headings_in_its_cache_file(sample_site: Path, tmp_path: Path) -> None:
    # A streaming build's bodies come back from the workers without them (~35 MB at
    # 5,000 essays); they are read from the body's file, and the same as parsed.
    from essaygen.cache import stored_citations, stored_headings
    from essaygen.markdown import RenderContext, render_body
    from essaygen.references import Clusters

    result = build_into(sample_site, tmp_path / "out")
    essay = next(e for e in result.site.essays if e.slug == "ways-of-working")  # type: ignore[attr-defined]
    text = (sample_site / ESSAY).read_text(encoding="utf-8").split("---\n", 2)[2]
    source = (sample_site / ESSAY).read_text(encoding="utf-8")
    offset = source[: len(source) - len(text)].count("\n")
    body = render_body(text, RenderContext(ESSAY, offset, essay.path, None, str(sample_site), False, frozenset()))
    assert body.citations and body.headings
    assert stored_citations(essay.stored.file) == body.citations
    assert stored_headings(essay.stored.file) == body.headings == essay.headings
    slim = body.slimmed(stored=True)
    assert (slim.citations, slim.headings, slim.cites, slim.html) == ((), (), len(body.citations), "")
    clusters = Clusters({"x": slim}, {"x": essay.stored.file})
    assert clusters["x"] == body.citations and clusters.has_any("x")
    with pytest.raises(BodyGone):
        Clusters({"x": slim}, {"x": str(tmp_path / "gone.body")})["x"]


def test_a_cache_entry_that_disappears_is_a_clear_error(tmp_path: Path) -> None:
    from essaygen.pages import EssayExtras
    from essaygen.references import stored_formatted, stored_references

    gone = str(tmp_path / "gone.json")
    for read in (lambda: stored_formatted(gone), lambda: stored_references(gone), lambda: EssayExtras(cited=gone).loaded()):
        with pytest.raises(BodyGone, match=r"the cache file .*gone\.json disappeared or was damaged during the build — build again"):
            read()
    (tmp_path / "gone.json").write_text("not a checksum\n{}")
    with pytest.raises(BodyGone):
        stored_formatted(gone)


def test_a_body_read_again_must_be_the_one_parsed(sample_site: Path) -> None:
    text = (sample_site / ESSAY).read_text()
    body = text.split("---\n", 2)[2]
    assert read_body(sample_site, ESSAY, body_digest(body)) == (body, None)
    found, problem = read_body(sample_site, ESSAY, body_digest(body + "edited"))
    assert found is None and problem is not None
    assert str(problem) == f"{ESSAY}:1:1: the file changed while the site was being built — build again"


def test_edits_between_streaming_builds_give_what_a_cold_build_gives(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_into(sample_site, out)
    essay = sample_site / ESSAY
    edits = [
        lambda t: t + "\nA sentence about peer support and mutual aid.\n",
        lambda t: t.replace("title:", "title: Retitled,", 1),
        lambda t: t.replace("Lab", "Laboratory"),
    ]
    for edit in edits:
        essay.write_text(edit(essay.read_text()))
        build_into(sample_site, out)
        assert tree_bytes(out) == clean(sample_site, tmp_path)


def test_the_body_index_is_trusted_only_while_a_body_file_is_untouched(sample_site: Path, tmp_path: Path) -> None:
    build_into(sample_site, tmp_path / "out")
    assert (sample_site / CACHE_DIR / "bodies.pickle").is_file()
    assert build_into(sample_site, tmp_path / "out").rendered == 0  # type: ignore[attr-defined]
    damaged = sorted((sample_site / CACHE_DIR / "bodies").rglob("*.body"))[0]
    damaged.write_text(damaged.read_text().replace("<p>", "<p>tampered ", 1))
    again = build_into(sample_site, tmp_path / "out")
    assert again.rendered == 1  # type: ignore[attr-defined]
    assert tree_bytes(tmp_path / "out") == clean(sample_site, tmp_path)


@pytest.mark.parametrize("damage", ["cut short", "one byte flipped", "older format", "extra bytes"])
def test_a_damaged_body_file_is_never_trusted(sample_site: Path, tmp_path: Path, damage: str) -> None:
    """Each part of a body file is checked by its length and crc32: a file cut short,
    changed in place (same length), written by an older version, or grown, is a miss."""
    from essaygen.cache import BodyCache, FileDigests, stored_html, stored_search

    build_into(sample_site, tmp_path / "out", use_cache=True)
    file = sorted((sample_site / CACHE_DIR / "bodies").rglob("*.body"))[0]
    cache = BodyCache(sample_site / CACHE_DIR, FileDigests(sample_site))
    whole = cache.get(file.stem)
    assert whole is not None and whole.html and stored_html(str(file)) == whole.html
    assert stored_search(str(file)) == whole.search
    data = file.read_bytes()
    head, _, rest = data.partition(b"\n")
    middle = len(head) + 1 + len(rest) // 2
    file.write_bytes({
        "cut short": data[:-1],
        "one byte flipped": data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :],
        "older format": b" ".join([b"0" * 64] * 4) + b"\n" + rest,
        "extra bytes": data + b"\n",
    }[damage])
    assert cache.get(file.stem) is None and cache.get_meta(file.stem) is None
    assert damage == "one byte flipped" or stored_html(str(file)) is None
    # The build renders it again, and gives what a build from nothing gives.
    assert build_into(sample_site, tmp_path / "out").rendered == 1  # type: ignore[attr-defined]
    assert tree_bytes(tmp_path / "out") == clean(sample_site, tmp_path)


def test_a_serve_session_leaves_the_body_index_to_builds(sample_site: Path, tmp_path: Path) -> None:
    build_into(sample_site, tmp_path / "out")
    index = sample_site / CACHE_DIR / "bodies.pickle"
    before = index.read_bytes()
    essay = sample_site / ESSAY
    essay.write_text(essay.read_text() + "\nEdited while serving.\n")
    build(BuildOptions(sample_site, as_of=AS_OF, write=False, collect=True, memo=Memo()), NOW)
    assert index.read_bytes() == before


def test_kept_values_are_trusted_only_for_their_file_state_and_when_valid(tmp_path: Path) -> None:
    store = tmp_path / "kept.pickle"
    kept = KeptByState(store)
    kept.put("a", (1, 2, 3, 4), "A")
    kept.put("b", (5, 6, 7, 8), "B")
    kept.save()
    again = KeptByState(store)
    assert again.get("a", (1, 2, 3, 9)) is None  # the file changed
    assert again.get("b", (5, 6, 7, 8), valid=lambda value: value != "B") is None
    assert again.get("a", (1, 2, 3, 4)) == "A"
    again.save()  # only what this build used is kept: not "b", refused above
    assert KeptByState(store).known == {"a": ((1, 2, 3, 4), "A")}
    # Values are objects of essaygen's classes: another version's are not read (an old
    # pickle of a class that changed its layout would load as nonsense, silently).
    stamped = KeptByState(tmp_path / "stamped.pickle", "code 1")
    stamped.put("a", (1, 2, 3, 4), "A")
    stamped.save()
    assert KeptByState(tmp_path / "stamped.pickle", "code 2").known == {}
    assert KeptByState(tmp_path / "stamped.pickle", "code 1").get("a", (1, 2, 3, 4)) == "A"


# ---------------------------------------------------------------- parsed sources

def test_parsed_sources_are_kept_and_an_edit_is_seen(sample_site: Path, tmp_path: Path) -> None:
    build_into(sample_site, tmp_path / "out")
    assert list((sample_site / CACHE_DIR / "parsed").glob("*.pickle"))
    essay = sample_site / ESSAY
    essay.write_text(essay.read_text().replace("title:", "title: Freshly named,", 1))
    result = build_into(sample_site, tmp_path / "out")
    titles = [e.title for e in result.site.essays]  # type: ignore[attr-defined]
    assert any(t.startswith("Freshly named,") for t in titles)


def test_a_damaged_parse_cache_is_ignored(sample_site: Path, tmp_path: Path) -> None:
    build_into(sample_site, tmp_path / "out")
    for file in (sample_site / CACHE_DIR / "parsed").glob("*.pickle"):
        file.write_bytes(file.read_bytes()[:-10] + b"0123456789")
    build_into(sample_site, tmp_path / "out")
    assert tree_bytes(tmp_path / "out") == clean(sample_site, tmp_path)


def test_a_new_site_configuration_parses_again(sample_site: Path, tmp_path: Path) -> None:
    build_into(sample_site, tmp_path / "out")
    config = sample_site / "site.yaml"
    config.write_text(config.read_text().replace("timezone: Europe/London", "timezone: America/New_York"))
    assert "America/New_York" in config.read_text()
    build_into(sample_site, tmp_path / "out")
    assert tree_bytes(tmp_path / "out") == clean(sample_site, tmp_path)


# ---------------------------------------------------------------- the spare output

def test_the_replaced_output_is_updated_in_place_into_the_next(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_into(sample_site, out)
    build_into(sample_site, out)  # the first output is now the spare
    spares = [p for p in (sample_site / CACHE_DIR / "spare").iterdir() if p.is_dir()]
    assert len(spares) == 1
    (out / "left-by-hand.html").write_text("stale")
    outside = tmp_path / "outside"
    outside.mkdir()
    (out / "a-link").symlink_to(outside, target_is_directory=True)
    essay = sample_site / ESSAY
    for n in range(3):  # the hand-made files go into the spare, then must not come back
        essay.write_text(essay.read_text() + f"\nClosing line {n}.\n")
        result = build_into(sample_site, out)
        assert tree_bytes(out) == clean(sample_site, tmp_path)
        assert result.stats.written < result.files / 4  # type: ignore[attr-defined]
    assert not (out / "left-by-hand.html").exists() and not (out / "a-link").exists()
    assert list(outside.iterdir()) == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".essaygen-stage-")]


def test_a_spare_with_a_file_where_a_folder_goes_is_mended(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_into(sample_site, out)
    build_into(sample_site, out)
    spare = next(p for p in (sample_site / CACHE_DIR / "spare").iterdir() if p.is_dir())
    shutil.rmtree(spare / "essays")
    (spare / "essays").write_text("a file where a folder goes")
    (spare / "index.html").unlink()
    (spare / "index.html").mkdir()
    build_into(sample_site, out)
    assert tree_bytes(out) == clean(sample_site, tmp_path)


@pytest.mark.parametrize(("path", "plain"), [("essays/x/index.html", "essays/x/index.html"), ("a//b", "a/b"), ("./a/./b", "a/b")])
def test_output_paths_are_normalised(path: str, plain: str) -> None:
    assert safe_relative(path) == plain


# ---------------------------------------------------------------- search postings

def _merge(bodies: list[str], abouts: list[str]) -> postings.Postings:
    merged = postings.Postings()
    for number, (terms, about) in enumerate(zip(bodies, abouts)):
        merged.add(number, postings.weights(terms, about))
    merged.compact()
    return merged


@pytest.mark.parametrize("seed", range(8))
def test_patched_postings_equal_merged_ones(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(60)]

    def body() -> str:
        chosen = sorted(rng.sample(vocabulary, rng.randint(0, 25)))
        return " ".join(f"{t} {rng.randint(1, 9)}" for t in chosen)

    def about() -> str:
        return " ".join(f"{t} {rng.randint(1, 5)}" for t in sorted(rng.sample(vocabulary + ["only-title"], rng.randint(0, 4))))

    count = rng.randint(1, 40)
    bodies, abouts = [body() for _ in range(count)], [about() for _ in range(count)]
    before = [postings.Entry(f"e{n}", f"b{n}:0", abouts[n]) for n in range(count)]
    kept = {f"b{n}:0": bodies[n] for n in range(count)}
    previous = (before, _merge(bodies, abouts))
    for n in rng.sample(range(count), min(count, rng.randint(1, 5))):
        bodies[n], kept[f"b{n}:1"] = (new := body()), new
        if rng.random() < 0.5:
            abouts[n] = about()
    after = [postings.Entry(f"e{n}", f"b{n}:1" if f"b{n}:1" in kept else f"b{n}:0", abouts[n]) for n in range(count)]
    patched = postings.patched(previous, after, kept.get, lambda n: bodies[n])
    assert patched is not None
    merged = _merge(bodies, abouts)
    assert {t: patched.joined(t) for t in patched.terms} == {t: merged.joined(t) for t in merged.terms}


def test_postings_are_merged_afresh_when_the_essays_are_not_the_same() -> None:
    entry = postings.Entry("a", "x", "")
    previous = ([entry], postings.Postings())
    assert postings.patched(previous, [entry, postings.Entry("b", "y", "")], lambda _: "", lambda _: "") is None
    assert postings.patched(previous, [postings.Entry("a", None, "")], lambda _: "", lambda _: "") is None
    assert postings.patched(previous, [postings.Entry("a", "z", "")], lambda _: None, lambda _: "") is None


def test_a_build_that_patches_the_postings_writes_the_same_index(sample_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build_into(sample_site, out)
    assert (sample_site / CACHE_DIR / "search" / "postings.pickle").is_file()
    essay = sample_site / ESSAY
    essay.write_text(essay.read_text() + "\nA new word: zyzzyva.\n")
    merged: list[int] = []
    add = postings.Postings.add
    monkeypatch.setattr(postings.Postings, "add", lambda self, n, w: (merged.append(n), add(self, n, w)))
    build_into(sample_site, out)
    assert merged == []  # patched: no essay's terms were merged again
    assert b"zyzzyva" in b"".join(v for k, v in tree_bytes(out).items() if k.startswith("search/terms/"))
    monkeypatch.undo()
    assert tree_bytes(out) == clean(sample_site, tmp_path)


def test_pages_rendered_on_every_core_are_the_pages_rendered_in_one_process(sample_site: Path, tmp_path: Path) -> None:
    """Past pages.PARALLEL_PAGES, essay and listing pages are rendered together in worker
    processes: the output must be what one process makes, with and without the cache."""
    from essaygen.pages import PARALLEL_PAGES

    essays = sample_site / "content" / "essays"
    for i in range(PARALLEL_PAGES):
        (essays / f"extra-{i:03d}.md").write_text(
            f"---\ntitle: Extra {i}\ndate: 2017-{i % 12 + 1:02d}-{i % 27 + 1:02d}\ntags: [extra-{i % 7}, peer support]\n"
            f"authors: [author-{i % 3}]\n---\nExtra essay {i}, on *peer support*.\n", encoding="utf-8")
    build_into(sample_site, tmp_path / "one", use_cache=False, jobs=1)
    one = tree_bytes(tmp_path / "one")
    for name, options in {"no cache, 2 workers": {"use_cache": False, "jobs": 2}, "cache, 2 workers": {"jobs": 2}}.items():
        out = tmp_path / name
        build_into(sample_site, out, **options)
        assert tree_bytes(out) == one, name
    assert sum(1 for path in one if path.startswith("tags/")) >= 7
    # The pages made in workers are kept under their own keys: after an edit that changes
    # some listings and not others, the cached build still gives what one process gives.
    extra = essays / "extra-005.md"
    extra.write_text(extra.read_text(encoding="utf-8").replace("title: Extra 5", "title: Extra five"), encoding="utf-8")
    build_into(sample_site, tmp_path / "cache, 2 workers", jobs=2)
    build_into(sample_site, tmp_path / "one again", use_cache=False, jobs=1)
    assert tree_bytes(tmp_path / "cache, 2 workers") == tree_bytes(tmp_path / "one again")


def _many_essays(site: Path, count: int, body: str = "Extra essay {i}, on *peer support*.") -> None:
    essays = site / "content" / "essays"
    for i in range(count):
        (essays / f"extra-{i:03d}.md").write_text(
            f"---\ntitle: Extra {i}\ndate: 2017-{i % 12 + 1:02d}-{i % 27 + 1:02d}\ntags: [peer support]\n---\n" + body.format(i=i) + "\n", encoding="utf-8")


def test_bodies_rendered_while_the_sources_are_read_are_those_the_build_renders(sample_site: Path, tmp_path: Path) -> None:
    """A streaming build starts rendering bodies as the sources are parsed (render_pool.
    HeadStart): never a draft's, and each body once, with what one process makes."""
    from essaygen.render_pool import PARALLEL_THRESHOLD

    _many_essays(sample_site, PARALLEL_THRESHOLD + 8)
    draft = sample_site / "content" / "essays" / "a-draft.md"
    draft.write_text("---\ntitle: Not yet\ndate: 2017-01-01\ndraft: true\n---\nA [link](nowhere.md) to nothing.\n", encoding="utf-8")
    result = build_into(sample_site, tmp_path / "two", jobs=2)
    bodies = list((sample_site / CACHE_DIR / "bodies").rglob("*.body"))
    assert result.rendered == len(bodies) >= PARALLEL_THRESHOLD + 8  # type: ignore[attr-defined]
    assert not any("nowhere.md" in path.read_text(encoding="utf-8") for path in bodies)
    build_into(sample_site, tmp_path / "one", use_cache=False, jobs=1)
    assert tree_bytes(tmp_path / "two") == tree_bytes(tmp_path / "one")
    # With --drafts the draft is rendered (and its broken link found) like any essay.
    with pytest.raises(SiteError) as failed:
        build_into(sample_site, tmp_path / "drafts", jobs=2, drafts=True)
    assert [str(p) for p in failed.value.problems] == [
        "content/essays/a-draft.md:6:3: link to 'nowhere.md', but there is no content/essays/nowhere.md — link to an existing essay or page by its .md file"
    ]


def test_a_build_that_fails_after_rendering_has_started_reports_every_problem(sample_site: Path, tmp_path: Path) -> None:
    """Bodies rendered early do not hide problems found later, nor leave workers behind."""
    from essaygen.render_pool import PARALLEL_THRESHOLD

    _many_essays(sample_site, PARALLEL_THRESHOLD + 8, body="Essay {i} links [here](missing-{i}.md).")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("untouched", encoding="utf-8")
    with pytest.raises(SiteError) as failed:
        build_into(sample_site, out, jobs=2)
    missing = sorted(p.path for p in failed.value.problems)
    assert missing == sorted(f"content/essays/extra-{i:03d}.md" for i in range(PARALLEL_THRESHOLD + 8))
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
