"""The essay as a citable work: its CSL item, cite.bib, cite.ris, Highwire meta tags.

Pure functions. Everything here comes from bibliography or front-matter data, so
the caller escapes it for HTML (meta tags, JSON-LD); the BibTeX and RIS writers
escape for their own formats.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import date

_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "della", "ter", "ten"})
# Words that make a name an organisation ("The Q Lab team", "NHS England").
_ORGANISATION = re.compile(
    r"\b(the|team|lab|laboratory|group|foundation|trust|institute|council|centre|center|"
    r"network|university|college|association|society|department|office|nhs|ltd|inc)\b",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
# CSL-JSON text is plain text with a few rich-text tags; "p<0.05" is text, not a tag.
_CSL_MARKUP = re.compile(r"</?(?:i|b|sup|sub|span)(?:\s[^<>]*)?>")
_SPACE = re.compile(r"\s+")


# --- names ------------------------------------------------------------------------


def csl_name(name: str | Mapping) -> dict:
    """A CSL name from front matter: "Family, Given" is exact; "Given Family" is split
    when it looks like a person; anything else (an organisation) stays `literal`."""
    if isinstance(name, Mapping):
        return dict(name)
    text = _SPACE.sub(" ", name).strip()
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        return {"family": family, "given": given}
    words = text.split(" ")
    if len(words) < 2 or _ORGANISATION.search(text) or any(w.isupper() and len(w) > 1 for w in words):
        return {"literal": text}
    first_particle = next((i for i, w in enumerate(words[1:-1], start=1) if w.lower() in _PARTICLES), None)
    if first_particle is not None:
        return {
            "family": words[-1],
            "given": " ".join(words[:first_particle]),
            "non-dropping-particle": " ".join(words[first_particle:-1]),
        }
    return {"family": words[-1], "given": " ".join(words[:-1])}


def _display_name(name: Mapping) -> str:
    """"Family, Given" (what Google Scholar and RIS expect), or the literal name."""
    if "literal" in name:
        return str(name["literal"])
    family = " ".join(str(name[p]) for p in ("non-dropping-particle", "family") if name.get(p))
    return f"{family}, {name['given']}" if name.get("given") else family


def _full_title(title: str, subtitle: str | None) -> str:
    if not subtitle:
        return title
    return f"{title} {subtitle}" if title.rstrip()[-1:] in "?!:" else f"{title}: {subtitle}"


# --- the essay's CSL item ---------------------------------------------------------------


def essay_csl_item(
    *,
    slug: str,
    title: str,
    subtitle: str | None,
    authors: Sequence[str | Mapping],
    issued: date,
    url: str,
    container_title: str,
    publisher: str,
) -> dict:
    """The essay as a CSL-JSON item.

    "post-weblog" (an article in an online series), not "webpage": with a container
    title, nlm-citation-sequence formats a webpage as "The Lab Essays [Internet].
    Publisher; 2018. Title", while post-weblog gives "Title. The Lab Essays
    [Internet]. 2018 May 30." and reads well in Harvard and APA too.
    """
    item: dict = {
        "id": slug,
        "type": "post-weblog",
        "title": _full_title(title, subtitle),
        "author": [csl_name(a) for a in authors],
        "issued": {"date-parts": [[issued.year, issued.month, issued.day]]},
        "URL": url,
    }
    if container_title:
        item["container-title"] = container_title
    if publisher:
        item["publisher"] = publisher
    return item


def _date_parts(item: Mapping, variable: str = "issued") -> list[int]:
    value = item.get(variable) or {}
    parts = value.get("date-parts") if isinstance(value, Mapping) else None
    if parts and parts[0]:
        return [int(p) for p in parts[0] if str(p).strip()]
    found = re.search(r"\b(\d{4})\b", str(value.get("raw") or value.get("literal") or "")) if value else None
    return [int(found.group(1))] if found else []


# --- cite.bib ----------------------------------------------------------------------


_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
    "$": r"\$", "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
}  # fmt: skip


_BIBTEX_ESCAPES = str.maketrans(_BIBTEX_SPECIAL)


def bibtex_escape(text: str) -> str:
    return _SPACE.sub(" ", text).strip().translate(_BIBTEX_ESCAPES)


def _bibtex_name(name: Mapping) -> str:
    if "literal" in name:
        return "{" + bibtex_escape(str(name["literal"])) + "}"  # braces: never split
    family = bibtex_escape(" ".join(str(name[p]) for p in ("non-dropping-particle", "family") if name.get(p)))
    given = bibtex_escape(str(name.get("given", "")))
    return f"{family}, {given}" if given else family


def _bibtex_url(url: str) -> str:
    # url is a verbatim field: only braces and backslashes could break the file.
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").strip()


def _bibtex_key(key: str) -> str:
    return re.sub(r"[^\w:.\-/+]", "-", key) or "essay"


def render_bibtex(item: Mapping) -> str:
    """cite.bib: the item as a BibLaTeX @online entry."""
    fields = [("author", " and ".join(_bibtex_name(n) for n in item.get("author", [])))]
    fields.append(("title", "{" + bibtex_escape(str(item.get("title", ""))) + "}"))
    parts = _date_parts(item)
    if parts:
        fields.append(("date", "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(parts))))
        fields.append(("year", str(parts[0])))
    for name, variable in (("organization", "publisher"), ("note", "container-title")):
        if item.get(variable):
            fields.append((name, bibtex_escape(str(item[variable]))))
    if item.get("URL"):
        fields.append(("url", _bibtex_url(str(item["URL"]))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@online{{{_bibtex_key(str(item['id']))},\n{body}\n}}\n"


# --- cite.ris ----------------------------------------------------------------------------


def _ris_value(text: object) -> str:
    # RIS has no escaping: a line break would start a new (bogus) tag.
    return _SPACE.sub(" ", str(text)).strip()


def render_ris(item: Mapping) -> str:
    """cite.ris: the item as an RIS record (CRLF line ends, as the format says)."""
    lines = [("TY", "BLOG")]  # matches the CSL type post-weblog
    lines += [("AU", _display_name(n)) for n in item.get("author", [])]
    lines.append(("TI", item.get("title", "")))
    if item.get("container-title"):
        lines.append(("T2", item["container-title"]))
    parts = _date_parts(item)
    if parts:
        lines.append(("PY", f"{parts[0]:04d}"))
        lines.append(("DA", "/".join(f"{p:02d}" for p in parts) + "/"))
    for tag, variable in (("PB", "publisher"), ("UR", "URL"), ("DO", "DOI")):
        if item.get(variable):
            lines.append((tag, item[variable]))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines)


# --- Google Scholar (Highwire) meta tags ------------------------------------------------


def highwire_date(item: Mapping, variable: str = "issued") -> str:
    """"YYYY/MM/DD" (or "YYYY/MM", "YYYY"), as Google Scholar reads it."""
    parts = _date_parts(item, variable)
    return "/".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(parts))


def scholar_meta(item: Mapping, references: Sequence[Mapping] = ()) -> list[tuple[str, str]]:
    """(name, content) pairs for <meta name=... content=...>; the caller escapes them."""
    meta = [("citation_title", csl_text(item.get("title", "")))]
    meta += [("citation_author", _display_name(n)) for n in item.get("author", [])]
    if highwire_date(item):
        meta.append(("citation_publication_date", highwire_date(item)))
    if item.get("publisher"):
        meta.append(("citation_publisher", str(item["publisher"])))
    if item.get("URL"):
        meta.append(("citation_public_url", str(item["URL"])))
    meta += [("citation_reference", citation_reference(ref)) for ref in references]
    return meta


def csl_text(text: object) -> str:
    """A CSL-JSON string without its rich-text markup (<i>, <b>, <sup>, <sub>, <span>)."""
    return _SPACE.sub(" ", _CSL_MARKUP.sub("", str(text))).strip()


def _reference_value(text: object) -> str:
    # "; " separates the fields of a citation_reference, so it cannot be in a value.
    return csl_text(text).replace(";", ",")


def citation_reference(item: Mapping) -> str:
    """One cited work in Highwire's "citation_title=...; citation_author=..." form."""
    fields = [("citation_title", item.get("title"))]
    fields += [("citation_author", _display_name(n)) for n in item.get("author", [])]
    fields.append(("citation_publication_date", highwire_date(item)))
    journal = item.get("type", "").startswith("article") and item.get("container-title")
    fields.append(("citation_journal_title", journal or None))
    for name, variable in (("citation_volume", "volume"), ("citation_issue", "issue")):
        fields.append((name, item.get(variable)))
    first, _, last = str(item.get("page", "")).partition("-")
    fields += [("citation_firstpage", first or None), ("citation_lastpage", last or None)]
    fields += [("citation_doi", item.get("DOI")), ("citation_publisher", item.get("publisher"))]
    fields.append(("citation_public_url", item.get("URL")))
    return "; ".join(f"{name}={_reference_value(value)}" for name, value in fields if value)


def csl_to_plain_text(text: str) -> str:
    """Formatted entry HTML (or a CSL title with <i>…</i>) as plain text, for JSON-LD."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", text))).strip()
