"""The bare Python floor: the least a Python generator can do for the same work.

    python bench/floor.py SRC OUT

SRC is a corpus's floor/ folder (essays/*.md with YAML front matter, media/).
One process: markdown-it-py (commonmark + table + footnote) renders N pages, Jinja2
writes them and an index listing every essay, feedgen writes one RSS feed. No cache,
no parallelism, no checks: any real generator pays at least this much.
"""

from __future__ import annotations

import shutil
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from feedgen.feed import FeedGenerator
from jinja2 import Environment
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

BASE_URL = "https://bench.example.org/"
TZ = ZoneInfo("Europe/London")
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader, as PERFORMANCE.md measured

PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{ e.title }} | Bench Essays</title>
<meta name="description" content="{{ e.summary }}"></head>
<body><main><article><h1>{{ e.title }}</h1>
<p><time datetime="{{ e.date.isoformat() }}">{{ e.date.strftime("%-d %B %Y") }}</time></p>
{{ e.html | safe }}
</article></main></body></html>
"""
INDEX = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Bench Essays</title>
<link rel="alternate" type="application/rss+xml" href="{{ base }}rss.xml"></head>
<body><main><h1>Bench Essays</h1><ul>
{% for e in essays %}<li><a href="essays/{{ e.slug }}/">{{ e.title }}</a> <p>{{ e.summary }}</p></li>
{% endfor %}</ul></main></body></html>
"""


def read_essay(path: Path, md: MarkdownIt) -> dict:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.load(front, Loader=LOADER)
    date = meta["date"] if isinstance(meta["date"], datetime) else datetime.fromisoformat(str(meta["date"]))
    return {**meta, "slug": path.stem, "date": date.replace(tzinfo=TZ), "html": md.render(body)}


def write_feed(essays: list[dict], out: Path) -> None:
    fg = FeedGenerator()
    fg.title("Bench Essays")
    fg.link(href=BASE_URL, rel="alternate")
    fg.description("A synthetic corpus for benchmarking")
    fg.language("en-GB")
    for e in reversed(essays):  # add_entry prepends: feed ends up newest first
        entry = fg.add_entry()
        url = f"{BASE_URL}essays/{e['slug']}/"
        entry.id(url)
        entry.title(e["title"])
        entry.link(href=url)
        entry.description(e["summary"])
        entry.pubDate(e["date"])
    fg.rss_file(str(out / "rss.xml"))


def build(src: Path, out: Path) -> int:
    md = MarkdownIt("commonmark").enable("table").use(footnote_plugin)
    env = Environment(autoescape=True)
    page, index = env.from_string(PAGE), env.from_string(INDEX)
    essays = [read_essay(p, md) for p in sorted((src / "essays").glob("*.md"))]
    essays.sort(key=lambda e: (e["date"], e["slug"]), reverse=True)
    for e in essays:
        target = out / "essays" / e["slug"] / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.render(e=e), encoding="utf-8")
    (out / "index.html").write_text(index.render(essays=essays, base=BASE_URL), encoding="utf-8")
    write_feed(essays, out)
    if (src / "media").is_dir():
        shutil.copytree(src / "media", out / "media", dirs_exist_ok=True)
    return len(essays)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    src, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    count = build(src, out)
    print(f"floor: {count} essays -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
