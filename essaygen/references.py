"""Citations in the build: bibliography, key checks, formatting, reference lists.

(Integration of essaygen.citations into the pipeline; bootstrap version.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from essaygen.config import SiteConfig
from essaygen.markdown import RenderedBody
from essaygen.pages import EssayExtras, OutputFile
from essaygen.problems import Problem
from essaygen.schedule import Planned
from essaygen.site import EssayView, Site


@dataclass(frozen=True)
class Cited:
    views: tuple[EssayView, ...]
    extras: dict[str, EssayExtras] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    downloads: tuple[OutputFile, ...] = ()

    def files(self, site: Site) -> list[OutputFile]:
        return list(self.downloads)


def apply_citations(root: Path, config: SiteConfig, checked: Sequence[Planned], bodies: Mapping[str, RenderedBody], views: Sequence[EssayView], use_cache: bool) -> Cited:
    return Cited(tuple(views))
