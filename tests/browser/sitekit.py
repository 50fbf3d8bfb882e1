"""Build the sample Lab Essays site in a temporary folder and serve it over HTTP.

The tests drive real pages: the build runs in-process through essaygen's own
`build()` (as `essaygen build` does), and a `http.server` on 127.0.0.1 serves the
output, as a static host would (search fetches its index, which needs http, not file://).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NODE_MODULES = REPO / ".venv" / "node" / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
SCREENSHOTS = REPO / "tests" / "screenshots"

TODAY = "2026-11-22"      # every essay released
LAUNCH = "2018-06-15"     # the first wave only: three parts "coming soon"

# One page of every type, as a path under the output folder.
PAGE_TYPES = {
    "home": "",
    "essay": "essays/what-is-the-q-lab/",
    "essay-chart": "essays/decision-making/",
    "series": "series/lab-essays/",
    "tag": "tags/peer-support/",
    "tags": "tags/",
    "references": "references/",
    "page": "about/",
    "404": "404.html",
    "essays": "essays/",
    "author": "authors/lab-team/",
    "search": "search/",
}


def copy_sample(dest: Path, drafts: bool = False) -> Path:
    """The repository's sample site (site.yaml + content/), plus draft fixtures if asked."""
    dest.mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", dest / "site.yaml")
    shutil.copytree(REPO / "content", dest / "content")
    if drafts:
        shutil.copy(FIXTURES / "draft-note.md", dest / "content" / "essays" / "draft-note.md")
        shutil.copy(FIXTURES / "draft-page.md", dest / "content" / "pages" / "contributors.md")
    return dest


def build_sample(work: Path, as_of: str, drafts: bool = False) -> Path:
    """Build a copy of the sample into work/out and return the output folder."""
    from essaygen.build import BuildOptions, build

    site = copy_sample(work / "site", drafts=drafts)
    out = work / "out"
    build(BuildOptions(site, out=out, as_of=as_of, drafts=drafts, use_cache=False, jobs=1), datetime.now(timezone.utc))
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files; a missing one gets the site's 404.html with status 404, as hosts do."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


_Handler.extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".svg": "image/svg+xml"}


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    handler = functools.partial(_Handler, directory=os.fspath(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def html_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))
