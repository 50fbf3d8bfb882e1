"""`essaygen schedule`: every essay's state and the next release, as a table or JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from essaygen.config import SiteConfig
from essaygen.schedule import Planned, Schedule, plan_schedule
from essaygen.problems import raise_if


def release_line(schedule: Schedule, config: SiteConfig) -> str:
    moment, essays = schedule.next_release()
    if moment is None:
        return "No release is scheduled after this build."
    when = moment.astimezone(config.zone).strftime("%Y-%m-%d %H:%M %Z")
    names = ", ".join(p.essay.slug for p in essays)
    return f"Next release: {when} ({names}) — rebuild then to publish."


def schedule_data(schedule: Schedule, config: SiteConfig) -> dict[str, Any]:
    moment, upcoming = schedule.next_release()
    return {
        "as_of": schedule.as_of.astimezone(config.zone).isoformat(timespec="seconds"),
        "timezone": config.timezone_name,
        "next_release": moment.astimezone(config.zone).isoformat(timespec="seconds") if moment else None,
        "next_release_essays": [p.essay.slug for p in upcoming],
        "essays": [_row(p, config) for p in _ordered(schedule)],
    }


def _ordered(schedule: Schedule) -> list[Planned]:
    return sorted(schedule.planned, key=lambda p: (p.release, p.series or "", p.part or 0, p.essay.slug))


def _row(p: Planned, config: SiteConfig) -> dict[str, Any]:
    return {
        "slug": p.essay.slug,
        "title": p.essay.title,
        "source": p.essay.source,
        "series": p.series,
        "part": p.part,
        "parts": p.total,
        "state": p.state,
        "release": p.release.astimezone(config.zone).isoformat(timespec="seconds"),
    }


def format_table(schedule: Schedule, config: SiteConfig) -> str:
    rows = [("ESSAY", "SERIES", "PART", "STATE", f"RELEASE ({config.timezone_name})")]
    for p in _ordered(schedule):
        part = f"{p.part} of {p.total}" if p.part else ""
        rows.append((p.essay.slug, p.series or "", part, p.state, p.release.astimezone(config.zone).strftime("%Y-%m-%d %H:%M %Z")))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    as_of = schedule.as_of.astimezone(config.zone).strftime("%Y-%m-%d %H:%M %Z")
    return "\n".join([f"As of {as_of}:", *lines, "", release_line(schedule, config)])


def print_schedule(root: Path, as_of: str | None, now: datetime, as_json: bool) -> int:
    from essaygen.build import resolve_as_of
    from essaygen.loading import load_site

    loaded = load_site(root)
    moment = resolve_as_of(as_of, loaded.config, now)
    schedule, problems = plan_schedule(loaded.config, loaded.essays, moment, broken=loaded.broken_slugs)
    raise_if([*loaded.problems, *problems])
    assert schedule is not None
    if as_json:
        print(json.dumps(schedule_data(schedule, loaded.config), indent=2, ensure_ascii=False))
    else:
        print(format_table(schedule, loaded.config))
    return 0
