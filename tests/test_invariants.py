"""Invariants over every output file (DESIGN.md §4, GitHub issue 8).

- Contained: whatever a slug, a series or tag name, a link, a bundle or a symlink says,
  a build changes nothing but output/ and .essaygen-cache/ (the whole folder around
  the site is snapshotted before and after), and a symlink out of the site is refused.
- Deterministic: generated sites build to byte-identical output, with and without the
  cache, and under other hash seeds.
- Atomic: a build SIGKILLed at a random moment leaves the previous output whole, or
  the new one whole; the next build cleans up after it.
- Serialised: two builds of one site at once both succeed, and output/ and the cache
  equal those of a clean build.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from conftest import REPO, run_cli, tree_bytes
from essaygen.cache import CACHE_DIR, BodyCache, FileDigests
from robustness.harness import assert_honest, diff, run_main, snapshot, write_site
from robustness.profiles import BUILD_EXAMPLES, BUILDS
from robustness.strategies import HOSTILE, WORDS

AS_OF = "2024-06-01"
OLD_CLOCK = "2020-03-01"     # about a quarter of larger_site()'s essays released
SITE = """\
title: Contained
base_url: https://essays.example.org/
timezone: UTC
search: {enabled: false}
"""
SECRET = "OUTSIDE-SECRET-BYTES"


def essay(title: str = "An essay", extra: str = "", body: str = "Some text.\n") -> str:
    return f"---\ntitle: {title}\ndate: 2020-01-01\n{extra}---\n{body}"


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """tmp/site (the site) and tmp/outside (what symlinks and paths aim at)."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_text(SECRET)
    (outside / "folder" / "secret.txt").write_text(SECRET)
    (outside / "evil.md").write_text(essay("Evil", body=SECRET))
    (outside / "folder" / "index.md").write_text(essay("Evil bundle", body=SECRET))
    return tmp_path


def build_contained(world: Path, *args: str) -> tuple[int, str]:
    """Build tmp/site; assert that nothing but output/ and the cache changed, anywhere in tmp."""
    skip = ["site/output", f"site/{CACHE_DIR}"]
    before = snapshot(world, skip=skip)
    code, _, stderr = run_main(["build", world / "site", "--as-of", AS_OF, *args])
    after = snapshot(world, skip=skip)
    assert diff(before, after) == [], f"the build changed files outside output/:\n{stderr}"
    assert not [p for p in (world / "site").iterdir() if p.name.startswith(".essaygen-stage-")]
    out = world / "site" / "output"
    if out.is_dir():
        for path in out.rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), f"a file from outside the site was published: {path}"
    return code, stderr


# ---------------------------------------------------------------- containment: what the text says

PATH_CASES: dict[str, dict[str, Any]] = {
    "slug climbing out": dict(essays={"a.md": essay(extra="slug: ../../outside/pwned\n")}, refused="is not safe"),
    "absolute slug": dict(essays={"a.md": essay(extra="slug: /tmp/pwned\n")}, refused="is not safe"),
    "page slug climbing out": dict(pages={"p.md": "---\ntitle: P\nslug: ../outside\n---\nx\n"}, refused="is not safe"),
    "series name climbing out": dict(site=SITE + "series:\n  ../../outside:\n    title: Evil\n", essays={"a.md": essay()}, refused="cannot be part of a web address"),
    "series name absolute": dict(site=SITE + "series:\n  /tmp/x:\n    title: Evil\n", essays={"a.md": essay()}, refused="cannot be part of a web address"),
    "tags that look like paths": dict(essays={"a.md": essay(extra="tags: ['../../outside', '/etc/passwd', '..', '.', '%2e%2e', 'a/../../b']\n")}),
    "author keys and names that look like paths": dict(
        site=SITE + "authors:\n  ../../outside: {name: '../../outside'}\n",
        essays={"a.md": essay(extra="authors: ['../../outside', '/etc', '..']\n")}),
    "link out of the site": dict(essays={"a.md": essay(body="[x](../../../outside/secret.txt)\n")}, refused="points outside the content folder"),
    "image out of the site": dict(essays={"a.md": essay(body="![x](../../../outside/secret.txt)\n")}, refused="points outside the content folder"),
    "percent-encoded climb": dict(essays={"a.md": essay(body="[x](%2e%2e/%2e%2e/%2e%2e/outside/secret.txt)\n")}, refused="points outside the content folder"),
    "link to a Markdown file outside": dict(essays={"a.md": essay(body="[x](../../../outside/evil.md)\n")}, refused="there is no"),
    "cover image outside": dict(essays={"a.md": essay(extra="image: ../../../outside/secret.txt\nimage_alt: x\n")}, refused="image"),
    "chart data outside": dict(essays={"a.md": essay(body="```chart\ntype: bar\ndata: ../../../outside/secret.txt\nx: a\ny: b\n```\n")}, refused="outside"),
}


@pytest.mark.parametrize("case", PATH_CASES)
def test_paths_in_the_text_never_leave_the_output_folder(world: Path, case: str) -> None:
    spec = PATH_CASES[case]
    write_site(world / "site", spec.get("site", SITE), spec.get("essays", {}), spec.get("pages", {}))
    code, stderr = build_contained(world)
    assert_honest(code, stderr)
    if "refused" in spec:
        assert code == 1 and spec["refused"] in stderr, stderr
    else:
        assert code == 0, stderr


# ---------------------------------------------------------------- containment: symlinks

def _link(path: Path, target: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


SYMLINKS_REFUSED = {
    "essay file": ("content/essays/evil.md", "outside/evil.md"),
    "essay bundle": ("content/essays/evil", "outside/folder"),
    "page file": ("content/pages/evil.md", "outside/evil.md"),
    "home page": ("content/index.md", "outside/evil.md"),
}


@pytest.mark.parametrize("kind", SYMLINKS_REFUSED)
def test_a_symlink_out_of_the_site_is_refused(world: Path, kind: str) -> None:
    rel, target = SYMLINKS_REFUSED[kind]
    site = write_site(world / "site", SITE, {"a.md": essay()})
    _link(site / rel, world / target)
    code, stderr = build_contained(world)
    [problem] = assert_honest(code, stderr)
    assert problem.startswith(f"{rel}:1:1: this symlink points outside the site folder — "), stderr


SYMLINKS_SKIPPED = {
    "file in a bundle": ("content/essays/b/secret.txt", "outside/secret.txt"),
    "folder in a bundle": ("content/essays/b/folder", "outside/folder"),
    "file in media": ("content/media/secret.txt", "outside/secret.txt"),
    "folder in media": ("content/media/folder", "outside/folder"),
}


@pytest.mark.parametrize("kind", SYMLINKS_SKIPPED)
def test_a_symlink_out_of_the_site_inside_a_copied_folder_is_never_published(world: Path, kind: str) -> None:
    rel, target = SYMLINKS_SKIPPED[kind]
    site = write_site(world / "site", SITE, {"a.md": essay(), "b/index.md": essay("Bundle")}, files={"content/media/ok.txt": "fine"})
    _link(site / rel, world / target)
    code, stderr = build_contained(world)
    assert code in (0, 1)
    assert_honest(code, stderr)


def test_a_media_folder_that_is_a_symlink_out_of_the_site_is_refused(world: Path) -> None:
    site = write_site(world / "site", SITE, {"a.md": essay()})
    (site / "content" / "media").symlink_to(world / "outside" / "folder")
    build_contained(world)


def test_a_symlink_inside_the_site_is_followed(world: Path) -> None:
    site = write_site(world / "site", SITE, {}, files={"drafts/shared.md": essay("Shared")})
    _link(site / "content/essays/shared.md", site / "drafts/shared.md")
    code, stderr = build_contained(world)
    assert code == 0, stderr
    assert (site / "output/essays/shared/index.html").is_file()


def test_a_media_symlink_inside_the_site_is_published(world: Path) -> None:
    site = write_site(world / "site", SITE, {"a.md": essay(body="![a picture](../media/pic.png)\n")}, files={"drafts/pic.png": "png"})
    _link(site / "content/media/pic.png", site / "drafts/pic.png")
    code, stderr = build_contained(world)
    assert code == 0, stderr
    assert (site / "output/media/pic.png").read_text() == "png"


def test_an_output_folder_that_is_a_symlink_out_of_the_site_is_not_written_through(world: Path) -> None:
    site = write_site(world / "site", SITE, {"a.md": essay()})
    (site / "output").symlink_to(world / "outside" / "folder")
    before = snapshot(world / "outside")
    code, _, stderr = run_main(["build", site, "--as-of", AS_OF])
    assert code != 0 and "Traceback" not in stderr.split("--- the same run")[0], stderr
    assert snapshot(world / "outside") == before


def test_an_output_folder_that_is_a_symlink_is_a_usage_error(world: Path) -> None:
    site = write_site(world / "site", SITE, {"a.md": essay()})
    (site / "output").symlink_to(world / "outside" / "folder")
    code, _, stderr = run_main(["build", site, "--as-of", AS_OF])
    assert code == 2 and "internal error" not in stderr, stderr


@st.composite
def hostile_names(draw: st.DrawFn) -> dict[str, Any]:
    hostile = st.one_of(HOSTILE, WORDS, st.lists(st.sampled_from(["..", "/", "\\", ".", "a", "%2e", "~", " ", "é"]), min_size=1, max_size=6).map("".join))
    safe = st.from_regex(r"[a-z]{1,8}", fullmatch=True)

    def name() -> str:
        # Hostile one time in four, so that most builds get past the names they refuse.
        return draw(hostile) if draw(st.integers(0, 3)) == 3 else draw(safe)

    return {"slug": name(), "series": name(), "tags": draw(st.lists(hostile, max_size=3)), "author": draw(hostile), "page": name(),
            "link": draw(hostile) if draw(st.integers(0, 3)) == 3 else None}


@settings(BUILDS, max_examples=max(10, BUILD_EXAMPLES // 2))
@given(names=hostile_names())
def test_generated_names_and_paths_stay_contained(tmp_path_factory: pytest.TempPathFactory, names: dict[str, Any]) -> None:
    world = _shared_world(tmp_path_factory)
    text = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731 - JSON strings are YAML scalars
    site_yaml = SITE + f"series:\n  {text(names['series'])}:\n    title: S\nauthors:\n  {text(names['author'])}: {{name: {text(names['author'])}}}\n"
    front = f"slug: {text(names['slug'])}\nseries: {text(names['series'])}\ntags: {text(names['tags'])}\nauthors: [{text(names['author'])}]\n"
    body = f"[x]({names['link']}) ![y]({names['link']}/secret.txt)\n" if names["link"] is not None else "Text.\n"
    essays = {"a.md": essay(extra=front, body=body)}
    pages = {"p.md": f"---\ntitle: P\nslug: {text(names['page'])}\n---\nx\n"}
    write_site(world / "site", site_yaml, essays, pages)
    note(f"{site_yaml}\n{front}")
    code, stderr = build_contained(world)
    event(f"exit {code}")
    assert_honest(code, stderr)


_WORLDS: dict[str, Path] = {}


def _shared_world(factory: pytest.TempPathFactory) -> Path:
    """One world for every example of a property (hypothesis runs a test many times)."""
    if "world" not in _WORLDS:
        root = factory.mktemp("contained")
        outside = root / "outside"
        (outside / "folder").mkdir(parents=True)
        (outside / "secret.txt").write_text(SECRET)
        _WORLDS["world"] = root
    return _WORLDS["world"]


# ---------------------------------------------------------------- determinism of generated sites

TEXTISH = st.text(st.sampled_from(list("abcdefghij ABC-é中&<>\"'")), min_size=1, max_size=20).filter(lambda s: s.strip())


@st.composite
def valid_sites(draw: st.DrawFn) -> dict[str, str]:
    count = draw(st.integers(1, 6))
    tags = draw(st.lists(TEXTISH, min_size=1, max_size=5, unique_by=str.lower))
    essays = {}
    for i in range(count):
        chosen = draw(st.lists(st.sampled_from(tags), max_size=3, unique=True))
        day = draw(st.integers(1, 28))
        series = "series: s\n" if draw(st.booleans()) else ""
        essays[f"e{i}.md"] = (f"---\ntitle: {json.dumps(draw(TEXTISH))}\nsummary: {json.dumps(draw(TEXTISH))}\ndate: 2020-02-{day:02d} 0{i}:00\n"
                              f"tags: {json.dumps(chosen)}\nauthors: {json.dumps(draw(st.lists(TEXTISH, max_size=2)))}\n{series}---\n"
                              f"# {draw(TEXTISH)}\n\n{draw(TEXTISH)} [next](e{(i + 1) % count}.md)\n\n## {draw(TEXTISH)}\n\nMore.[^1]\n\n[^1]: A note.\n")
    site = SITE + "series:\n  s:\n    title: The series\n"
    return {"site.yaml": site, **{f"content/essays/{k}": v for k, v in essays.items()}}


@settings(BUILDS, max_examples=max(10, BUILD_EXAMPLES // 10))
@given(files=valid_sites())
def test_generated_sites_build_byte_identically_with_and_without_the_cache(tmp_path_factory: pytest.TempPathFactory, files: dict[str, str]) -> None:
    world = _shared_world(tmp_path_factory)
    site = write_site(world / "site", files.pop("site.yaml"), files={k: v for k, v in files.items()})
    first = run_main(["build", site, "-o", world / "a", "--as-of", AS_OF])
    second = run_main(["build", site, "-o", world / "b", "--as-of", AS_OF, "--no-cache"])
    third = run_main(["build", site, "-o", world / "c", "--as-of", AS_OF])
    assert first[0] == second[0] == third[0] == 0, first[2] + second[2] + third[2]
    a = tree_bytes(world / "a")
    assert a == tree_bytes(world / "b") == tree_bytes(world / "c")


def test_a_generated_site_is_byte_identical_under_other_hash_seeds(tmp_path: Path) -> None:
    """Sets and dicts keyed by tag, author and series names must not leak hash order."""
    site = tmp_path / "site"
    names = ["Zeta", "alpha", "Été", "中文", "b&c", "<x>", "peer support", "Peer-Support", "a", "ab", "abc", "x y z"]
    files = {f"content/essays/e{i}.md": essay(f"Essay {i}", f"tags: {json.dumps(names[i:] + names[:i])}\nauthors: {json.dumps(names[i % 5:i % 5 + 3])}\n"
                                              f"series: s\n", f"[^1] text [e](e{(i + 1) % 6}.md)\n\n[^1]: note\n") for i in range(6)}
    authors = "".join(f"  {json.dumps(n)}: {{name: {json.dumps(n.upper())}}}\n" for n in names[:4])
    write_site(site, SITE + "series:\n  s:\n    title: S\n  t:\n    title: T\nauthors:\n" + authors, files=files)
    outs = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"out-{seed}"
        result = run_cli("build", site, "-o", out, "--as-of", AS_OF, "--no-cache", env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        outs.append(tree_bytes(out))
    assert outs[0] == outs[1] == outs[2]


# ---------------------------------------------------------------- atomicity: SIGKILL at a random moment

def larger_site(root: Path, essays: int = 250) -> Path:
    """Essays released one a day from 2020-01-01, with tags, links and headings."""
    files = {f"content/essays/essay-{i:04d}.md": (
        f"---\ntitle: Essay {i}\ndate: {date(2020, 1, 1) + timedelta(days=i)}\ntags: [topic-{i % 17}, shared]\nsummary: Summary {i}\n---\n"
        f"# Part one\n\n{'Words of essay %d. ' % i * 40}\n\n## Part two\n\n[next](essay-{(i + 1) % essays:04d}.md)\n")
        for i in range(essays)}
    return write_site(root, SITE + "series:\n  s:\n    title: S\n", files=files)


def _tree(folder: Path) -> dict[str, bytes] | None:
    return tree_bytes(folder) if folder.exists() else None


def test_a_build_killed_at_a_random_moment_leaves_one_whole_output(tmp_path: Path) -> None:
    site = larger_site(tmp_path / "site")
    out = site / "output"
    # References: the old output (an earlier clock) and the new one (a later clock, an extra essay).
    assert run_cli("build", site, "-o", tmp_path / "new", "--as-of", AS_OF).returncode == 0
    assert run_cli("build", site, "--as-of", OLD_CLOCK).returncode == 0
    old, new = tree_bytes(out), tree_bytes(tmp_path / "new")
    assert old != new
    started = time.monotonic()
    assert run_cli("build", site, "-o", tmp_path / "timing", "--as-of", AS_OF, "--no-cache").returncode == 0
    duration = time.monotonic() - started
    seed = int(os.environ.get("ESSAYGEN_KILL_SEED", random.randrange(10**6)))
    chooser = random.Random(seed)
    print(f"kill seed {seed} (set ESSAYGEN_KILL_SEED to repeat); a full build takes ~{duration:.1f} s")
    outcomes = []
    for _ in range(8):
        delay = chooser.uniform(duration * 0.2, duration * 1.15)
        env = {k: v for k, v in os.environ.items() if k != "ESSAYGEN_DEBUG"}
        args = [sys.executable, "-m", "essaygen", "build", str(site), "--as-of", AS_OF, "--no-cache"]
        child = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        try:
            os.killpg(child.pid, signal.SIGKILL)  # the build and its render workers, all at once
        except ProcessLookupError:
            pass  # it had finished
        code = child.wait()
        found = _tree(out)
        outcomes.append((round(delay, 2), code))
        assert found in (old, new), f"after SIGKILL at {delay:.2f} s (seed {seed}) output/ is neither the old nor the new build"
        # Restore the old output for the next round, through a normal build (which also cleans up).
        assert run_cli("build", site, "--as-of", OLD_CLOCK).returncode == 0
        assert tree_bytes(out) == old
        assert not [p for p in site.iterdir() if p.name.startswith(".essaygen-stage-")]
    print("kills (delay s, exit status):", outcomes)
    # The cache survives kills: a build that uses it gives the same output as a clean one.
    assert run_cli("build", site, "--as-of", AS_OF).returncode == 0
    assert tree_bytes(out) == new


# ---------------------------------------------------------------- two builds at once

def test_two_concurrent_builds_both_succeed_and_equal_a_clean_build(tmp_path: Path) -> None:
    site = larger_site(tmp_path / "site", essays=120)
    env = {**os.environ}
    env.pop("ESSAYGEN_DEBUG", None)
    args = [sys.executable, "-m", "essaygen", "build", str(site), "--as-of", AS_OF]
    children = [subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(child.wait(timeout=300), child.stdout.read(), child.stderr.read()) for child in children]  # type: ignore[union-attr]
    for code, stdout, stderr in results:
        assert code == 0, stderr
        assert "Traceback" not in stderr
    clean = run_cli("build", site, "-o", tmp_path / "clean", "--as-of", AS_OF, "--no-cache")
    assert clean.returncode == 0, clean.stderr
    assert tree_bytes(site / "output") == tree_bytes(tmp_path / "clean")
    assert not [p for p in site.iterdir() if p.name.startswith(".essaygen-stage-")]
    # Every cache entry is whole (its checksum holds) and the cache gives the same output.
    store = BodyCache(site / CACHE_DIR, FileDigests(site))
    entries = list((site / CACHE_DIR / "bodies").rglob("*.body"))
    assert entries
    assert all(store.get(p.stem) is not None for p in entries)
    assert not list((site / CACHE_DIR).rglob("*.tmp"))
    again = run_cli("build", site, "-o", tmp_path / "cached", "--as-of", AS_OF)
    assert again.returncode == 0 and tree_bytes(tmp_path / "cached") == tree_bytes(tmp_path / "clean")
