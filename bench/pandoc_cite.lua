-- pandoc's own citeproc cost, one pandoc process for a batch of essays.
--
--   pandoc lua bench/pandoc_cite.lua MODE BIB CSL LIST
--
-- LIST is a file naming one essay per line (pandoc 3.9's `lua` crashes with a
-- segmentation fault when given more than ~64 arguments, so they can't go on argv).
--
-- MODE "read" only parses each essay; MODE "citeproc" parses it and runs citeproc on
-- it, as `pandoc --citeproc --csl=CSL --bibliography=BIB essay.md` would. bench/run.py
-- times both and divides the difference by the number of essays, so process start-up
-- and Markdown parsing cancel out and what is left is citeproc per essay.
-- The bibliography is parsed once for the batch, as a build would.

local mode, bib, csl, list = arg[1], arg[2], arg[3], arg[4]
local references = pandoc.read(io.open(bib):read("a"), "bibtex").meta.references
local cited, count = 0, 0

for path in io.lines(list) do
  count = count + 1
  local fh = io.open(path)
  local doc = pandoc.read(fh:read("a"), "markdown")
  fh:close()
  if mode == "citeproc" then
    doc.meta.references = references
    doc.meta.csl = csl
    doc = pandoc.utils.citeproc(doc)
    cited = cited + 1
  end
end

io.stderr:write(string.format("pandoc_cite: %s over %d essays (%d with citeproc)\n", mode, count, cited))
