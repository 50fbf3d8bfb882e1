"""Themes: templates and static files, found in the site first, then in the package."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from essaygen.problems import Problem

if TYPE_CHECKING:
    from essaygen.config import SiteConfig

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


# ---------------------------------------------------------------- templates' mistakes

_OUR_CODE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_OBJECT = re.compile(r"'(?:[\w]+\.)+(\w+) object'")  # 'essaygen.site.Site object' -> 'Site object'
ABOUT_TEMPLATES = "docs/THEMES.md lists what each template receives"


def template_problems(env: jinja2.Environment, config: SiteConfig) -> list[Problem]:
    """Every template of the site and its theme that does not compile, at its line.
    Checked before any page is made, so that all are reported at once, with the site's
    other problems (a page stops at the first mistake of the first template it uses)."""
    found = []
    for name in env.list_templates(extensions=["html"]):
        try:
            env.get_template(name)
        except jinja2.TemplateAssertionError as exc:  # an unknown filter or test
            found.append(_problem(config, exc.filename or name, exc.lineno, exc.message, f"check the name; {ABOUT_TEMPLATES}"))
        except jinja2.TemplateSyntaxError as exc:
            found.append(_problem(config, exc.filename or name, exc.lineno, exc.message, "fix the template's syntax"))
    return found


def render_problem(env: jinja2.Environment, config: SiteConfig, exc: Exception, page: str) -> Problem | None:
    """A template failing as it makes `page`, at the innermost template line of the
    traceback (Jinja puts the templates' own lines there). None when the failure is not
    the template's, but came from essaygen's own code: that stays a bug, reported so."""
    where, ours = None, False
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if _in_templates(env, filename):
            where, ours = (filename, tb.tb_lineno), False
        elif where is not None and filename.startswith(_OUR_CODE):
            ours = True
        tb = tb.tb_next
    making = f"making {page or 'the home page'}"
    if isinstance(exc, jinja2.TemplateNotFound) and where is None:
        folders = getattr(env.loader, "searchpath", [])
        theme = _shown(config, folders[-1]) + "/" if folders else "the theme"
        return config.doc.problem(("theme",), f"no template '{exc.name}' in the theme ({making}) — add {exc.name} to {theme} or to the site's templates/, or choose another `theme:`")
    if where is None or (ours and not isinstance(exc, jinja2.TemplateError)):
        return None
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template '{exc.name}' not found in templates/ or the theme"
    else:
        message = _OBJECT.sub(r"'\1 object'", str(exc) or type(exc).__name__)
    return _problem(config, where[0], where[1], f"{message} ({making})", f"check the template; {ABOUT_TEMPLATES}")


def _in_templates(env: jinja2.Environment, filename: str) -> bool:
    folders = getattr(env.loader, "searchpath", [])
    return any(filename.startswith(os.path.join(folder, "")) for folder in folders)


def _problem(config: SiteConfig, filename: str, line: int | None, message: str | None, fix: str) -> Problem:
    text = (message or "invalid template").rstrip(".")
    return Problem(_shown(config, filename), line or 1, 1, f"{text[:1].lower()}{text[1:]} — {fix}")


def _shown(config: SiteConfig, filename: str) -> str:
    """A template's file as the editor knows it: relative to the site, when inside it."""
    if filename.startswith(os.path.join(str(config.root), "")):
        return Path(filename).relative_to(config.root).as_posix()
    return filename


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
