"""Sitemap and robots (bootstrap)."""
from __future__ import annotations
from collections.abc import Iterator
from essaygen.pages import OutputFile
from essaygen.site import Site


def plan_discovery(site: Site) -> Iterator[OutputFile]:
    return iter(())
