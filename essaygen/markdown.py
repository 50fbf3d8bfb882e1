"""The Markdown stage: body text in, HTML and what it refers to out.

`render_body` is pure (given the list of content files) so its result can be cached
by content hash and computed in worker processes. Links to other sources become
placeholders, resolved once every essay's URL and headings are known.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from essaygen import mdrules
from essaygen.citations.syntax import citation_plugin, note_citations_plugin, numbered_notes
from essaygen.mdsource import line_tracking_plugin
from essaygen.memo import cached_hash
from essaygen.problems import Problem
from essaygen.record import package_fingerprint
from essaygen.search import SearchBody, search_body
from essaygen.urls import relative_url

ENGINE_VERSION = "md-6"
_PLACEHOLDER = re.compile(r"\x00([LE])(\d+)\x00")


@dataclass(frozen=True)
class RenderContext:
    path: str                  # the source, relative to the site root
    line_offset: int           # file lines before the body
    page_dir: str              # the output folder of the page ("essays/x/")
    bundle: str | None         # the bundle folder of the essay, if any
    root: str                  # the site folder (charts read their CSV files)
    unsafe_html: bool
    files: frozenset[str]      # every file under content/, relative to the root
    notes: bool = False        # the citation style is a note style: citations become footnotes


@dataclass(frozen=True)
class SourceLink:
    target: str                # source path relative to the root
    anchor: str | None
    line: int
    col: int
    raw: str


@cached_hash
@dataclass(frozen=True)
class RenderedBody:
    html: str
    headings: tuple[tuple[int, str, str], ...]    # (level, id, text)
    words: int
    citations: tuple[Any, ...]                    # CitationCluster, in order
    links: tuple[SourceLink, ...]                 # placeholder n is links[n]
    anchors: frozenset[str]                       # every id in the body
    deps: tuple[str, ...]                         # files read (chart data), relative to root
    problems: tuple[Problem, ...]
    search: SearchBody                            # its text and terms, for the search index
    cites: int = 0                                # len(citations), kept when they are slimmed away

    def slimmed(self, stored: bool = False) -> RenderedBody:
        """The body without its HTML and search text and terms; once `stored` in its cache
        file, without its headings and citations too (read from there when needed)."""
        if stored:
            return replace(self, html="", headings=(), citations=(), cites=len(self.citations) or self.cites, search=SearchBody("", "", self.search.words))
        return replace(self, html="", search=SearchBody("", "", self.search.words))

    @property
    def is_slim(self) -> bool:
        """Whether this is a slimmed body (a rendered one always has HTML or search text;
        serve's, without a search index, keep only their HTML)."""
        return not self.html and not self.search.text

    def without_search_text(self) -> RenderedBody:
        """The body as serve keeps it: it makes no search index."""
        return replace(self, search=SearchBody("", "", self.search.words))


@lru_cache(maxsize=4)
def make_parser(unsafe_html: bool, notes: bool = False) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": unsafe_html, "typographer": True, "quotes": "“”‘’", "xhtmlOut": False})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.validateLink = mdrules.safe_link  # type: ignore[method-assign]
    md.use(mdrules.normalize_plugin).use(mdrules.delimiters_plugin).use(mdrules.block_starts_plugin)
    md.use(line_tracking_plugin).use(footnote_plugin).use(mdrules.footnote_checks_plugin).use(mdrules.positions_plugin)
    md.use(citation_plugin)
    if notes:
        md.use(note_citations_plugin)
    md.use(mdrules.heading_ids_plugin).use(mdrules.figures_plugin)
    md.core.ruler.push("local_links", _local_links)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("link_close", _render_link_close)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("footnote_block_open", _render_footnotes_open)
    return md


def _render_footnotes_open(self: RendererHTML, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    # A heading of their own: notes and references are two distinct, labelled sections.
    return '<section class="footnotes" aria-labelledby="footnotes">\n<h2 id="footnotes">Notes</h2>\n<ol class="footnotes-list">\n'


def render_body(body: str, ctx: RenderContext) -> RenderedBody:
    md = make_parser(ctx.unsafe_html, ctx.notes)
    env: dict[str, Any] = {
        "path": ctx.path,
        "line_offset": ctx.line_offset,
        "_body_lines": body.replace("\x00", "\ufffd").split("\n"),
        "ctx": ctx,
        "problems": [],
        "links": [],
        "deps": [],
        "charts": 0,
        "note_citations": ctx.notes,
    }
    tokens = md.parse(body, env)
    html = md.renderer.render(tokens, md.options, env)
    return RenderedBody(
        html=html,
        headings=tuple(env.get("headings", ())),
        words=_count_words(tokens),
        citations=tuple(numbered_notes(env, env.get("citations", []))),
        links=tuple(env["links"]),
        anchors=mdrules.element_ids(html),
        deps=tuple(sorted(set(env["deps"]))),
        problems=tuple(env["problems"]),
        search=search_body(html),
    )


def _count_words(tokens: list[Token]) -> int:
    # One split of all the text (joined by spaces, so no two words merge) is faster
    # than one per text token, and counts the same.
    texts = [child.content for token in tokens if token.children for child in token.children if child.type == "text"]
    return len(" ".join(texts).split())


# ---------------------------------------------------------------- local links and files

def _local_links(state: Any) -> None:
    env = state.env
    ctx: RenderContext = env["ctx"]
    source_dir = ctx.path.rsplit("/", 1)[0]
    # Found first, in one comprehension (faster than a loop); neither changes a token list.
    found = [child for token in state.tokens if token.children for child in token.children if child.type in ("link_open", "image")]
    for child in found:
        if child.type == "link_open":
            _link(child, env, ctx, source_dir)
        else:
            _image(child, env, ctx, source_dir)


def _link(token: Token, env: dict[str, Any], ctx: RenderContext, source_dir: str) -> None:
    href = str(token.attrGet("href") or "")
    line, col = token.meta.get("pos", (ctx.line_offset + 1, 1))
    if href.startswith("#"):
        env["links"].append(SourceLink(ctx.path, href[1:] or None, line, col, href))
        token.meta["source_link"] = len(env["links"]) - 1
        return
    if not mdrules.is_local(href):
        return
    target, anchor = mdrules.resolve_local(source_dir, href)
    if target.endswith(".md"):
        env["links"].append(SourceLink(target, anchor, line, col, href))
        token.meta["source_link"] = len(env["links"]) - 1
        return
    url = _file_url(target, env, ctx, line, col, href)
    if url is not None:
        token.attrSet("href", url + (f"#{anchor}" if anchor else ""))


def _image(token: Token, env: dict[str, Any], ctx: RenderContext, source_dir: str) -> None:
    src = str(token.attrGet("src") or "")
    if not mdrules.is_local(src):
        return
    line, col = token.meta.get("pos", (ctx.line_offset + 1, 1))
    target, _ = mdrules.resolve_local(source_dir, src)
    url = _file_url(target, env, ctx, line, col, src)
    if url is not None:
        token.attrSet("src", url)


def _file_url(target: str, env: dict[str, Any], ctx: RenderContext, line: int, col: int, raw: str) -> str | None:
    """The page-relative URL of a content file, or a problem when it is not published."""
    def fail(message: str) -> None:
        env["problems"].append(Problem(ctx.path, line, col, message))

    env["deps"].append(target)  # the cache re-checks these files on every lookup
    if not target.startswith("content/"):
        fail(f"'{raw}' points outside the content folder — link to files in content/media/ or beside the essay")
        return None
    if target not in ctx.files:
        fail(f"'{raw}' does not exist (looked for {target}) — check the file name, or add the file")
        return None
    published = published_path(target, ctx.bundle, ctx.page_dir)
    if published is not None:
        return quote(relative_url(ctx.page_dir, published), safe="/")
    fail(f"'{raw}' is not published: only files in content/media/ or inside an essay's bundle folder are — move it there")
    return None


def published_path(target: str, bundle: str | None, page_dir: str) -> str | None:
    """Where a content file is published in the output, if it is."""
    if target.startswith("content/media/"):
        return "media/" + target[len("content/media/") :]
    if bundle and target.startswith(bundle + "/"):
        return page_dir + target[len(bundle) + 1 :]
    return None


# ---------------------------------------------------------------- render rules

def _render_link_open(self: RendererHTML, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    n = token.meta.get("source_link")
    if n is not None:
        _close_of(tokens, idx).meta["source_link"] = n
        return f"\x00L{n}\x00"
    return self.renderToken(tokens, idx, options, env)


def _render_link_close(self: RendererHTML, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    n = tokens[idx].meta.get("source_link")
    return f"\x00E{n}\x00" if n is not None else "</a>"


def _close_of(tokens: list[Token], idx: int) -> Token:
    for token in tokens[idx + 1 :]:
        if token.type == "link_close":
            return token
    return tokens[idx]


def _render_image(self: RendererHTML, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    token.attrSet("alt", self.renderInlineAsText(token.children or [], options, env))
    token.attrSet("loading", "lazy")
    token.attrSet("decoding", "async")
    return self.renderToken(tokens, idx, options, env)


def _render_fence(self: RendererHTML, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    if token.info.strip() != "chart":
        return RendererHTML.fence(self, tokens, idx, options, env)
    from essaygen.charts import ChartContext, render_chart_block

    ctx: RenderContext = env["ctx"]
    root = Path(ctx.root)
    media_url = relative_url(ctx.page_dir, "media/")
    # Only a bundle's own folder is published beside the page; a single-file
    # essay's data must come from content/media/.
    data_dir = root / ctx.bundle if ctx.bundle else root / "content" / "media"
    chart_ctx = ChartContext(
        source_path=ctx.path,
        essay_dir=data_dir,
        media_dir=root / "content" / "media",
        media_url=media_url,
        bundle_url="" if ctx.bundle else media_url,
        id_prefix=ctx.page_dir.strip("/").replace("/", "-") or "page",
        fence_line=(token.map[0] if token.map else 0) + ctx.line_offset + 1,
    )
    env["charts"] += 1
    result = render_chart_block(token.content, env["charts"], chart_ctx)
    env["problems"].extend(result.problems)
    env["deps"].extend(_site_relative(root, Path(p)) for p in result.dependencies)
    return result.html


def _site_relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# ---------------------------------------------------------------- after every essay is known

@dataclass(frozen=True)
class LinkTarget:
    url: str | None            # output path of the target page; None when it is not published
    anchors: frozenset[str] | None   # None: unknown (the source did not parse), not checked


def resolve_links(
    body: RenderedBody, path: str, page_dir: str, targets: Mapping[str, LinkTarget]
) -> tuple[str, list[Problem]]:
    """Replace link placeholders with page-relative URLs; unpublished targets lose their link."""
    tags, problems = link_tags(body.links, path, page_dir, targets)
    return apply_links(body.html, tags), problems


def link_tags(
    links: tuple[SourceLink, ...], path: str, page_dir: str, targets: Mapping[str, LinkTarget]
) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    """The opening and closing tag of each link placeholder (from the links alone, so a
    build can check every link without holding the bodies), and the links' problems."""
    problems: list[Problem] = []
    tags = []
    for link in links:
        target = targets.get(link.target)
        if target is None:
            problems.append(Problem(path, link.line, link.col, _missing(link)))
            tags.append(('<a href="#">', "</a>"))
            continue
        if link.anchor and target.anchors is not None and link.anchor not in target.anchors:
            problems.append(Problem(path, link.line, link.col, f"'#{link.anchor}' is not a heading or anchor in {link.target} — check the spelling (ids are lowercase, words joined by hyphens)"))
        if target.url is None:
            tags.append(('<span class="unreleased-link">', "</span>"))
            continue
        href = "" if link.target == path else relative_url(page_dir, target.url)
        tags.append((f'<a href="{href}{"#" + link.anchor if link.anchor else ""}">', "</a>"))
    return tuple(tags), problems


def apply_links(html: str, tags: tuple[tuple[str, str], ...]) -> str:
    def replace(match: re.Match[str]) -> str:
        return tags[int(match.group(2))][0 if match.group(1) == "L" else 1]

    return _PLACEHOLDER.sub(replace, html)


def _missing(link: SourceLink) -> str:
    return f"link to '{link.raw}', but there is no {link.target} — link to an existing essay or page by its .md file"


def body_key(digest: str, ctx: RenderContext) -> str:
    """The cache key of a rendered body: everything render_body depends on but the data
    files. `digest` is the body text's sha256 (content.body_digest)."""
    parts = (ENGINE_VERSION, package_fingerprint(), digest, ctx.path, str(ctx.line_offset), ctx.page_dir, str(ctx.bundle),
             str(ctx.unsafe_html), str(ctx.notes))
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
