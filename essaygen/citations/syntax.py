"""Pandoc's citation syntax as markdown-it inline rules.

We parse citations ourselves (pandoc only formats them) so that every citation
has the exact file line and column of its "@" for error messages, and unknown keys
are caught before any formatting. The grammar, checked against pandoc 3.9, is in
/work/shared/CITATIONS.md:

    [see @a, p. 3; -@b]        a bracketed cluster (every ;-part needs a key)
    @a  /  -@a  /  @a [p. 3]   in-text; a bracket right after it holds the suffix

Each cluster found is appended to env["citations"] and rendered as the placeholder
"\\x00C{n}\\x00" (n = its index in that list). markdown-it turns any NUL of the
source into U+FFFD, so a placeholder cannot be forged by an editor.

With a note style (env["note_citations"], as pandoc does with one): a cluster in the
text becomes a footnote of its own, numbered with the essay's footnotes, holding its
placeholder; a cluster already in a footnote stays where it is. Each cluster knows
the note it is in (`note`), so pandoc sees them in the notes' order ("Ibid." follows
the note before).

Where pandoc and the short grammar differ we follow pandoc, because an essay that
pandoc would read one way must not be read another way here:
- "not after a letter or digit" also excludes "." (pandoc's word characters), so
  "x.@a" stays text;
- between an in-text key and its "[suffix]" any spaces and one line break may stand;
- prefixes and suffixes keep their Markdown (formatted by pandoc), with runs of
  whitespace collapsed to one space, as pandoc's reader does.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from essaygen.mdsource import inline_position, line_tracking_plugin

NORMAL = "normal"
SUPPRESS_AUTHOR = "suppress-author"
AUTHOR_IN_TEXT = "author-in-text"

# pandoc's citeKey: key characters (CPython's \w is exactly str.isalnum() or "_"),
# with single punctuation marks inside; "--" or a trailing "." ends the key.
_KEY = re.compile(r"\w+(?:[:.#$%&\-+?<>~/]\w+)*")
_SPACE = re.compile(r"\s+")
_BRACE = re.compile(r"[{}]")
_WHITESPACE = re.compile(r"\s")


# Slotted: a 5,000-essay site has ~100,000 of them (serve and check hold them all).
@dataclass(frozen=True, slots=True)
class CitationItem:
    key: str
    mode: str  # NORMAL | SUPPRESS_AUTHOR | AUTHOR_IN_TEXT
    prefix: str
    suffix: str  # raw, as pandoc keeps it: the locator is parsed by citeproc
    line: int  # 1-based file position of the "@"
    col: int

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Unpickled in the main process from every render worker.
        return (interned_item, (self.key, self.mode, self.prefix, self.suffix, self.line, self.col))


def interned_item(key: str, mode: str, prefix: str, suffix: str, line: int, col: int) -> CitationItem:
    """An item read back from a worker or the cache: one string per key and mode, not one per citation."""
    return CitationItem(sys.intern(key), sys.intern(mode), prefix, suffix, line, col)


@dataclass(frozen=True, slots=True)
class CitationCluster:
    items: tuple[CitationItem, ...]
    line: int  # 1-based file position of the cluster's first character
    col: int
    note: int = 0  # with a note style: the number of the footnote it makes or is in (0: none)
    in_note: bool = False  # with a note style: written in a footnote (not a note of its own)
    opens_note: bool = False  # ... as the first thing in it (pandoc then adds no parentheses)
    # ... and what follows it there: "" (nothing), its punctuation (".", ";"), or "text"
    # (pandoc ends a citation with the style's "." only where nothing follows).
    after: str = ""


def placeholder(index: int) -> str:
    return f"\x00C{index}\x00"


def note_placeholder(index: int) -> str:
    """Where the note of an author-in-text cluster goes, with a note style."""
    return f"\x00N{index}\x00"


# --- keys -------------------------------------------------------------------


def _is_word_char(ch: str) -> bool:
    # pandoc's Str: a citation may not follow one ("word@key", "x.@a" stay text).
    return ch.isalnum() or ch == "."


def scan_key(src: str, pos: int, end: int, braces: dict[int, int] | None = None) -> tuple[str, int] | None:
    """The key starting at src[pos] (just after "@") and the index after it.
    `braces` (from brace_pairs(src)) makes a braced key a look-up instead of a scan."""
    if pos >= end:
        return None
    if src[pos] == "{":
        return _braced_key(src, pos, end, brace_pairs(src) if braces is None else braces)
    found = _KEY.match(src, pos, end)
    return (found.group(), found.end()) if found else None


def brace_pairs(src: str) -> dict[int, int]:
    """Each "{" of src that a "}" closes before any whitespace, to the index of that "}".
    One pass, so that a line of "@{" is linear, not a scan to its end per "@"."""
    pairs: dict[int, int] = {}
    if "{" not in src:
        return pairs  # almost every source: no braced key can start
    opened: list[int] = []
    after = 0  # visit only the braces: a regex finds whitespace between them
    for brace in _BRACE.finditer(src):
        i = brace.start()
        if opened and _WHITESPACE.search(src, after, i):
            opened.clear()  # a braced key holds no whitespace (\s is exactly str.isspace)
        if src[i] == "{":
            opened.append(i)
        elif opened:
            pairs[opened.pop()] = i
        after = i + 1
    return pairs


def _braced_key(src: str, pos: int, end: int, braces: dict[int, int]) -> tuple[str, int] | None:
    close = braces.get(pos)
    if close is None or close >= end or close == pos + 1:
        return None  # unclosed, closed past the end, or empty
    return src[pos + 1 : close], close + 1


def _key_start(src: str, pos: int, lower: int) -> tuple[str, int] | None:
    """If a citation ("@" or "-@") may start at src[pos], its mode and the "@" index."""
    if src[pos] == "@":
        found = AUTHOR_IN_TEXT, pos
    elif src.startswith("-@", pos):
        found = SUPPRESS_AUTHOR, pos + 1
    else:
        return None
    return None if pos > lower and _is_word_char(src[pos - 1]) else found


# --- bracket scanning ---------------------------------------------------------


def _skip_code_span(src: str, pos: int, end: int) -> int:
    """Index after the code span opening at src[pos] (a backtick), or pos + run."""
    run = pos
    while run < end and src[run] == "`":
        run += 1
    ticks = src[pos:run]
    i = run
    while True:
        i = src.find(ticks, i, end)
        if i < 0:
            return run  # no closing run: the backticks are literal
        after = i + len(ticks)
        if after >= end or src[after] != "`":
            return after
        while i < end and src[i] == "`":
            i += 1


@dataclass
class _Walked:
    """What walking from each "[" of one inline source found (see _walk): the index
    of its closing "]" (None: never closed) and of the first "@" or "-@" inside it
    that starts a key; and the source's brace pairs, for braced keys."""

    close: dict[int, int | None] = field(default_factory=dict)
    first: dict[int, int | None] = field(default_factory=dict)
    braces: dict[int, int] = field(default_factory=dict)


def _walked(state: StateInline) -> _Walked:
    """The memo for this inline source and end, kept in the parse's env: markdown-it
    tries the rules at every "[" (and again while looking ahead), and a bracket must
    be walked once, not once per "[" before it, or a line of "[" is quadratic."""
    memos: dict[tuple[str, int], _Walked] = state.env.setdefault("_citation_brackets", {})
    key = (state.src, state.posMax)
    if key not in memos:
        memos[key] = _Walked(braces=brace_pairs(state.src))
    return memos[key]


def _is_citation_start(src: str, pos: int, end: int, walked: _Walked) -> bool:
    found = _key_start(src, pos, 0)
    return found is not None and scan_key(src, found[1] + 1, end, walked.braces) is not None


def _walk(src: str, start: int, end: int, walked: _Walked) -> int | None:
    """The index of the "]" closing the "[" at src[start], or None when it is not
    closed; records the same for every "[" inside it. Escapes and code spans are
    opaque. A "[" walked before is jumped over, so all walks together are linear."""
    if start in walked.close:
        return walked.close[start]
    stack: list[tuple[int, int | None]] = [(start, None)]  # open "[" and first citation in it
    i = start + 1
    while i < end:
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            i = _skip_code_span(src, i, end)
            continue
        if ch == "[" and i in walked.close:
            if walked.close[i] is None:
                break  # an unclosed bracket inside: none around it closes either
            stack[-1] = _seen(stack[-1], walked.first[i])
            i = walked.close[i] + 1  # type: ignore[operator]
            continue
        if ch == "[":
            stack.append((i, None))
        elif ch == "]":
            opened, first = stack.pop()
            walked.close[opened], walked.first[opened] = i, first
            if not stack:
                return i
            stack[-1] = _seen(stack[-1], first)
        elif ch in "-@" and _is_citation_start(src, i, end, walked):
            stack[-1] = _seen(stack[-1], i)
        i += 1
    for opened, _ in stack:
        walked.close[opened] = None
    return None


def _seen(frame: tuple[int, int | None], citation: int | None) -> tuple[int, int | None]:
    opened, first = frame
    return opened, first if first is not None else citation


def _segments(src: str, start: int, end: int, walked: _Walked) -> tuple[list[tuple[int, int]], int] | None:
    """Split the bracket opening at src[start] into its ;-parts at depth 0.

    Returns the parts as (begin, end) index pairs and the index of the closing
    "]", or None when the bracket is not closed. Escapes and code spans are opaque.
    """
    close = _walk(src, start, end, walked)
    if close is None:
        return None
    parts: list[tuple[int, int]] = []
    begin, i = start + 1, start + 1
    while i < close:
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            i = _skip_code_span(src, i, end)
            continue
        if ch == "[":
            i = walked.close[i] + 1  # type: ignore[operator]  # closed: it is inside a closed one
            continue
        if ch == ";":
            parts.append((begin, i))
            begin = i + 1
        i += 1
    parts.append((begin, close))
    return parts, close


def _find_citation(src: str, begin: int, end: int, walked: _Walked) -> tuple[int, str, int, str, int] | None:
    """The first citation in src[begin:end]: (start, mode, at, key, key_end).
    A nested bracket is skipped to the first citation inside it, or past it if none."""
    i = begin
    while i < end:
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            i = _skip_code_span(src, i, end)
            continue
        if ch == "[" and walked.close.get(i) is not None:
            inner = walked.first[i]
            i = walked.close[i] + 1 if inner is None else inner  # type: ignore[operator]
            continue
        if ch in "-@":
            found = _key_start(src, i, begin)
            if found is not None:
                mode, at = found
                key = scan_key(src, at + 1, end, walked.braces)
                if key is not None:
                    return i, mode, at, key[0], key[1]
        i += 1
    return None


def _clean_prefix(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _clean_suffix(text: str) -> str:
    # pandoc keeps one leading space ("[@a and x]" -> " and x") but trims the end.
    return _SPACE.sub(" ", text).rstrip()


# --- the inline rules -------------------------------------------------------


def _item(state: StateInline, part: tuple[int, int], silent: bool) -> CitationItem | None:
    """The citation in one ;-part of a bracket, or None if the part has no key.
    In silent mode (markdown-it looking ahead) positions are not worked out."""
    begin, end = part
    found = _find_citation(state.src, begin, end, _walked(state))
    if found is None:
        return None
    start, mode, at, key, key_end = found
    line, col = (0, 0) if silent else inline_position(state, at)
    return CitationItem(
        key=key,
        mode=SUPPRESS_AUTHOR if mode == SUPPRESS_AUTHOR else NORMAL,
        prefix=_clean_prefix(state.src[begin:start]),
        suffix=_clean_suffix(state.src[key_end:end]),
        line=line,
        col=col,
    )


def _bracketed_items(state: StateInline, start: int, silent: bool) -> tuple[list[CitationItem], int] | None:
    segmented = _segments(state.src, start, state.posMax, _walked(state))
    if segmented is None:
        return None
    parts, close = segmented
    items = [_item(state, part, silent) for part in parts]
    if any(item is None for item in items):
        return None  # every ;-part needs a key, else the bracket is text
    return [item for item in items if item is not None], close


def _skip_spnl(src: str, pos: int, end: int) -> int:
    """pandoc's spnl: spaces, at most one line break, spaces."""
    while pos < end and src[pos] in " \t":
        pos += 1
    if pos < end and src[pos] == "\n":
        pos += 1
        while pos < end and src[pos] in " \t":
            pos += 1
    return pos


def _in_text_locator(state: StateInline, pos: int, silent: bool) -> tuple[str, list[CitationItem], int] | None:
    """`@key [suffix; @more]`: the suffix, further items and the index after "]"."""
    src, end = state.src, state.posMax
    open_ = _skip_spnl(src, pos, end)
    if open_ >= end or src[open_] != "[" or src.startswith("[^", open_):
        return None
    segmented = _segments(src, open_, end, _walked(state))
    if segmented is None:
        return None
    parts, close = segmented
    rest = [_item(state, part, silent) for part in parts[1:]]
    if any(item is None for item in rest):
        return None
    suffix = _clean_suffix(src[parts[0][0] : parts[0][1]])
    return suffix, [item for item in rest if item is not None], close + 1


def _push_cluster(state: StateInline, items: list[CitationItem], start: int, end: int, where: tuple[int, int]) -> None:
    line, col = where
    env = state.env
    found: list[CitationCluster] = env.setdefault("citations", [])
    meta, content = {"index": len(found)}, state.src[start:end]
    cluster = CitationCluster(items=tuple(items), line=line, col=col)
    notes = bool(env.get("note_citations"))
    own_note = notes and env.get("_note_label") is None and env.get("_inline_note") is None
    if own_note and items[0].mode != AUTHOR_IN_TEXT:
        found.append(replace(cluster, note=_own_note(state, Token("citation", "", 0, meta=meta, content=content))))
        return
    token = state.push("citation", "", 0)
    token.meta, token.content = meta, content
    if own_note:  # "@smith says": the author stays in the text, the rest is a note after it
        cluster = replace(cluster, note=_own_note(state, Token("citation_note", "", 0, meta=meta, content=content)))
    elif notes:
        cluster = _in_note(env, cluster, meta["index"], opens=bool(env.get("_note_fresh")) and len(state.tokens) == 1)
    found.append(cluster)


def _own_note(state: StateInline, token: Token) -> int:
    """With a note style, a cluster in the text becomes a footnote holding `token`,
    numbered with the essay's own (as markdown-it's `^[...]` makes one); its number."""
    notes = state.env.setdefault("footnotes", {}).setdefault("list", {})
    number = len(notes)
    notes[number] = {"content": token.content, "tokens": [token]}
    state.push("footnote_ref", "", 0).meta = {"id": number, "citation": True}
    return number + 1


def _in_note(env: dict[str, Any], cluster: CitationCluster, index: int, opens: bool) -> CitationCluster:
    """With a note style, a cluster written in a footnote stays there. A `[^label]:`
    note's number is known only once all is parsed: `numbered_notes` gives it then."""
    inline_note = env.get("_inline_note")
    if inline_note is not None:
        return replace(cluster, note=inline_note + 1, in_note=True, opens_note=opens)
    env.setdefault("_note_labels", {})[index] = env["_note_label"]
    return replace(cluster, in_note=True, opens_note=opens)


def numbered_notes(env: dict[str, Any], clusters: list[CitationCluster]) -> list[CitationCluster]:
    """The clusters with the number of the `[^label]:` footnote each is written in (0
    when that footnote is never referred to, and so not shown)."""
    labels = env.get("_note_labels")
    if not labels:
        return clusters
    refs = env.get("footnotes", {}).get("refs", {})
    numbered = list(clusters)
    for index, label in labels.items():
        numbered[index] = replace(numbered[index], note=max(refs.get(":" + label, -1), -1) + 1)
    return numbered


def bracketed_rule(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if state.src[start] != "[" or state.src.startswith("[^", start):
        return False
    parsed = _bracketed_items(state, start, silent)
    if parsed is None:
        return False
    items, close = parsed
    if not silent:
        _push_cluster(state, items, start, close + 1, inline_position(state, start))
    state.pos = close + 1
    return True


def in_text_rule(state: StateInline, silent: bool) -> bool:
    # Tried at every "-" and "@" of every essay: the common failures return early.
    src, start = state.src, state.pos
    ch = src[start]
    if ch == "@":
        mode, at = AUTHOR_IN_TEXT, start
    elif ch == "-" and src.startswith("-@", start):
        mode, at = SUPPRESS_AUTHOR, start + 1
    else:
        return False
    if start and _is_word_char(src[start - 1]):
        return False
    key = scan_key(src, at + 1, state.posMax, _walked(state).braces)
    if key is None:
        return False
    line, col = (0, 0) if silent else inline_position(state, at)
    items, end = [CitationItem(key[0], mode, "", "", line, col)], key[1]
    locator = _in_text_locator(state, end, silent)
    if locator is not None:
        suffix, rest, end = locator
        items = [CitationItem(key[0], mode, "", suffix, line, col), *rest]
    if not silent:
        # "-@key" starts one column before its "@", on the same line.
        _push_cluster(state, items, start, end, (line, col - (at - start)))
    state.pos = end
    return True


def _render_citation(self, tokens, idx, options, env) -> str:  # noqa: ANN001 - markdown-it's signature
    return placeholder(tokens[idx].meta["index"])


def _render_citation_note(self, tokens, idx, options, env) -> str:  # noqa: ANN001 - markdown-it's signature
    return note_placeholder(tokens[idx].meta["index"])


_NOTE_PUNCTUATION = re.compile(r"[.,;:!?]+")


def _notes_in_place(state: Any) -> None:
    """As pandoc places citations with a note style: no space before a note's marker,
    and punctuation right after it moved before it ("as shown [@a]." -> "as shown.¹");
    and for a citation in a footnote, what follows it there (`CitationCluster.after`)."""
    env = state.env
    lists = [t.children for t in state.tokens if t.type == "inline" and t.children]
    lists += [note["tokens"] for note in env.get("footnotes", {}).get("list", {}).values() if note.get("tokens")]
    for children in lists:
        for i in reversed(range(len(children))):  # reversed: a marker's punctuation may be inserted
            token = children[i]
            if token.type == "footnote_ref" and token.meta.get("citation"):
                _mark_after_punctuation(children, i)
            elif token.type == "citation":
                clusters = env["citations"]
                index = token.meta["index"]
                if clusters[index].in_note:
                    clusters[index] = replace(clusters[index], after=_after(children[i + 1 :]))


def _mark_after_punctuation(children: list[Token], i: int) -> None:
    if i and children[i - 1].type == "softbreak":
        del children[i - 1]
        i -= 1
    before = children[i - 1] if i else None
    after = children[i + 1] if i + 1 < len(children) else None
    if before is not None and before.type == "text":
        before.content = before.content.rstrip()
    moved = _NOTE_PUNCTUATION.match(after.content) if after is not None and after.type == "text" else None
    if moved is None:
        return
    after.content = after.content[moved.end():]
    if before is not None and before.type == "text":
        before.content += moved.group()
    else:
        children.insert(i, Token("text", "", 0, content=moved.group()))


def _after(rest: list[Token]) -> str:
    if not rest or (len(rest) == 1 and rest[0].type == "text" and not rest[0].content.strip()):
        return ""
    first = rest[0]
    punctuation = _NOTE_PUNCTUATION.match(first.content) if first.type == "text" else None
    return punctuation.group() if punctuation else "text"


def citation_plugin(md: MarkdownIt) -> None:
    """Add pandoc-style citations; each cluster goes to env["citations"]."""
    # After "link", so that [@smith](url) stays a link around an in-text citation.
    md.inline.ruler.after("link", "citation_bracketed", bracketed_rule)
    # Last: no other rule starts at "@" or "-", so it is only tried where all failed.
    md.inline.ruler.push("citation_in_text", in_text_rule)
    add_terminator = getattr(md.inline, "add_terminator_char", None)
    if add_terminator is not None:  # markdown-it-py >= 4: "@", "-", "[" already stop text
        for ch in "@-[":
            add_terminator(ch)
    md.add_render_rule("citation", _render_citation)


def note_citations_plugin(md: MarkdownIt) -> None:
    """For note styles: marks `^[...]` footnotes while their text is parsed, so that a
    citation in one stays in it (`[^label]:` footnotes are marked by mdsource)."""
    rule = next(r.fn for r in md.inline.ruler.__rules__ if r.name == "footnote_inline")

    def marked(state: StateInline, silent: bool) -> bool:
        env = state.env
        outer, fresh = env.get("_inline_note"), env.get("_note_fresh")
        if outer is None:  # the number it will take (an inner one's citations are in the outer note)
            env["_inline_note"], env["_note_fresh"] = len(env.get("footnotes", {}).get("list", {})), True
        try:
            return rule(state, silent)
        finally:
            env["_inline_note"], env["_note_fresh"] = outer, fresh

    md.inline.ruler.at("footnote_inline", marked)
    md.core.ruler.after("inline", "notes_in_place", _notes_in_place)
    md.add_render_rule("citation_note", _render_citation_note)


def parse_citations(text: str) -> list[CitationCluster]:
    """The citation clusters of a Markdown text, in order (for tests and tools)."""
    md = MarkdownIt("commonmark").use(line_tracking_plugin).use(citation_plugin)
    md.enable("table")
    env: dict = {"path": "<text>", "line_offset": 0, "_body_lines": text.split("\n")}
    md.parse(text, env)
    return list(env.get("citations", []))
