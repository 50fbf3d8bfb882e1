"""URLs of output files, and links between them that work under any base path."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=65536)
def relative_url(from_dir: str, to: str) -> str:
    """A link from a page in output folder `from_dir` ("essays/x/", "" for the home)
    to output path `to` ("media/a.svg", "series/s/" for a folder, "" for the home).

    Relative links keep the site working under any base path, on file://, and in serve.
    (Called for every link of every page: plain string work, and cached.)
    """
    here = [p for p in from_dir.split("/") if p]
    there = [p for p in to.split("/") if p]
    is_folder = to.endswith("/") or not there
    common = 0
    while common < len(here) and common < len(there) - (0 if is_folder else 1) and here[common] == there[common]:
        common += 1
    parts = [".."] * (len(here) - common) + there[common:]
    if not parts:
        return "./"
    return "/".join(parts) + ("/" if is_folder else "")


def essay_dir(slug: str) -> str:
    return f"essays/{slug}/"


def page_dir(slug: str) -> str:
    return f"{slug}/" if slug else ""


def series_dir(key: str) -> str:
    return f"series/{key}/"


def tag_dir(tag_slug: str) -> str:
    return f"tags/{tag_slug}/"
