"""Every page the lab theme generates is valid HTML, per the Nu HTML Checker (vnu).

The sample is built three ways (today: every essay; at launch: three parts
"coming soon"; with --drafts: a draft essay and page and the draft banner), and
vnu checks every HTML file of each output. Any error fails, with its file, line
and message, so a template (or the Python that writes HTML) can be fixed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from browser.sitekit import LAUNCH, TODAY, VNU_JAR, build_sample, html_files

JAVA = shutil.which("java")

pytestmark = [
    pytest.mark.skipif(JAVA is None, reason="java is not installed (the Nu HTML Checker needs it: apt-get install default-jre-headless)"),
    pytest.mark.skipif(not VNU_JAR.exists(), reason=f"the Nu HTML Checker is not installed at {VNU_JAR} (make test installs it: npm install --prefix .venv/node vnu-jar@24)"),
]

BUILDS = {"today": (TODAY, False), "launch": (LAUNCH, False), "drafts": (TODAY, True)}
# Every kind of page must be in each build: a template that stops rendering fails here too.
PAGE_KINDS = ("index.html", "404.html", "essays/index.html", "series/lab-essays/index.html", "tags/index.html", "references/index.html", "about/index.html")


def vnu(files: list[Path], *options: str) -> list[dict]:
    """vnu's messages (errors only) for `files`; it writes its JSON report to stderr."""
    done = subprocess.run(
        [JAVA, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *options, *map(str, files)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    report = done.stderr.strip() or done.stdout.strip()
    try:
        return json.loads(report)["messages"]
    except (json.JSONDecodeError, KeyError) as exc:
        raise AssertionError(f"vnu gave no JSON report (exit {done.returncode}): {report[:2000]}") from exc


def describe(messages: list[dict], root: Path) -> str:
    lines = []
    for m in messages:
        where = m.get("url", "").removeprefix("file:")
        try:
            where = str(Path(where).relative_to(root))
        except ValueError:
            pass
        extract = (m.get("extract") or "").replace("\n", " ")[:160]
        lines.append(f"{where}:{m.get('lastLine', '?')}:{m.get('firstColumn', m.get('lastColumn', '?'))}: {m.get('type')}: {m.get('message')}\n    {extract}")
    return "\n".join(lines)


@pytest.fixture(scope="module", params=sorted(BUILDS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    as_of, drafts = BUILDS[request.param]
    return request.param, build_sample(tmp_path_factory.mktemp(request.param), as_of, drafts=drafts)


def test_every_page_is_valid_html(built: tuple[str, Path]) -> None:
    name, out = built
    files = html_files(out)
    present = {p.relative_to(out).as_posix() for p in files}
    assert set(PAGE_KINDS) <= present, f"{name}: missing {set(PAGE_KINDS) - present}"
    assert any(p.startswith("essays/") and p.count("/") == 2 for p in present), "an essay page"
    assert any(p.startswith("tags/") and p.count("/") == 2 for p in present), "a tag page"
    if name == "drafts":
        assert "essays/draft-note/index.html" in present and "contributors/index.html" in present
    messages = vnu(files)
    assert not messages, f"{name} build, {len(messages)} vnu error(s):\n" + describe(messages, out)


def test_theme_css_and_svg_are_valid(built: tuple[str, Path]) -> None:
    name, out = built
    if name != "today":
        pytest.skip("the theme's static files are the same in every build")
    files = sorted((out / "assets").glob("*.css")) + sorted((out / "assets").glob("*.svg"))
    messages = vnu(files, "--also-check-css", "--also-check-svg")
    assert not messages, describe(messages, out)
