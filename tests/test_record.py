"""The record of the last build: an unchanged site is not rebuilt, and anything that
would change the output (an input, the clock passing a release, the output itself,
the options) makes a full build."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import run_cli, tree_bytes

LAUNCH = "2018-06-15"          # three essays out; the next wave is on 2018-08-06
IN_WINDOW = "2018-07-01"
AFTER_WAVE = "2018-09-01"


def build(site: Path, out: Path, *args: str) -> str:
    done = run_cli("build", site, "-o", out, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def assert_edit_rebuilds(site: Path, out: Path, read: Path) -> None:
    """A file the build reads, outside the folders it walks: an edit to it is noticed."""
    assert build(site, out, "--as-of", LAUNCH).startswith("Built")
    assert build(site, out, "--as-of", LAUNCH).startswith("Up to date")
    read.write_text(read.read_text() + "\n")
    assert build(site, out, "--as-of", LAUNCH).startswith("Built")


@pytest.fixture
def built(sample_site: Path, tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "out"
    assert build(sample_site, out, "--as-of", LAUNCH).startswith("Built 3 essays")
    return sample_site, out


def test_the_build_line_counts_essays_and_the_markdown_files_rendered(sample_site: Path, tmp_path: Path) -> None:
    """At launch 3 essays are out; all 6 are rendered (the embargoed ones are checked), and
    the standalone pages; one essay is "1 essay"."""
    said = build(sample_site, tmp_path / "out", "--as-of", LAUNCH).splitlines()[0]
    assert said.startswith("Built 3 essays (8 Markdown files rendered, the rest from the cache), "), said
    one = tmp_path / "one"
    (one / "content" / "essays").mkdir(parents=True)
    (one / "site.yaml").write_text("title: One\nbase_url: https://example.org/\n")
    (one / "content" / "essays" / "a.md").write_text("---\ntitle: A\ndate: 2018-01-01\n---\n\nText.\n")
    said = build(one, tmp_path / "one-out", "--as-of", LAUNCH).splitlines()[0]
    assert said.startswith("Built 1 essay (1 Markdown file rendered, the rest from the cache), "), said


def test_an_unchanged_site_is_up_to_date_and_its_output_untouched(built: tuple[Path, Path]) -> None:
    site, out = built
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    said = build(site, out, "--as-of", LAUNCH)
    assert said.startswith("Up to date: 3 essays, "), said
    assert "nothing changed since the last build" in said
    assert "Next release: 2018-08-06" in said, "the release line is repeated"
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_a_clock_before_the_next_release_is_up_to_date(built: tuple[Path, Path]) -> None:
    site, out = built
    assert build(site, out, "--as-of", IN_WINDOW).startswith("Up to date: 3 essays")


def test_a_clock_past_a_release_builds_the_released_essays(built: tuple[Path, Path]) -> None:
    site, out = built
    assert build(site, out, "--as-of", AFTER_WAVE).startswith("Built 6 essays")
    assert (out / "essays" / "evaluation" / "index.html").is_file()


def test_a_clock_before_the_first_release_builds(built: tuple[Path, Path]) -> None:
    site, out = built
    assert build(site, out, "--as-of", "2018-05-01").startswith("Built 0 essays")


@pytest.mark.parametrize("change", ["edit essay", "add file", "remove file", "edit site.yaml", "edit bibliography", "add template"])
def test_a_changed_input_builds(built: tuple[Path, Path], change: str) -> None:
    site, out = built
    essay = site / "content" / "essays" / "what-is-the-q-lab.md"
    if change == "edit essay":
        essay.write_text(essay.read_text() + "\nOne more sentence.\n")
    elif change == "add file":
        (site / "content" / "media" / "extra.txt").write_text("new")
    elif change == "remove file":
        (site / "content" / "media" / "extra.txt").write_text("new")
        build(site, out, "--as-of", LAUNCH)
        (site / "content" / "media" / "extra.txt").unlink()
    elif change == "edit site.yaml":
        (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("title:", "title: New", 1))
    elif change == "edit bibliography":
        bib = site / "content" / "references.bib"
        bib.write_text(bib.read_text() + "\n")
    elif change == "add template":
        (site / "templates").mkdir()
        (site / "templates" / "unused.html").write_text("{# not used #}")
    assert build(site, out, "--as-of", LAUNCH).startswith("Built 3 essays")


def test_a_bibliography_outside_the_content_folder_is_an_input(built: tuple[Path, Path]) -> None:
    site, out = built
    shutil.copy(site / "content" / "references.bib", site / "refs.bib")
    yaml = site / "site.yaml"
    yaml.write_text(yaml.read_text().replace("bibliography: content/references.bib", "bibliography: refs.bib"))
    assert_edit_rebuilds(site, out, site / "refs.bib")


def test_an_edited_or_deleted_output_file_is_rebuilt(built: tuple[Path, Path]) -> None:
    site, out = built
    expected = tree_bytes(out)
    (out / "index.html").write_text("edited by hand")
    assert build(site, out, "--as-of", LAUNCH).startswith("Built")
    (out / "feed.xml").unlink()
    assert build(site, out, "--as-of", LAUNCH).startswith("Built")
    assert tree_bytes(out) == expected


def test_other_options_or_no_cache_build(built: tuple[Path, Path]) -> None:
    site, out = built
    assert build(site, out, "--as-of", LAUNCH, "--drafts").startswith("Built")
    assert build(site, out, "--as-of", LAUNCH, "--no-cache").startswith("Built")


def test_a_failed_build_forgets_the_record(built: tuple[Path, Path]) -> None:
    site, out = built
    essay = site / "content" / "essays" / "what-is-the-q-lab.md"
    text, info = essay.read_text(), essay.stat()
    essay.write_text(text.replace("title:", "title: [unclosed", 1))
    assert run_cli("build", site, "-o", out, "--as-of", LAUNCH).returncode == 1
    essay.write_text(text)
    os.utime(essay, ns=(info.st_atime_ns, info.st_mtime_ns))  # the old size, time and inode: only the record is gone
    assert build(site, out, "--as-of", LAUNCH).startswith("Built")


def test_an_essays_own_bibliography_outside_the_content_folder_is_an_input(built: tuple[Path, Path]) -> None:
    site, out = built
    (site / "extra.bib").write_text("@misc{recordtest,\n  title = {An uncited entry for this test},\n  year = {2020}\n}\n")
    essay = site / "content" / "essays" / "what-is-the-q-lab.md"
    essay.write_text(essay.read_text().replace("title:", "bibliography: ../../extra.bib\ntitle:", 1))
    assert_edit_rebuilds(site, out, site / "extra.bib")


def test_a_damaged_record_means_a_full_build(built: tuple[Path, Path]) -> None:
    site, out = built
    (entry,) = [p for p in (site / ".essaygen-cache" / "builds").glob("*.json") if not p.name.endswith(".files.json")]
    data = json.loads(entry.read_text())
    for damage in ({"earliest": "not a date"}, {"latest": 12}, {"zone": "Nowhere/Else"}, {"essays": "x"}):
        entry.write_text(json.dumps({**data, **damage}))
        assert build(site, out, "--as-of", LAUNCH).startswith("Built"), damage
