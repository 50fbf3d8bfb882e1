"""URLs of output files, and links between them that work under any base path."""

from __future__ import annotations

import posixpath


def relative_url(from_dir: str, to: str) -> str:
    """A link from a page in output folder `from_dir` ("essays/x/", "" for the home)
    to output path `to` ("media/a.svg", "series/s/" for a folder, "" for the home).

    Relative links keep the site working under any base path, on file://, and in serve.
    """
    target = to.rstrip("/")
    rel = posixpath.relpath(target or ".", from_dir.rstrip("/") or ".")
    if to.endswith("/") or not to:
        return "./" if rel == "." else rel + "/"
    return rel


def essay_dir(slug: str) -> str:
    return f"essays/{slug}/"


def page_dir(slug: str) -> str:
    return f"{slug}/" if slug else ""


def series_dir(key: str) -> str:
    return f"series/{key}/"


def tag_dir(tag_slug: str) -> str:
    return f"tags/{tag_slug}/"
