"""The command line: `essaygen build | check | serve | schedule | new`.

Exit status: 0 success, 1 the site has problems (all printed as
`path:line:col: message`), 2 bad usage. No traceback ever reaches an editor.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from essaygen import __version__
from essaygen.problems import SiteError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="essaygen", description="A static site generator for essay collections released on a schedule.")
    parser.add_argument("--version", action="version", version=f"essaygen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = commands.add_parser("build", help="build SITE into OUT")
    _site_args(build)
    build.add_argument("-o", "--output", type=Path, help="output folder (default: SITE/output)")
    build.add_argument("--drafts", action="store_true", help="also build drafts (marked noindex, with a banner)")
    build.add_argument("--no-cache", action="store_true", help="ignore and do not update .essaygen-cache/")
    build.add_argument("--timings", action="store_true", help="print the seconds spent in each stage")

    check = commands.add_parser("check", help="every check of a build, writing nothing")
    _site_args(check)
    check.add_argument("--drafts", action="store_true", help="check drafts too")

    serve = commands.add_parser("serve", help="build, serve on 127.0.0.1, rebuild and reload on change")
    _site_args(serve)
    serve.add_argument("--port", type=int, default=8000, help="port (0 picks a free one; default 8000)")
    serve.add_argument("--drafts", action="store_true", help="also show drafts")

    schedule = commands.add_parser("schedule", help="released, embargoed and draft essays, and the next release")
    _site_args(schedule)
    schedule.add_argument("--json", action="store_true", help="print JSON instead of a table")

    new = commands.add_parser("new", help="create a new essay file with valid front matter")
    new.add_argument("title", help="the essay's title")
    new.add_argument("site", nargs="?", type=Path, default=Path("."), help="the site folder (default: .)")
    new.add_argument("--series", help="the series the essay belongs to")
    return parser


def _site_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site", nargs="?", type=Path, default=Path("."), help="the site folder (default: .)")
    parser.add_argument("--as-of", metavar="WHEN", help="the build's clock: an ISO 8601 instant or a date (default: now)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = make_parser()
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["new"]:
        # `new TITLE --series S SITE`: options between positionals need intermixed parsing.
        sub = parser._subparsers._group_actions[0].choices["new"]  # type: ignore[union-attr]
        namespace = sub.parse_intermixed_args(args[1:])
        namespace.command = "new"
        return namespace
    return parser.parse_args(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    handler = _handlers()[args.command]
    try:
        return handler(args)
    except SiteError as error:
        return report_problems(error)
    except KeyboardInterrupt:
        print("essaygen: stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`essaygen schedule | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence for invariant 5
        if os.environ.get("ESSAYGEN_DEBUG"):
            raise
        return _usage_or_internal(exc)


def run() -> None:
    """The command's entry point: `main`, then its output flushed and the process ended
    without tearing the interpreter down (freeing a large build's objects one by one
    took ~50 ms after the work was done; mypy ends the same way). Only a normal return
    ends so: argparse's exits and tracebacks (ESSAYGEN_DEBUG) go the usual way."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # its reader went away (`essaygen schedule | head`): not an error
            pass
    os._exit(code)


def _usage_or_internal(exc: Exception) -> int:
    from essaygen.problems import UsageError

    if isinstance(exc, UsageError):
        print(f"essaygen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"essaygen: internal error: {type(exc).__name__}: {exc} — this is a bug in essaygen; "
          "please report it (ESSAYGEN_DEBUG=1 shows the details). The previous output was left as it was.", file=sys.stderr)
    return EXIT_INTERNAL


def report_problems(error: SiteError) -> int:
    for problem in error.problems:
        print(problem, file=sys.stderr)
    count = len(error.problems)
    print(f"essaygen: {count} problem{'s' if count != 1 else ''} found; nothing was written (the previous output is unchanged).", file=sys.stderr)
    return EXIT_PROBLEMS


def _handlers() -> dict[str, Callable[[argparse.Namespace], int]]:
    return {"build": cmd_build, "check": cmd_check, "serve": cmd_serve, "schedule": cmd_schedule, "new": cmd_new}


def now() -> datetime:
    """The one place that reads the clock; stages receive it."""
    return datetime.now(timezone.utc)


def cmd_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = args.output if args.output else args.site / "output"
    check_output_folder(out)
    if _up_to_date(args, out, started):
        return EXIT_OK
    from essaygen.build import BuildOptions, build

    result = build(BuildOptions(args.site, out=out, as_of=args.as_of, drafts=args.drafts, use_cache=not args.no_cache), now())
    seconds = time.perf_counter() - started
    stats = result.stats
    changed = f"{stats.written} written, {stats.unchanged} unchanged" if stats else ""
    # Rendered: every Markdown file read (embargoed essays are checked too, and pages).
    print(f"Built {_count(len(result.site.essays), 'essay')} ({_count(result.rendered, 'Markdown file')} rendered, "
          f"the rest from the cache), {result.files} files ({changed}) into {out} in {seconds:.2f} s")
    print(_release_line(result.schedule, result.site.config))
    if args.timings:
        for name, spent in result.timings:
            print(f"  {name:<28} {spent:7.3f} s")
    return EXIT_OK


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _up_to_date(args: argparse.Namespace, out: Path, started: float) -> bool:
    """Print and return True when the last build's output is still right (record.py)."""
    from essaygen import record

    if args.no_cache or os.environ.get("ESSAYGEN_TEST_KILL_AFTER_FILES") or not out.is_dir():
        return False
    root = args.site.absolute()
    found = record.up_to_date(root, out, record.options_key(args.drafts, search=True), args.as_of, now())
    if found is None:
        return False
    seconds = time.perf_counter() - started
    print(f"Up to date: {found.essays} essays, {found.files} files in {out}; nothing changed since the last build "
          f"(checked in {seconds:.2f} s)")
    print(found.release_line)
    if args.timings:
        print(f"  {'up-to-date check':<28} {seconds:7.3f} s")
    return True


def check_output_folder(out: Path) -> None:
    """Refuse an output path that cannot be a folder before any work is done."""
    from essaygen.problems import UsageError

    if out.is_symlink():
        raise UsageError(f"the output path {out} is a symbolic link — give -o a real folder (the output is replaced whole on every build)")
    if out.exists() and not out.is_dir():
        raise UsageError(f"the output path {out} is a file — give -o a folder")
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"cannot create {out}: {parent} is a file — give -o a folder")
            break


def cmd_check(args: argparse.Namespace) -> int:
    from essaygen.build import check_site

    result = check_site(args.site, args.as_of, now(), drafts=args.drafts)
    print(f"No problems: {len(result.schedule.planned)} essays checked.")
    print(_release_line(result.schedule, result.site.config))
    return EXIT_OK


def _release_line(schedule, config) -> str:  # type: ignore[no-untyped-def]
    from essaygen.scheduling_report import release_line

    return release_line(schedule, config)


def cmd_schedule(args: argparse.Namespace) -> int:
    from essaygen.scheduling_report import print_schedule

    return print_schedule(args.site, args.as_of, now(), as_json=args.json)


def cmd_serve(args: argparse.Namespace) -> int:
    from essaygen.serve import serve

    return serve(args.site, port=args.port, as_of=args.as_of, drafts=args.drafts, now=now)


def cmd_new(args: argparse.Namespace) -> int:
    from essaygen.newessay import create_essay

    return create_essay(args.site, args.title, args.series, now())
