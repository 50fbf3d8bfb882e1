"""`essaygen serve`: build, serve on 127.0.0.1, rebuild on change, reload the browser.

The site is kept in memory, never written: each rebuild goes through the same
pipeline as `build`, with a Memo (memo.py) that hands back every result whose
inputs did not change, so saving one essay re-renders that essay's body and page
(and the listings or feeds that show what changed) and little else. The last good
site stays served when a change breaks the build; every HTML page then carries an
overlay listing the problems (`path:line:col: message`), which goes away with the
next good build. Open pages reload through server-sent events on the same server:
no extra dependency, no websocket library.
"""

from __future__ import annotations

import contextlib
import gc
import html
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from essaygen.build import BuildOptions, build
from essaygen.memo import Memo
from essaygen.memory import release_freed
from essaygen.pages import OutputFile
from essaygen.problems import Problem, SiteError, UsageError

RELOAD_PATH = "/__livereload"
DEBOUNCE_SECONDS = 0.015  # an editor's save (temp file, rename) lands within a few ms
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".bib": "text/plain; charset=utf-8",
    ".ris": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
}
NAMED_TYPES = {"feed.xml": "application/atom+xml; charset=utf-8", "rss.xml": "application/rss+xml; charset=utf-8", "feed.json": "application/feed+json; charset=utf-8"}

_NOT_FOUND = b"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Not found</title></head><body><p>Not found</p></body></html>"
_CLIENT_SCRIPT = """<script>(function(){var s=new EventSource("%s");s.addEventListener("reload",function(){location.reload();});})();</script>"""


class LiveState:
    """The build's latest outcome, shared by the watcher and the request threads."""

    def __init__(self) -> None:
        self.generation = 0
        self.problems: tuple[Problem, ...] = ()
        self.files: Mapping[str, OutputFile] = {}     # the last good build's output
        self.changed = threading.Condition()

    def publish(self, problems: tuple[Problem, ...], files: Mapping[str, OutputFile] | None = None) -> None:
        with self.changed:
            self.problems = problems
            if files is not None:
                self.files = files
            self.generation += 1
            self.changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.generation != seen, timeout)
            return self.generation


def overlay_html(problems: tuple[Problem, ...]) -> str:
    items = "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in problems)
    return (
        '<div id="livereload-overlay" role="alert" style="position:fixed;inset:0;z-index:99999;overflow:auto;'
        'background:rgba(20,20,20,.94);color:#fff;font:15px/1.5 ui-monospace,monospace;padding:2rem">'
        f"<h2 style=\"color:#fca5a5;font:600 1.2rem system-ui,sans-serif\">The site has {len(problems)} problem{'s' if len(problems) != 1 else ''}; "
        "this is the last good build</h2>"
        f'<ul style="list-style:none;padding:0">{items}</ul>'
        "<p style=\"font-family:system-ui,sans-serif\">Fix the file and save: this page reloads by itself.</p></div>"
    )


def inject(page: bytes, state: LiveState) -> bytes:
    extra = _CLIENT_SCRIPT % RELOAD_PATH
    if state.problems:
        extra = overlay_html(state.problems) + extra
    text = page.decode("utf-8", "replace")
    at = text.rfind("</body>")
    text = text[:at] + extra + text[at:] if at >= 0 else text + extra
    return text.encode("utf-8")


def find_file(files: Mapping[str, OutputFile], url_path: str) -> OutputFile | None:
    """The output file for a URL path, or None: only what the build made is served
    (no traversal, no listings; copied files were checked to be inside the site)."""
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or "\\" in path:
        return None
    parts = [p for p in path.split("/") if p]
    if any(p in ("..", ".") for p in parts):
        return None
    rel = "/".join(parts)
    for candidate in (rel, f"{rel}/index.html" if rel else "index.html"):
        if candidate in files:
            return files[candidate]
    return None


def file_bytes(found: OutputFile) -> bytes | None:
    if found.data is not None or found.load is not None:
        return found.bytes()
    try:
        return Path(found.copy_from or "").read_bytes()
    except OSError:
        return None  # deleted since the build: the next rebuild drops it


def content_type(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return NAMED_TYPES.get(name) or CONTENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def make_handler(state: LiveState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "essaygen"

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if urlsplit(self.path).path == RELOAD_PATH:
                return self._events()
            self._file(head_only=False)

        def do_HEAD(self) -> None:  # noqa: N802
            self._file(head_only=True)

        def _file(self, head_only: bool) -> None:
            files = state.files
            found = find_file(files, self.path)
            body = file_bytes(found) if found else None
            status = HTTPStatus.OK
            if body is None:
                status = HTTPStatus.NOT_FOUND
                found = files.get("404.html")
                body = file_bytes(found) if found else None
            kind = content_type(found.path) if found and body is not None else "text/html; charset=utf-8"
            body = _NOT_FOUND if body is None else body
            if kind.startswith("text/html"):
                body = inject(body, state)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not head_only:
                self.wfile.write(body)

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = state.generation
            try:
                self.wfile.write(b": connected\n\n")
                self.wfile.flush()
                while True:
                    now = state.wait(seen, timeout=15)
                    message = f"event: reload\ndata: {now}\n\n" if now != seen else ": keep-alive\n\n"
                    seen = now
                    self.wfile.write(message.encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                return

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # the terminal shows builds and problems, not every request

    return Handler


class Rebuilder:
    """Debounced rebuilds on a single thread; a change during a build queues one more.
    `tidy` runs once the site has been left alone for a moment after a rebuild."""

    def __init__(self, run: Callable[[], None], tidy: Callable[[], None] = lambda: None) -> None:
        self.run = run
        self.tidy = tidy
        self.pending = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True, name="essaygen-rebuild")
        self.thread.start()

    def poke(self) -> None:
        self.pending.set()

    def _loop(self) -> None:
        untidy = True  # the first build ran before this thread
        while not self.stop.is_set():
            if not self.pending.wait(timeout=0.5):
                if untidy:
                    self.tidy()
                    untidy = False
                continue
            time.sleep(DEBOUNCE_SECONDS)  # let an editor's save (temp file, rename) finish
            self.pending.clear()
            self.run()
            untidy = True


def kept_from_collection() -> None:
    """After a rebuild: what the site holds now is left out of the collector's full
    collections, so the next rebuild's collections walk only what it makes (at 5,000
    essays a full collection walks millions of objects: ~130 ms of every rebuild), and
    they run less often, as in a build's workers (overlap.worker_started)."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def tidied() -> None:
    """When the site has been left alone for a moment: collect what the last rebuilds let
    go in cycles (kept_from_collection froze them while they were in use), and give the
    freed memory back."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    release_freed()


SOURCE_FOLDERS = ("content", "themes", "templates")


def is_watched(root: Path, path: str, named: Collection[str] = ()) -> bool:
    """Sources only: not the output, the cache, or an editor's temporary files. `named`:
    the files site.yaml names outside the source folders (named_files)."""
    try:
        rel = Path(path).resolve().relative_to(root.resolve())
    except ValueError:
        return False
    if not rel.parts:
        return False
    name = rel.name
    if name.startswith(".#") or name.endswith(("~", ".swp", ".swx", ".tmp", ".part")) or name == "4913" or name.startswith(".~"):
        return False
    return rel.parts[0] in SOURCE_FOLDERS or str(rel) == "site.yaml" or rel.as_posix() in named


def named_files(root: Path) -> frozenset[str] | None:
    """The files site.yaml names that may lie outside the source folders (bibliographies,
    a style's .csl: `style: styles/house.csl`), relative to the site; None when site.yaml
    cannot be read (the last ones it named are then still watched)."""
    from essaygen.citations.styles import STYLE_NAMES
    from essaygen.config import load_config

    config, _ = load_config(root)
    if config is None:
        return None
    names = [*config.bibliography, *([] if config.citation_style in STYLE_NAMES else [config.citation_style])]
    found = set()
    for name in names:
        try:
            found.add((root / name).resolve().relative_to(root.resolve()).as_posix())
        except ValueError:  # outside the site: not watched
            continue
    return frozenset(found)


def start_watcher(root: Path, rebuilder: Rebuilder):  # type: ignore[no-untyped-def]
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.api import ObservedWatch

    watches: dict[str, ObservedWatch] = {}
    named: set[str] = set()

    def watch(name: str) -> None:
        """Watch a source folder, again if it was replaced: also one made after serve
        started (an editor's first override in templates/ is followed by more edits)."""
        old = watches.pop(name, None)
        if old is not None:
            with contextlib.suppress(KeyError):  # its folder is gone, and its emitter with it
                observer.unschedule(old)
        if (root / name).is_dir():
            watches[name] = observer.schedule(handler, str(root / name), recursive=True)

    def follow_site_yaml() -> None:
        """Watch the files site.yaml names (a bibliography or style outside content/)."""
        found = named_files(root)
        if found is None:
            return
        named.clear()
        named.update(found)
        for rel in found:
            folder = os.path.dirname(rel)
            if folder and folder.split("/")[0] not in SOURCE_FOLDERS and folder not in watches and (root / folder).is_dir():
                watches[folder] = observer.schedule(handler, str(root / folder), recursive=False)

    class Changes(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            paths = [os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "") or "") if p]
            try:
                if event.is_directory and event.event_type in ("created", "deleted", "moved"):
                    for path in paths:
                        if os.path.dirname(path) == str(root) and os.path.basename(path) in SOURCE_FOLDERS:
                            watch(os.path.basename(path))
                if any(path == str(root / "site.yaml") for path in paths):
                    follow_site_yaml()
            except Exception as exc:  # noqa: BLE001 - the watcher's thread must live on (the rebuild still runs)
                print(f"essaygen: could not watch {paths[0]}: {exc}", file=sys.stderr, flush=True)
            if any(is_watched(root, p, named) for p in paths):
                rebuilder.poke()

    # Watch the source folders only: the output and cache folders are replaced on
    # every build, and watching them would feed rebuilds back into themselves.
    observer = Observer()
    handler = Changes()
    observer.schedule(handler, str(root), recursive=False)
    for name in SOURCE_FOLDERS:
        watch(name)
    follow_site_yaml()
    observer.start()
    return observer


def serve(root: Path, port: int, as_of: str | None, drafts: bool, now: Callable[[], datetime]) -> int:
    root = root.absolute()
    if not root.is_dir():  # nothing to watch: build and check say so as a missing site.yaml
        raise UsageError(f"{root}: no such folder — give serve the path of a site folder (the one with site.yaml)")
    state = LiveState()
    built = False
    # In memory: a preview (perhaps with drafts) never touches the deployable output/.
    # No search index while editing: `build` writes it.
    options = BuildOptions(root, as_of=as_of, drafts=drafts, search=False, write=False, collect=True, memo=Memo())

    def run_build() -> None:
        nonlocal built
        started = time.perf_counter()
        try:
            result = build(options, now())
        except SiteError as error:
            for problem in error.problems:
                print(problem, file=sys.stderr, flush=True)
            still = "still serving the last good build" if built else "serving them until they are fixed"
            print(f"essaygen: {len(error.problems)} problem(s); {still}.", file=sys.stderr, flush=True)
            state.publish(error.problems)
            return
        except Exception as exc:  # noqa: BLE001 - keep serving; show it like a problem
            state.publish((Problem("(essaygen)", 1, 1, f"internal error: {type(exc).__name__}: {exc}"),))
            print(f"essaygen: internal error during rebuild: {exc}", file=sys.stderr, flush=True)
            return
        assert result.output is not None
        built = True
        state.publish((), result.output.files)
        took = (time.perf_counter() - started) * 1000
        print(f"Rebuilt in {took:.0f} ms: {result.rendered} Markdown file(s) rendered, {result.files} files in memory.", flush=True)
        kept_from_collection()

    # Ctrl-C stops the server even when it was started from a background job or a
    # script, which hand their children SIGINT ignored (as Hugo's server does too).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    run_build()
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(state))
    server.daemon_threads = True
    rebuilder = Rebuilder(run_build, tidied)
    observer = start_watcher(root, rebuilder)
    host, bound = server.server_address[:2]
    print(f"Serving on http://{host}:{bound}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("\nStopped.", flush=True)
    finally:
        rebuilder.stop.set()
        observer.stop()
        server.server_close()
    return 0
