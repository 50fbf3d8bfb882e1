"""Citations: pandoc's syntax parsed by us, formatted by pandoc's citeproc.

Modules, in the order a build uses them:
    syntax        the markdown-it plugin: clusters with file positions, placeholders
    bibliography  loading .json / .bib files (with positions), checking keys
    styles        style names -> CSL files, and a runtime fix for a pandoc defect
    engine        one pandoc process (worker.lua) formatting every essay, cached;
                  pandocast (the request as pandoc's AST), locators, pandocbin help it
    render        linked citations with tooltips, and the reference list, as HTML
    export        the essay as a citable work: CSL item, cite.bib, cite.ris, meta tags
The grammar and the pitfalls these handle are in the shared CITATIONS.md.
"""
