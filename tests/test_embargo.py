"""Series, scheduling and the embargo (DESIGN.md §1 "Time and release", §4 invariant 1)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli, tree_bytes

CANARIES = [
    "CANARY-BODY-EMBARGOED",
    "CANARY-SUMMARY-EMBARGOED",
    "canary-tag-embargoed",
    "CANARY-WORK-ONLY-EMBARGOED-CITES",
    "CANARY-BODY-DRAFT",
    "CANARY-SUMMARY-DRAFT",
    "CANARY-DRAFT-TITLE",
    "embargoed-essay",   # the embargoed essay's slug, so its URL
    "draft-essay",
]


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


@pytest.fixture
def canary_site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write(root, "site.yaml", """
        title: Canary Essays
        base_url: https://canary.example.org/essays/
        language: en-GB
        timezone: Europe/London
        series:
          main:
            title: Main series
            tease: titles
            schedule:
              - release: 2020-01-01 09:00
                essays: [released-essay]
              - release: 2030-01-01 09:00
                announce: early 2030
                essays: [embargoed-essay]
        citations:
          bibliography: content/references.json
          style: harvard
        """)
    write(root, "content/references.json", json.dumps([
        {"id": "shared2019", "type": "article-journal", "title": "A work both essays cite", "author": [{"family": "Shared", "given": "Sam"}], "issued": {"date-parts": [[2019]]}},
        {"id": "secret2021", "type": "article-journal", "title": "CANARY-WORK-ONLY-EMBARGOED-CITES", "author": [{"family": "Hidden", "given": "Hal"}], "issued": {"date-parts": [[2021]]}},
    ]))
    write(root, "content/essays/released-essay.md", """
        ---
        title: The released essay
        summary: This one is out.
        tags: [open]
        ---
        Released text [@shared2019]. The [next part](embargoed-essay.md) is coming.

        ## A section
        """)
    write(root, "content/essays/embargoed-essay.md", """
        ---
        title: The embargoed essay
        summary: CANARY-SUMMARY-EMBARGOED
        tags: [canary-tag-embargoed, open]
        ---
        CANARY-BODY-EMBARGOED [@secret2021; @shared2019].
        """)
    write(root, "content/essays/draft-essay.md", """
        ---
        title: CANARY-DRAFT-TITLE
        summary: CANARY-SUMMARY-DRAFT
        date: 2019-01-01
        draft: true
        tags: [canary-tag-draft]
        ---
        CANARY-BODY-DRAFT
        """)
    return root


def test_no_byte_of_an_embargoed_or_draft_essay_in_any_output_file(canary_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("build", canary_site, "-o", out, "--as-of", "2024-06-01")
    assert result.returncode == 0, result.stderr
    files = tree_bytes(out)
    assert "essays/released-essay/index.html" in files
    for rel, data in files.items():
        for canary in CANARIES:
            assert canary.encode() not in data, f"{canary} leaked into {rel}"
            assert canary not in rel, f"{canary} leaked into the file name {rel}"
    series = files["series/main/index.html"].decode()
    assert "The embargoed essay" in series and "early 2030" in series, "tease: titles shows the title and announce"
    released = files["essays/released-essay/index.html"].decode()
    assert '<span class="unreleased-link">next part</span>' in released


def test_after_release_everything_appears(canary_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("build", canary_site, "-o", out, "--as-of", "2030-01-01T09:00:00+00:00")
    assert result.returncode == 0, result.stderr
    page = (out / "essays/embargoed-essay/index.html").read_text()
    assert "CANARY-BODY-EMBARGOED" in page and "CANARY-WORK-ONLY-EMBARGOED-CITES" in page
    assert 'href="../embargoed-essay/"' in (out / "essays/released-essay/index.html").read_text()
    assert b"CANARY-BODY-DRAFT" not in b"".join(tree_bytes(out).values())


def test_drafts_flag_builds_drafts_noindex_with_banner(canary_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("build", canary_site, "-o", out, "--as-of", "2024-06-01", "--drafts")
    assert result.returncode == 0, result.stderr
    page = (out / "essays/draft-essay/index.html").read_text()
    assert "CANARY-BODY-DRAFT" in page
    assert '<meta name="robots" content="noindex">' in page
    assert "draft-banner" in page
    assert '<meta name="robots" content="noindex">' in (out / "index.html").read_text()
    assert (out / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"
    assert "CANARY-BODY-EMBARGOED" not in "".join(p.read_text("utf-8", "replace") for p in out.rglob("*.html"))


@pytest.fixture
def new_york_site(tmp_path: Path) -> Path:
    root = tmp_path / "ny"
    write(root, "site.yaml", """
        title: New York
        base_url: https://ny.example.org/
        timezone: America/New_York
        """)
    write(root, "content/essays/morning.md", """
        ---
        title: Morning
        date: 2025-03-01 08:00
        ---
        Released at eight in New York.
        """)
    return root


@pytest.mark.parametrize(("as_of", "released"), [("2025-03-01T12:00:00Z", False), ("2025-03-01T12:59:59Z", False), ("2025-03-01T13:00:00Z", True)])
def test_naive_dates_are_read_in_the_site_time_zone(new_york_site: Path, tmp_path: Path, as_of: str, released: bool) -> None:
    out = tmp_path / "out"
    assert run_cli("build", new_york_site, "-o", out, "--as-of", as_of).returncode == 0
    assert (out / "essays/morning/index.html").exists() is released
    data = json.loads(run_cli("schedule", new_york_site, "--as-of", as_of, "--json").stdout)
    assert data["essays"][0]["state"] == ("released" if released else "embargoed")
    assert data["essays"][0]["release"] == "2025-03-01T08:00:00-05:00"
    if released:
        assert data["next_release"] is None and data["next_release_essays"] == []
    else:
        assert data["next_release"] == "2025-03-01T08:00:00-05:00"
        assert data["next_release_essays"] == ["morning"]


def test_schedule_table_and_json_on_the_sample(sample_site: Path) -> None:
    result = run_cli("schedule", sample_site, "--as-of", "2018-06-15")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(re.match(r"what-is-the-q-lab\s+lab-essays\s+1 of 6\s+released\s+2018-05-30 09:00 BST", l) for l in lines), result.stdout
    assert any(re.match(r"evaluation\s+lab-essays\s+6 of 6\s+embargoed\s+2018-08-06 09:00 BST", l) for l in lines), result.stdout
    data = json.loads(run_cli("schedule", sample_site, "--as-of", "2018-06-15", "--json").stdout)
    assert data["next_release"] == "2018-08-06T09:00:00+01:00"
    assert data["next_release_essays"] == ["achieving-impact", "ways-of-working", "evaluation"]
    assert [e["state"] for e in data["essays"]].count("released") == 3


def test_sample_at_launch_three_essays_and_three_coming_soon(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("build", sample_site, "-o", out, "--as-of", "2018-06-15")
    assert result.returncode == 0, result.stderr
    essays = sorted(p.parent.name for p in (out / "essays").glob("*/index.html"))
    assert essays == ["decision-making", "learning-and-insights", "what-is-the-q-lab"]
    series = (out / "series/lab-essays/index.html").read_text()
    start = series.index('class="coming-soon"')
    soon = series[start : series.index("</section>", start)]
    assert soon.count("<li>") == 3
    assert soon.count("early August 2018") == 3
    for title in ("How the Lab aims to achieve impact", "Ways of working", "evaluation"):
        assert title.lower() in soon.lower()
    assert 'href="../../essays/achieving-impact/' not in series and "<a" not in soon
    page = (out / "essays/decision-making/index.html").read_text()
    assert "Part 3 of 6" in page
    assert 'rel="prev" href="../learning-and-insights/"' in page
    assert 'rel="next"' not in page, "part 4 is not released: no next link"


def test_sample_today_all_six_with_prev_and_next(sample_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("build", sample_site, "-o", out, "--as-of", "2026-11-22")
    assert result.returncode == 0, result.stderr
    order = ["what-is-the-q-lab", "learning-and-insights", "decision-making", "achieving-impact", "ways-of-working", "evaluation"]
    for n, slug in enumerate(order, 1):
        page = (out / f"essays/{slug}/index.html").read_text()
        assert f"Part {n} of 6" in page
        if n > 1:
            assert f'rel="prev" href="../{order[n - 2]}/"' in page
        if n < 6:
            assert f'rel="next" href="../{order[n]}/"' in page
    assert 'class="coming-soon"' not in (out / "series/lab-essays/index.html").read_text()
