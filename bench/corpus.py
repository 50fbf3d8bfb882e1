"""Deterministic synthetic corpus for the essaygen benchmark.

    python bench/corpus.py N OUTDIR [--no-citations] [--seed S] [--targets essaygen,pelican,hugo,floor]

writes the same N essays (~2,500 words, ~13 KiB each, with headings, tables, block
quotes, a figure, footnotes and citation markers) in four layouts:

    OUTDIR/essaygen/   site.yaml, content/essays/*.md, content/references.bib, content/media/
    OUTDIR/pelican/    pelicanconf.py, content/*.md, content/images/
    OUTDIR/hugo/       hugo.toml, content/posts/*.md, layouts/_default/*.html, static/media/
    OUTDIR/floor/      essays/*.md, media/  (input of bench/floor.py)

Everything comes from one seeded random.Random per essay, so a given (N, seed, mode)
always produces byte-identical files, and essay i is the same text whatever N is.
Nothing here touches the network. References are synthetic and marked as such.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

TARGET_WORDS = 2500
BIB_ENTRIES = 50
REFS_PER_ESSAY = 12  # PERFORMANCE.md: 12 references and 20 citations per essay
CITATIONS_PER_ESSAY = 20
ESSAYS_PER_SERIES = 100
ESSAYS_PER_WAVE = 25
FIRST_RELEASE = datetime(2020, 1, 6, 9, 0)
ALL_TARGETS = ("essaygen", "pelican", "hugo", "floor")

# Short function words are drawn often, as in real prose: that keeps the average
# bytes per word near real English (~5.3 with the space) and so ~2,500 words ≈ 13 KiB.
FUNCTION_WORDS = (
    "the of and to in a is that for it as was with be by on not this are or at from "
    "have an they which one we can were all their has been more when who will no if "
    "so what out up about into than them its only other some could these two may then"
).split()
CONTENT_WORDS = (
    "peer support group member people health service lab project team evidence survey "
    "respondent network practice learning insight decision making impact evaluation "
    "community volunteer meeting session programme pilot year funding partner design "
    "outcome measure question answer finding result report method sample data trust "
    "care worker mental wellbeing local national region coordinator facilitator role "
    "training skill experience story voice choice change improvement idea challenge "
    "barrier enabler time money space resource policy commissioner manager leader staff "
    "patient carer family friend neighbour charity organisation system culture value "
    "relationship conversation workshop event theme pattern model approach framework "
    "principle priority risk benefit cost quality safety access equity inclusion "
    "connection isolation recovery hope confidence knowledge understanding reflection "
    "feedback review study paper article chapter figure table source reference claim "
    "argument context history future plan strategy goal target milestone stage phase "
    "wave release series part essay reader writer editor page early late small large "
    "clear useful careful honest open shared common local informal formal simple "
    "complex new old long short strong weak many few most least often rarely"
).split()
TAGS = (
    "peer support|evaluation|survey|decision making|ways of working|impact|funding|"
    "volunteering|mental health|co-design|measurement|communities|leadership|learning|"
    "networks|policy|inclusion|digital|training|wellbeing"
).split("|")
AUTHORS = (
    "Avery Bench|Blake Fixture|Casey Sample|Devon Synthetic|Emery Corpus|Finley Stub|"
    "Harper Mock|Jordan Placeholder"
).split("|")
EDIT_SENTENCE = "This sentence was appended by the benchmark to change one essay."

# A tiny shared figure: every layout copies it and every essay points at it.
FIGURE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">
<title>Synthetic benchmark figure</title>
<rect x="0" y="0" width="120" height="60" fill="#eef"/>
<rect x="10" y="30" width="20" height="25" fill="#669"/>
<rect x="40" y="15" width="20" height="40" fill="#669"/>
<rect x="70" y="22" width="20" height="33" fill="#669"/>
</svg>
"""


@dataclass
class Essay:
    """One essay, independent of any generator's layout."""

    index: int
    slug: str
    title: str
    summary: str
    authors: list[str]
    tags: list[str]
    series: str
    release: datetime
    body: str  # Markdown with the image path written as MEDIA_PLACEHOLDER
    words: int = field(default=0)


MEDIA_PLACEHOLDER = "@@MEDIA@@/figure.svg"


# ---------------------------------------------------------------- text building


def words(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(FUNCTION_WORDS) if rng.random() < 0.65 else rng.choice(CONTENT_WORDS) for _ in range(n)]


def sentence(rng: random.Random, lo: int = 8, hi: int = 22) -> str:
    ws = words(rng, rng.randint(lo, hi))
    ws[0] = ws[0].capitalize()
    # Occasional inline markup so the inline rules (the hot path) see realistic input.
    roll = rng.random()
    if roll < 0.08:
        k = rng.randrange(1, len(ws))
        ws[k] = f"*{ws[k]}*"
    elif roll < 0.12:
        k = rng.randrange(1, len(ws))
        ws[k] = f"**{ws[k]}**"
    elif roll < 0.14:
        k = rng.randrange(1, len(ws))
        ws[k] = f"`{ws[k]}`"
    return " ".join(ws) + ("?" if rng.random() < 0.05 else ".")


class CitationPlan:
    """Hands out ~20 citation markers over 12 distinct references, in pandoc syntax.

    Forms cover what DESIGN.md lists: [@k], [@k, p. N], [see @a; @b], narrative @k
    and suppress-author [-@k]. With citations off it hands out nothing.
    """

    def __init__(self, rng: random.Random, enabled: bool) -> None:
        self.rng = rng
        self.enabled = enabled
        self.keys = [f"bench{n:02d}" for n in sorted(rng.sample(range(1, BIB_ENTRIES + 1), REFS_PER_ESSAY))]
        self.used = 0

    def marker(self) -> str:
        if not self.enabled or self.used >= CITATIONS_PER_ESSAY:
            return ""
        # Cycle through the keys first so every one of the 12 is cited at least once.
        key = self.keys[self.used % len(self.keys)] if self.used < len(self.keys) else self.rng.choice(self.keys)
        self.used += 1
        form = self.rng.random()
        if form < 0.5:
            return f" [@{key}]"
        if form < 0.7:
            return f" [@{key}, p. {self.rng.randint(2, 240)}]"
        if form < 0.85:
            other = self.rng.choice([k for k in self.keys if k != key])
            return f" [see @{key}; @{other}]"
        return f" [-@{key}]"

    def narrative_ok(self) -> bool:
        # Narrative citations only once the 12 keys have each had a bracketed one.
        return self.enabled and len(self.keys) <= self.used < CITATIONS_PER_ESSAY

    def narrative(self) -> str:
        if not self.enabled or self.used >= CITATIONS_PER_ESSAY:
            return ""
        key = self.rng.choice(self.keys)
        self.used += 1
        return f"As @{key} reported, "


def paragraph(rng: random.Random, cites: CitationPlan, cite_chance: float) -> str:
    parts = []
    for _ in range(rng.randint(3, 6)):
        s = sentence(rng)
        if rng.random() < cite_chance:
            if rng.random() < 0.15 and cites.narrative_ok():
                s = cites.narrative() + s[0].lower() + s[1:]
            else:
                s = s[:-1] + cites.marker() + s[-1]
        parts.append(s)
    return " ".join(parts)


def table(rng: random.Random, number: int) -> str:
    cols = ["Measure", "Before", "After", "Change"]
    rows = [f"| {' | '.join(cols)} |", "|---|--:|--:|--:|"]
    for _ in range(rng.randint(5, 8)):
        before, after = rng.randint(10, 90), rng.randint(10, 90)
        label = " ".join(words(rng, 3)).capitalize()
        rows.append(f"| {label} | {before}% | {after}% | {after - before:+d} |")
    caption = f"Table {number}: {' '.join(words(rng, 6))}."
    return caption + "\n\n" + "\n".join(rows)


def block_quote(rng: random.Random) -> str:
    lines = [sentence(rng, 10, 18), sentence(rng, 8, 14)]
    return "\n".join(f"> {line}" for line in lines) + "\n>\n> — a synthetic participant"


def figure() -> str:
    # The title makes it a <figure> with a caption in essaygen.
    return f'![A synthetic bar chart of three values]({MEDIA_PLACEHOLDER} "Figure 1: synthetic benchmark figure")'


def headings_plan(rng: random.Random) -> list[str]:
    """6–10 headings, ## first, then a mix of ## and ###."""
    levels = ["##"]
    for _ in range(rng.randint(6, 10) - 1):
        levels.append("###" if levels[-1] == "##" and rng.random() < 0.5 else "##")
    return levels


def build_body(rng: random.Random, index: int, n: int, cites_on: bool) -> tuple[str, int]:
    cites = CitationPlan(rng, cites_on)
    levels = headings_plan(rng)
    n_sections = len(levels)
    table_at = set(rng.sample(range(n_sections), rng.randint(1, 2)))
    quote_at = set(rng.sample(range(n_sections), rng.randint(1, 2)))
    figure_at = rng.randrange(n_sections)
    footnotes = rng.randint(2, 3)
    footnote_at = sorted(rng.sample(range(n_sections), footnotes))
    # ~165 sentences at 0.14 offer ~23 slots; CitationPlan stops at 20 markers.
    cite_chance = 0.14 if cites_on else 0.0
    # Prose budget: the target less what tables, quotes and footnotes add (~320 words).
    per_section = (TARGET_WORDS - 320) / (n_sections + 1)

    blocks: list[str] = []
    prose = 0

    def add_prose_until(limit: float) -> None:
        nonlocal prose
        while prose < limit:
            p = paragraph(rng, cites, cite_chance)
            prose += len(p.split())
            blocks.append(p)

    add_prose_until(per_section)  # the introduction, before the first heading
    tables = 0
    for s, level in enumerate(levels):
        blocks.append(f"{level} {' '.join(words(rng, rng.randint(3, 6))).capitalize()}")
        add_prose_until(per_section * (s + 2))
        if s in footnote_at:
            k = footnote_at.index(s) + 1
            blocks[-1] = blocks[-1][:-1] + f"[^{k}]" + blocks[-1][-1]
        if s in table_at:
            tables += 1
            blocks.append(table(rng, tables))
        if s in quote_at:
            blocks.append(block_quote(rng))
        if s == figure_at:
            blocks.append(figure())
        if s == n_sections // 2 and n > 1:
            # A link to another essay by its source path: essaygen resolves it.
            other = (index + 1) % n
            blocks.append(f"See also [essay {other + 1}](essay-{other:04d}.md) for a related account.")
    for k in range(1, footnotes + 1):
        blocks.append(f"[^{k}]: {sentence(rng, 8, 16)}")
    body = "\n\n".join(blocks) + "\n"
    return body, len(body.split())


def make_essay(seed: int, index: int, n: int, cites_on: bool) -> Essay:
    # A string seed is hashed with SHA-512 by random.Random, so it is stable across runs
    # and Python versions, and essay i doesn't depend on N (except its see-also link).
    rng = random.Random(f"essaygen-bench:{seed}:{index}")
    title = f"Essay {index + 1}: " + " ".join(words(rng, rng.randint(3, 6))).capitalize()
    summary = sentence(rng, 14, 24)
    authors = rng.sample(AUTHORS, rng.randint(1, 2))
    tags = sorted(rng.sample(TAGS, rng.randint(2, 4)))
    series_no, in_series = divmod(index, ESSAYS_PER_SERIES)
    wave = in_series // ESSAYS_PER_WAVE
    release = FIRST_RELEASE + timedelta(weeks=series_no * 8 + wave)
    body, count = build_body(rng, index, n, cites_on)
    return Essay(index, f"essay-{index:04d}", title, summary, authors, tags,
                 f"bench-series-{series_no + 1:02d}", release, body, count)


# ---------------------------------------------------------------- layouts


def yaml_str(s: str) -> str:
    # Double-quoted YAML scalars: our generated text has no quotes or backslashes.
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def series_waves(essays: list[Essay]) -> dict[str, dict[datetime, list[str]]]:
    waves: dict[str, dict[datetime, list[str]]] = {}
    for e in essays:
        waves.setdefault(e.series, {}).setdefault(e.release, []).append(e.slug)
    return waves


def site_yaml(essays: list[Essay], cites_on: bool) -> str:
    lines = [
        "title: Bench Essays",
        "description: A synthetic corpus for benchmarking essaygen",
        "base_url: https://bench.example.org/",
        "language: en-GB",
        "timezone: Europe/London",
        "theme: lab",
        "series:",
    ]
    for name, waves in series_waves(essays).items():
        number = int(name.rsplit("-", 1)[1])
        lines += [f"  {name}:", f"    title: Bench series {number}",
                  f"    description: Synthetic series {number}", "    tease: titles", "    schedule:"]
        for release, slugs in waves.items():
            lines.append(f"      - release: {release:%Y-%m-%d %H:%M}")
            lines.append(f"        essays: [{', '.join(slugs)}]")
    if cites_on:
        lines += ["citations:", "  bibliography: content/references.bib", "  style: vancouver"]
    lines += ["feed:", "  entries: 20"]
    return "\n".join(lines) + "\n"


def references_bib() -> str:
    entries = []
    for n in range(1, BIB_ENTRIES + 1):
        rng = random.Random(f"essaygen-bench-bib:{n}")
        surname, given = rng.choice(["Bench", "Fixture", "Sample", "Stub", "Mock"]), rng.choice("ABCDEFGH")
        entries.append(
            f"@article{{bench{n:02d},\n"
            f"  author = {{{surname}, {given}. and Synthetic, {rng.choice('JKLMN')}.}},\n"
            f"  title = {{Synthetic benchmark reference {n}}},\n"
            f"  journal = {{Journal of Benchmark Fixtures}},\n"
            f"  year = {{{2000 + n % 20}}},\n"
            f"  volume = {{{1 + n % 9}}},\n"
            f"  number = {{{1 + n % 4}}},\n"
            f"  pages = {{{10 * n}--{10 * n + 9}}},\n"
            f"  note = {{Synthetic entry generated for benchmarking; not a real work}}\n}}\n"
        )
    return "\n".join(entries)


def write_essaygen(root: Path, essays: list[Essay], cites_on: bool) -> None:
    write(root / "site.yaml", site_yaml(essays, cites_on))
    write(root / "content/media/figure.svg", FIGURE_SVG)
    if cites_on:
        write(root / "content/references.bib", references_bib())
    for e in essays:
        fm = [
            "---",
            f"title: {yaml_str(e.title)}",
            f"summary: {yaml_str(e.summary)}",
            f"authors: [{', '.join(yaml_str(a) for a in e.authors)}]",
            f"tags: [{', '.join(yaml_str(t) for t in e.tags)}]",
            f"series: {e.series}",
            "---",
        ]
        write(root / f"content/essays/{e.slug}.md", "\n".join(fm) + "\n\n" + e.body.replace("@@MEDIA@@", "../media"))


PELICANCONF = '''\
# Generated by bench/corpus.py: Pelican doing the same work as the floor: N pages,
# an index listing every essay, one RSS feed. Default theme, no downloads.
AUTHOR = "Bench"
SITENAME = "Bench Essays"
SITEURL = "https://bench.example.org"
RELATIVE_URLS = False
PATH = "content"
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
STATIC_PATHS = ["images"]
DEFAULT_PAGINATION = False
ARTICLE_URL = "essays/{slug}/"
ARTICLE_SAVE_AS = "essays/{slug}/index.html"
# One RSS feed of every essay; no Atom, no per-category/author/tag feeds.
FEED_DOMAIN = SITEURL
FEED_ALL_RSS = "rss.xml"
FEED_MAX_ITEMS = None
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
# No tag/category/author/archive pages: the floor writes none either.
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
'''


def write_pelican(root: Path, essays: list[Essay]) -> None:
    write(root / "pelicanconf.py", PELICANCONF)
    write(root / "content/images/figure.svg", FIGURE_SVG)
    for e in essays:
        head = [
            f"Title: {e.title}",
            f"Date: {e.release:%Y-%m-%d %H:%M}",
            f"Slug: {e.slug}",
            "Category: essays",  # the default theme's article template needs one
            f"Authors: {', '.join(e.authors)}",
            f"Tags: {', '.join(e.tags)}",
            f"Summary: {e.summary}",
        ]
        write(root / f"content/{e.slug}.md", "\n".join(head) + "\n\n" + e.body.replace("@@MEDIA@@", "{static}/images"))


HUGO_TOML = """\
# Generated by bench/corpus.py: the same work as the floor (N pages, an index of
# every essay, one RSS feed); no theme download, tiny inline layouts.
baseURL = "https://bench.example.org/"
languageCode = "en-gb"
title = "Bench Essays"
timeZone = "Europe/London"
disableKinds = ["taxonomy", "term", "section"]
[outputs]
  home = ["HTML", "RSS"]
  page = ["HTML"]
[permalinks]
  posts = "/essays/:slug/"
[services.rss]
  limit = -1
"""
HUGO_BASEOF_SINGLE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{ .Title }} | {{ .Site.Title }}</title>
<meta name="description" content="{{ .Summary | plainify }}"></head>
<body><main><article><h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time></p>
{{ .Content }}
</article></main></body></html>
"""
HUGO_LIST = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main><h1>{{ .Title }}</h1><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</ul></main></body></html>
"""
HUGO_INDEX = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{ .Site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}</head>
<body><main><h1>{{ .Site.Title }}</h1><ul>
{{ range .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <p>{{ .Summary }}</p></li>{{ end }}
</ul></main></body></html>
"""


def write_hugo(root: Path, essays: list[Essay]) -> None:
    write(root / "hugo.toml", HUGO_TOML)
    write(root / "layouts/_default/single.html", HUGO_BASEOF_SINGLE)
    write(root / "layouts/_default/list.html", HUGO_LIST)
    write(root / "layouts/index.html", HUGO_INDEX)
    write(root / "static/media/figure.svg", FIGURE_SVG)
    for e in essays:
        fm = [
            "---",
            f"title: {yaml_str(e.title)}",
            f"slug: {e.slug}",
            f"date: {e.release:%Y-%m-%dT%H:%M:%S}",
            f"summary: {yaml_str(e.summary)}",
            f"authors: [{', '.join(yaml_str(a) for a in e.authors)}]",
            f"tags: [{', '.join(yaml_str(t) for t in e.tags)}]",
            "---",
        ]
        write(root / f"content/posts/{e.slug}.md", "\n".join(fm) + "\n\n" + e.body.replace("@@MEDIA@@", "/media"))


def write_floor(root: Path, essays: list[Essay]) -> None:
    write(root / "media/figure.svg", FIGURE_SVG)
    for e in essays:
        fm = [
            "---",
            f"title: {yaml_str(e.title)}",
            f"date: {e.release:%Y-%m-%dT%H:%M:%S}",
            f"summary: {yaml_str(e.summary)}",
            f"authors: [{', '.join(yaml_str(a) for a in e.authors)}]",
            f"tags: [{', '.join(yaml_str(t) for t in e.tags)}]",
            "---",
        ]
        write(root / f"essays/{e.slug}.md", "\n".join(fm) + "\n\n" + e.body.replace("@@MEDIA@@", "../media"))


WRITERS = {
    "essaygen": lambda root, essays, cites_on: write_essaygen(root, essays, cites_on),
    "pelican": lambda root, essays, cites_on: write_pelican(root, essays),
    "hugo": lambda root, essays, cites_on: write_hugo(root, essays),
    "floor": lambda root, essays, cites_on: write_floor(root, essays),
}


def generate(n: int, outdir: Path, cites_on: bool = True, seed: int = 1,
             targets: tuple[str, ...] = ALL_TARGETS) -> list[Essay]:
    """Write the corpus for each target, replacing what was there."""
    essays = [make_essay(seed, i, n, cites_on) for i in range(n)]
    for target in targets:
        root = outdir / target
        if root.exists():
            shutil.rmtree(root)  # a stale essay-NNNN from a larger N would skew counts
        WRITERS[target](root, essays, cites_on)
    return essays


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of essays")
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--no-citations", action="store_true",
                    help="no citation markers and no citations: block (the cold-build target's mode)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--targets", default=",".join(ALL_TARGETS),
                    help="comma-separated subset of " + ",".join(ALL_TARGETS))
    args = ap.parse_args(argv)
    targets = tuple(t for t in args.targets.split(",") if t)
    unknown = set(targets) - set(ALL_TARGETS)
    if unknown or args.n < 1:
        ap.error(f"bad --targets {sorted(unknown)}" if unknown else "N must be ≥ 1")
    essays = generate(args.n, args.outdir, not args.no_citations, args.seed, targets)
    total_words = sum(e.words for e in essays)
    total_bytes = sum(len(e.body.encode()) for e in essays)
    print(f"{args.n} essays, {total_words / args.n:,.0f} words and {total_bytes / args.n / 1024:.1f} KiB "
          f"per essay on average -> {args.outdir} ({', '.join(targets)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
