"""Scale (GitHub issue 8): big inputs build, with bounded memory. Times are never asserted.

- an essay of 50,000 words
- a bibliography of 1,000 references (CSL-JSON, obviously fake) and 300 citations in one essay
- a site of 5,000 essays, built in a child process whose peak RSS must stay under 1.5 GB
- bundle folders 40 levels deep; file and folder names with spaces and non-ASCII letters
"""

from __future__ import annotations

import json
import resource
from pathlib import Path

from conftest import run_cli
from robustness.harness import check_output_files, parse_html, run_main, write_site

AS_OF = "2024-06-01"
SITE = "title: Scale\nbase_url: https://scale.example.org/\ntimezone: UTC\nsearch: {enabled: false}\n"
MAX_RSS_BYTES = 1_500 * 1024 * 1024


def build(site: Path, *args: str) -> dict[str, bytes]:
    code, _, stderr = run_main(["build", site, "--as-of", AS_OF, *args], timeout=900)
    assert code == 0, stderr
    return check_output_files(site / "output")


def words(n: int, start: int = 0) -> str:
    return " ".join(f"word{i}" for i in range(start, start + n))


def test_an_essay_of_fifty_thousand_words(tmp_path: Path) -> None:
    sections = [f"## Section {s}\n\n" + "\n\n".join(words(100, s * 500 + p * 100) + "." for p in range(5)) for s in range(100)]
    body = "\n\n".join(sections) + "\n\nTHE-LAST-SENTENCE.\n"
    site = write_site(tmp_path / "site", SITE, {"long.md": f"---\ntitle: Long\ndate: 2020-01-01\n---\n{body}"})
    files = build(site)
    page = files["essays/long/index.html"].decode()
    assert "THE-LAST-SENTENCE." in page and "word49999" in page
    [data] = [json.loads(text) for attrs, text in parse_html(page).scripts if attrs.get("type") == "application/ld+json"]
    assert data["wordCount"] >= 50_000
    assert page.count('id="section-') >= 100


def fake_references(count: int) -> list[dict[str, object]]:
    return [{"id": f"fake{i:04d}", "type": "article-journal", "title": f"A synthetic, obviously fake study number {i}",
             "author": [{"family": f"Fakename{i}", "given": "Test"}], "container-title": "Journal of Invented Results",
             "volume": str(i % 50 + 1), "page": f"{i}-{i + 9}", "issued": {"date-parts": [[1990 + i % 30]]}}
            for i in range(count)]


def test_a_thousand_references_and_three_hundred_citations_in_one_essay(tmp_path: Path) -> None:
    site_yaml = SITE + "citations:\n  bibliography: content/refs.json\n  style: vancouver\n"
    cites = "\n\n".join(f"Claim {i} is supported [@fake{i * 3:04d}, p. {i}]." for i in range(300))
    site = write_site(tmp_path / "site", site_yaml, {"cited.md": f"---\ntitle: Cited\ndate: 2020-01-01\n---\n{cites}\n"},
                      files={"content/refs.json": json.dumps(fake_references(1_000))})
    files = build(site)
    page = files["essays/cited/index.html"].decode()
    assert page.count('class="csl-left-margin"') == 300          # one numbered entry per work cited
    assert "A synthetic, obviously fake study number 897" in page and "number 898<" not in page and "number 898." not in page
    references = files["references/index.html"].decode()
    assert references.count("obviously fake study") == 300


def test_five_thousand_essays_build_with_bounded_memory(tmp_path: Path) -> None:
    series = "series:\n  big:\n    title: Big\n"
    essays = {f"essay-{i:05d}.md": f"---\ntitle: Essay {i}\ndate: 2020-01-01 {i % 24:02d}:{i % 60:02d}\ntags: [topic-{i % 50}]\n"
                                   f"{'series: big' + chr(10) if i % 10 == 0 else ''}---\nEssay {i} says a little. [Next](essay-{(i + 1) % 5000:05d}.md)\n"
              for i in range(5_000)}
    site = write_site(tmp_path / "site", SITE + series, essays)
    result = run_cli("build", site, "--as-of", AS_OF, timeout=1800)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024   # KiB on Linux
    assert result.returncode == 0, result.stderr[-3000:]
    print(f"5,000 essays: peak RSS of the largest child so far {peak / 1_048_576:.0f} MiB")
    assert peak < MAX_RSS_BYTES
    out = site / "output"
    assert len([p for p in (out / "essays").iterdir() if p.is_dir()]) == 5_000
    assert (out / "essays/essay-04999/index.html").is_file() and (out / "tags/topic-49/index.html").is_file()
    assert (out / "series/big/index.html").read_text().count('href="../../essays/essay-') >= 500


def test_bundle_folders_forty_levels_deep(tmp_path: Path) -> None:
    deep = "/".join(f"level{i}" for i in range(40))
    site = write_site(tmp_path / "site", SITE, {"deep/index.md": f"---\ntitle: Deep\ndate: 2020-01-01\n---\n![a deep picture]({deep}/picture.png)\n\n[data]({deep}/data.csv)\n"},
                      files={f"content/essays/deep/{deep}/picture.png": b"\x89PNG", f"content/essays/deep/{deep}/data.csv": "a,b\n1,2\n"})
    files = build(site)
    assert f"essays/deep/{deep}/picture.png" in files and f"essays/deep/{deep}/data.csv" in files
    assert f'src="{deep}/picture.png"' in files["essays/deep/index.html"].decode()


def test_names_with_spaces_and_non_ascii_letters(tmp_path: Path) -> None:
    essays = {
        "Café au lait.md": "---\ntitle: Café\ndate: 2020-01-01\n---\n![plan](../media/Straße%20plan.svg) and [the other](Über%20uns/index.md)\n",
        "Über uns/index.md": "---\ntitle: Über uns\ndate: 2020-01-02\n---\n![bild](mein%20bild.png)\n\n![foto](<zweites foto.png>)\n",
        "日本語.md": "---\ntitle: 日本語\nslug: nihongo\ndate: 2020-01-03\n---\nテキスト。\n",
        "with  two  spaces .md": "---\ntitle: Spaces\ndate: 2020-01-04\n---\nText.\n",
    }
    files_in = {"content/media/Straße plan.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>", "content/essays/Über uns/mein bild.png": b"png",
                "content/essays/Über uns/zweites foto.png": b"png2"}
    site = write_site(tmp_path / "site", SITE, essays, files=files_in)
    files = build(site)
    for rel in ("essays/cafe-au-lait/index.html", "essays/uber-uns/index.html", "essays/nihongo/index.html", "essays/with-two-spaces/index.html",
                "media/Straße plan.svg", "essays/uber-uns/mein bild.png", "essays/uber-uns/zweites foto.png"):
        assert rel in files, rel
    cafe = files["essays/cafe-au-lait/index.html"].decode()
    assert 'href="../uber-uns/"' in cafe
