"""`essaygen serve` and incremental builds (issue 6)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from collections.abc import Callable

from conftest import REPO, run_cli, tree_bytes
from essaygen.build import BuildOptions, build
from essaygen.memo import Memo
from essaygen.pages import OutputFile
from essaygen.serve import file_bytes, find_file


class Server:
    """`essaygen serve --port 0` in a child process, with its printed URL."""

    def __init__(self, site: Path, *args: str, ignoring_ctrl_c: bool = False) -> None:
        env = {k: v for k, v in os.environ.items() if k != "ESSAYGEN_DEBUG"}
        # A background job hands its children SIGINT ignored: serve must stop on Ctrl-C anyway.
        ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignoring_ctrl_c else None
        self.proc = subprocess.Popen([sys.executable, "-m", "essaygen", "serve", str(site), "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO, env=env, preexec_fn=ignore)
        self.lines: list[str] = []
        self.port = 0
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 60
        while not self.port and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.port, "serve printed no URL:\n" + "".join(self.lines)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if m := re.search(r"Serving on http://127\.0\.0\.1:(\d+)/", line):
                self.port = int(m.group(1))

    def get(self, path: str) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        conn.close()
        return response.status, response.getheader("Content-Type") or "", body

    def events(self) -> "EventStream":
        return EventStream(self.port)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=20)


class EventStream:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.request("GET", "/__livereload")
        self.response = self.conn.getresponse()
        assert self.response.getheader("Content-Type") == "text/event-stream"

    def next_reload(self, timeout: float = 60.0) -> str:
        # serve sends a keep-alive comment every few seconds: a rebuild that never comes
        # must fail the test, not hang it.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.response.fp.readline().decode()
            assert line, "the event stream closed"
            if line.startswith("event: reload"):
                return line
        raise AssertionError(f"no reload event within {timeout:.0f} s")


def _wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def server(sample_site: Path):  # type: ignore[no-untyped-def]
    srv = Server(sample_site, "--as-of", "2026-11-22")
    yield srv
    if srv.proc.poll() is None:
        srv.stop()


def test_serve_reloads_on_edit_and_shows_problems_in_an_overlay(server: Server, sample_site: Path) -> None:
    status, kind, body = server.get("/essays/evaluation/")
    assert status == 200 and kind == "text/html; charset=utf-8"
    assert "/__livereload" in body and "livereload-overlay" not in body
    stream = server.events()
    essay = sample_site / "content/essays/evaluation.md"
    original = essay.read_text()
    essay.write_text(original.replace("## ", "Freshly saved sentence.\n\n## ", 1))
    stream.next_reload()
    assert "Freshly saved sentence." in server.get("/essays/evaluation/")[2]

    essay.write_text(original.replace("title:", "titel:", 1))
    stream.next_reload()
    body = server.get("/essays/evaluation/")[2]
    assert "livereload-overlay" in body
    assert "content/essays/evaluation.md:2:1: unknown key &#x27;titel&#x27; — did you mean &#x27;title&#x27;?" in body
    assert "Freshly saved sentence." in body, "the last good build stays served"
    assert "content/essays/evaluation.md:2:1" in "".join(server.lines), "the terminal shows the problem too"

    essay.write_text(original)
    stream.next_reload()
    assert "livereload-overlay" not in server.get("/essays/evaluation/")[2]
    assert server.stop() == 0


def test_serve_started_on_a_broken_site_shows_its_problems_until_they_are_fixed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    srv = Server(site, "--as-of", "2026-11-22")
    try:
        assert "essaygen: 1 problem(s); serving them until they are fixed.\n" in srv.lines, "no good build yet to speak of"
        status, _, body = srv.get("/")
        assert "livereload-overlay" in body and "no site.yaml in" in body
        stream = srv.events()
        (site / "site.yaml").write_text("title: Fixed\nbase_url: https://example.org/\n")
        stream.next_reload()
        status, _, body = srv.get("/")
        assert status == 200 and "livereload-overlay" not in body and "Fixed" in body
    finally:
        assert srv.stop() == 0


def test_a_templates_folder_made_while_serving_is_watched_like_the_others(server: Server, sample_site: Path) -> None:
    """An editor's first override makes templates/ while serve runs: later edits in it,
    its removal, and a new one, each rebuild the site (only the folders that existed when
    serve started used to be watched: the second edit was never seen)."""
    stream = server.events()
    folder = sample_site / "templates"
    for n, text in enumerate(["First override", "Second override", None, "Third override"]):
        if text is None:
            shutil.rmtree(folder)
        else:
            folder.mkdir(exist_ok=True)
            (folder / "tag.html").write_text('{% extends "base.html" %}{% block main %}<p>' + text + "</p>{% endblock %}\n")
        stream.next_reload()
        body = server.get("/tags/evidence/")[2]
        assert (text or "Essays on") in body, (n, body[-400:])
    assert server.stop() == 0


def test_a_bibliography_and_a_style_outside_content_are_watched(sample_site: Path) -> None:
    """site.yaml may name a bibliography and a .csl file anywhere in the site: saving
    either rebuilds, as saving an essay does (they were not watched), and so does a
    bibliography site.yaml names only after serve started."""
    import re

    (sample_site / "refs").mkdir()
    (sample_site / "content" / "references.bib").rename(sample_site / "refs" / "references.bib")
    shutil.copy(REPO / "tests" / "citations" / "notes" / "notes.csl", sample_site / "notes.csl")
    config = sample_site / "site.yaml"
    config.write_text(config.read_text().replace("content/references.bib", "refs/references.bib").replace("style: vancouver", "style: notes.csl"))
    srv = Server(sample_site, "--as-of", "2026-11-22")
    try:
        stream = srv.events()
        bib = sample_site / "refs" / "references.bib"
        bib.write_text(re.sub(r"(title\s*=\s*\{)", r"\1Edited ", bib.read_text(), count=1))
        stream.next_reload()
        assert "Edited " in srv.get("/references/")[2]
        style = sample_site / "notes.csl"
        as_notes = srv.get("/essays/evaluation/")[2]
        style.write_text(style.read_text().replace('class="note"', 'class="in-text"', 1))  # no longer a notes style
        stream.next_reload()
        assert srv.get("/essays/evaluation/")[2] != as_notes
        (sample_site / "more").mkdir()
        bib.rename(sample_site / "more" / "references.bib")
        config.write_text(config.read_text().replace("refs/references.bib", "more/references.bib"))
        stream.next_reload()
        moved = sample_site / "more" / "references.bib"
        moved.write_text(moved.read_text().replace("Edited ", "Edited again ", 1))
        stream.next_reload()
        assert "Edited again " in srv.get("/references/")[2]
    finally:
        assert srv.stop() == 0


def test_ctrl_c_stops_serve_even_when_started_with_it_ignored(sample_site: Path) -> None:
    srv = Server(sample_site, "--as-of", "2026-11-22", ignoring_ctrl_c=True)
    try:
        assert srv.get("/")[0] == 200
        assert srv.stop() == 0
        assert "Stopped." in "".join(srv.lines)
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()


def test_serve_answers_only_inside_the_output(server: Server) -> None:
    for path in ("/../site.yaml", "/%2e%2e/site.yaml", "/essays/..%2f..%2fsite.yaml", "/..%5c..%5csite.yaml", "/%00", "/essays/"):
        status, _, body = server.get(path)
        if path == "/essays/":
            assert status == 200
        else:
            assert status == 404, path
            assert "base_url" not in body
    assert server.get("/feed.xml")[1] == "application/atom+xml; charset=utf-8"
    assert server.get("/media/lab-phases.svg")[1] == "image/svg+xml"
    assert server.get("/assets/")[0] == 404, "no directory listings"


def test_only_what_the_build_made_is_served(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"png")
    files = {
        "index.html": OutputFile("index.html", b"home"),
        "essays/x/index.html": OutputFile("essays/x/index.html", b"x"),
        "media/a.png": OutputFile("media/a.png", copy_from=str(tmp_path / "a.png")),
    }
    assert find_file(files, "/") is files["index.html"]
    assert find_file(files, "/essays/x/") is find_file(files, "/essays/x") is files["essays/x/index.html"]
    assert find_file(files, "/essays/x/index.html?q=1") is files["essays/x/index.html"]
    assert file_bytes(files["media/a.png"]) == b"png"
    for bad in ("/essays/", "/../etc/passwd", "/%2e%2e/etc/passwd", "/essays/..%2fx/", "/media\\a.png", "/index.html%00"):
        assert find_file(files, bad) is None, bad


def test_a_symlink_out_of_the_site_is_never_served(sample_site: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    (sample_site / "content" / "media" / "link.txt").symlink_to(tmp_path / "secret.txt")
    options = BuildOptions(sample_site, as_of="2026-11-22", search=False, write=False, collect=True, memo=Memo())
    result = build(options, datetime.now(timezone.utc))
    assert result.output is not None
    assert "media/link.txt" not in result.output.files
    assert "index.html" in result.output.files


def test_a_warm_build_after_one_edit_renders_one_essay_and_matches_a_cold_build(sample_site: Path, tmp_path: Path) -> None:
    warm = tmp_path / "warm"
    first = run_cli("build", sample_site, "-o", warm, "--as-of", "2026-11-22")
    assert "(8 Markdown files rendered" in first.stdout, first.stdout
    unchanged = run_cli("build", sample_site, "-o", warm, "--as-of", "2026-11-22")
    assert unchanged.stdout.startswith("Up to date: 6 essays"), unchanged.stdout
    essay = sample_site / "content/essays/ways-of-working.md"
    os.utime(essay)  # touched, not changed: the pipeline runs, every body comes from the cache
    touched = run_cli("build", sample_site, "-o", warm, "--as-of", "2026-11-22")
    assert "(0 Markdown files rendered" in touched.stdout, touched.stdout
    essay.write_text(essay.read_text() + "\nAn added closing sentence.\n")
    second = run_cli("build", sample_site, "-o", warm, "--as-of", "2026-11-22")
    assert "(1 Markdown file rendered" in second.stdout, second.stdout
    cold = tmp_path / "cold"
    assert run_cli("build", sample_site, "-o", cold, "--as-of", "2026-11-22", "--no-cache").returncode == 0
    assert tree_bytes(warm) == tree_bytes(cold)


def test_a_corrupt_cache_entry_is_ignored(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", sample_site, "-o", out, "--as-of", "2026-11-22").returncode == 0
    before = tree_bytes(out)
    entries = [*(sample_site / ".essaygen-cache").rglob("*.json"), *(sample_site / ".essaygen-cache").rglob("*.body")]
    assert any(entry.suffix == ".body" for entry in entries)
    for entry in entries:
        entry.write_text(entry.read_text()[:-20] + "garbage")
    result = run_cli("build", sample_site, "-o", out, "--as-of", "2026-11-22")
    assert result.returncode == 0, result.stderr
    assert "(8 Markdown files rendered" in result.stdout
    assert tree_bytes(out) == before


def test_a_remembering_rebuild_gives_exactly_what_a_cold_build_writes(sample_site: Path, tmp_path: Path) -> None:
    """serve's in-memory rebuilds (memo.py) after edits to an essay, a page and site.yaml."""
    now = datetime.now(timezone.utc)
    options = BuildOptions(sample_site, as_of="2026-11-22", search=False, write=False, collect=True, memo=Memo())
    build(options, now)
    essay = sample_site / "content" / "essays" / "evaluation.md"
    essay.write_text(essay.read_text().replace("title:", "title: Renamed,", 1) + "\nA closing line.\n")
    build(options, now)
    (sample_site / "content" / "pages" / "about.md").write_text((sample_site / "content" / "pages" / "about.md").read_text() + "\nMore about us.\n")
    yaml = sample_site / "site.yaml"
    yaml.write_text(yaml.read_text().replace("title:", "title: The", 1))
    result = build(options, now)
    assert result.output is not None
    memory = {path: f.bytes() if f.copy_from is None else Path(f.copy_from).read_bytes() for path, f in result.output.files.items()}
    cold = tmp_path / "cold"
    build(BuildOptions(sample_site, out=cold, as_of="2026-11-22", search=False, use_cache=False), now)
    assert memory == tree_bytes(cold)


def test_a_new_file_fetches_no_body_again_and_a_missing_image_is_found_once_added(sample_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """serve's bodies are remembered by their text and the files they looked up, not by
    every content file: adding an image or an essay fetches no other body again, and an
    image an essay looked for in vain is found once it is added (its digest changes)."""
    from essaygen.cache import BodyCache
    from essaygen.problems import SiteError

    fetched: list[str] = []
    get = BodyCache.get
    monkeypatch.setattr(BodyCache, "get", lambda self, key: fetched.append(key) or get(self, key))
    now = datetime.now(timezone.utc)
    options = BuildOptions(sample_site, as_of="2026-11-22", search=False, write=False, collect=True, memo=Memo())
    essay = sample_site / "content" / "essays" / "evaluation.md"
    essay.write_text(essay.read_text() + "\n![A new figure](../media/new-figure.png)\n")
    with pytest.raises(SiteError) as missing:
        build(options, now)
    assert "'../media/new-figure.png' does not exist" in str(missing.value.problems)
    fetched.clear()
    (sample_site / "content" / "media" / "new-figure.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    added = build(options, now)
    # The essay that looked for the image is rendered again (its stored body names the
    # image as missing); no other body is fetched.
    assert added.rendered == 1 and len(fetched) == 1
    fetched.clear()
    (sample_site / "content" / "essays" / "zz-new.md").write_text('---\ntitle: "A new one"\ndate: 2020-01-01\nsummary: "New."\n---\n\nWords.\n')
    assert build(options, now).rendered == 1
    assert len(fetched) == 1, "only the new essay is looked up"
    (sample_site / "content" / "media" / "new-figure.png").unlink()
    with pytest.raises(SiteError):
        build(options, now)


def test_serve_holds_no_essay_text_no_search_text_and_its_pages_packed(sample_site: Path) -> None:
    """What serve holds per essay (at 5,000 essays, 1.1 GB before this): what was parsed
    from each file but not its text, each body's HTML but not its search text (serve makes
    no search index), and each page compressed."""
    from essaygen.content import Essay

    memo = Memo()
    options = BuildOptions(sample_site, as_of="2026-11-22", search=False, write=False, collect=True, memo=memo)
    result = build(options, datetime.now(timezone.utc))
    held = {**memo._before, **memo._now}
    parsed = [value[0][0] for key, value in held.items() if key[0] == "parsed" and value[0] is not None]
    assert [p for p in parsed if isinstance(p, Essay)] and all(p.body == "" for p in parsed if isinstance(p, Essay))
    assert not [key for key in held if key[0] in ("source", "parse")], "no file's text is kept"
    bodies = [value[0] for key, value in held.items() if key[0] == "body"]
    assert bodies and all(not b.search.text and not b.search.terms and not b.is_slim for b in bodies)
    assert result.output is not None
    page = result.output.files["essays/ways-of-working/index.html"]
    assert page.data is None and (page.bytes() or b"").startswith(b"<!DOCTYPE html>")


def test_serve_tidies_its_memory_once_left_alone_after_a_rebuild() -> None:
    """The collector's full collection (cycles the last rebuilds let go) runs while the
    site is left alone, once per rebuild, never inside a rebuild's time."""
    from essaygen.serve import Rebuilder

    events: list[str] = []
    rebuilder = Rebuilder(lambda: events.append("run"), lambda: events.append("tidy"))
    try:
        _wait_for(lambda: events == ["tidy"], timeout=5)  # after serve's first build
        time.sleep(0.7)
        assert events == ["tidy"], "once, not every idle moment"
        rebuilder.poke()
        _wait_for(lambda: events == ["tidy", "run", "tidy"], timeout=5)
    finally:
        rebuilder.stop.set()


def test_serve_keeps_what_it_formats_and_check_writes_nothing(sample_site: Path, tmp_path: Path) -> None:
    from essaygen.build import check_site

    now = datetime.now(timezone.utc)
    cache = sample_site / ".essaygen-cache"
    check_site(sample_site, "2026-11-22", now)
    assert not cache.exists(), "check writes nothing, not even its cache"
    build(BuildOptions(sample_site, as_of="2026-11-22", search=False, write=False, collect=True, memo=Memo()), now)
    # A serve session's work (formatted citations, rendered bodies) serves the next build too.
    assert list((cache / "citations").rglob("*.json")) and list((cache / "bodies").rglob("*.body"))
    assert not (sample_site / "output").exists(), "serve writes no output"



def test_a_remembering_rebuild_keeps_each_cited_view(sample_site: Path) -> None:
    """serve's later stages (the site, its pages) remember their results by the essays'
    view objects: "cite this essay" made again for an unchanged essay must hand back the
    same object, not an equal copy (every copy is hashed and compared again downstream)."""
    from essaygen.references import _without_citations

    now = datetime.now(timezone.utc)
    site = build(BuildOptions(sample_site, as_of="2026-11-22", search=False, write=False, collect=True), now).site
    memo = Memo()
    first = _without_citations(site.config, site.essays, memo)
    again = _without_citations(site.config, site.essays, memo)
    assert first.views and all(a is b for a, b in zip(first.views, again.views, strict=True))
    assert all(view.cite_html for view in first.views)


def test_a_remembering_rebuild_links_only_the_edited_essays_citations(sample_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """serve remembers each essay's finished citations by what they are made of: after
    an edit of one cited essay, its citations alone are looked up and linked again (at
    1,000 cited essays, linking them all was 0.6 s of every save), and the site is what
    a build from nothing makes, its references page showing the new title."""
    from essaygen import references

    looked_up: list[str] = []
    load = references._load_cited
    monkeypatch.setattr(references, "_load_cited", lambda store, view, *rest: looked_up.append(view.slug) or load(store, view, *rest))
    options = BuildOptions(sample_site, as_of="2026-11-22", search=False, write=False, collect=True, memo=Memo())
    now = datetime.now(timezone.utc)
    rebuild = _rebuilt_listings(options, monkeypatch)
    rebuild()
    assert len(looked_up) == 6, "every essay"
    looked_up.clear()
    essay = sample_site / "content" / "essays" / "evaluation.md"
    essay.write_text(essay.read_text().replace("title:", "title: Renamed,", 1) + "\nA closing line.\n")
    # The listings that show the essay, and the references page, which names the essays
    # citing each work; not the other tags' pages, nor the list of tags, nor the about page.
    assert rebuild() == ["", "authors/lab-team/", "essays/", "references/", "series/lab-essays/", "tags/evaluation/", "tags/evidence/", "tags/q-lab/"]
    assert looked_up == ["evaluation"]
    result = build(options, now)
    assert result.output is not None
    assert "Renamed, The approach to evaluation" in result.output.files["references/index.html"].bytes().decode()
    memory = {path: f.bytes() if f.copy_from is None else Path(f.copy_from).read_bytes() for path, f in result.output.files.items()}
    cold = tmp_path / "cold"
    build(BuildOptions(sample_site, out=cold, as_of="2026-11-22", search=False, use_cache=False), now)
    assert memory == tree_bytes(cold)


def test_serve_keeps_pandoc_running_between_rebuilds_and_ends_it_once_nothing_cites(sample_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting pandoc is ~50 ms of every save that changes a citation: serve keeps its
    process from one rebuild to the next, and ends it once the site cites nothing."""
    from essaygen.citations import process

    started: list[subprocess.Popen[str]] = []
    running = process.PandocProcess._running

    def counted(self: process.PandocProcess) -> subprocess.Popen[str]:
        found = running(self)
        if not started or started[-1] is not found:
            started.append(found)
        return found

    monkeypatch.setattr(process.PandocProcess, "_running", counted)
    options = BuildOptions(sample_site, as_of="2026-11-22", search=False, write=False, collect=True, memo=Memo())
    now = datetime.now(timezone.utc)
    build(options, now)
    essays = sample_site / "content" / "essays"
    for n in range(2):  # a new title: its "cite this" is formatted again
        essay = essays / "evaluation.md"
        essay.write_text(essay.read_text().replace("title:", f"title: Renamed {n},", 1))
        build(options, now)
    assert len(started) == 1 and started[0].poll() is None, "one pandoc, still running"
    for path in essays.rglob("*.md"):  # no essay cites a work now
        path.write_text(re.sub(r"\[-?@[^\]]*\]|@[a-z]+[0-9]{4}[a-z]?", "", path.read_text()))
    (sample_site / "site.yaml").write_text(re.sub(r"(?ms)^citations:.*?(?=^\S)", "", (sample_site / "site.yaml").read_text()))
    build(options, now)
    build(options, now)  # the formatter, unused by the last build, is let go
    import gc

    gc.collect()
    started[0].wait(timeout=10)


def _listing_site(root: Path, tag_template: str | None = None) -> Path:
    """Eight standalone essays, a month apart: a and b on "alpha", c and d on "beta", the
    rest on "gamma"; Ada wrote a, the others Grace. The home page shows the newest six."""
    (root / "content" / "essays").mkdir(parents=True)
    (root / "site.yaml").write_text("title: Listings\nbase_url: https://example.org/\ntimezone: UTC\n")
    for n, slug in enumerate("abcdefgh"):
        tag = "alpha" if slug in "ab" else "beta" if slug in "cd" else "gamma"
        author = "Ada" if slug == "a" else "Grace"
        (root / "content" / "essays" / f"{slug}.md").write_text(
            f"---\ntitle: Essay {slug}\nsummary: About {slug}.\nauthors: [{author}]\ndate: 2024-{1 + n:02d}-01\ntags: [{tag}]\n---\n\nText of {slug}.\n")
    if tag_template is not None:
        (root / "templates").mkdir()
        (root / "templates" / "tag.html").write_text(tag_template)
    return root


def _rebuilt_listings(options: BuildOptions, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """A rebuild with `options`, returning the paths of the listing pages it rendered."""
    from essaygen import pages

    rendered: list[str] = []
    render = pages._render_listing
    monkeypatch.setattr(pages, "_render_listing", lambda site, env, listing: rendered.append(listing.path) or render(site, env, listing))

    def rebuild() -> list[str]:
        rendered.clear()
        build(options, datetime.now(timezone.utc))
        return sorted(rendered)

    return rebuild


def test_serve_makes_again_only_the_listings_that_show_an_edited_essay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A listing page is made again when an essay it read changed, or the essays it
    lists did; else serve keeps it. The pages are those a build from nothing makes."""
    site = _listing_site(tmp_path / "site")
    options = BuildOptions(site, as_of="2025-01-01", search=False, write=False, collect=True, memo=Memo())
    rebuild = _rebuilt_listings(options, monkeypatch)
    every = rebuild()
    assert every == ["", "404.html", "authors/ada/", "authors/grace/", "essays/", "references/", "tags/", "tags/alpha/", "tags/beta/", "tags/gamma/"]
    a = site / "content" / "essays" / "a.md"
    a.write_text(a.read_text().replace("summary: About a.", "summary: About a, edited."))
    # a is too old for the home page, on "alpha" only, by Ada.
    assert rebuild() == ["authors/ada/", "essays/", "tags/alpha/"]
    h = site / "content" / "essays" / "h.md"
    h.write_text(h.read_text().replace("title: Essay h", "title: Essay h, renamed"))
    assert rebuild() == ["", "authors/grace/", "essays/", "tags/gamma/"]
    assert rebuild() == [], "nothing changed"
    b = site / "content" / "essays" / "b.md"
    b.write_text(b.read_text().replace("tags: [alpha]", "tags: [alpha, beta]"))
    # b is on "beta" too: the pages that show b, the list of topics, and "beta".
    assert rebuild() == ["authors/grace/", "essays/", "tags/", "tags/alpha/", "tags/beta/"]
    (site / "content" / "essays" / "i.md").write_text("---\ntitle: Essay i\nsummary: About i.\nauthors: [Grace]\ndate: 2024-09-01\ntags: [gamma]\n---\n\nText of i.\n")
    # A new essay: the pages that list it (the home page lists the newest six), the counts of topics.
    assert rebuild() == ["", "authors/grace/", "essays/", "tags/", "tags/gamma/"]
    a.unlink()
    # A deleted essay: the pages that listed it (Ada's is gone), and the home page, which counts them.
    assert rebuild() == ["", "essays/", "tags/", "tags/alpha/"]
    result = build(options, datetime.now(timezone.utc))
    assert result.output is not None
    memory = {path: f.bytes() for path, f in result.output.files.items() if f.copy_from is None}
    cold = tmp_path / "cold"
    build(BuildOptions(site, out=cold, as_of="2025-01-01", search=False, use_cache=False), datetime.now(timezone.utc))
    written = tree_bytes(cold)
    assert memory == {path: data for path, data in written.items() if path in memory}
    assert {p for p in memory if p.endswith(".html")} == {p for p in written if p.endswith(".html")}


def test_a_listing_that_reads_a_part_of_the_site_is_made_again_when_it_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A listing depends on the parts of `site` it read: a page of topics that counts the
    standalone pages is made again when one is added; the other listings are not."""
    site = _listing_site(tmp_path / "site")
    (site / "templates").mkdir()
    (site / "templates" / "tags.html").write_text('{% extends "base.html" %}{% block main %}<p>{{ site.pages | length }} pages</p>{% endblock %}\n')
    options = BuildOptions(site, as_of="2025-01-01", search=False, write=False, collect=True, memo=Memo())
    rebuild = _rebuilt_listings(options, monkeypatch)
    rebuild()
    (site / "content" / "pages").mkdir()
    # Out of the navigation (a page in it changes every page's header).
    (site / "content" / "pages" / "colophon.md").write_text("---\ntitle: Colophon\nnav: false\n---\n\nMade with essaygen.\n")
    assert rebuild() == ["colophon/", "tags/"]
    result = build(options, datetime.now(timezone.utc))
    assert result.output is not None
    assert "<p>1 pages</p>" in result.output.files["tags/index.html"].bytes().decode()


@pytest.mark.parametrize("shown", [
    '{% for e in essays %}<p>{{ e.title }} then {{ e.next.title if e.next else "none" }}</p>{% endfor %}',
    # Through filters that look attributes up by name.
    '<p>{{ essays | map(attribute="title") | join(", ") }} then {{ essays | selectattr("next") | map(attribute="next.title") | join(", ") }}</p>',
], ids=["attributes", "filters"])
def test_a_listing_that_shows_an_essays_neighbours_is_made_again_when_one_is_renamed(shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tag page that shows each essay's next one: renaming c (on "beta") changes
    tags/alpha/, where b links to it, though no essay of "alpha" changed."""
    template = '{% extends "base.html" %}{% block main %}' + shown + '{% endblock %}\n'
    site = _listing_site(tmp_path / "site", template)
    options = BuildOptions(site, as_of="2025-01-01", search=False, write=False, collect=True, memo=Memo())
    rebuild = _rebuilt_listings(options, monkeypatch)
    rebuild()
    c = site / "content" / "essays" / "c.md"
    c.write_text(c.read_text().replace("title: Essay c", "title: Essay c, renamed"))
    assert rebuild() == ["", "authors/grace/", "essays/", "tags/alpha/", "tags/beta/"]  # c is on the home page too
    result = build(options, datetime.now(timezone.utc))
    assert result.output is not None
    assert "Essay c, renamed" in result.output.files["tags/alpha/index.html"].bytes().decode()
