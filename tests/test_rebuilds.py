"""Rebuilds equal a build from nothing, after any sequence of edits (issue 7).

Two kinds of rebuild keep work from the last one. `serve` remembers bodies, linked
HTML, citations, views and pages in memory (memo.py) and makes a listing page again only
when something it read changed (pagecache.ReadingEnvironment). `build` keeps bodies,
front matter, citations and search postings in .essaygen-cache/, leaves unchanged pages
in the output, and says "Up to date" when nothing changed (record.py). Each rule below
is an edit an editor makes to the sample Lab Essays: text, front matter, citations, the
bibliography and its style, site.yaml, pages, essays added, renamed, deleted, drafted or
dated, headings that links point at, and theme templates that read essays through
filters. After every edit the rebuild must give byte for byte what a build from nothing
gives, or both must stop with the same problems. A failure prints the shortest sequence
of edits that shows it.

The ci profile runs eight sequences of ten edits for each; nightly ten times as many.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from conftest import REPO, tree_bytes
from essaygen import cli
from essaygen.build import BuildOptions, build
from essaygen.memo import Memo
from essaygen.problems import SiteError
from robustness.profiles import BUILD_EXAMPLES, BUILDS

NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)
ESSAYS = ["what-is-the-q-lab.md", "learning-and-insights.md", "decision-making/index.md", "achieving-impact.md", "ways-of-working.md", "evaluation.md"]
EXTRAS = range(3)                                    # standalone essays the rules add: extra-0.md …
KEYS = ["craig2008", "moore2015", "repper2011", "gillard2017", "mead2001"]
TAGS = ["q-lab", "evidence", "survey", "new-topic"]
NOTES_CSL = REPO / "tests" / "citations" / "notes" / "notes.csl"
# Theme overrides that read essays through filters, neighbours and nested objects.
TAG_TEMPLATES = [
    '{% extends "base.html" %}{% block main %}<h1>{{ tag.name }}</h1>{{ essays | map(attribute="title") | join(", ") }}'
    ' {{ essays | sum(attribute="reading_minutes") }}{% endblock %}',
    '{% extends "base.html" %}{% block main %}{% for e in essays | sort(attribute="title") %}<p>{{ e.title }}: {{ e.summary }}'
    '{% if e.next %} then {{ e.next.title }}{% endif %}</p>{% endfor %}{% endblock %}',
    '{% extends "base.html" %}{% block main %}{% for g in essays | groupby("reading_minutes") %}<h2>{{ g.grouper }}</h2>'
    '{% for e in g.list %}<p>{{ e.authors | map(attribute="name") | join(", ") }} / {{ e.tags | map(attribute="name") | join(", ") }}'
    '</p>{% endfor %}{% endfor %}<p>{{ config.title }}</p>{% endblock %}',
]


def _set_field(path: Path, field: str, value: str) -> None:
    """Replace (or add) one top-level front matter line."""
    head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
    lines = [line for line in head.split("\n") if not line.startswith(field + ":")]
    lines.insert(1, f"{field}: {value}")
    path.write_text("\n".join(lines) + "\n---\n" + body, encoding="utf-8")


def _files(options: BuildOptions) -> dict[str, bytes] | str:
    """What a build writes (or, in memory, would serve), or the problems that stopped it."""
    try:
        result = build(options, NOW)
    except SiteError as exc:
        return str(exc)
    if options.out is not None:
        return tree_bytes(options.out)
    assert result.output is not None
    return {path: f.bytes() if f.copy_from is None else Path(f.copy_from).read_bytes() for path, f in result.output.files.items()}


def _command(site: Path, out: Path, as_of: str) -> dict[str, bytes] | str:
    """`essaygen build SITE -o OUT` as an editor runs it again: its cache, the pages it
    left, and its "Up to date" check."""
    said = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(said):
        code = cli.main(["build", str(site), "-o", str(out), "--as-of", as_of])
    if code == 0:
        return tree_bytes(out)
    assert code == 1, said.getvalue()
    return "\n".join(said.getvalue().splitlines()[:-1])  # the problems, without the count


class ServeRebuilds(RuleBasedStateMachine):
    KIND = "serve"  # which rebuild is compared with a build from nothing: serve's, or build's

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="essaygen-rebuilds-"))
        self.site = self.tmp / "lab"

    @initialize(as_of=st.sampled_from(["2018-07-01", "2026-11-22"]), template=st.sampled_from([None, *range(len(TAG_TEMPLATES))]))
    def start(self, as_of: str, template: int | None) -> None:
        """The sample site, between its two waves or after both, perhaps with a tag page of
        its own, built once as serve starts (or as an editor first runs build)."""
        self.site.mkdir()
        shutil.copy(REPO / "site.yaml", self.site / "site.yaml")
        shutil.copytree(REPO / "content", self.site / "content")
        shutil.copy(NOTES_CSL, self.site / "notes.csl")
        self.override_the_tag_template(template)
        if self.KIND == "serve":  # in memory, without the search index, as serve builds
            remembering = BuildOptions(self.site, as_of=as_of, search=False, write=False, collect=True, memo=Memo())
            self.rebuild: Callable[[], dict[str, bytes] | str] = lambda: _files(remembering)
        else:
            self.rebuild = lambda: _command(self.site, self.tmp / "out", as_of)
        cold = BuildOptions(self.site, out=self.tmp / "cold", as_of=as_of, search=self.KIND != "serve", use_cache=False)
        self.from_nothing: Callable[[], dict[str, bytes] | str] = lambda: _files(cold)
        self.rebuild()

    def essay(self, name: str) -> Path:
        return self.site / "content" / "essays" / name

    def extra(self, n: int) -> Path:
        return self.essay(f"extra-{n}.md")

    def edit(self, path: Path, change: Callable[[str], str]) -> None:
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    # ------------------------------------------------------------ essays' text and front matter

    @rule(name=st.sampled_from(ESSAYS), n=st.integers(0, 3))
    def add_a_sentence(self, name: str, n: int) -> None:
        self.edit(self.essay(name), lambda text: text + f"\nAn added sentence, number {n}.\n")

    @rule(name=st.sampled_from(ESSAYS), field=st.sampled_from(["title", "title", "subtitle", "summary", "tags", "authors"]), n=st.integers(0, 3))
    def edit_the_front_matter(self, name: str, field: str, n: int) -> None:
        value = {
            "tags": "[" + ", ".join(TAGS[n:] + TAGS[:1]) + "]",
            "authors": ["[lab-team]", "[Ada Lovelace]", "[lab-team, Grace Hopper]", "[Grace Hopper]"][n],
        }.get(field, f"New {field} {n}")
        _set_field(self.essay(name), field, value)

    @rule(heading=st.sampled_from(["## Questions before methods", "## Questions first"]),
          name=st.sampled_from(ESSAYS[3:5]), href=st.sampled_from(["evaluation.md", "learning-and-insights.md", "evaluation.md#questions-before-methods"]))
    def rename_a_heading_or_link_to_one(self, heading: str, name: str, href: str) -> None:
        self.edit(self.essay("evaluation.md"), lambda text: re.sub(r"^## Questions (before methods|first)$", heading, text, count=1, flags=re.M))
        self.edit(self.essay(name), lambda text: text + f"\nSee [another essay]({href}).\n")

    # ------------------------------------------------------------ citations

    @rule(name=st.sampled_from(ESSAYS), action=st.sampled_from(["cite", "cite", "uncite", "bibliography", "style", "style file"]),
          n=st.integers(0, 3))
    def edit_citations(self, name: str, action: str, n: int) -> None:
        if action == "cite":
            self.edit(self.essay(name), lambda text: text + f"\nA cited claim [@{KEYS[n]}, p. {n + 1}].\n")
        elif action == "uncite":
            self.edit(self.essay(name), lambda text: re.sub(r" ?\[@[^\]]*\]", "", text))
        elif action == "bibliography":
            self.edit(self.site / "content" / "references.bib",
                      lambda text: re.sub(r"(title\s*=\s*\{)(Edition \d )?", lambda m: f"{m.group(1)}Edition {n} ", text, count=1))
        elif action == "style":
            style = ["vancouver", "harvard", "apa", "notes.csl"][n]
            self.edit(self.site / "site.yaml", lambda text: re.sub(r"^  style: .*$", f"  style: {style}", text, count=1, flags=re.M))
        else:  # the note style's file: a note style, or not
            self.edit(self.site / "notes.csl", lambda text: re.sub(r'class="(note|in-text)"', f'class="{["note", "in-text"][n % 2]}"', text, count=1))

    # ------------------------------------------------------------ site.yaml, pages, templates

    @rule(action=st.sampled_from(["title", "announce", "wave"]), n=st.integers(0, 2))
    def edit_site_yaml(self, action: str, n: int) -> None:
        def change(text: str) -> str:
            if action == "title":
                return re.sub(r"^title: .*$", f"title: The Lab Essays {n}", text, count=1, flags=re.M)
            if action == "announce":
                return re.sub(r"announce: .*$", f"announce: {['early', 'mid', 'late'][n]} August 2018", text, count=1, flags=re.M)
            # evaluation moves to the first wave, or back to the second
            text = text.replace(", evaluation]", "]").replace(", decision-making]", ", decision-making, evaluation]")
            return text if n else text.replace(", decision-making, evaluation]", ", decision-making]").replace("ways-of-working]", "ways-of-working, evaluation]")

        self.edit(self.site / "site.yaml", change)

    @rule(n=st.integers(0, 3))
    def edit_a_page(self, n: int) -> None:
        self.edit(self.site / "content" / "pages" / "about.md", lambda text: text + f"\nMore about us, {n}.\n")

    @rule(template=st.sampled_from([None, *range(len(TAG_TEMPLATES))]))
    def override_the_tag_template(self, template: int | None) -> None:
        folder = self.site / "templates"
        if template is None:
            shutil.rmtree(folder, ignore_errors=True)
            return
        folder.mkdir(exist_ok=True)
        (folder / "tag.html").write_text(TAG_TEMPLATES[template], encoding="utf-8")

    # ------------------------------------------------------------ essays added, moved, removed

    @rule(action=st.sampled_from(["add", "add", "delete", "rename", "draft", "date"]), n=st.sampled_from(EXTRAS), m=st.sampled_from(EXTRAS),
          tag=st.sampled_from(TAGS), date=st.sampled_from(["2017-12-01", "2018-06-30", "2018-09-01", "2030-01-01"]), link=st.booleans())
    def change_a_standalone_essay(self, action: str, n: int, m: int, tag: str, date: str, link: bool) -> None:
        path = self.extra(n)
        if action == "add":
            see = " See [the evaluation](evaluation.md#questions-before-methods)." if link else ""
            path.write_text(f"---\ntitle: Extra {n}\nsummary: An extra essay.\nauthors: [lab-team]\ndate: {date}\ntags: [{tag}]\n---\n\n"
                            f"Text of extra {n}.{see}\n\n## A heading\n\nMore text.\n", encoding="utf-8")
        elif action == "delete":
            path.unlink(missing_ok=True)
        elif not path.exists():
            return
        elif action == "rename" and not self.extra(m).exists():
            path.rename(self.extra(m))
        elif action == "draft":
            self.edit(path, lambda text: text.replace("draft: true\n", "") if "draft: true\n" in text else text.replace("---\n", "---\ndraft: true\n", 1))
        elif action == "date":
            _set_field(path, "date", date)

    # ------------------------------------------------------------ the property

    @invariant()
    def a_rebuild_writes_what_a_build_from_nothing_writes(self) -> None:
        if not hasattr(self, "rebuild"):
            return
        remembered = self.rebuild()
        shutil.rmtree(self.tmp / "cold", ignore_errors=True)
        fresh = self.from_nothing()
        if isinstance(remembered, dict) and isinstance(fresh, dict):
            differ = sorted(path for path in remembered.keys() | fresh.keys() if remembered.get(path) != fresh.get(path))
            note(f"files that differ: {differ}")
        assert remembered == fresh

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class BuildRebuilds(ServeRebuilds):
    KIND = "build"


ServeRebuilds.TestCase.settings = settings(BUILDS, max_examples=max(2, BUILD_EXAMPLES // 30), stateful_step_count=10)
BuildRebuilds.TestCase.settings = ServeRebuilds.TestCase.settings
TestServeRebuilds = ServeRebuilds.TestCase
TestBuildRebuilds = BuildRebuilds.TestCase
