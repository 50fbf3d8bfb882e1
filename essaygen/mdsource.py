"""Source positions for markdown-it inline rules.

markdown-it gives block tokens a line map but inline rules only see the block's
text. We replace the core `inline` rule with one that records the current block's
first line in `env`, so inline rules (citations, links) can report the exact
`path:line:col` of what they found, in lines of the *file*. (It also passes over the
inline parser for text that holds no markup at all: see _markup.)

env keys set by essaygen's markdown stage:
    env["path"]         display path of the source, e.g. "content/essays/x.md"
    env["line_offset"]  number of file lines before the body (front matter)
    env["_body_lines"]  the normalised body split into lines
    env["_block_line"]  0-based body line of the inline block being parsed
    env["_note_label"]  the label of the `[^label]:` footnote being parsed, else None
    env["_note_fresh"]  whether the inline text being parsed is the first of a footnote
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token


# The characters at which each inline rule may match. Text with none of them is what
# markdown-it's `text` rule makes of it: one text token, the whole of it (no rule here
# takes the other characters it stops at, such as ":"; "-" starts a citation only as "-@").
_RULES_MATCHING_AT = {
    "text": "", "newline": "\n", "escape": "\\", "backticks": "`", "strikethrough": "~",
    "emphasis": "*_", "link": "[", "image": "!", "footnote_inline": "^", "footnote_ref": "[", "footnote_undefined": "[",
    "autolink": "<", "html_inline": "<", "entity": "&", "citation_bracketed": "[", "citation_in_text": "@",
    "linkify": ":",  # only with the linkify option: see _markup
}


def _inline_with_lines(state: StateCore) -> None:
    markup = _markup(state.md)
    for token in state.tokens:
        if token.type == "footnote_reference_open":
            state.env["_note_label"], state.env["_note_fresh"] = token.meta["label"], True
        elif token.type == "footnote_reference_close":
            state.env["_note_label"] = None
        elif token.type == "inline":
            _parse_inline(state, token, markup)
            state.env["_note_fresh"] = False


def _parse_inline(state: StateCore, token: Token, markup: re.Pattern[str] | None) -> None:
    md = state.md
    if token.children is None:
        token.children = []
    content = token.content
    if markup is not None and not markup.search(content):
        # Three in four inline blocks of an essay (table cells, headings, plain
        # paragraphs): their one text token, made without the inline parser.
        if content:
            token.children.append(Token("text", "", 0, content=content))
        return
    state.env["_block_line"] = token.map[0] if token.map else None
    md.inline.parse(content, md, state.env, token.children)


@lru_cache(maxsize=8)
def _markup(md: MarkdownIt) -> re.Pattern[str] | None:
    """What may be markup for `md`'s inline rules; None when a rule is not one of those
    known above (a plugin added later turns the short cut off rather than be passed over)."""
    names = [name for name in md.inline.ruler.get_active_rules() if name != "linkify" or md.options.get("linkify")]
    if any(name not in _RULES_MATCHING_AT for name in names):
        return None
    return re.compile("[" + re.escape("".join(_RULES_MATCHING_AT[name] for name in names)) + "]")


def line_tracking_plugin(md: MarkdownIt) -> None:
    md.core.ruler.at("inline", _inline_with_lines)


def inline_position(state: StateInline, pos: int) -> tuple[int, int]:
    """The 1-based (line, col) in the file of `state.src[pos]`."""
    env = state.env
    block_line = env.get("_block_line")
    offset = int(env.get("line_offset", 0))
    line_start = state.src.rfind("\n", 0, pos) + 1
    col_in_src = pos - line_start
    if block_line is None:
        return offset + 1, col_in_src + 1
    body_line = block_line + state.src.count("\n", 0, pos)
    return body_line + offset + 1, _column(env, body_line, state.src, line_start, col_in_src) + 1


def _column(env: dict, body_line: int, src: str, line_start: int, col_in_src: int) -> int:
    # Container prefixes ("> ", list indentation) are stripped from inline text:
    # find the inline line inside the raw line to recover the real column.
    lines = env.get("_body_lines") or ()
    if not 0 <= body_line < len(lines):
        return col_in_src
    line_end = src.find("\n", line_start)
    text = src[line_start : line_end if line_end >= 0 else len(src)]
    found = lines[body_line].find(text) if text else -1
    return found + col_in_src if found >= 0 else col_in_src
