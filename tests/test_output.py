"""Output invariants: deterministic, atomic, contained, whole (DESIGN.md §4)."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from conftest import run_cli, tree_bytes
from essaygen.output import UnsafePath, safe_relative

AS_OF = "2026-11-22"


def test_two_builds_are_byte_identical_across_hash_seeds_and_working_folders(sample_site: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    first = run_cli("build", sample_site, "-o", a, "--as-of", AS_OF, env={"PYTHONHASHSEED": "1"})
    assert first.returncode == 0, first.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    second = run_cli("build", sample_site.resolve(), "-o", b.resolve(), "--as-of", AS_OF, "--no-cache", cwd=elsewhere, env={"PYTHONHASHSEED": "977"})
    assert second.returncode == 0, second.stderr
    assert tree_bytes(a) == tree_bytes(b)


def test_a_successful_build_replaces_the_output_whole(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    extra = sample_site / "content/essays/an-extra.md"
    extra.write_text("---\ntitle: An extra essay\ndate: 2020-01-01\ntags: [extra-topic]\n---\nText.\n")
    assert run_cli("build", sample_site, "-o", out, "--as-of", AS_OF).returncode == 0
    assert (out / "essays/an-extra/index.html").exists() and (out / "tags/extra-topic/index.html").exists()
    (out / "stale.html").write_text("left by hand")
    extra.rename(extra.with_name("renamed-extra.md"))
    assert run_cli("build", sample_site, "-o", out, "--as-of", AS_OF).returncode == 0
    assert not (out / "stale.html").exists()
    assert not (out / "essays/an-extra").exists()
    assert (out / "essays/renamed-extra/index.html").exists()
    assert not list(tmp_path.glob(".essaygen-stage-*")), "no staging folder is left behind"


def test_unchanged_files_keep_their_mtime(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", sample_site, "-o", out, "--as-of", AS_OF).returncode == 0
    old = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    for path in old:
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    essay = sample_site / "content/essays/evaluation.md"
    essay.write_text(essay.read_text() + "\nOne more sentence.\n")
    assert run_cli("build", sample_site, "-o", out, "--as-of", AS_OF).returncode == 0
    changed = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.stat().st_mtime_ns != 1_000_000_000)
    assert "essays/evaluation/index.html" in changed
    assert "essays/what-is-the-q-lab/index.html" not in changed
    assert "assets/style.css" not in changed


@pytest.mark.parametrize("after", [1, 5, 20])
def test_a_build_killed_while_writing_leaves_the_previous_output_intact(sample_site: Path, tmp_path: Path, after: int) -> None:
    out = tmp_path / "out"
    assert run_cli("build", sample_site, "-o", out, "--as-of", "2018-06-15").returncode == 0
    before = tree_bytes(out)
    result = run_cli("build", sample_site, "-o", out, "--as-of", AS_OF, env={"ESSAYGEN_TEST_KILL_AFTER_FILES": str(after)})
    assert result.returncode == -signal.SIGKILL
    assert tree_bytes(out) == before
    # The next build cleans up after the killed one.
    assert run_cli("build", sample_site, "-o", out, "--as-of", AS_OF).returncode == 0
    assert not list(tmp_path.glob(".essaygen-stage-*"))
    assert (out / "essays/evaluation/index.html").exists()


def test_a_failed_build_changes_nothing(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", sample_site, "-o", out, "--as-of", AS_OF).returncode == 0
    before = tree_bytes(out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    essay = sample_site / "content/essays/evaluation.md"
    essay.write_text(essay.read_text().replace("title:", "titel:", 1))
    result = run_cli("build", sample_site, "-o", out, "--as-of", AS_OF)
    assert result.returncode == 1
    assert "content/essays/evaluation.md:2:1: unknown key 'titel' — did you mean 'title'?" in result.stderr
    assert tree_bytes(out) == before
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == mtimes


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../b", "", "a/\x00b"])
def test_output_paths_never_leave_the_output_folder(path: str) -> None:
    with pytest.raises(UnsafePath):
        safe_relative(path)


def test_base_url_with_a_path_works_everywhere(sample_site: Path, tmp_path: Path) -> None:
    config = sample_site / "site.yaml"
    config.write_text(config.read_text().replace("base_url: https://essays.example.org/", "base_url: https://example.org/lab/essays"))
    out = tmp_path / "out"
    result = run_cli("build", sample_site, "-o", out, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    essay = (out / "essays/decision-making/index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/lab/essays/essays/decision-making/">' in essay
    assert 'href="../../assets/style.css?v=' in essay
    assert "<loc>https://example.org/lab/essays/</loc>" in (out / "sitemap.xml").read_text()
    assert 'href="https://example.org/lab/essays/essays/evaluation/"' in (out / "feed.xml").read_text()
    assert 'href="/lab/essays/assets/style.css?v=' in (out / "404.html").read_text()


# ---------------------------------------------------------------- the output manifest

def _build(site: Path, out: Path, *args: str) -> str:
    done = run_cli("build", site, "-o", out, "--as-of", "2026-11-22", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_page_edited_in_the_output_is_put_right(sample_site: Path, tmp_path: Path) -> None:
    """The manifest lets unchanged pages be linked unread, but only if the file is the one
    the last build made: a hand edit (new size or time) makes the build compare bytes."""
    out = tmp_path / "out"
    _build(sample_site, out)
    expected = tree_bytes(out)
    page = out / "essays" / "evaluation" / "index.html"
    page.write_text(page.read_text().replace("</body>", "<p>edited by hand</p></body>"))
    said = _build(sample_site, out)
    assert said.startswith("Built"), said
    assert tree_bytes(out) == expected


def test_unchanged_pages_are_linked_unread_and_made_again_when_gone(sample_site: Path, tmp_path: Path) -> None:
    """Pages are kept once, in the output: the cache holds no copy, an unchanged page is
    linked from the last output, and one that has gone from it is made again."""
    out = tmp_path / "out"
    _build(sample_site, out)
    expected = tree_bytes(out)
    assert not (sample_site / ".essaygen-cache" / "pages").exists(), "no second copy of every page"
    page = out / "essays" / "evaluation" / "index.html"
    before = page.stat().st_ino
    essay = sample_site / "content" / "essays" / "ways-of-working.md"
    os.utime(essay)  # an input touched: not "up to date", every page key unchanged
    said = _build(sample_site, out)
    assert said.startswith("Built") and page.stat().st_ino == before, "linked, not rewritten"
    assert tree_bytes(out) == expected
    # Gone from the output and from the spare (the output before it): made again.
    spare_copies = list((sample_site / ".essaygen-cache" / "spare").glob("*/essays/evaluation/index.html"))
    assert spare_copies, "the second build kept the first one's output as its spare"
    for copy in [page, *spare_copies]:
        copy.unlink()
    os.utime(essay)
    _build(sample_site, out)
    assert tree_bytes(out) == expected
    _build(sample_site, tmp_path / "elsewhere")
    assert tree_bytes(tmp_path / "elsewhere") == expected, "a new folder gets every page made"


def test_links_to_static_files_carry_their_contents_digest(sample_site: Path, tmp_path: Path) -> None:
    """A browser that kept last week's stylesheet never pairs it with this week's pages:
    a link to a static file changes whenever the file does."""
    import hashlib
    import re

    from conftest import REPO

    shutil.copytree(REPO / "themes" / "lab", sample_site / "themes" / "lab")  # the site's own copy of the theme
    out = tmp_path / "out"

    def linked() -> dict[str, str]:
        _build(sample_site, out)
        found = dict(re.findall(r'"(?:\.\./)*assets/([\w.]+)\?v=(\w+)"', (out / "essays/decision-making/index.html").read_text()))
        for name, version in found.items():
            assert version == hashlib.sha256((out / "assets" / name).read_bytes()).hexdigest()[:10], name
        return found

    before = linked()
    assert {"style.css", "charts.css", "print.css", "essay.js", "favicon.svg"} <= set(before)
    style = sample_site / "themes" / "lab" / "static" / "style.css"
    style.write_text(style.read_text() + "\n/* changed */\n")
    after = linked()
    assert after["style.css"] != before["style.css"]
    assert {k: v for k, v in after.items() if k != "style.css"} == {k: v for k, v in before.items() if k != "style.css"}
