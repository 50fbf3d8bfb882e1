"""Drive essaygen in-process (no subprocess per generated example) and check its promises.

- `run_main(args)`: `essaygen.cli.main(args)` with stdout/stderr captured; a run that
  would exit 3 is run again with ESSAYGEN_DEBUG=1 so the failure shows the traceback.
- `write_site(root, ...)`: rewrite a site folder in place, keeping output/ and the
  cache, so one temporary folder serves every example of a property.
- `snapshot(folder)`: every file, folder and symlink under a folder, to diff a whole
  tree before and after a build (containment, atomicity).
- `watchdog(seconds)`: turns a hang into a test failure (SIGALRM; main thread only).
- `assert_honest(code, stderr)`: exit 0, or exit 1 with only `path:line:col: message — fix`
  lines and the summary.
- `check_output_files(out)`: every HTML/XML/JSON file of an output parses.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import traceback
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path

from essaygen import cli

# A problem line: "path:line:col: what is wrong — what to do".
PROBLEM_LINE = re.compile(r"^[^:\n]+:\d+:\d+: .+ — .+$")
SUMMARY_LINE = re.compile(r"^essaygen: \d+ problems? found; nothing was written")
WAITING_LINE = "essaygen: waiting for another build of this site to finish…"


class Hang(Exception):
    """A stage ran longer than the watchdog allows."""


@contextlib.contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_main(args: Sequence[str | os.PathLike[str]], timeout: float = 60) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `essaygen ARGS`, run in this process."""
    argv = [str(a) for a in args]
    code, out, err = _run(argv, timeout)
    if code not in (0, 1, 2):
        err += "\n--- the same run with ESSAYGEN_DEBUG=1 ---\n" + _debug_traceback(argv, timeout)
    return code, out, err


def _run(argv: list[str], timeout: float) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.pop("ESSAYGEN_DEBUG", None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), watchdog(timeout):
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        if saved is not None:
            os.environ["ESSAYGEN_DEBUG"] = saved
    return int(code), out.getvalue(), err.getvalue()


def _debug_traceback(argv: list[str], timeout: float) -> str:
    os.environ["ESSAYGEN_DEBUG"] = "1"
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), watchdog(timeout):
            cli.main(argv)
    except BaseException:  # noqa: BLE001 - we want whatever escaped
        return traceback.format_exc()
    finally:
        os.environ.pop("ESSAYGEN_DEBUG", None)
    return "(no exception the second time)"


def assert_honest(code: int, stderr: str, *, strict_fix: bool = True) -> list[str]:
    """Invariant 5: exit 0, or exit 1 with every line `path:line:col: message`. Returns the problem lines."""
    assert code in (0, 1), f"exit status {code} (3 = internal error, a bug):\n{stderr}"
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line and line != WAITING_LINE]
    if code == 0:
        assert lines == [], stderr
        return []
    assert lines and SUMMARY_LINE.match(lines[-1]), stderr
    problems = lines[:-1]
    assert problems, stderr
    pattern = PROBLEM_LINE if strict_fix else re.compile(r"^[^:\n]+:\d+:\d+: .+$")
    for line in problems:
        assert pattern.match(line), f"not a `path:line:col: message — what to do` line: {line!r}\n{stderr}"
    return problems


# ---------------------------------------------------------------- site folders

def write_site(
    root: Path,
    site_yaml: str | bytes,
    essays: Mapping[str, str | bytes] = {},
    pages: Mapping[str, str | bytes] = {},
    files: Mapping[str, str | bytes] = {},
) -> Path:
    """Replace the sources of the site at `root` (output/ and .essaygen-cache/ stay)."""
    root.mkdir(parents=True, exist_ok=True)
    for entry in root.iterdir():
        if entry.name in ("output", ".essaygen-cache"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    _write(root / "site.yaml", site_yaml)
    (root / "content" / "essays").mkdir(parents=True)
    for name, text in essays.items():
        _write(root / "content" / "essays" / name, text)
    for name, text in pages.items():
        _write(root / "content" / "pages" / name, text)
    for name, text in files.items():
        _write(root / name, text)
    return root


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))


def snapshot(folder: Path, skip: Sequence[str] = ()) -> dict[str, tuple[str, bytes | str]]:
    """relative path -> ("file", bytes) | ("dir", "") | ("link", target) for everything under `folder`."""
    found: dict[str, tuple[str, bytes | str]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        rel_dir = os.path.relpath(dirpath, folder)
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if any(rel == s or rel.startswith(s + os.sep) for s in skip):
                continue
            if os.path.islink(path):
                found[rel] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                found[rel] = ("dir", "")
            else:
                with open(path, "rb") as handle:
                    found[rel] = ("file", handle.read())
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
    return found


def diff(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    changed = [f"changed {k}" for k in before if k in after and before[k] != after[k]]
    changed += [f"removed {k}" for k in before if k not in after]
    changed += [f"created {k}" for k in after if k not in before]
    return sorted(changed)


# ---------------------------------------------------------------- output checks

class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._data: list[str] = []
        self.texts: list[str] = []       # every text and attribute value, as a reader or browser gets it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self.texts += [value for _, value in attrs if value]
        if tag == "script":
            self._script, self._data = dict(attrs), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._data)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._data.append(data)
        else:
            self.texts.append(data)


def parse_html(text: str) -> _Collect:
    parser = _Collect()
    parser.feed(text)
    parser.close()
    return parser


def check_output_files(out: Path) -> dict[str, bytes]:
    """Every output file by path; HTML, XML and JSON files must parse (JSON-LD too)."""
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    for rel, data in files.items():
        if rel.endswith(".html"):
            page = parse_html(data.decode("utf-8"))
            for attrs, text in page.scripts:
                if attrs.get("type") == "application/ld+json":
                    json.loads(text)
                    assert "</script" not in text.lower(), rel
        elif rel.endswith(".xml"):
            ElementTree.fromstring(data)
        elif rel.endswith(".json"):
            json.loads(data)
    return files


def text_of_files(files: Mapping[str, bytes]) -> dict[str, str]:
    return {rel: data.decode("utf-8", "replace") for rel, data in files.items()}
