"""Themes: templates and static files, found in the site first, then in the package."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import jinja2

from essaygen.problems import Problem

PACKAGE_THEMES = Path(__file__).parent / "themes"
# In a source checkout (editable install) the themes live beside the package.
REPO_THEMES = Path(__file__).parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    name: str
    folder: Path

    @property
    def templates(self) -> Path:
        return self.folder / "templates"

    @property
    def static(self) -> Path:
        return self.folder / "static"


def find_theme(root: Path, name: str) -> tuple[Theme | None, list[Problem]]:
    for base in (root / "themes", PACKAGE_THEMES, REPO_THEMES):
        folder = base / name
        if (folder / "templates").is_dir():
            return Theme(name, folder), []
    known = sorted({p.name for base in (root / "themes", PACKAGE_THEMES, REPO_THEMES) if base.is_dir() for p in base.iterdir() if (p / "templates").is_dir()})
    return None, [Problem("site.yaml", 1, 1, f"theme '{name}' not found in themes/ or among the built-in themes ({', '.join(known) or 'none'}) — check `theme:`")]


def template_folders(root: Path, theme: Theme) -> list[Path]:
    """Site-level templates/ override the theme's, file by file."""
    return [p for p in (root / "templates", theme.templates) if p.is_dir()]


def make_environment(root: Path, theme: Theme, cache: Path | None = None, kind: type[jinja2.Environment] = jinja2.Environment) -> jinja2.Environment:
    loader = jinja2.FileSystemLoader([str(p) for p in template_folders(root, theme)])
    bytecode = None
    if cache is not None:  # compiled templates, keyed by their source's checksum
        try:
            (cache / "jinja").mkdir(parents=True, exist_ok=True)
            bytecode = jinja2.FileSystemBytecodeCache(str(cache / "jinja"))
        except OSError:
            bytecode = None
    return kind(
        loader=loader,
        bytecode_cache=bytecode,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A build's templates do not change while it runs (serve makes a new environment
        # when one does): no stat of each template at every page that includes it.
        auto_reload=False,
    )


def asset_versions(theme: Theme) -> dict[str, str]:
    """Each static file's output path ("assets/style.css") and a digest of its content,
    which `url()` adds to a link to it ("?v=..."): after a change of the theme (or of
    essaygen), no reader's browser pairs new pages with the stylesheet it kept."""
    if not theme.static.is_dir():
        return {}
    return {
        "assets/" + path.relative_to(theme.static).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        for path in sorted(theme.static.rglob("*")) if path.is_file()
    }


def theme_digest(root: Path, theme: Theme) -> str:
    """A hash of every template and static file: part of every cache key."""
    digest = hashlib.sha256()
    for folder in (*template_folders(root, theme), theme.static):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()
