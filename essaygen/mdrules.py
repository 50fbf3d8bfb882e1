"""markdown-it rules of our own: heading ids, figures, pull quotes, links to sources.

Each is a plain `md.use(plugin)` callable (the markdown-it way), and each reports
problems into `env["problems"]` with file positions, never raising.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from types import MethodType
from typing import Any
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from essaygen.content import slugify
from essaygen.mdsource import inline_position
from essaygen.problems import Problem

# Ids the page templates use: a heading must not take them.
RESERVED_IDS = frozenset({"main", "toc", "references", "footnotes", "top", "content", "site-nav", "search", "cite-this", "revisions"})
# Ids that footnotes (fn1, fnref1:2) and citations (cite-3, cite-3-1, ref-key) give their elements.
_GENERATED_ID = re.compile(r"fn\d+|fnref\d+(?::\d+)?|cite-\d+(?:-note)?(?:-\d+)?|ref-.*")
_BAD_SCHEMES = re.compile(r"^\s*(javascript|vbscript|file|data):", re.IGNORECASE)


def _problem(env: dict[str, Any], line: int, col: int, message: str) -> None:
    env.setdefault("problems", []).append(Problem(env.get("path", "?"), line, col, message))


# ---------------------------------------------------------------- headings

def heading_ids_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("heading_ids", _heading_ids)


def _heading_ids(state: StateCore) -> None:
    taken = set(RESERVED_IDS)
    headings = state.env.setdefault("headings", [])
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = _plain_text(tokens[i + 1].children or [])
        base = slugify(text) or "section"
        if _GENERATED_ID.fullmatch(base):  # "ref-x" or "fn1" would take a footnote's or citation's id
            base = f"section-{base}"
        slug, n = base, 1
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        token.attrSet("id", slug)
        headings.append((int(token.tag[1]), slug, text))


def element_ids(html: str) -> frozenset[str]:
    """Every id of a rendered body: re.findall(r'\\sid="([^"]+)"', html), but found with
    str.find (the regex has no literal start to skip to, and a body has few ids)."""
    found = set()
    start = html.find('id="', 1)
    while start >= 0:
        value = start + 4
        end = html.find('"', value)
        if end < 0:
            break
        if end > value and html[start - 1].isspace():  # str.isspace is exactly \s
            found.add(html[value:end])
            start = html.find('id="', end + 1)
        else:
            start = html.find('id="', start + 1)
    return frozenset(found)


def _plain_text(children: Sequence[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.children:
            parts.append(_plain_text(child.children))
    return "".join(parts).strip()


# ---------------------------------------------------------------- figures and pull quotes

def figures_plugin(md: MarkdownIt) -> None:
    """An image alone in its paragraph, with a title, becomes <figure> with <figcaption>."""
    md.core.ruler.push("figures", _figures)
    md.core.ruler.push("pull_quotes", _pull_quotes)


def _figures(state: StateCore) -> None:
    tokens = state.tokens
    # Lazily, so each index is looked up after the captions inserted before it; the end
    # is fixed first, as it always was.
    for i in (i for i in range(len(tokens) - 2) if tokens[i].type == "paragraph_open"):
        p_open, inline, p_close = tokens[i], tokens[i + 1], tokens[i + 2]
        if inline.type != "inline" or p_close.type != "paragraph_close":
            continue
        if "![" not in inline.content:  # children are parsed from it: no image (a quick test)
            continue
        children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())]
        if len(children) != 1 or children[0].type != "image" or not children[0].attrGet("title"):
            continue
        image = children[0]
        caption = str(image.attrGet("title"))
        image.attrs.pop("title", None)
        p_open.type, p_open.tag = "figure_open", "figure"
        p_close.type, p_close.tag = "figure_close", "figure"
        p_open.hidden = p_close.hidden = False
        caption_inline = Token("inline", "", 0, content=caption, children=[Token("text", "", 0, content=caption)])
        inline.children = [image]
        tokens[i + 2 : i + 2] = [_block("figcaption_open", "figcaption", 1), caption_inline, _block("figcaption_close", "figcaption", -1)]


def _block(kind: str, tag: str, nesting: int, css_class: str | None = None) -> Token:
    token = Token(kind, tag, nesting, block=True)
    if css_class:
        token.attrSet("class", css_class)
    return token


def _pull_quotes(state: StateCore) -> None:
    """A blockquote whose last paragraph starts with a dash is a quote with an attribution."""
    tokens = state.tokens
    i = _next_blockquote(tokens, 0)
    while i >= 0:
        close = _matching_close(tokens, i)
        if close >= i + 6 and _is_attribution(tokens, close):
            tokens[i : close + 1] = _wrap_pull_quote(tokens[i : close + 1])
        i = _next_blockquote(tokens, i + 1)  # a wrapped quote is looked at again, as it always was


def _next_blockquote(tokens: Sequence[Token], start: int) -> int:
    return next((j for j in range(start, len(tokens)) if tokens[j].type == "blockquote_open"), -1)


def _matching_close(tokens: Sequence[Token], start: int) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        if tokens[j].type == "blockquote_open":
            depth += 1
        elif tokens[j].type == "blockquote_close":
            depth -= 1
            if depth == 0:
                return j
    return -1


def _is_attribution(tokens: Sequence[Token], close: int) -> bool:
    p_open, inline, p_close = tokens[close - 3], tokens[close - 2], tokens[close - 1]
    if p_open.type != "paragraph_open" or p_close.type != "paragraph_close" or p_open.level != tokens[close].level + 1:
        return False
    return bool(re.match(r"^\s*(—|–|--|―)\s*\S", inline.content))


def _wrap_pull_quote(block: list[Token]) -> list[Token]:
    quote, attribution = block[:-4] + [block[-1]], block[-3]
    first = attribution.children[0] if attribution.children else None
    if first is not None and first.type == "text":
        first.content = re.sub(r"^\s*(—|–|--|―)\s*", "— ", first.content)
    return [
        _block("figure_open", "figure", 1, "pull-quote"),
        *quote,
        _block("figcaption_open", "figcaption", 1),
        attribution,
        _block("figcaption_close", "figcaption", -1),
        _block("figure_close", "figure", -1),
    ]


# ---------------------------------------------------------------- footnotes

_NOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")


def footnote_checks_plugin(md: MarkdownIt) -> None:
    """Footnotes whose text would be lost without a word: referred to but never written,
    written twice (the second replaces the first), or written but never referred to."""
    md.inline.ruler.after("footnote_ref", "footnote_undefined", _undefined_note)
    md.core.ruler.after("inline", "footnote_checks", _unplaced_notes)


def _undefined_note(state: StateInline, silent: bool) -> bool:
    # Tried where footnote_ref did not match: "[^x]" is then a note never written.
    if silent or not state.src.startswith("[^", state.pos):
        return False
    found = _NOTE_REF.match(state.src, state.pos)
    refs = state.env.get("footnotes", {}).get("refs", {})
    if found is not None and ":" + found.group(1) not in refs:
        line, col = inline_position(state, state.pos)
        label = found.group(1)
        _problem(state.env, line, col, f"footnote [^{label}] is never written — add a line '[^{label}]: the note' "
                 "below the paragraph, or delete the reference")
    return False


def _unplaced_notes(state: StateCore) -> None:
    env = state.env
    refs = env.get("footnotes", {}).get("refs")
    if not refs:
        return
    offset = int(env.get("line_offset", 0))
    seen: set[str] = set()
    for token in state.tokens:
        if token.type != "footnote_reference_open":
            continue
        label, line = token.meta["label"], (token.map[0] if token.map else 0) + offset + 1
        if label in seen:
            _problem(env, line, 1, f"footnote [^{label}] is written twice, and this text would replace the first — "
                     "give one of them another label")
        elif refs.get(":" + label, -1) < 0:
            _problem(env, line, 1, f"footnote [^{label}] is never referred to, so it would not be shown — "
                     f"put [^{label}] where it belongs in the text, or delete the note")
        seen.add(label)


# ---------------------------------------------------------------- links and images

def positions_plugin(md: MarkdownIt) -> None:
    """Remember where each link and image starts, for messages."""
    for name, marker in (("link", "["), ("image", "!")):
        rule = next(r for r in md.inline.ruler.__rules__ if r.name == name)
        md.inline.ruler.at(name, _with_position(rule.fn, marker))


def _with_position(rule: Any, marker: str) -> Any:
    def located(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if state.src[start] != marker:
            return False  # as the rule would at once: it is tried at every stop of the text
        count = len(state.tokens)
        found = rule(state, silent)
        if found and not silent:
            # state.push() may first flush pending text, so look for our token.
            for token in state.tokens[count:]:
                if token.type in ("link_open", "image"):
                    token.meta["pos"] = inline_position(state, start)
                    break
        return bool(found)

    return located


# ---------------------------------------------------------------- markdown-it's own rules, faster

def normalize_plugin(md: MarkdownIt) -> None:
    """markdown-it's `normalize`, without its regex passes over text that has no CR or NUL."""
    md.core.ruler.at("normalize", _normalize)


def _normalize(state: StateCore) -> None:
    # The same result as markdown-it's rule (CRLF and CR to LF, NUL to U+FFFD), but
    # its regex replaces every LF of every body by an LF: str.replace skips that.
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


# The character a line must start with (after its indentation) for each block rule to
# match it. markdown-it tries every block rule on every block, and most blocks are
# paragraphs that only `table`, `code`, `lheading` and `paragraph` can take: trying
# the others first was a fifth of parsing an essay. A rule not named here (a plugin's)
# is tried on every line, in its place.
BLOCK_RULE_STARTS = {
    "fence": "`~", "blockquote": ">", "hr": "*-_", "list": "*-+0123456789",
    "footnote_def": "[", "reference": "[", "html_block": "<", "heading": "#",
}


def block_starts_plugin(md: MarkdownIt) -> None:
    """markdown-it's block tokenizer, trying at each block only the rules that can match it."""
    md.block.tokenize = MethodType(_tokenize_blocks, md.block)  # type: ignore[method-assign]


def _tokenize_blocks(self: ParserBlock, state: StateBlock, startLine: int, endLine: int) -> None:
    """ParserBlock.tokenize, with the rules looked up by the block's first character."""
    rules_at = _rules_by_start(self.ruler)
    line = startLine
    max_nesting = state.md.options.maxNesting
    empty_lines = False
    src, starts, shifts = state.src, state.bMarks, state.tShift
    while line < endLine:
        state.line = line = state.skipEmptyLines(line)
        if line >= endLine or state.sCount[line] < state.blkIndent:
            break  # the end, or (nested in a list or quote) less indented than the container
        if state.level >= max_nesting:
            state.line = endLine  # too deep: the rest is not parsed, as markdown-it does
            break
        rules = rules_at.get(src[starts[line] + shifts[line]], rules_at[""])
        for rule in rules:
            if rule(state, line, endLine, False):
                if state.line <= line:
                    raise RuntimeError("block rule didn't increment state.line")
                break
        else:
            raise RuntimeError("none of the block rules matched")
        state.tight = not empty_lines  # an empty line before this block makes a list loose
        line = state.line
        if line - 1 < endLine and state.isEmpty(line - 1):
            empty_lines = True  # a paragraph may take one empty line after it in a list
        if line < endLine and state.isEmpty(line):
            empty_lines = True
            line += 1
            state.line = line


def _rules_by_start(ruler: Any) -> dict[str, list[Any]]:
    """For each first character named in BLOCK_RULE_STARTS (and "" for any other), the
    active rules that may match, in their order; kept while the rules stay the same."""
    rules = [(r.name, r.fn) for r in ruler.__rules__ if r.enabled]
    known = _RULES_BY_START.get(id(ruler))
    if known is not None and known[0] == rules:
        return known[1]
    chars = {c for name, _ in rules for c in BLOCK_RULE_STARTS.get(name, "")}
    table = {c: [fn for name, fn in rules if name not in BLOCK_RULE_STARTS or c in BLOCK_RULE_STARTS[name]] for c in chars}
    table[""] = [fn for name, fn in rules if name not in BLOCK_RULE_STARTS]
    _RULES_BY_START[id(ruler)] = (rules, table)
    return table


_RULES_BY_START: dict[int, tuple[list[tuple[str, Any]], dict[str, list[Any]]]] = {}


def delimiters_plugin(md: MarkdownIt) -> None:
    """Run markdown-it's emphasis and strikethrough post-processing only on inline text
    that holds their markers: each walks all of a paragraph's tokens even when it has
    no delimiter. Only the emphasis rule ("*", "_") and the strikethrough rule ("~")
    make delimiters in our parser: a plugin that makes its own (mdit_py_plugins' mark,
    "==") would need its marker added to "balance_pairs" here."""
    for name, markers in (("balance_pairs", "*_~"), ("strikethrough", "~"), ("emphasis", "*_")):
        rule = next(r for r in md.inline.ruler2.__rules__ if r.name == name)
        md.inline.ruler2.at(name, _when_marked(markers, rule.fn))


def _when_marked(markers: str, rule: Any) -> Any:
    def marked(state: StateInline) -> None:
        src = state.src
        for marker in markers:
            if marker in src:
                rule(state)
                return

    return marked


def safe_link(url: str) -> bool:
    """markdown-it's check, stricter: no data: URLs at all (also not images)."""
    return not _BAD_SCHEMES.match(unquote(url))


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("/") and bool(parts.path)


def resolve_local(source_dir: str, url: str) -> tuple[str, str | None]:
    """(site-relative path, fragment) of a local link written in a source in `source_dir`."""
    parts = urlsplit(url)
    target = posixpath.normpath(posixpath.join(source_dir, unquote(parts.path)))
    return target, (unquote(parts.fragment) or None)
