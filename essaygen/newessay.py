"""`essaygen new TITLE`: a new essay file with valid front matter."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import yaml

from essaygen.config import load_config
from essaygen.content import slugify
from essaygen.problems import Problem, SiteError, raise_if
from essaygen.schema import hint


def essay_text(title: str, series: str | None, today: str) -> str:
    """Front matter that passes every check, with YAML-safe quoting of the title."""
    front = {"title": title, "summary": "One or two sentences for listings, feeds and social cards.", "authors": [], "tags": []}
    if series:
        front["series"] = series
    front["date"] = today
    front["draft"] = True
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, default_flow_style=None, width=1000)
    return f"---\n{dumped}---\n\nWrite the essay here.\n"


def create_essay(root: Path, title: str, series: str | None, now: datetime) -> int:
    config, problems = load_config(root)
    raise_if(problems)
    assert config is not None
    if series and series not in config.series:
        raise SiteError([Problem("site.yaml", 1, 1, f"unknown series '{series}'{hint(series, list(config.series), 'series')} (declare it under `series:` first)")])
    slug = slugify(title)
    if not slug:
        raise SiteError([Problem("(command line)", 1, 1, f"cannot make a slug from the title '{title}' — use a title with letters or digits")])
    path = root / "content" / "essays" / f"{slug}.md"
    bundle = root / "content" / "essays" / slug
    rel = path.relative_to(root).as_posix()
    if path.exists() or bundle.exists():
        raise SiteError([Problem(rel, 1, 1, "this essay already exists — choose another title, or edit the existing file")])
    path.parent.mkdir(parents=True, exist_ok=True)
    today = now.astimezone(config.zone).date().isoformat()
    with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write(essay_text(title, series, today))
    print(f"Created {rel} (a draft: set `draft: false` to publish it on {today}).")
    print("Cite works as [@key]; link to other essays by their file, e.g. [an essay](other-essay.md).")
    if series:
        print(f"To release it with a wave of '{series}', remove `date:` and add '{slug}' to a wave's `essays:` in site.yaml.", file=sys.stderr)
    return 0
