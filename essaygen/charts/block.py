"""A ```chart fence in, a <figure> out: the one place that reads files (the CSV).

Everything else in this package is pure; this module resolves the data file
within the essay's folder or content/media/, reads it, and assembles the figure.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from essaygen.charts.data import Origin, build_table
from essaygen.charts.frame import NARROW
from essaygen.charts.rows import RawTable, extra_cells, parse_csv_rows
from essaygen.charts.spec import ChartSpec, parse_chart_spec
from essaygen.charts.svg import render_svg
from essaygen.charts.table import render_table_html
from essaygen.problems import Problem
from essaygen.yamldoc import UNSAFE_CHARACTER

NOT_FOUND_FIX = "put it beside the essay or in content/media/"


@dataclass(frozen=True)
class ChartContext:
    source_path: str  # display path for messages, e.g. "content/essays/decision-making/index.md"
    essay_dir: Path  # absolute folder of the essay file (bundle folder or content/essays)
    media_dir: Path  # absolute content/media folder
    media_url: str  # URL prefix under which content/media files are served, e.g. "/media/"
    bundle_url: str  # URL prefix for files beside a bundle essay ("" links relative to the page)
    id_prefix: str  # unique per essay; combined with the fence index for SVG ids
    fence_line: int  # 1-based line of the opening ``` in the source file


@dataclass(frozen=True)
class ChartResult:
    html: str  # "" when there are problems
    problems: tuple[Problem, ...]
    # The CSV read; when none was found, every place looked in (a new file there matters).
    dependencies: tuple[Path, ...]


@dataclass(frozen=True)
class Loaded:
    """A chart's raw data and where it came from."""

    raw: RawTable | None
    name: str = ""  # the CSV as the editor wrote it; "" for inline rows
    link: str = ""  # URL of the CSV for the download link
    dependencies: tuple[Path, ...] = ()
    problems: tuple[Problem, ...] = ()


def render_chart_block(body: str, index: int, context: ChartContext) -> ChartResult:
    """Render the `index`-th chart fence of an essay, or report what is wrong with it."""
    spec, problems = parse_chart_spec(body, path=context.source_path, fence_line=context.fence_line)
    if spec is None:
        return ChartResult("", problems, ())
    loaded = load_data(spec, context)
    if loaded.raw is None:
        return ChartResult("", loaded.problems, loaded.dependencies)
    table, problems = build_table(spec, loaded.raw, Origin(context.source_path, loaded.name))
    if table is None:
        return ChartResult("", problems, loaded.dependencies)
    id_base = f"{_id_safe(context.id_prefix)}-chart-{index}"
    svg = render_svg(spec, table, f"{id_base}-narrow", NARROW) + "\n" + render_svg(spec, table, id_base)
    return ChartResult(render_figure(spec, svg, render_table_html(table, spec.unit), id_base, loaded.link),
                       (), loaded.dependencies)


def _id_safe(prefix: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", prefix).strip("-") or "essay"


def render_figure(spec: ChartSpec, svg: str, table_html: str, id_base: str, link: str) -> str:
    """The figure: chart (`svg`: its drawings), caption, source, download link, and the data
    behind a disclosure."""
    credits = [f"Source: {escape(spec.source, quote=False)}"] if spec.source else []
    if link:
        credits.append(f'<a href="{escape(link)}" download>Download the data (CSV)</a>')
    caption = [f'<p class="chart-caption">{escape(spec.caption, quote=False)}</p>'] if spec.caption else []
    caption += [f'<p class="chart-source">{" · ".join(credits)}</p>'] if credits else []
    caption.append(f'<details class="chart-data"><summary>Data table</summary>\n{table_html}\n</details>')
    lines = [f'<figure class="chart chart-{spec.type}" id="{id_base}">', svg, "<figcaption>", *caption,
             "</figcaption>", "</figure>"]
    return "\n".join(lines) + "\n"


def load_data(spec: ChartSpec, context: ChartContext) -> Loaded:
    """Inline rows as they are, or the CSV file found beside the essay or in the media folder."""
    if spec.rows is not None:
        return Loaded(spec.rows)
    where = spec.at("data")

    def problem(message: str) -> Problem:
        return Problem(context.source_path, where.line, where.col, message)

    candidates = _candidates(spec.data, context)
    if candidates is None:
        return Loaded(None, problems=(problem(
            f"chart data path '{spec.data}' leads outside the essay's folder — {NOT_FOUND_FIX}"),))
    looked = tuple(path for path, _ in candidates)
    found = next(((p, url) for p, url in candidates if p.is_file()), None)
    if found is None:
        return Loaded(None, dependencies=looked, problems=(problem(_not_found(spec.data, context)),))
    text, error = _read(found[0])
    if error:
        return Loaded(None, dependencies=(found[0],), problems=(problem(f"chart data file '{spec.data}' {error}"),))
    extra = [problem(f"chart data file '{spec.data}' line {n} has more cells than its header — "
                     "name the extra column in the first line, or remove the cells") for n in extra_cells(text)]
    return Loaded(None if extra else parse_csv_rows(text), spec.data, found[1], (found[0],), tuple(extra))


def _candidates(name: str, context: ChartContext) -> list[tuple[Path, str]] | None:
    """(file, URL) beside the essay, then in media; None when the name escapes both folders."""
    relative = PurePosixPath(name.replace("\\", "/"))
    if relative.is_absolute() or not name.strip():
        return None
    found = []
    for base, url in ((context.essay_dir, context.bundle_url), (context.media_dir, context.media_url)):
        root = base.resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(root):
            return None
        found.append((path, url + quote(path.relative_to(root).as_posix())))
    return found


def _read(path: Path) -> tuple[str, str]:
    """(text, "") or ("", what went wrong, as the end of a sentence)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return "", "is not UTF-8 text — save it as \"CSV UTF-8\""
    except OSError as error:
        return "", f"could not be read ({error.strerror}) — check that it is a readable file"
    bad = UNSAFE_CHARACTER.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        return "", (f"line {line} contains the invisible character U+{ord(bad.group()):04X}, which no web page "
                    "or feed can carry — delete it (most editors do not show it)")
    return text, ""


def _not_found(name: str, context: ChartContext) -> str:
    """The fix, with the closest CSV name when there is one (`timline.csv` → `timeline.csv`)."""
    close = difflib.get_close_matches(name, _csv_names(context), n=1, cutoff=0.7)
    fix = f"did you mean '{close[0]}'?" if close else NOT_FOUND_FIX
    return f"chart data file '{name}' not found — {fix}"


def _csv_names(context: ChartContext) -> list[str]:
    beside = {p.name for p in context.essay_dir.glob("*.csv")}
    media = context.media_dir
    shared = {p.relative_to(media).as_posix() for p in media.rglob("*.csv")} if media.is_dir() else set()
    return sorted(beside | shared)
