"""schedule: release instants, embargo state, series parts, teasers and the next release."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from essaygen.config import parse_config
from essaygen.content import Source, parse_essay
from essaygen.schedule import DRAFT, EMBARGOED, RELEASED, plan_schedule

UTC = timezone.utc
SITE = """title: The Lab Essays
base_url: https://essays.example.org/
timezone: {zone}
series:
  lab:
    title: The Lab Essays
    tease: {tease}
    schedule:
      - release: 2018-05-30 09:00
        essays: [one, two]
      - release: 2018-08-06 09:00
        announce: early August 2018
        essays: [three]
"""
WAVE1 = datetime(2018, 5, 30, 8, 0, tzinfo=UTC)      # 09:00 BST
WAVE2 = datetime(2018, 8, 6, 8, 0, tzinfo=UTC)


def config(tease: str = "titles", zone: str = "Europe/London", text: str | None = None):
    found, problems = parse_config(text or SITE.format(tease=tease, zone=zone), Path("/nonexistent-site"))
    assert found is not None, problems
    return found


def essay(slug: str, front: str = "", cfg=None):
    text = f"---\ntitle: Title of {slug}\nsummary: Summary of {slug}\n{front}---\nBody of {slug}\n"
    found, problems = parse_essay(Source(f"content/essays/{slug}.md", "essay", text), cfg or config())
    assert found is not None, problems
    return found


def series_essays(cfg=None, **front: str):
    return [essay(slug, front.get(slug, ""), cfg) for slug in ("one", "two", "three")]


def plan(essays, as_of, cfg=None, drafts=False):
    schedule, problems = plan_schedule(cfg or config(), essays, as_of, drafts)
    assert problems == [], problems
    assert schedule is not None
    return schedule


def problems_of(essays, cfg=None, as_of=WAVE1):
    schedule, problems = plan_schedule(cfg or config(), essays, as_of)
    assert schedule is None and problems
    return sorted((p.path, p.line, p.col, p.message) for p in problems)


def by_slug(schedule):
    return {p.essay.slug: p for p in schedule.planned}


# ---------------------------------------------------------------- embargo at the exact instant

def test_released_exactly_at_the_release_instant() -> None:
    states = {slug: p.state for slug, p in by_slug(plan(series_essays(), WAVE1)).items()}
    assert states == {"one": RELEASED, "two": RELEASED, "three": EMBARGOED}


def test_embargoed_one_microsecond_before() -> None:
    states = {p.state for p in plan(series_essays(), WAVE1 - timedelta(microseconds=1)).planned}
    assert states == {EMBARGOED}


def test_as_of_in_another_zone_is_the_same_instant() -> None:
    tokyo = WAVE1.astimezone(ZoneInfo("Asia/Tokyo"))
    assert by_slug(plan(series_essays(), tokyo))["one"].state == RELEASED
    assert by_slug(plan(series_essays(), tokyo - timedelta(seconds=1)))["one"].state == EMBARGOED


def test_wave_release_is_read_in_the_site_zone() -> None:
    planned = by_slug(plan(series_essays(), WAVE2))
    assert planned["one"].release == WAVE1 and planned["three"].release == WAVE2
    assert planned["three"].announce == "early August 2018" and planned["one"].announce is None


def test_date_gives_the_release_of_an_essay_outside_a_series() -> None:
    solo = essay("solo", "date: 2018-06-01\n")
    planned = by_slug(plan([*series_essays(), solo], datetime(2018, 5, 31, 23, 0, tzinfo=UTC)))["solo"]
    assert planned.state == RELEASED              # 00:00 BST on 1 June is 23:00 UTC on 31 May
    assert (planned.series, planned.part, planned.total) == (None, None, None)


def test_draft_is_never_released() -> None:
    draft = essay("draft", "date: 2018-01-01\ndraft: true\n")
    schedule = plan([*series_essays(), draft], WAVE2)
    assert by_slug(schedule)["draft"].state == DRAFT
    assert "draft" not in {p.essay.slug for p in schedule.published()}
    assert "draft" in {p.essay.slug for p in schedule.published(drafts=True)}


def test_published_is_newest_first_and_only_released() -> None:
    solo = essay("solo", "date: 2018-06-01\n")
    schedule = plan([*series_essays(), solo], datetime(2018, 7, 1, tzinfo=UTC))
    assert [p.essay.slug for p in schedule.published()] == ["solo", "two", "one"]


# ---------------------------------------------------------------- next release

def test_next_release_is_the_earliest_embargoed_instant() -> None:
    when, which = plan(series_essays(), WAVE1 - timedelta(hours=1)).next_release()
    assert when == WAVE1
    assert [p.essay.slug for p in which] == ["one", "two"]


def test_next_release_after_the_first_wave() -> None:
    when, which = plan(series_essays(), WAVE1).next_release()
    assert when == WAVE2 and [p.essay.slug for p in which] == ["three"]


def test_no_next_release_when_everything_is_out() -> None:
    assert plan(series_essays(), WAVE2).next_release() == (None, ())


def test_drafts_are_not_a_next_release() -> None:
    draft = essay("draft", "date: 2030-01-01\ndraft: true\n")
    assert plan([*series_essays(), draft], WAVE2).next_release() == (None, ())


# ---------------------------------------------------------------- parts

def test_parts_follow_the_schedule_and_total_counts_unreleased_parts() -> None:
    planned = by_slug(plan(series_essays(), WAVE1))
    assert {slug: (p.part, p.total) for slug, p in planned.items()} == {"one": (1, 3), "two": (2, 3), "three": (3, 3)}


def test_explicit_part_overrides_the_schedule_order() -> None:
    planned = by_slug(plan(series_essays(three="part: 1\n"), WAVE2))
    assert {slug: p.part for slug, p in planned.items()} == {"three": 1, "one": 2, "two": 3}


def test_explicit_part_in_the_middle_keeps_the_others_in_order() -> None:
    planned = by_slug(plan(series_essays(one="part: 2\n"), WAVE2))
    assert {slug: p.part for slug, p in planned.items()} == {"two": 1, "one": 2, "three": 3}


def test_dated_series_member_outside_the_schedule_is_numbered_after_it() -> None:
    extra = essay("extra", "series: lab\ndate: 2018-09-01\n")
    planned = by_slug(plan([*series_essays(), extra], WAVE2))
    assert (planned["extra"].part, planned["extra"].total) == (4, 4)
    assert planned["extra"].series == "lab"


def test_a_draft_in_a_series_is_not_counted_unless_drafts_are_built() -> None:
    cfg = config()
    essays = series_essays(cfg, two="draft: true\n")
    assert {s: (p.part, p.total) for s, p in by_slug(plan(essays, WAVE2, cfg)).items() if p.state != DRAFT} == {"one": (1, 2), "three": (2, 2)}
    assert {s: (p.part, p.total) for s, p in by_slug(plan(essays, WAVE2, cfg, drafts=True)).items()} == {"one": (1, 3), "two": (2, 3), "three": (3, 3)}


# ---------------------------------------------------------------- teasers

def test_teasers_show_titles_of_unreleased_parts_only() -> None:
    [teaser] = plan(series_essays(), WAVE1).teasers["lab"]
    assert (teaser.part, teaser.title, teaser.release, teaser.announce) == (3, "Title of three", WAVE2, "early August 2018")
    assert not hasattr(teaser, "summary")


def test_tease_count_hides_titles() -> None:
    cfg = config(tease="count")
    [teaser] = plan(series_essays(cfg), WAVE1, cfg).teasers["lab"]
    assert teaser.title is None and teaser.part == 3


def test_tease_none_shows_nothing() -> None:
    cfg = config(tease="none")
    assert plan(series_essays(cfg), WAVE1, cfg).teasers["lab"] == ()


def test_no_teasers_once_everything_is_released() -> None:
    assert plan(series_essays(), WAVE2).teasers["lab"] == ()


# ---------------------------------------------------------------- problems

def test_date_and_wave_both() -> None:
    [(path, line, col, message)] = problems_of(series_essays(three="date: 2018-08-01\n"))
    assert (path, line, col) == ("content/essays/three.md", 4, 7)
    assert message == "'date' is given here and by the series schedule (site.yaml line 11) — remove one of them"


def test_essay_series_disagrees_with_the_schedule() -> None:
    cfg = config(text=SITE.format(tease="titles", zone="UTC") + "  other:\n    title: Other\n")
    [(path, line, col, message)] = problems_of(series_essays(cfg, one="series: other\n"), cfg)
    assert (path, line, col) == ("content/essays/one.md", 4, 9)
    assert "says series 'other' but site.yaml schedules it in 'lab'" in message


def test_no_release_date_at_all() -> None:
    lonely = essay("lonely")
    [(path, line, col, message)] = problems_of([*series_essays(), lonely])
    assert (path, line, col) == ("content/essays/lonely.md", 2, 1)
    assert message.startswith("no release date — add `date: YYYY-MM-DD`")


def test_wave_names_a_missing_essay() -> None:
    [(path, line, col, message)] = problems_of(series_essays()[:2])
    assert (path, line, col) == ("site.yaml", 13, 18)
    assert "names 'three', but no essay has that slug" in message


def test_essay_in_two_waves() -> None:
    cfg = config(text=SITE.format(tease="titles", zone="UTC").replace("essays: [three]", "essays: [three, one]"))
    [(path, line, col, message)] = problems_of(series_essays(cfg), cfg)
    assert (path, line, col) == ("site.yaml", 13, 25)
    assert message == "'one' is already in the wave on line 9 — list each essay in one wave only"


def test_part_out_of_range() -> None:
    [(path, line, col, message)] = problems_of(series_essays(three="part: 4\n"))
    assert (path, line, col) == ("content/essays/three.md", 4, 7)
    assert message == "part 4 is out of range: series 'lab' has 3 parts — use a number from 1 to 3"


def test_part_duplicated_names_the_other_file() -> None:
    [(path, line, col, message)] = problems_of(series_essays(one="part: 2\n", two="part: 2\n"))
    assert (path, line, col) == ("content/essays/two.md", 4, 7)
    assert "content/essays/one.md" in message


def test_every_schedule_problem_is_reported() -> None:
    cfg = config(text=SITE.format(tease="titles", zone="UTC").replace("essays: [three]", "essays: [thrid]"))
    essays = series_essays(cfg, one="date: 2018-01-01\n")
    problems = problems_of(essays, cfg)
    assert [(p[0], p[1]) for p in problems] == [("content/essays/one.md", 4), ("content/essays/three.md", 2), ("site.yaml", 13)]


def test_wave_typo_suggests_the_essay() -> None:
    cfg = config(text=SITE.format(tease="titles", zone="UTC").replace("essays: [three]", "essays: [thre]"))
    problems = problems_of(series_essays(cfg), cfg)
    assert any("did you mean 'three'" in message for *_, message in problems)


# ---------------------------------------------------------------- daylight saving time

def test_embargo_compares_real_instants_across_the_dst_change() -> None:
    cfg = config(zone="America/New_York")
    new_york = ZoneInfo("America/New_York")
    fall = essay("fall", "date: 2025-11-02 01:30\n", cfg)
    as_of = datetime(2025, 11, 2, 6, 10, tzinfo=UTC).astimezone(new_york)       # how `build` turns now() into as_of
    assert by_slug(plan([*series_essays(cfg), fall], as_of, cfg))["fall"].state == RELEASED


def test_embargo_in_utc_across_the_dst_change() -> None:
    cfg = config(zone="America/New_York")
    fall = essay("fall", "date: 2025-11-02 01:30\n", cfg)
    assert by_slug(plan([*series_essays(cfg), fall], datetime(2025, 11, 2, 5, 29, tzinfo=UTC), cfg))["fall"].state == EMBARGOED
    assert by_slug(plan([*series_essays(cfg), fall], datetime(2025, 11, 2, 5, 30, tzinfo=UTC), cfg))["fall"].state == RELEASED
