"""The pandoc formatter: one process, the disk cache, errors as data, styles, locators."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from essaygen.citations import pandocbin
from essaygen.citations.bibliography import Bibliography, load_bibliography
from essaygen.citations.engine import (
    CitationFormatError,
    CitationRequest,
    Formatter,
    PandocNotFound,
    cite_this_request,
    find_pandoc,
)
from essaygen.citations.locators import normalise_locator
from essaygen.citations.styles import patch_style, resolve_style
from essaygen.citations.syntax import parse_citations

HERE = Path(__file__).parent / "citations"


@pytest.fixture(scope="module")
def bib() -> Bibliography:
    return load_bibliography([HERE / "pitfalls.json"], HERE, None)[0]


def request(bib: Bibliography, markdown: str, style: str = "vancouver", locale: str = "en-GB") -> CitationRequest:
    clusters = parse_citations(markdown)
    keys = list(dict.fromkeys(i.key for c in clusters for i in c.items))
    return CitationRequest(tuple(clusters), tuple(bib.items[k] for k in keys), resolve_style(style, HERE), locale)


# --- the cache ---------------------------------------------------------------------------


def test_second_format_of_the_same_request_does_not_call_pandoc(bib: Bibliography, tmp_path: Path) -> None:
    req = request(bib, "[@nhs2019; @cole2018] and @marmot2010")
    with Formatter(tmp_path) as first:
        result = first.format([req])
        assert (first.calls, first.formatted, first.started) == (1, 1, 1)
        assert first.format([req]) == result  # in memory
        assert first.calls == 1
    with Formatter(tmp_path) as second:  # a new build: from disk
        assert second.format([req]) == result
        assert (second.calls, second.started) == (0, 0)


def test_corrupt_cache_file_is_ignored_and_rewritten(bib: Bibliography, tmp_path: Path) -> None:
    req = request(bib, "[@nhs2019]")
    with Formatter(tmp_path) as f:
        result = f.format([req])
    (cached,) = (tmp_path / "citations").rglob("*.json")
    for garbage in ("{not json", '{"clusters": 3}', "[]", ""):
        cached.write_text(garbage)
        with Formatter(tmp_path) as f:
            assert f.format([req]) == result
            assert f.calls == 1
        assert json.loads(cached.read_text())["clusters"] == ['(<a href="#ref-nhs2019" role="doc-biblioref">1</a>)']


def test_only_changed_requests_are_formatted(bib: Bibliography, tmp_path: Path) -> None:
    a, b = request(bib, "[@nhs2019]"), request(bib, "[@cole2018]")
    with Formatter(tmp_path) as f:
        f.format([a])
    with Formatter(tmp_path) as f:
        f.format([a, b, b])
        assert (f.calls, f.formatted) == (1, 1)


def test_positions_do_not_change_the_cache_key(bib: Bibliography, tmp_path: Path) -> None:
    with Formatter(tmp_path) as f:
        f.format([request(bib, "[@nhs2019]")])
        f.format([request(bib, "Moved down.\n\nNow here [@nhs2019].")])
        assert f.calls == 1


def test_an_edited_style_is_formatted_again(bib: Bibliography, tmp_path: Path) -> None:
    style = tmp_path / "house.csl"
    original = resolve_style("harvard", HERE).read_text(encoding="utf-8")
    style.write_text(original, encoding="utf-8")
    req = replace(request(bib, "[@nhs2019]"), style=style)
    with Formatter(tmp_path / "cache") as f:
        assert f.format([req])[0].clusters == ('(<a href="#ref-nhs2019" role="doc-biblioref">NHS England, 2019</a>)',)
        style.write_text(original.replace('<layout prefix="(" suffix=")"', '<layout prefix="[" suffix="]"'))
        assert f.format([req])[0].clusters == ('[<a href="#ref-nhs2019" role="doc-biblioref">NHS England, 2019</a>]',)
        assert f.calls == 2


# --- one process, errors as data -------------------------------------------------------------


def test_one_process_serves_many_batches(bib: Bibliography) -> None:
    with Formatter(None) as f:
        for style in ("vancouver", "harvard", "apa"):
            f.format([request(bib, "[@nhs2019]", style), request(bib, "@cole2018", style)])
        assert (f.started, f.calls, f.formatted) == (1, 3, 6)


def test_pandoc_errors_come_back_as_data_and_the_worker_lives_on(bib: Bibliography, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csl"
    broken.write_text("<style><not-closed></style>")
    good = request(bib, "[@nhs2019]")
    bad = [replace(good, style=tmp_path / "missing.csl"), replace(good, style=broken)]
    with Formatter(None) as f:
        with pytest.raises(CitationFormatError) as err:
            f.format([good, *bad])
        assert [i for i, _ in err.value.failures] == [1, 2]
        assert "missing.csl" in err.value.failures[0][1]
        assert f.format([good])[0].clusters == ('(<a href="#ref-nhs2019" role="doc-biblioref">1</a>)',)  # cached
        assert f.format([request(bib, "[@cole2018]")])[0].clusters == ('(<a href="#ref-cole2018" role="doc-biblioref">1</a>)',)
        assert f.started == 1


def test_an_item_pandoc_cannot_read_is_named_by_its_key(bib: Bibliography) -> None:
    # Was: "Error in $[1]: parsing Date failed ..." with nothing saying which entry.
    good = request(bib, "[@nhs2019; @cole2018]")
    broken = {**good.items[1], "author": [{"family": "Cole", "comma-suffix": [1]}]}
    with Formatter(None) as f:
        with pytest.raises(CitationFormatError) as err:
            f.format([replace(good, items=(good.items[0], broken))])
    [(index, message)] = err.value.failures
    assert message.startswith(f"bibliography entry '{broken['id']}': ")
    assert err.value.keys == {index: broken["id"]}


def test_an_empty_batch_starts_nothing() -> None:
    with Formatter(None) as f:
        assert f.format([]) == []
        assert f.started == 0


def test_close_is_idempotent_and_a_closed_formatter_restarts(bib: Bibliography) -> None:
    f = Formatter(None)
    f.format([request(bib, "[@nhs2019]")])
    f.close()
    f.close()
    assert f.format([request(bib, "[@cole2018]")])[0].clusters == ('(<a href="#ref-cole2018" role="doc-biblioref">1</a>)',)
    assert f.started == 2
    f.close()


# --- escaping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["vancouver", "harvard", "apa"])
def test_titles_and_journals_come_back_escaped(bib: Bibliography, style: str) -> None:
    with Formatter(None) as f:
        (result,) = f.format([request(bib, "[@escape2020]", style)])
    html = result.entries[0][1]
    assert "p&lt;0.05 &lt;script&gt;alert(1)&lt;/script&gt;" in html and "J &amp; K" in html
    assert "<script>" not in html


# --- cite this essay ----------------------------------------------------------------------------


def test_cite_this_request_formats_a_one_item_bibliography() -> None:
    item = {
        "id": "decision-making", "type": "post-weblog", "title": "Understanding decision making in peer support",
        "author": [{"literal": "The Q Lab team"}], "issued": {"date-parts": [[2018, 5, 30]]},
        "URL": "https://essays.example.org/essays/decision-making/", "container-title": "The Lab Essays",
    }  # fmt: skip
    with Formatter(None) as f:
        (result,) = f.format([cite_this_request(item, resolve_style("harvard", HERE), "en-GB")])
    assert result.entries[0][0] == "decision-making"
    assert result.entries[0][1] == (
        "The Q Lab team (2018) <span>‘Understanding decision making in peer support’</span>, "
        "<em>The Lab Essays</em>, 30 May. Available at: "
        '<a href="https://essays.example.org/essays/decision-making/">'
        "https://essays.example.org/essays/decision-making/</a>."
    )


# --- pandoc ---------------------------------------------------------------------------------------


def test_find_pandoc_prefers_the_bundled_binary() -> None:
    assert find_pandoc().is_file()
    assert pandocbin.pandoc_version(find_pandoc()) >= pandocbin.MIN_PANDOC


def test_find_pandoc_explains_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pandocbin, "_bundled_pandoc", lambda: None)
    monkeypatch.setattr(pandocbin.shutil, "which", lambda name: None)
    with pytest.raises(PandocNotFound, match="pip install pypandoc-binary"):
        find_pandoc()


# --- styles ---------------------------------------------------------------------------------------


def test_resolve_style_names_and_paths(tmp_path: Path) -> None:
    assert resolve_style("vancouver", tmp_path).name == "nlm-citation-sequence.csl"
    assert resolve_style("harvard", tmp_path).name == "harvard-cite-them-right.csl"
    assert resolve_style("apa", tmp_path).name == "apa.csl"
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "house.csl").write_text("<style/>")
    assert resolve_style("styles/house.csl", tmp_path) == (tmp_path / "styles" / "house.csl").resolve()
    assert resolve_style("styles/missing.csl", tmp_path) is None
    assert resolve_style("chicago", tmp_path) is None


def test_patch_style_puts_a_name_before_a_lone_label() -> None:
    csl = (
        b'<style xmlns="http://purl.org/net/xbiblio/csl"><macro name="m">'
        b'<names variable="editor"><label prefix=", "/></names>'
        b'<names variable="author"><name/><label/></names></macro></style>'
    )
    patched = patch_style(csl)
    assert patched is not None
    assert b'<names variable="editor"><name /><label prefix=", " /></names>' in patched
    assert b'<names variable="author"><name /><label /></names>' in patched


def test_patch_style_leaves_good_and_broken_styles_alone() -> None:
    assert patch_style(resolve_style("harvard", HERE).read_bytes()) is None
    assert patch_style(b"<style><unclosed></style>") is None


# --- locators -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "locale", "expected"),
    [
        (", chap. 3", "en-GB", ", chapter 3"),
        ("chap. 3", "en-US", "chapter 3"),
        (", ch. 3", "en-US", ", chapter 3"),
        (", secs. 2-4", "en-GB", ", sections 2-4"),
        (", p. 3", "en-GB", ", p. 3"),
        (", chapter 3", "en-GB", ", chapter 3"),
        (", chap.3", "en-GB", ", chapter3"),
        (", see chap. 3", "en-GB", ", see chap. 3"),
        (", chap. 3", "de-DE", ", chap. 3"),
        (", chapter", "en-GB", ", chapter"),
        (", Table 2", "en-GB", ", Table 2"),
    ],
)
def test_normalise_locator(suffix: str, locale: str, expected: str) -> None:
    assert normalise_locator(suffix, locale) == expected


@pytest.fixture(scope="module")
def formatter() -> Iterator[Formatter]:
    with Formatter(None) as f:
        yield f


def test_prefix_and_suffix_markdown_is_formatted(bib: Bibliography, formatter: Formatter) -> None:
    (result,) = formatter.format([request(bib, "[*see* @nhs2019, p. 3, *passim*; 1. @cole2018, - x]", "harvard")])
    assert result.clusters == (
        '(<em>see</em> <a href="#ref-nhs2019" role="doc-biblioref">NHS England, 2019, p. 3</a>, <em>passim</em>; '
        '1. <a href="#ref-cole2018" role="doc-biblioref">Cole, 2018</a>, - x)',
    )


def test_a_hung_pandoc_is_stopped_not_waited_for(bib: Bibliography, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from essaygen.citations import process

    hang = tmp_path / "hang.lua"
    hang.write_text("while true do end\n")
    monkeypatch.setattr(process, "WORKER", hang)
    monkeypatch.setattr(process, "TIMEOUT_BASE", 1.0)
    monkeypatch.setattr(process, "TIMEOUT_PER_REQUEST", 0.0)
    with Formatter(None) as f:
        with pytest.raises(RuntimeError, match="worker stopped"):
            f.format([request(bib, "[@nhs2019]")])


def test_reference_list_request_lists_every_work_in_style_order(bib: Bibliography, formatter: Formatter) -> None:
    from essaygen.citations.engine import reference_list_request

    items = [bib.items[k] for k in ("thf2023b", "nhs2019", "thf2023a", "adams2018")]
    (result,) = formatter.format([reference_list_request(items, resolve_style("harvard", HERE), "en-GB")])
    assert [key for key, _ in result.entries] == ["adams2018", "nhs2019", "thf2023a", "thf2023b"]
    assert "(2023b)" in result.entries[3][1]  # letters are collection-wide here


def test_many_requests_are_shared_between_pandoc_processes_in_order(bib: Bibliography, monkeypatch: pytest.MonkeyPatch) -> None:
    from essaygen.citations import engine

    monkeypatch.setattr(engine, "REQUESTS_PER_PROCESS", 2)
    monkeypatch.setattr(engine.os, "cpu_count", lambda: 2)
    expected, results, counts = alone_and_together(bib, MANY)
    assert counts == (2, 2, 5), "two processes, one batch each"
    assert results == expected, "results come back in the order of the requests"


MANY = ["[@nhs2019]", "[@adams2018]", "[@thf2023a]", "[@nhs2019; @adams2018]", "[@thf2023b]"]


def alone_and_together(bib: Bibliography, texts: list[str]) -> tuple[list[object], list[object], tuple[int, int, int]]:
    """Each text's citations formatted alone, then all in one batch: both results, and
    the batch's formatter's (processes started, lines sent, requests formatted)."""
    with Formatter(None) as alone:
        expected: list[object] = [alone.format([request(bib, t)])[0] for t in texts]
    with Formatter(None) as f:
        results: list[object] = list(f.format([request(bib, t) for t in texts]))
        counts = (f.started, f.calls, f.formatted)
    return expected, results, counts


def test_split_deals_requests_in_turn_and_merge_restores_their_order() -> None:
    from essaygen.citations.engine import _merge, _split

    payloads = [{"n": i} for i in range(7)]
    assert _split(payloads, 2) == [[{"n": 0}, {"n": 2}, {"n": 4}, {"n": 6}], [{"n": 1}, {"n": 3}, {"n": 5}]]
    for parts in (1, 2, 3, 4):
        assert _merge(_split(payloads, parts)) == payloads
    assert _split([{"n": 0}], 1) == [[{"n": 0}]]


def test_a_large_batch_goes_to_pandoc_a_few_requests_per_line(bib: Bibliography, monkeypatch: pytest.MonkeyPatch) -> None:
    from essaygen.citations import engine

    monkeypatch.setattr(engine, "REQUESTS_PER_LINE", 2)
    expected, results, counts = alone_and_together(bib, MANY)
    assert counts == (1, 3, 5), "one process, three lines of at most two"
    assert results == expected


def test_a_pandoc_process_is_replaced_after_its_share_of_requests(bib: Bibliography, monkeypatch: pytest.MonkeyPatch) -> None:
    from essaygen.citations import engine, process

    monkeypatch.setattr(engine, "REQUESTS_PER_LINE", 2)
    monkeypatch.setattr(process, "REQUESTS_PER_PROCESS_LIFE", 3)
    expected, results, counts = alone_and_together(bib, [*MANY, "@cole2018"])
    assert counts == (2, 3, 6), "lines of 2, 2, 2: a second process after 4 requests (at least 3 served)"
    assert results == expected


def test_pandoc_gets_a_smaller_heap_unless_the_user_chose_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from essaygen.citations import process

    seen: list[dict[str, str]] = []

    class Stop(Exception):
        pass

    def popen(*args: object, env: dict[str, str], **kwargs: object) -> None:
        seen.append(env)
        raise Stop

    monkeypatch.setattr(process.subprocess, "Popen", popen)
    monkeypatch.delenv("GHCRTS", raising=False)
    with pytest.raises(Stop):
        process.PandocProcess(Path("pandoc")).ask([{}])
    monkeypatch.setenv("GHCRTS", "-H128m")
    with pytest.raises(Stop):
        process.PandocProcess(Path("pandoc")).ask([{}])
    assert [env["GHCRTS"] for env in seen] == ["-H16m", "-H128m"]
