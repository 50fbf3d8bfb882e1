"""Golden sites: tests/sites/<case>/site is built and compared with tests/sites/<case>/expected.

Invalid sites: tests/sites_invalid/<case>/site must fail with exactly the text in
expected.txt (stderr), exit status 1, and leave a previous output untouched.
`pytest --update-golden` rewrites both kinds of expected files; review the diff.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from conftest import run_cli, tree_bytes

HERE = Path(__file__).parent
GOLDEN = sorted(p.name for p in (HERE / "sites").iterdir() if (p / "site").is_dir() or (p / "source.txt").exists())
INVALID = sorted(p.name for p in (HERE / "sites_invalid").iterdir() if (p / "site").is_dir())
# Theme files are not part of the goldens: they would churn on every CSS change.
IGNORED = ("assets/", "search/terms/")  # the postings churn with every word; test_search_index checks them


def _args(case: Path) -> list[str]:
    args = case / "args.txt"
    return shlex.split(args.read_text()) if args.exists() else []


def _site_of(case: Path, dest: Path) -> Path:
    """The case's own site/, or the site folder named in source.txt (the sample, without copying it)."""
    if (case / "site").is_dir():
        return shutil.copytree(case / "site", dest, symlinks=True)
    source = (case / (case / "source.txt").read_text().strip()).resolve()
    dest.mkdir()
    shutil.copy(source / "site.yaml", dest / "site.yaml")
    for folder in ("content", "themes", "templates"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, dest / folder)
    return dest


def _compared(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in tree.items() if not k.startswith(IGNORED)}


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_site(name: str, tmp_path: Path, update_golden: bool) -> None:
    case = HERE / "sites" / name
    site = _site_of(case, tmp_path / "site")
    result = run_cli("build", site, "-o", tmp_path / "out", "--no-cache", *_args(case))
    assert result.returncode == 0, result.stderr
    built = _compared(tree_bytes(tmp_path / "out"))
    expected_dir = case / "expected"
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, data in built.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_bytes(data)
    expected = tree_bytes(expected_dir)
    assert sorted(built) == sorted(expected), "the set of output files differs"
    for rel in expected:
        assert built[rel].decode("utf-8", "replace") == expected[rel].decode("utf-8", "replace"), rel


@pytest.mark.parametrize("name", INVALID)
def test_invalid_site(name: str, tmp_path: Path, update_golden: bool) -> None:
    case = HERE / "sites_invalid" / name
    site = shutil.copytree(case / "site", tmp_path / "site", symlinks=True)
    out = tmp_path / "out"
    out.mkdir()
    (out / "previous.html").write_text("the previous build")
    result = run_cli("build", site, "-o", out, "--no-cache", *_args(case))
    expected_file = case / "expected.txt"
    if update_golden:
        expected_file.write_text(result.stderr)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr == expected_file.read_text()
    assert tree_bytes(out) == {"previous.html": b"the previous build"}, "a failed build changed the output"


@pytest.mark.parametrize("name", GOLDEN)
def test_the_header_marks_the_page_it_is_on(name: str) -> None:
    """The site title and nav links to the page being read carry aria-current="page"
    (screen readers announce it; the theme underlines it), and no other header link does."""
    import re

    header = re.compile(r'<header class="site-header">.*?</header>', re.S)
    link = re.compile(r'<a (?:class="site-title" )?href="([^"]*)"( aria-current="page")?>')
    marked = 0
    for page in (HERE / "sites" / name / "expected").rglob("*.html"):
        found = header.search(page.read_text(encoding="utf-8"))
        if found is None or page.name == "404.html":  # the 404 page is served at any address
            continue
        for href, current in link.findall(found.group()):
            assert bool(current) == (href == "./"), f"{page}: {href}"
            marked += bool(current)
    assert marked  # the home page, the essays list, topics, references, ... each mark their link
