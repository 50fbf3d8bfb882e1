"""The caches let go of what builds no longer use: an edited essay's old body and
finished citations go once they are a week old, never what a build uses, and a build
after a sweep gives exactly what a build from nothing gives."""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import tree_bytes
from essaygen import sweep
from essaygen.build import BuildOptions, build
from essaygen.cache import CACHE_DIR
from essaygen.memo import Memo
from essaygen.sweep import EVERY, GRACE, STAMP, sweep_unused

AS_OF = "2026-11-22"
NOW = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
ESSAY = "content/essays/ways-of-working.md"


def entry(folder: Path, name: str, age: float, now: float) -> Path:
    path = folder / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    os.utime(path, (now - age, now - age))
    return path


def test_only_unused_entries_older_than_a_week_are_removed(tmp_path: Path) -> None:
    now = time.time()
    old, recent = GRACE + 60, GRACE - 60
    used_old = entry(tmp_path, "aa11.body", old, now)
    gone = entry(tmp_path, "bb22.body", old, now)
    young = entry(tmp_path, "cc33.body", recent, now)
    left_by_a_killed_build = entry(tmp_path, "aa11.body.4242.tmp", old, now)
    other_kind = entry(tmp_path, "aa11.json", old, now)  # not `<used key>.body`
    (tmp_path / "notes.txt").write_text("not in a two-letter folder: never looked at")
    os.utime(tmp_path / "notes.txt", (now - old, now - old))
    assert sweep_unused(tmp_path, {"aa11"}, ".body", now) == 3
    assert {p for p in (used_old, gone, young, left_by_a_killed_build, other_kind) if p.exists()} == {used_old, young}
    assert (tmp_path / "notes.txt").exists()


def test_a_folder_is_swept_at_most_once_a_day(tmp_path: Path) -> None:
    now = time.time()
    first = entry(tmp_path, "bb22.body", GRACE + 60, now)
    assert sweep_unused(tmp_path, set(), ".body", now) == 1 and not first.exists()
    assert abs((tmp_path / STAMP).stat().st_mtime - now) < 1
    second = entry(tmp_path, "cc33.body", GRACE + 60, now)
    assert sweep_unused(tmp_path, set(), ".body", now + EVERY - 60) == 0 and second.exists()
    assert sweep_unused(tmp_path, set(), ".body", now + EVERY + 60) == 1 and not second.exists()


def test_a_flat_folder_is_swept_but_its_stamp(tmp_path: Path) -> None:
    now = time.time()
    for name in ("aa11.json", "bb22.json"):
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (now - GRACE - 60, now - GRACE - 60))
    assert sweep_unused(tmp_path, {"aa11"}, ".json", now, flat=True) == 1
    os.utime(tmp_path / STAMP, (now - GRACE - 60, now - GRACE - 60))  # an old stamp is kept too
    assert sweep_unused(tmp_path, {"aa11"}, ".json", now + EVERY + 60, flat=True) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [STAMP, "aa11.json"]


def test_a_missing_cache_folder_is_left_missing(tmp_path: Path) -> None:
    assert sweep_unused(tmp_path / "none", set(), ".body", time.time()) == 0
    assert sweep_unused(None, set(), ".body", time.time()) == 0
    assert not (tmp_path / "none").exists()


def backdate(cache: Path, seconds: float) -> None:
    for path in cache.rglob("*"):
        if path.is_file():
            stat = path.stat()
            os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def build_into(site: Path, out: Path, **options: object) -> None:
    build(BuildOptions(site, out=out, as_of=AS_OF, **options), NOW)  # type: ignore[arg-type]


def files_of(cache: Path, folder: str) -> set[str]:
    return {p.name for p in (cache / folder).rglob("*") if p.is_file() and p.name != STAMP}


def test_a_build_removes_an_edited_essays_old_entries_once_they_are_old(sample_site: Path, tmp_path: Path) -> None:
    cache, out = sample_site / CACHE_DIR, tmp_path / "out"
    build_into(sample_site, out)
    bodies, cited = files_of(cache, "bodies"), files_of(cache, "cited")
    assert bodies and cited, "the sample site's essays cite works: both caches are used"
    essay = sample_site / ESSAY
    essay.write_text(essay.read_text(encoding="utf-8") + "\nOne more sentence, added later.\n", encoding="utf-8")
    build_into(sample_site, out)
    edited_bodies, edited_cited = files_of(cache, "bodies"), files_of(cache, "cited")
    assert len(edited_bodies - bodies) == 1 and len(edited_cited - cited) == 1, "a new entry each; the old ones stay, being new"
    backdate(cache, GRACE + EVERY + 60)  # a week and a day later: the stamps too
    essay.write_text(essay.read_text(encoding="utf-8") + "\nAnd another.\n", encoding="utf-8")
    build_into(sample_site, out)
    now_bodies, now_cited = files_of(cache, "bodies"), files_of(cache, "cited")
    # The edited essay's first version went, and nothing else: the second is the last
    # build's body (the search postings are patched from it); its citations are not needed.
    v2, v3 = edited_bodies - bodies, now_bodies - edited_bodies
    assert len(v2) == len(v3) == 1 and v2 < now_bodies
    assert now_bodies - v2 - v3 < bodies and len(now_bodies) == len(bodies) + 1
    newest = now_cited - edited_cited
    assert len(newest) == 1 and not (edited_cited - cited) & now_cited, "the second version went"
    assert now_cited - newest < cited and len(now_cited) == len(cited), "the first went, and nothing else"
    backdate(cache, EVERY + 60)  # a day later, nothing changed: the second version goes too
    build_into(sample_site, out)
    assert files_of(cache, "bodies") == now_bodies - v2
    # Nothing used went: a build now renders nothing and gives what a build from nothing gives.
    fresh = tmp_path / "fresh"
    shutil.copytree(sample_site, fresh, ignore=shutil.ignore_patterns(CACHE_DIR, "output"))
    build_into(fresh, tmp_path / "fresh-out", use_cache=False)
    backdate(cache, EVERY + 60)
    result = build(BuildOptions(sample_site, out=out, as_of=AS_OF), NOW)  # a sweep is due again
    assert result.rendered == 0
    assert tree_bytes(out) == tree_bytes(tmp_path / "fresh-out")


def test_only_a_build_that_writes_its_cache_sweeps(sample_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(sweep, "_due", lambda folder, now: calls.append(str(folder)) or False)
    build_into(sample_site, tmp_path / "out", write=False)  # check
    build_into(sample_site, tmp_path / "out", use_cache=False)
    build_into(sample_site, tmp_path / "out", write=False, collect=True, memo=Memo())  # serve
    assert calls == []
    build_into(sample_site, tmp_path / "out")
    assert sorted(Path(c).name for c in calls) == ["bib", "bodies", "citations", "cited", "parsed", "templates"]


def test_pandocs_results_not_asked_for_in_a_week_go(sample_site: Path, tmp_path: Path) -> None:
    """Formatted requests are asked for only when an essay's finished citations are not
    cached: an edited citation's old request goes, as do those not needed since; what
    the next builds make is unchanged."""
    cache, out = sample_site / CACHE_DIR, tmp_path / "out"
    build_into(sample_site, out)
    first = files_of(cache, "citations")
    assert first
    expected = tree_bytes(out)
    essay = sample_site / ESSAY
    text = essay.read_text(encoding="utf-8")
    at = text.index("[@")
    essay.write_text(text[:at] + "[see " + text[at + 1 :], encoding="utf-8")  # a prefix: a new request
    build_into(sample_site, out)
    asked = files_of(cache, "citations") - first
    assert asked, "the edited essay's request was formatted"
    backdate(cache, GRACE + EVERY + 60)
    build_into(sample_site, out)  # nothing changed: finished citations come from "cited"
    kept = files_of(cache, "citations")
    assert len(kept) == 1 and kept < first, "all went but the collection's reference list, asked for by every build"
    essay.write_text(text, encoding="utf-8")
    build_into(sample_site, out)  # the first version again: formatted again, the same
    assert tree_bytes(out) == expected


def test_an_edited_bibliographys_old_conversion_goes_once_old(sample_site: Path, tmp_path: Path) -> None:
    """The cache keeps each .bib file as pandoc converted it, under its content: an
    edited bibliography's old conversion goes once a week old, never the one in use."""
    cache, out = sample_site / CACHE_DIR, tmp_path / "out"
    build_into(sample_site, out)
    first = files_of(cache, "bib")
    assert len(first) == 1
    bib = sample_site / "content" / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n% a comment added later\n", encoding="utf-8")
    build_into(sample_site, out)
    both = files_of(cache, "bib")
    assert len(both) == 2 and first < both
    backdate(cache, GRACE + EVERY + 60)
    build_into(sample_site, out)
    assert files_of(cache, "bib") == both - first


def test_parses_and_template_analyses_of_an_old_site_yaml_or_template_go_once_old(sample_site: Path, tmp_path: Path) -> None:
    """Parsed front matter is kept per configuration, what the templates read per their
    sources: an edit of site.yaml or of a template starts a new entry; the old one goes
    once a week old, never the one in use, and the next build is unchanged."""
    cache, out = sample_site / CACHE_DIR, tmp_path / "out"
    build_into(sample_site, out)
    parsed, analyses = files_of(cache, "parsed"), files_of(cache, "templates")
    assert len(parsed) == len(analyses) == 1
    config = sample_site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("title: The Lab Essays\n", "title: The Lab Essays, edited\n", 1), encoding="utf-8")
    (sample_site / "templates").mkdir()
    base = Path(__file__).parent.parent / "themes" / "lab" / "templates" / "base.html"
    (sample_site / "templates" / "base.html").write_text(base.read_text(encoding="utf-8") + "{# edited #}\n", encoding="utf-8")
    build_into(sample_site, out)
    both_parsed, both_analyses = files_of(cache, "parsed"), files_of(cache, "templates")
    assert len(both_parsed) == len(both_analyses) == 2 and parsed < both_parsed and analyses < both_analyses
    expected = tree_bytes(out)
    backdate(cache, GRACE + EVERY + 60)
    build_into(sample_site, out)
    assert files_of(cache, "parsed") == both_parsed - parsed
    assert files_of(cache, "templates") == both_analyses - analyses
    assert tree_bytes(out) == expected
