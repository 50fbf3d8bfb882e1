"""Locator labels that pandoc's citeproc would otherwise miss.

pandoc recognises a locator label ("chap. 3") only in the forms of the active
locale's terms. With `en-GB` it misses "chap.", "sec.", "vol." and others that its
own manual lists (en-GB's short forms are "ch.", "sect."), and with `en-US` it misses
"ch." and "sect.". The locator then stays in the suffix unformatted: Harvard prints
"(Adams, 2018, chap. 3)" where it should print "(Adams, 2018, ch. 3)".

Both English locales recognise the long forms ("chapter", "sections"), and the style
then prints its own short form, so for English locales we rewrite a leading
abbreviated label to its long form before pandoc sees it. Other locales are left
alone: their editors write their own language's labels.
"""

from __future__ import annotations

import re

_LONG_FORMS = {
    "bk.": "book", "bks.": "books",
    "ch.": "chapter", "chap.": "chapter", "chaps.": "chapters",
    "col.": "column", "cols.": "columns",
    "fig.": "figure", "figs.": "figures",
    "fol.": "folio", "fols.": "folios",
    "para.": "paragraph", "paras.": "paragraphs",
    "pt.": "part", "pts.": "parts",
    "sec.": "section", "secs.": "sections", "sect.": "section", "sects.": "sections",
    "vol.": "volume", "vols.": "volumes",
}  # fmt: skip

_LEADING_LABEL = re.compile(
    r"^(\s*,?\s*)(" + "|".join(re.escape(label) for label in _LONG_FORMS) + r")(?=\s|\d)"
)


def normalise_locator(suffix: str, locale: str) -> str:
    """The suffix with its leading locator label in a form pandoc recognises."""
    if not locale.lower().startswith("en"):
        return suffix
    return _LEADING_LABEL.sub(lambda m: m.group(1) + _LONG_FORMS[m.group(2)], suffix, count=1)
