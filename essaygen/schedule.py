"""Release and visibility: decided once, before anything is rendered.

An essay is released at its `date` or its series wave's `release`; it is
*embargoed* until then, and a draft is never published (unless --drafts).
`decide` returns only what may be published plus the teasers a series may show;
every later stage works from that, so nothing downstream can leak an embargo.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from essaygen.config import SiteConfig, Wave
from essaygen.content import Essay
from essaygen.problems import Problem
from essaygen.schema import shown

RELEASED, EMBARGOED, DRAFT = "released", "embargoed", "draft"


@dataclass(frozen=True)
class Planned:
    """An essay's place in time: its release, state and series part."""

    essay: Essay
    release: datetime
    state: str
    series: str | None
    part: int | None
    total: int | None
    announce: str | None       # the wave's "announce" text, shown instead of the exact date


@dataclass(frozen=True)
class Teaser:
    """What a series page may say of an unreleased part: no link, no summary, no body."""

    part: int
    title: str | None          # None when the series' tease is "count"
    release: datetime
    announce: str | None


@dataclass(frozen=True)
class Schedule:
    as_of: datetime
    planned: tuple[Planned, ...]                      # every essay, every state
    teasers: Mapping[str, tuple[Teaser, ...]]         # series key -> unreleased parts, per `tease`

    def published(self, drafts: bool = False) -> tuple[Planned, ...]:
        """Essays that may appear in output, newest release first."""
        states = {RELEASED, DRAFT} if drafts else {RELEASED}
        chosen = [p for p in self.planned if p.state in states]
        return tuple(sorted(chosen, key=lambda p: (p.release, p.essay.slug), reverse=True))

    def next_release(self) -> tuple[datetime | None, tuple[Planned, ...]]:
        waiting = [p for p in self.planned if p.state == EMBARGOED]
        if not waiting:
            return None, ()
        first = min(p.release for p in waiting)
        return first, tuple(sorted((p for p in waiting if p.release == first), key=lambda p: (p.series or "", p.part or 0, p.essay.slug)))


def plan_schedule(
    config: SiteConfig, essays: Sequence[Essay], as_of: datetime, drafts: bool = False, broken: frozenset[str] = frozenset()
) -> tuple[Schedule | None, list[Problem]]:
    """`broken`: slugs of essays whose front matter has problems (already reported)."""
    by_slug = {e.slug: e for e in essays}
    problems: list[Problem] = []
    waves = _waves_of(config, by_slug, broken, problems)
    releases: dict[str, tuple[datetime, str | None, str | None]] = {}
    for essay in essays:
        found = _release_of(essay, waves.get(essay.slug), config, problems)
        if found:
            releases[essay.slug] = found
    parts = _parts(config, essays, releases, drafts, problems)
    if problems:
        return None, problems
    planned = tuple(_planned(e, releases[e.slug], parts.get(e.slug), as_of) for e in essays if e.slug in releases)
    teasers = _teasers(config, planned, drafts)
    return Schedule(as_of, planned, MappingProxyType(teasers)), []


def _waves_of(config: SiteConfig, by_slug: Mapping[str, Essay], broken: frozenset[str], problems: list[Problem]) -> dict[str, tuple[str, Wave]]:
    """slug -> (series, wave), with errors for unknown essays and essays in two waves."""
    found: dict[str, tuple[str, Wave]] = {}
    for key, series in config.series.items():
        for wave in series.waves:
            for slug, (line, col) in zip(wave.essays, wave.essay_marks):
                if slug not in by_slug and slug in broken:
                    continue
                if slug not in by_slug:
                    close = difflib.get_close_matches(slug, list(by_slug), n=1, cutoff=0.6)
                    fix = f"did you mean '{close[0]}'?" if close else f"check the spelling or add content/essays/{shown(slug)}.md"
                    problems.append(Problem("site.yaml", line, col, f"the schedule of series '{key}' names '{shown(slug)}', but no essay has that slug — {fix}"))
                elif slug in found:
                    first = found[slug][1].line
                    problems.append(Problem("site.yaml", line, col, f"'{shown(slug)}' is already in the wave on line {first} — list each essay in one wave only"))
                else:
                    found[slug] = (key, wave)
    return found


def _release_of(essay: Essay, wave: tuple[str, Wave] | None, config: SiteConfig, problems: list[Problem]) -> tuple[datetime, str | None, str | None] | None:
    if wave is not None:
        series_key, w = wave
        if essay.date is not None:
            problems.append(essay.doc.problem(("date",), f"'date' is given here and by the series schedule (site.yaml line {w.line}) — remove one of them"))
            return None
        if essay.series is not None and essay.series != series_key:
            problems.append(essay.doc.problem(("series",), f"the essay says series '{essay.series}' but site.yaml schedules it in '{series_key}' — make them agree"))
            return None
        return w.release, series_key, w.announce
    if essay.date is None:
        problems.append(essay.doc.problem((), "no release date — add `date: YYYY-MM-DD`, or list the essay in a series schedule in site.yaml", key=True))
        return None
    return essay.date, essay.series, None


def _parts(config: SiteConfig, essays: Sequence[Essay], releases: Mapping[str, tuple[datetime, str | None, str | None]], drafts: bool, problems: list[Problem]) -> dict[str, tuple[int, int]]:
    """slug -> (part, total) for every series member; `part:` overrides the schedule's order."""
    members: dict[str, list[Essay]] = defaultdict(list)
    order = {slug: i for series in config.series.values() for i, slug in enumerate(s for w in series.waves for s in w.essays)}
    for essay in essays:
        found = releases.get(essay.slug)
        if found and found[1] and (drafts or not essay.draft):
            members[found[1]].append(essay)
    result: dict[str, tuple[int, int]] = {}
    for key, group in members.items():
        group.sort(key=lambda e: (order.get(e.slug, len(order)), releases[e.slug][0], e.slug))
        result.update(_number(key, group, problems))
    return result


def _number(key: str, group: list[Essay], problems: list[Problem]) -> dict[str, tuple[int, int]]:
    total = len(group)
    taken: dict[int, Essay] = {}
    for essay in group:
        if essay.part is None:
            continue
        if essay.part > total:
            problems.append(essay.doc.problem(("part",), f"part {essay.part} is out of range: series '{key}' has {total} parts — use a number from 1 to {total}"))
        elif essay.part in taken:
            problems.append(essay.doc.problem(("part",), f"part {essay.part} is also {taken[essay.part].source} — give each essay its own part number"))
        else:
            taken[essay.part] = essay
    free = iter(n for n in range(1, total + 1) if n not in taken)
    numbers = {e.slug: (e.part if e.part in taken and taken[e.part] is e else next(free, 0)) for e in group}
    return {slug: (n, total) for slug, n in numbers.items()}


def _planned(essay: Essay, release: tuple[datetime, str | None, str | None], part: tuple[int, int] | None, as_of: datetime) -> Planned:
    moment, series, announce = release
    if essay.draft:
        state = DRAFT
    else:
        state = RELEASED if moment <= as_of else EMBARGOED
    return Planned(essay, moment, state, series, part[0] if part else None, part[1] if part else None, announce)


def _teasers(config: SiteConfig, planned: Sequence[Planned], drafts: bool) -> dict[str, tuple[Teaser, ...]]:
    result: dict[str, tuple[Teaser, ...]] = {}
    for key, series in config.series.items():
        waiting = sorted((p for p in planned if p.series == key and p.state == EMBARGOED and p.part), key=lambda p: p.part or 0)
        if series.tease == "none":
            result[key] = ()
            continue
        show_title = series.tease == "titles"
        result[key] = tuple(Teaser(p.part or 0, p.essay.title if show_title else None, p.release, p.announce) for p in waiting)
    return result

