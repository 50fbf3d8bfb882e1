-- essaygen's citation worker: `pandoc lua worker.lua`.
--
-- Reads one JSON request per line on stdin and writes one JSON reply per line on
-- stdout, for as long as stdin is open, so one pandoc process serves a whole build
-- (and every rebuild of `essaygen serve`).
--
-- Request: {"requests": [{"blocks": "<JSON AST blocks>", "count": N,
--                         "fragments": [{"cluster", "item", "field", "text"}, ...],
--                         "items": "<CSL-JSON text>", "style": "/abs/style.csl",
--                         "locale": "en-GB"}, ...]}
--   "blocks" holds N paragraphs of one Cite each, each followed by a horizontal rule
--   (see pandocast.py); "fragments" are prefixes and suffixes to read as Markdown.
--          "notes": true with a note style (the clusters are then in the notes' order,
--          and those written in a footnote come wrapped in a Note).
-- Reply:   {"results": [{"clusters": ["<html>", ...], "entries": [["key", "<html>"], ...]}
--                       or {"error": "message"}, ...]}
--   With "notes", also "notes": ["<html>", ...]: the text of the note pandoc made of each
--   cluster, "" for one written in a footnote; a cluster's own entry is then what stays
--   in the text ("" but for an author-in-text one: its author).
--
-- Every failure comes back as data (pcall), never as a dead or silent process:
-- the Python side waits for exactly one line per request line.
--
-- Speed: the work stays on pandoc's (Haskell) side; Lua only moves strings. Each
-- essay is read from JSON once, formatted once and written to HTML once.

local HTML_OPTIONS = { wrap_text = "none" }
-- Pieces of the output are separated by horizontal rules: no text can produce one.
local SPLIT = "<hr />"
-- Prefixes and suffixes are read as CommonMark-like text: no raw HTML or TeX, "$" is
-- a dollar, and "@x" is text (our parser decided what is cited).
local FRAGMENT_READER = "markdown-citations-raw_html-raw_tex-tex_math_dollars-raw_attribute"

local function api_version()
  local parts = {}
  for i = 1, #PANDOC_API_VERSION do
    parts[i] = tostring(PANDOC_API_VERSION[i])
  end
  return "[" .. table.concat(parts, ",") .. "]"
end
local API_VERSION = api_version()

-- All fragments of an essay in one read: "x " in front of each keeps a leading
-- "1." or "-" from being read as a list marker, and is dropped again.
local function read_fragments(fragments)
  local texts = {}
  for i, fragment in ipairs(fragments) do
    texts[i] = "x " .. fragment.text:gsub("^%s+", "")
  end
  local blocks = pandoc.read(table.concat(texts, "\n\n* * *\n\n"), FRAGMENT_READER).blocks
  local result = {}
  for i, fragment in ipairs(fragments) do
    local para = blocks[2 * i - 1]
    local inlines = pandoc.Inlines {}
    for k = 3, #para.content do
      inlines:insert(para.content[k])
    end
    if fragment.text:match("^%s") and #inlines > 0 then
      inlines:insert(1, pandoc.Space()) -- pandoc keeps one leading space ("[@a and x]")
    end
    result[i] = inlines
  end
  return result
end

local function put_fragments(doc, fragments)
  if #fragments == 0 then
    return doc
  end
  local blocks = doc.blocks
  for i, inlines in ipairs(read_fragments(fragments)) do
    local fragment = fragments[i]
    local para = blocks[2 * fragment.cluster - 1]
    local cite = para.content[1]
    local citations = cite.citations
    citations[fragment.item][fragment.field] = inlines
    cite.citations = citations
    para.content[1] = cite
    blocks[2 * fragment.cluster - 1] = para
  end
  doc.blocks = blocks
  return doc
end

-- The document pandoc's citeproc formats. The CSL-JSON items are read with the
-- csljson reader: decoding JSON straight into meta loses every date.
local function document_of(req)
  local json = '{"pandoc-api-version":' .. API_VERSION .. ',"meta":{},"blocks":' .. req.blocks .. "}"
  local doc = put_fragments(pandoc.read(json, "json"), req.fragments)
  doc.meta.references = pandoc.read(req.items, "csljson").meta.references
  doc.meta.csl = req.style
  doc.meta.lang = req.locale
  doc.meta["link-citations"] = true
  doc.meta["link-bibliography"] = true
  doc.meta["suppress-bibliography"] = false
  return doc
end

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function unescape(s)
  return (s:gsub("&quot;", '"'):gsub("&#39;", "'"):gsub("&lt;", "<"):gsub("&gt;", ">"):gsub("&amp;", "&"))
end

-- The bibliography's HTML: <div id="refs" ...> then one <div id="ref-KEY" class="csl-entry"
-- ...> per entry, each on its own line (entry text is escaped, so the pattern cannot
-- occur inside an entry). pandoc's HTML writer turns the csl-left-margin and
-- csl-right-inline Spans into <div>s; they become <span>s again, so that an entry
-- is inline HTML and can also sit in a tooltip.
local function entries_of(refs_html)
  local starts = {}
  for at in refs_html:gmatch('()\n<div id="ref%-') do
    starts[#starts + 1] = at
  end
  local entries = {}
  for i, at in ipairs(starts) do
    local chunk = refs_html:sub(at + 1, (starts[i + 1] or #refs_html + 1) - 1)
    local id, body = chunk:match('^<div id="ref%-([^"]*)"[^>]*>(.*)$')
    body = body:gsub("%s*</div>%s*$", "") -- the entry's own closing tag
    if i == #starts then
      body = body:gsub("%s*</div>%s*$", "") -- and the bibliography's
    end
    body = trim(body):gsub("<div([ >])", "<span%1"):gsub("</div>", "</span>")
    entries[i] = { unescape(id), body }
  end
  return entries
end

-- pandocast.IN_NOTE_TEXT: the text before a citation written after text in a footnote.
local IN_NOTE_TEXT = "<p>\u{E000} "

local function cluster_html(piece)
  if piece:sub(1, #IN_NOTE_TEXT) == IN_NOTE_TEXT then
    piece = "<p>" .. piece:sub(#IN_NOTE_TEXT + 1)
  end
  -- (what follows a citation written in a footnote stands after it: dropped)
  local inner = piece:match('^<p><span class="citation" data%-cites="[^"]*">(.*)</span>[^<]*</p>$')
  if not inner then
    error("unexpected output for a citation: " .. piece)
  end
  return inner
end

-- With a note style citeproc puts a note into each Cite written outside one. The note's
-- text becomes a Span of class NOTE_PART (found again in the HTML), and a Note we wrapped
-- around a Cite written in a footnote is taken off again.
local NOTE_PART = "essaygen-note"

local function notes_as_spans(doc)
  return doc:walk {
    Cite = function(cite)
      cite.content = cite.content:walk {
        Note = function(note)
          return pandoc.Span(pandoc.utils.blocks_to_inlines(note.content), { class = NOTE_PART })
        end,
      }
      return cite
    end,
  }:walk {
    Note = function(note)
      return pandoc.utils.blocks_to_inlines(note.content)
    end,
  }
end

local function split_note(inner)
  local text, note = inner:match('^(.-)<span class="' .. NOTE_PART:gsub("%-", "%%-") .. '">(.*)</span>$')
  if text == nil then
    return inner, ""
  end
  return trim(text), note
end

local function format_one(req)
  local doc = pandoc.utils.citeproc(document_of(req))
  if req.notes then
    doc = notes_as_spans(doc)
  end
  local html = pandoc.write(doc, "html", HTML_OPTIONS)
  local result, from = { clusters = {} }, 1
  if req.notes then
    result.notes = {}
  end
  for i = 1, req.count do
    local at = html:find(SPLIT, from, true) or error("citation " .. i .. " is missing from pandoc's output")
    local inner = cluster_html(trim(html:sub(from, at - 1)))
    if req.notes then
      result.clusters[i], result.notes[i] = split_note(inner)
    else
      result.clusters[i] = inner
    end
    from = at + #SPLIT
  end
  -- A request of no notes' (a "cite this" or reference list request) with a note style:
  -- its one cluster is a note at the end, after the entries (that cluster is not used).
  local rest = html:sub(from)
  local notes_at = rest:find('<section id="footnotes"', 1, true)
  result.entries = entries_of(notes_at and rest:sub(1, notes_at - 1) or rest)
  return result
end

local function handle(line)
  local batch = pandoc.json.decode(line, false)
  local results = {}
  for i, req in ipairs(batch.requests) do
    local ok, result = pcall(format_one, req)
    results[i] = ok and result or { error = tostring(result) }
  end
  return { results = results }
end

for line in io.stdin:lines() do
  local ok, reply = pcall(handle, line)
  if not ok then
    reply = { error = tostring(reply) }
  end
  io.stdout:write(pandoc.json.encode(reply), "\n")
  io.stdout:flush()
end
