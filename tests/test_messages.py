"""The catalogue of every problem message (GitHub issue 8, DESIGN.md §4 invariant 5).

Every message the code can produce (`Problem(`, `.problem(`, and the helpers that build
them: `fail(`, `report(`, `_problem(`, `BadDate(`) is triggered once by the input in
MESSAGES below, and each names the file (and line and column) and says what to do:
it reads `what is wrong — what to do`. A module that makes Problems and is missing
from the table fails `test_every_module_with_messages_is_in_the_catalogue`.

Rows marked with a reason in XFAIL are messages that lack the "— what to do" part
or cannot be reached as they should, in modules outside this test's fixes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from essaygen import feeds, newessay
from essaygen.clock import BadDate, load_zone, parse_instant
from essaygen.config import parse_config
from essaygen.content import Source, body_digest, decode_source, parse_essay, parse_page, read_body, read_sources
from essaygen.markdown import RenderContext, render_body
from essaygen.problems import Problem, SiteError
from essaygen.yamldoc import parse_yaml
from robustness.harness import run_main, write_site

ESSAYGEN = Path(__file__).resolve().parent.parent / "essaygen"
AS_OF = "2024-06-01"
SITE = "title: Messages\nbase_url: https://m.example.org/\ntimezone: UTC\nsearch: {enabled: false}\nseries:\n  s:\n    title: S\n"
ROOT = Path("/nonexistent-site")
ESSAY = "content/essays/e.md"


def _config():
    config, problems = parse_config(SITE, ROOT)
    assert config is not None, problems
    return config


CONFIG = _config()


# ---------------------------------------------------------------- triggers: each returns the problems it caused

Trigger = Callable[[Path], list[Problem]]


def yaml_(text: str, path: str = ESSAY) -> Trigger:
    return lambda tmp: parse_yaml(text, path, line_offset=1)[1]


def front(text: str, body: str = "Text.\n", path: str = ESSAY) -> Trigger:
    def run(tmp: Path) -> list[Problem]:
        return parse_essay(Source(path, "essay", f"---\n{text}---\n{body}"), CONFIG)[1]
    return run


def page(text: str, kind: str = "page") -> Trigger:
    return lambda tmp: parse_page(Source("content/pages/p.md", kind, f"---\n{text}---\nText.\n"))[1]


def raw_source(text: str, path: str = ESSAY) -> Trigger:
    return lambda tmp: parse_essay(Source(path, "essay", text), CONFIG)[1]


def file_bytes(data: bytes, path: str = ESSAY) -> Trigger:
    def run(tmp: Path) -> list[Problem]:
        _, problem = decode_source(data, path)
        return [problem] if problem else []
    return run


def edited_while_building(tmp: Path) -> list[Problem]:
    """A render worker reads an essay again, and finds it is not the text that was parsed."""
    (tmp / "content" / "essays").mkdir(parents=True)
    (tmp / ESSAY).write_text("---\ntitle: A\n---\nEdited since.\n")
    _, problem = read_body(tmp, ESSAY, body_digest("As parsed.\n"))
    return [problem] if problem else []


def site_yaml(text: str) -> Trigger:
    return lambda tmp: parse_config(text, ROOT)[1]


def build(essays: dict[str, str | bytes] | None = None, site: str = SITE, files: dict[str, str | bytes] | None = None,
          pages: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Trigger:
    """A whole build in-process; its problems parsed back from stderr."""
    def run(tmp: Path) -> list[Problem]:
        root = write_site(tmp / "site", site, essays or {}, pages or {}, files or {})
        code, _, stderr = run_main(["build", root, "--as-of", AS_OF, *args], timeout=300)
        assert code == 1, f"expected problems, got exit {code}:\n{stderr}"
        return [_problem(line) for line in stderr.splitlines()[:-1] if line and not line.startswith("essaygen: waiting")]
    return run


def _problem(line: str) -> Problem:
    found = re.match(r"^(.+?):(\d+):(\d+): (.*)$", line)
    assert found, f"not `path:line:col: message`: {line!r}"
    return Problem(found.group(1), int(found.group(2)), int(found.group(3)), found.group(4))


def essay_with(body: str, extra: str = "") -> str:
    return f"---\ntitle: E\ndate: 2020-01-01\n{extra}---\n{body}"


def chart(spec: str, files: dict[str, str | bytes] | None = None) -> Trigger:
    """A ```chart fence in a single-file essay, with `files` in content/media/ (where its data is read from)."""
    def run(tmp: Path) -> list[Problem]:
        root = tmp / "site"
        (root / "content" / "essays").mkdir(parents=True, exist_ok=True)
        for name, data in (files or {}).items():
            path = root / "content" / "media" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data if isinstance(data, bytes) else data.encode())
        (root / "content" / "media").mkdir(parents=True, exist_ok=True)
        ctx = RenderContext(ESSAY, 4, "essays/e/", None, str(root), False, frozenset())
        return list(render_body(f"```chart\n{spec}```\n", ctx).problems)
    return run


def bad_date(text: str, zone: str = "UTC") -> Trigger:
    def run(tmp: Path) -> list[Problem]:
        try:
            parse_instant(text, load_zone(zone)) if zone else load_zone(text)
        except BadDate as exc:
            return [Problem("(a date)", 1, 1, str(exc))]
        return []
    return run


def raises(call: Callable[[Path], object]) -> Trigger:
    def run(tmp: Path) -> list[Problem]:
        try:
            call(tmp)
        except SiteError as error:
            return list(error.problems)
        return []
    return run


def _new_essay(title: str, series: str | None = None, twice: bool = False) -> Callable[[Path], object]:
    from datetime import datetime, timezone

    def run(tmp: Path) -> object:
        root = write_site(tmp / "site", SITE)
        now = datetime(2024, 6, 1, tzinfo=timezone.utc)
        if twice:
            newessay.create_essay(root, title, series, now)
        return newessay.create_essay(root, title, series, now)
    return run


def _symlinked_essay(tmp: Path) -> list[Problem]:
    root = write_site(tmp / "site", SITE)
    (tmp / "elsewhere.md").write_text(essay_with("x"))
    (root / "content/essays/linked.md").symlink_to(tmp / "elsewhere.md")
    return read_sources(root)[1]


def _symlinked_page(tmp: Path) -> list[Problem]:
    root = write_site(tmp / "site", SITE)
    (tmp / "elsewhere.md").write_text("---\ntitle: P\n---\nx\n")
    (root / "content/pages").mkdir(parents=True, exist_ok=True)
    (root / "content/pages/linked.md").symlink_to(tmp / "elsewhere.md")
    return read_sources(root)[1]


def _too_big(tmp: Path) -> list[Problem]:
    root = write_site(tmp / "site", SITE)
    with open(root / "content/essays/big.md", "wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    return read_sources(root)[1]


def _no_site_yaml(tmp: Path) -> list[Problem]:
    tmp.joinpath("empty").mkdir(exist_ok=True)
    code, _, stderr = run_main(["build", tmp / "empty"])
    return [_problem(line) for line in stderr.splitlines()[:-1]]


def _pandoc_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from essaygen.citations import pandocbin

    monkeypatch.setattr(pandocbin, "_bundled_pandoc", lambda: None)
    monkeypatch.setattr(pandocbin.shutil, "which", lambda name: None)


def _unreadable_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Permission denied (tests run as root, so chmod cannot do it)."""
    def denied(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)


def _malformed_feed(tmp: Path) -> object:
    return feeds._checked("feed.xml", b"<feed><unclosed></feed>")


CSL = "citations:\n  bibliography: content/refs.json\n"
REF = {"id": "smith2020", "type": "book", "title": "A fake book", "author": [{"family": "Smith", "given": "A"}], "issued": {"date-parts": [[2020]]}}
BIB_SITE = SITE + CSL
CITED = {"e.md": essay_with("As shown [@smith2020].\n")}
CSV = "year,share\n2019,10\n2020,12\n"


# ---------------------------------------------------------------- the catalogue

@dataclass(frozen=True)
class Row:
    module: str                 # where the message is made
    template: str               # a regex of the message
    trigger: Trigger            # the input that produces it
    path: str                   # the file the message must name
    fixture: str | None = None  # a pytest fixture to apply first (monkeypatching an environment failure)


MESSAGES: dict[str, Row] = {
    # yamldoc.py: YAML as editors write it
    "yaml syntax": Row("yamldoc", r"^YAML syntax error: .+ — check quotes, colons and indentation$", yaml_("title: [a, b\n"), ESSAY),
    "yaml line separator": Row("yamldoc", r"^an invisible line separator \(U\+2028\) splits this line for YAML — delete it", yaml_("title: a\u2028b\n"), ESSAY),
    "yaml tab": Row("yamldoc", r"^a tab character in YAML — indent with spaces$", yaml_("tags:\n\t- a\n"), ESSAY),
    "yaml documents": Row("yamldoc", r"^more than one YAML document here — keep one document", yaml_("title: A\n---\ntitle: B\n"), ESSAY),
    "yaml control character": Row("yamldoc", r"^the control character U\+0007 cannot be in YAML — delete it", yaml_("title: a\x07b\n", "site.yaml"), "site.yaml"),
    "yaml other error": Row("yamldoc", r"^YAML error: .+ — check the syntax$", yaml_("title: \ud800\n"), ESSAY),
    "yaml alias bomb": Row("yamldoc", r"^YAML anchors and aliases expand to too many values — write the values out", yaml_("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcde", "bcdef"))), ESSAY),
    "yaml recursive alias": Row("yamldoc", r"^this YAML alias refers to itself — write the value out instead$", yaml_("a: &a [1, *a]\n"), ESSAY),
    "yaml too deep": Row("yamldoc", r"^YAML is nested too deeply — flatten it$", yaml_("a: " + "[" * 1500 + "]" * 1500 + "\n"), ESSAY),
    "yaml scalar tag": Row("yamldoc", r"^unsupported YAML tag '.+' — remove the tag and write a plain value$", yaml_("title: !!python/name:os.system\n"), ESSAY),
    "yaml collection tag": Row("yamldoc", r"^unsupported YAML tag '.+' — remove the tag and write a plain list or mapping$", yaml_("tags: !!set {a, b}\n"), ESSAY),
    "yaml unreadable": Row("yamldoc", r"^unreadable value \(.+\) — write a plain value$", yaml_("part: !!int 'seven'\n"), ESSAY),
    "yaml invisible escape": Row("yamldoc", r"^this text contains the invisible character U\+001B, .+ — remove the escape", yaml_('title: "a\\eb"\n'), ESSAY),
    "yaml key not a word": Row("yamldoc", r"^a key must be a plain word — write `name: value`$", yaml_("[a, b]: x\n"), ESSAY),
    "yaml empty key": Row("yamldoc", r"^a key is empty .+ — write a name before the colon$", yaml_("~: x\ntitle: A\n"), ESSAY),
    "yaml duplicate key": Row("yamldoc", r"^'title' is given twice — keep one of them$", yaml_("title: A\ntitle: B\n"), ESSAY),
    "yaml merge": Row("yamldoc", r"^'<<' must merge a mapping — use an anchor of a mapping$", yaml_("<<: 5\ntitle: A\n"), ESSAY),
    # schema.py: keys and kinds
    "unknown key, close": Row("schema", r"^unknown key 'seires' — did you mean 'series'\?$", front("title: A\ndate: 2020-01-01\nseires: s\n"), ESSAY),
    "unknown key, far": Row("schema", r"^unknown key 'zzz' — known keys: ", front("title: A\ndate: 2020-01-01\nzzz: 1\n"), ESSAY),
    "missing required key": Row("schema", r"^missing required key 'title' — add `title: .+`$", front("date: 2020-01-01\n"), ESSAY),
    "wrong kind, example": Row("schema", r"^'part' must be a whole number, not str 'three' — write e.g. `part: 3`$", front("title: A\npart: three\n"), ESSAY),
    "wrong kind, nothing": Row("schema", r"^'summary' must be text, not nothing — write a value after `summary:`, or remove the line$", front("title: A\nsummary:\n"), ESSAY),
    "wrong kind, YAML keyword": Row("schema", r"^'title' must be text, not bool False — put the words in quotes", front("title: No\n"), ESSAY),
    "wrong kind, no example": Row("schema", r"^'subtitle' must be text, not list \[1\] — write text after `subtitle:`$", front("title: A\nsubtitle: [1]\n"), ESSAY),
    "too long": Row("schema", r"^'title' is too long \(501 characters\) — shorten it$", front(f"title: {'x' * 501}\n"), ESSAY),
    "not a choice": Row("schema", r"^'tease' must be one of titles, count, none, not 'all' — write e.g. `tease: titles`$", site_yaml(SITE + "    tease: all\n"), "site.yaml"),
    # clock.py: dates and zones
    "unknown zone": Row("clock", r"^unknown time zone 'Europe/Londn' — use an IANA name", site_yaml(SITE.replace("UTC", "Europe/Londn")), "site.yaml"),
    "not a date": Row("clock", r"^'yesterday' is not a date — write YYYY-MM-DD", front("title: A\ndate: yesterday\n"), ESSAY),
    "not a real date": Row("clock", r"^'2018-02-30' is not a real date \(.+\) — write YYYY-MM-DD", front("title: A\ndate: 2018-02-30\n"), ESSAY),
    "date out of range": Row("clock", r"^'0001-01-01 00:00 \+05:00' is out of range — write a year from 2 to 9998$", front("title: A\ndate: 0001-01-01 00:00 +05:00\n"), ESSAY),
    "not a real time": Row("clock", r"^'2018-05-30 25:00' is not a real time \(.+\) — write YYYY-MM-DD", front("title: A\ndate: 2018-05-30 25:00\n"), ESSAY),
    "impossible offset": Row("clock", r"^'2018-05-30T09:00\+24:00' has an impossible UTC offset — write", front("title: A\ndate: 2018-05-30T09:00+24:00\n"), ESSAY),
    "revision date": Row("content", r"^'soon' is not a date — ", front("title: A\ndate: 2020-01-01\nrevisions:\n  - {date: soon, note: n}\n"), ESSAY),
    # content.py: files and front matter
    "not UTF-8": Row("content", r"^the file is not UTF-8 text — save it as UTF-8", file_bytes(b"---\ntitle: caf\xe9\n"), ESSAY),
    "edited while building": Row("content", r"^the file changed while the site was being built — build again$", edited_while_building, ESSAY),
    "invisible character": Row("content", r"^the file contains the invisible character U\+000B, .+ — delete it", file_bytes(b"---\ntitle: A\n---\na\x0bb\n"), ESSAY),
    "NUL character": Row("content", r"^the file contains the invisible character U\+0000, .+ — the file may be saved as UTF-16", file_bytes("t\0i\0".encode()), ESSAY),
    "empty file": Row("content", r"^the file is empty — start it with front matter", raw_source(""), ESSAY),
    "no front matter": Row("content", r"^no front matter — start the file with a line `---`", raw_source("# Title\n\nText.\n"), ESSAY),
    "front matter never closed": Row("content", r"^the front matter opened here is never closed — add a line `---`", raw_source("---\ntitle: A\n\nText.\n"), ESSAY),
    "front matter not a mapping": Row("content", r"^front matter must be `key: value` lines — start with `title: \.\.\.`$", front("- a\n- b\n"), ESSAY),
    "unknown series": Row("content", r"^unknown series 'nope' — known series: s \(series are declared in site.yaml\)$", front("title: A\ndate: 2020-01-01\nseries: nope\n"), ESSAY),
    "part below 1": Row("content", r"^'part' must be 1 or more — write e.g. `part: 3`$", front("title: A\nseries: s\npart: 0\n"), ESSAY),
    "reserved page slug": Row("content", r"^the page slug 'tags' is used by the site itself — choose another, e.g. `slug: about-tags`$", page("title: P\nslug: tags\n"), "content/pages/p.md"),
    "unsafe slug": Row("content", r"^slug '\.\./x' is not safe — use lowercase letters, digits and hyphens, e.g. `slug: x`$", front("title: A\ndate: 2020-01-01\nslug: ../x\n"), ESSAY),
    "no slug from file name": Row("content", r"^cannot make a URL slug from the file name '日本' — add `slug: some-words`", front("title: A\ndate: 2020-01-01\n", path="content/essays/日本.md"), "content/essays/日本.md"),
    "image without alt": Row("content", r"^'image' needs 'image_alt' — add `image_alt: ", front("title: A\ndate: 2020-01-01\nimage: c.png\n"), ESSAY),
    "symlink out (essay)": Row("content", r"^this symlink points outside the site folder — copy the file into the site instead$", _symlinked_essay, "content/essays/linked.md"),
    "symlink out (page)": Row("content", r"^this symlink points outside the site folder — copy the file into the site instead$", _symlinked_page, "content/pages/linked.md"),
    "bundle without index": Row("content", r"^an essay folder needs an index.md — rename", build({"b/essay.md": essay_with("x")}), "content/essays/b"),
    "file too big": Row("content", r"^the file is 21 MiB, more than the 20 MiB an essay may be — split it$", _too_big, "content/essays/big.md"),
    # config.py: site.yaml
    "site.yaml not a mapping": Row("config", r"^site.yaml must be a mapping of `key: value` lines — start with `title: \.\.\.`$", site_yaml("- a\n"), "site.yaml"),
    "feed entries": Row("config", r"^'entries' must be at least 1 — write e.g. `entries: 20`$", site_yaml(SITE + "feed: {entries: 0}\n"), "site.yaml"),
    "base_url invalid": Row("config", r"^base_url 'https://\[::1/' is not a valid URL \(.+\) — write e.g. `base_url: ", site_yaml(SITE.replace("https://m.example.org/", "'https://[::1/'")), "site.yaml"),
    "base_url relative": Row("config", r"^base_url must be absolute, not '/essays/' — write e.g. `base_url: ", site_yaml(SITE.replace("https://m.example.org/", "/essays/")), "site.yaml"),
    "base_url query": Row("config", r"^base_url must not have a query or fragment — remove what follows", site_yaml(SITE.replace("https://m.example.org/", "https://m.example.org/?x=1")), "site.yaml"),
    "series name": Row("config", r"^series name '\.\./x' cannot be part of a web address — use lowercase letters", site_yaml(SITE.replace("  s:\n", "  ../x:\n")), "site.yaml"),
    "author url": Row("config", r"^url 'javascript:alert\(1\)' is not a web address — write e.g. `url: https://", site_yaml(SITE + "authors:\n  a: {name: A, url: 'javascript:alert(1)'}\n"), "site.yaml"),
    "wave release date": Row("config", r"^'soon' is not a date — ", site_yaml(SITE + "    schedule:\n      - {release: soon, essays: [e]}\n"), "site.yaml"),
    "no site.yaml": Row("config", r"^no site.yaml in .+ — run essaygen in a site folder", _no_site_yaml, "site.yaml"),
    "site.yaml not UTF-8": Row("config", r"^site.yaml is not UTF-8 text — save it as UTF-8$", build(site=b"title: caf\xe9\n"), "site.yaml"),  # type: ignore[arg-type]
    # schedule.py: releases, waves, parts
    "wave names a missing essay": Row("schedule", r"^the schedule of series 's' names 'ghost', but no essay has that slug — check the spelling", build({"e.md": essay_with("x")}, SITE + "    schedule:\n      - {release: 2020-01-01, essays: [ghost]}\n"), "site.yaml"),
    "essay in two waves": Row("schedule", r"^'e' is already in the wave on line \d+ — list each essay in one wave only$", build({"e.md": "---\ntitle: E\n---\nx\n"}, SITE + "    schedule:\n      - {release: 2020-01-01, essays: [e]}\n      - {release: 2020-02-01, essays: [e]}\n"), "site.yaml"),
    "date and wave": Row("schedule", r"^'date' is given here and by the series schedule \(site.yaml line \d+\) — remove one of them$", build({"e.md": essay_with("x")}, SITE + "    schedule:\n      - {release: 2020-01-01, essays: [e]}\n"), ESSAY),
    "series disagree": Row("schedule", r"^the essay says series 't' but site.yaml schedules it in 's' — make them agree$", build({"e.md": "---\ntitle: E\nseries: t\n---\nx\n"}, SITE + "    schedule:\n      - {release: 2020-01-01, essays: [e]}\n  t:\n    title: T\n"), ESSAY),
    "no release date": Row("schedule", r"^no release date — add `date: YYYY-MM-DD`, or list the essay in a series schedule", build({"e.md": "---\ntitle: E\n---\nx\n"}), ESSAY),
    "part out of range": Row("schedule", r"^part 5 is out of range: series 's' has 1 parts — use a number from 1 to 1$", build({"e.md": essay_with("x", "series: s\npart: 5\n")}), ESSAY),
    "part taken": Row("schedule", r"^part 1 is also content/essays/\w+\.md — give each essay its own part number$", build({"e.md": essay_with("x", "series: s\npart: 1\n"), "f.md": essay_with("y", "series: s\npart: 1\n")}), "content/essays/f.md"),
    # themes.py, build.py
    "theme not found": Row("themes", r"^theme 'nope' not found in themes/ or among the built-in themes \(.+\) — check `theme:`$", build({"e.md": essay_with("x")}, SITE + "theme: nope\n"), "site.yaml"),
    "duplicate slug": Row("loading", r"^slug 'same' is also used by content/essays/\w+\.md — give one of them another `slug:`$", build({"e.md": essay_with("x", "slug: same\n"), "f.md": essay_with("y", "slug: same\n")}), "content/essays/f.md"),
    "cover image": Row("build", r"^the image 'cover.png' does not exist — check the file name and folder$", build({"e.md": essay_with("x", "image: cover.png\nimage_alt: A cover\n")}), ESSAY),
    # markdown.py: links and files
    "link out of content": Row("markdown", r"^'\.\./\.\./x.png' points outside the content folder — link to files in content/media/", build({"e.md": essay_with("![x](../../x.png)\n")}), ESSAY),
    "file missing": Row("markdown", r"^'\.\./media/gone.png' does not exist \(looked for content/media/gone.png\) — check the file name", build({"e.md": essay_with("![x](../media/gone.png)\n")}), ESSAY),
    "file not published": Row("markdown", r"^'\.\./notes.txt' is not published: only files in content/media/ or inside an essay's bundle folder are — move it there$", build({"e.md": essay_with("[x](../notes.txt)\n")}, files={"content/notes.txt": "n"}), ESSAY),
    "link to missing source": Row("markdown", r"^link to 'gone.md', but there is no content/essays/gone.md — link to an existing essay or page", build({"e.md": essay_with("[x](gone.md)\n")}), ESSAY),
    "link to missing anchor": Row("markdown", r"^'#nope' is not a heading or anchor in content/essays/f.md — check the spelling", build({"e.md": essay_with("[x](f.md#nope)\n"), "f.md": essay_with("# Yes\n")}), ESSAY),
    # feeds.py, search.py: consistency checks and the environment
    "malformed feed": Row("feeds", r"^essaygen produced a malformed feed \(.+\) — please report this bug$", raises(_malformed_feed), "feed.xml"),
    # references.py and citations/: bibliographies and citation keys
    "unknown citation key": Row("citations.bibliography", r"^unknown citation key 'smith2021' — add it to the bibliography, or write \\@ for a literal at-sign \(did you mean 'smith2020'\?\)$", build({"e.md": essay_with("See [@smith2021].\n")}, BIB_SITE, {"content/refs.json": json.dumps([REF])}), ESSAY),
    "citation hidden in a prefix": Row("citations.bibliography", r"^'@other' inside the citation of 'smith2020' is read as text, not cited — separate citations with ';'", build({"e.md": essay_with("See [@smith2020, and @other].\n")}, BIB_SITE, {"content/refs.json": json.dumps([REF, {**REF, "id": "other"}])}), ESSAY),
    "duplicate citation key": Row("citations.bibliography", r"^duplicate citation key 'smith2020' — it is first defined at content/refs.json:\d+:\d+; give each work its own key", build(CITED, BIB_SITE, {"content/refs.json": json.dumps([REF, REF])}), "content/refs.json"),
    "bibliography not found": Row("citations.bibliography", r"^bibliography file not found — check citations.bibliography in site.yaml", build(CITED, BIB_SITE, {}), "content/refs.json"),
    "bibliography format": Row("citations.bibliography", r"^unsupported bibliography format '.txt' — use BibTeX \(.bib\) or CSL-JSON \(.json\)$", build(CITED, SITE + "citations:\n  bibliography: content/refs.txt\n", {"content/refs.txt": "x"}), "content/refs.txt"),
    "CSL-JSON invalid": Row("citations.bibliography", r"^invalid CSL-JSON: .+ — ", build(CITED, BIB_SITE, {"content/refs.json": "[{"}), "content/refs.json"),
    "CSL-JSON not a list": Row("citations.bibliography", r"^CSL-JSON must be a list of items .* — ", build(CITED, BIB_SITE, {"content/refs.json": "{}"}), "content/refs.json"),
    "CSL-JSON item without id": Row("citations.bibliography", r'^CSL-JSON item without an "id" — give it its citation key$', build(CITED, BIB_SITE, {"content/refs.json": json.dumps([REF, {"title": "no id"}])}), "content/refs.json"),
    "malformed BibTeX": Row("citations.bibliography", r"^malformed BibTeX in entry 'smith2020' \(line 1\): .+ — check that entry for a missing comma", build(CITED, SITE + "citations:\n  bibliography: content/refs.bib\n", {"content/refs.bib": "@book{smith2020,\n  title = {Unbalanced,\n  year = 2020\n}\n"}), "content/refs.bib"),
    "citation style": Row("references", r"^citation style 'nope' not found — use vancouver, harvard, apa, or the path of a .csl file$", build(CITED, BIB_SITE + "  style: nope\n", {"content/refs.json": json.dumps([REF])}), "site.yaml"),
    "pandoc cannot format an entry": Row("references", r"^pandoc could not format this entry: bibliography entry 'smith2020': .+ — check its fields$", build(CITED, BIB_SITE, {"content/refs.json": json.dumps([{**REF, "author": [{"family": "Smith", "comma-suffix": [1]}]}])}), "content/refs.json"),
    "pandoc cannot format (style)": Row("references", r"^pandoc could not format any citation: .+ — check the citation style$", build(CITED, BIB_SITE + "  style: content/broken.csl\n", {"content/refs.json": json.dumps([REF]), "content/broken.csl": "<style>not csl</style>"}), "site.yaml"),
    "pandoc missing": Row("citations.pandocbin", r"^citations need pandoc 3.1 or newer, and none was found: .+", build(CITED, BIB_SITE, {"content/refs.json": json.dumps([REF])}), "site.yaml", fixture="_pandoc_missing"),
    # newessay.py: `essaygen new`
    "new: unknown series": Row("newessay", r"^unknown series 'nope' — known series: .+ \(declare it under `series:` first\)$", raises(_new_essay("A title", "nope")), "site.yaml"),
    "new: no slug from title": Row("newessay", r"^cannot make a slug from the title '!!!' — use a title with letters or digits$", raises(_new_essay("!!!")), "(command line)"),
    "new: exists": Row("newessay", r"^this essay already exists — choose another title, or edit the existing file$", raises(_new_essay("Twice", twice=True)), "content/essays/twice.md"),
}

# Charts (charts/spec.py, data.py, block.py): the fence is at line 5 of the essay.
CHARTS: dict[str, Row] = {
    "chart not a mapping": Row("charts.spec", r"^chart settings must be `key: value` lines — start with type: bar$", chart("- a\n"), ESSAY),
    "chart bad YAML": Row("charts.spec", r"^chart settings are not valid YAML \(.+\) — ", chart("type: [bar\n"), ESSAY),
    "chart empty": Row("charts.spec", r"^chart block is empty — add settings such as type: bar", chart(""), ESSAY),
    "chart unknown key": Row("charts.spec", r"^unknown chart key 'tipe' — ", chart("tipe: bar\nx: year\ny: share\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart key twice": Row("charts.spec", r"^chart key 'x' is given twice — keep one$", chart("type: bar\nx: year\nx: year\ny: share\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart no type": Row("charts.spec", r"^chart has no type — add type: bar", chart("x: year\ny: share\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart no x": Row("charts.spec", r"^chart has no x column — add x: ", chart("type: bar\ny: share\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart no y": Row("charts.spec", r"^chart has no y column — add y: ", chart("type: bar\nx: year\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart no data": Row("charts.spec", r"^chart has no data — add data: with a CSV file name, or rows: ", chart("type: bar\nx: year\ny: share\n"), ESSAY),
    "chart unknown type": Row("charts.spec", r"^unknown chart type 'pie' — ", chart("type: pie\nx: year\ny: share\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart unknown unit": Row("charts.spec", r"^unknown chart unit 'kg' — use unit: ", chart("type: bar\nx: year\ny: share\nunit: kg\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart colour": Row("charts.spec", r"^chart colour '#12345z' is not a CSS colour — ", chart("type: bar\nx: year\ny: share\ncolors: ['#12345z']\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart single value": Row("charts.spec", r"^chart key 'title' takes a single value — write title: followed by text$", chart("type: bar\nx: year\ny: share\ntitle: [a, b]\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart rows": Row("charts.spec", r"^chart rows must be a list of mappings — ", chart("type: bar\nx: year\ny: share\nrows: 5\n"), ESSAY),
    "chart bar with two series": Row("charts.spec", r"^a bar chart shows one series — use type: grouped-bar or stacked-bar", chart("type: bar\nx: year\ny: [share, share2]\nrows: [{year: 1, share: 2, share2: 3}]\n"), ESSAY),
    "chart group and ys": Row("charts.spec", r"^chart has both group and several y columns — keep one of them$", chart("type: grouped-bar\nx: year\ny: [a, b]\ngroup: g\nrows: [{year: 1, a: 2, b: 3, g: x}]\n"), ESSAY),
    "chart sort on line": Row("charts.spec", r"^sort does not apply to line charts — remove it", chart("type: line\nx: year\ny: share\nsort: descending\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart data and rows": Row("charts.spec", r"^chart has both data and rows — keep one of them$", chart("type: bar\nx: year\ny: share\ndata: d.csv\nrows: [{year: 1, share: 2}]\n", {"d.csv": CSV}), ESSAY),
    "chart data outside": Row("charts.block", r"^chart data path '\.\./\.\./x.csv' leads outside the essay's folder — ", chart("type: bar\nx: year\ny: share\ndata: ../../x.csv\n"), ESSAY),
    "chart data missing": Row("charts.block", r"^chart data file 'gone.csv' not found — ", chart("type: bar\nx: year\ny: share\ndata: gone.csv\n"), ESSAY),
    "chart data not UTF-8": Row("charts.block", r"^chart data file 'd.csv' is not UTF-8 text — save it as \"CSV UTF-8\"$", chart("type: bar\nx: year\ny: share\ndata: d.csv\n", {"d.csv": b"year,share\n2019,\xff\n"}), ESSAY),
    "chart data unreadable": Row("charts.block", r"^chart data file 'd.csv' could not be read \(.+\) — check that it is a readable file$", chart("type: bar\nx: year\ny: share\ndata: d.csv\n", {"d.csv": CSV}), ESSAY, fixture="_unreadable_files"),
    "chart extra cells": Row("charts.block", r"^chart data file 'd.csv' line 2 has more cells than its header — name the extra column", chart("type: bar\nx: year\ny: share\ndata: d.csv\n", {"d.csv": "year,share\n2019,10,99\n"}), ESSAY),
    "chart no rows": Row("charts.data", r"^chart data d.csv has no rows — add a header line and a row per year$", chart("type: bar\nx: year\ny: share\ndata: d.csv\n", {"d.csv": "year,share\n"}), ESSAY),
    "chart column missing": Row("charts.data", r"^chart column 'shar' is not in d.csv — did you mean 'share'\?$", chart("type: bar\nx: year\ny: shar\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
    "chart value not a number": Row("charts.data", r"^chart value 'ten' in column 'share' .*is not a number — write a plain number", chart("type: bar\nx: year\ny: share\ndata: d.csv\n", {"d.csv": "year,share\n2019,ten\n"}), ESSAY),
    "chart too many series": Row("charts.data", r"^chart has \d+ series, too many to tell apart — show at most \d+, or split it$", chart("type: grouped-bar\nx: year\ny: share\ngroup: g\ndata: d.csv\n", {"d.csv": "year,share,g\n" + "".join(f"1,{i},g{i}\n" for i in range(30))}), ESSAY),
    "chart duplicate row": Row("charts.data", r"^chart data has two rows for year '2019' — keep one, or name the series column with group:$", chart("type: bar\nx: year\ny: share\ndata: d.csv\n", {"d.csv": "year,share\n2019,1\n2019,2\n"}), ESSAY),
    "chart duplicate grouped row": Row("charts.data", r"^chart data has two rows for year '2019' and g 'a' — keep one$", chart("type: grouped-bar\nx: year\ny: share\ngroup: g\ndata: d.csv\n", {"d.csv": "year,share,g\n2019,1,a\n2019,2,a\n"}), ESSAY),
    "chart highlight": Row("charts.data", r"^chart highlight '2030' is not among the year values — ", chart("type: bar\nx: year\ny: share\nhighlight: ['2030']\ndata: d.csv\n", {"d.csv": CSV}), ESSAY),
}
CATALOGUE = {**MESSAGES, **CHARTS}

XFAIL: dict[str, str] = {}  # name -> why it is still a bug (a strict xfail)
# Messages no input can produce: they report an essaygen bug, shown only in `serve`'s browser overlay.
UNREACHABLE = {"serve.py": "internal error: {type}: {exc} — published by serve when a rebuild raises (a bug in essaygen)"}


def _rows() -> list:
    return [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=XFAIL[name])) if name in XFAIL else name for name in CATALOGUE]


@pytest.mark.parametrize("name", _rows())
def test_each_message_is_triggered_and_says_where_and_what_to_do(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    row = CATALOGUE[name]
    if row.fixture:
        {"_pandoc_missing": _pandoc_missing, "_unreadable_files": _unreadable_files}[row.fixture](monkeypatch)
    problems = row.trigger(tmp_path)
    matching = [p for p in problems if re.search(row.template, p.message)]
    assert matching, f"{name}: no message matches {row.template!r} in:\n" + "\n".join(map(str, problems))
    problem = matching[0]
    assert problem.path == row.path, f"{name}: names {problem.path!r}, not {row.path!r}"
    assert problem.line >= 1 and problem.col >= 1
    assert " — " in problem.message, f"{name}: no ' — what to do' in {problem.message!r}"
    assert "\n" not in problem.message, f"{name}: a message must be one line: {problem.message!r}"


def test_every_module_with_messages_is_in_the_catalogue() -> None:
    """A new module that makes Problems must add its messages to the table above."""
    makers = re.compile(r"\bProblem\(|\.problem\(|\breport\(|\b_problem\(|\bfail\(|\bBadDate\(")
    # problems: the class; cache: rebuilds stored Problems; serve: UNREACHABLE; mdrules: only the env helper, unused by its rules
    covered = {row.module for row in CATALOGUE.values()} | {"problems", "cache", "serve", "mdrules"}
    for path in sorted(ESSAYGEN.rglob("*.py")):
        module = path.relative_to(ESSAYGEN).with_suffix("").as_posix().replace("/", ".")
        text = path.read_text()
        if makers.search(text) and module not in covered and "raise BadDate" not in text.replace("class BadDate", ""):
            pytest.fail(f"essaygen/{path.relative_to(ESSAYGEN)} makes problems but has no row in tests/test_messages.py")
    assert "serve.py" in UNREACHABLE


# Messages put together from parts (a kind's name, libyaml's own words): no literal to look for.
COMPOSED = {"yaml other error", "yaml syntax", "revision date", "wave release date", "not a choice", "duplicate citation key",
            "chart unknown type", "chart highlight", "wrong kind, example", "wrong kind, no example", "wrong kind, nothing", "wrong kind, YAML keyword"}


def test_every_template_in_the_table_is_still_in_the_code() -> None:
    """The table stays honest: each row's module still holds the start of its message."""
    missing = []
    for name, row in CATALOGUE.items():
        source = (ESSAYGEN / (row.module.replace(".", "/") + ".py")).read_text()
        fixed = re.sub(r"'[^']*'|\\\(.*?\\\)", "\0", row.template).replace("\\", "")   # without the values quoted from the input
        runs = re.findall(r"[A-Za-z][A-Za-z ,;`_-]{7,}", fixed)
        assert runs, name
        literal = max(runs, key=len).strip()[:24]
        if literal not in source and name not in COMPOSED:
            missing.append(f"{name}: {literal!r} not in {row.module}")
    assert not missing, "\n".join(missing)
