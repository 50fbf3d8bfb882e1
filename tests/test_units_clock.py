"""clock: dates as editors write them, read in the site's time zone."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from essaygen.clock import BadDate, load_zone, parse_as_of, parse_instant

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------- naive values are read in the site's zone

def test_naive_datetime_is_read_in_the_site_zone_not_utc() -> None:
    moment = parse_instant("2018-05-30 09:00", LONDON)
    assert moment.astimezone(UTC) == utc(2018, 5, 30, 8, 0)     # BST, UTC+1
    assert moment.astimezone(LONDON).isoformat() == "2018-05-30T09:00:00+01:00"


def test_naive_datetime_in_winter_uses_standard_time() -> None:
    assert parse_instant("2018-01-30 09:00", LONDON).astimezone(UTC) == utc(2018, 1, 30, 9, 0)


def test_date_alone_is_midnight_in_the_site_zone() -> None:
    moment = parse_instant("2018-05-30", LONDON)
    assert moment.astimezone(UTC) == utc(2018, 5, 29, 23, 0)
    assert moment.astimezone(LONDON).isoformat() == "2018-05-30T00:00:00+01:00"


@pytest.mark.parametrize("text", ["2018-05-30T09:00", "2018-05-30t09:00", "2018-05-30 9:00", "2018-05-30 09:00:00", "2018-5-30 09:00", " 2018-05-30 09:00 "])
def test_spellings_of_the_same_local_time(text: str) -> None:
    assert parse_instant(text, LONDON) == parse_instant("2018-05-30 09:00", LONDON)


def test_seconds_and_fractions() -> None:
    assert parse_instant("2018-05-30 09:00:05.25", UTC) == utc(2018, 5, 30, 9, 0, 5, 250000)


def test_date_and_datetime_objects() -> None:
    assert parse_instant(date(2018, 5, 30), LONDON) == parse_instant("2018-05-30", LONDON)
    assert parse_instant(datetime(2018, 5, 30, 9), LONDON) == parse_instant("2018-05-30 09:00", LONDON)
    aware = utc(2018, 5, 30, 9)
    assert parse_instant(aware, LONDON) is aware


# ---------------------------------------------------------------- explicit offsets are respected

@pytest.mark.parametrize("text, expected", [
    ("2018-05-30T09:00:00Z", utc(2018, 5, 30, 9, 0)),
    ("2018-05-30T09:00z", utc(2018, 5, 30, 9, 0)),
    ("2018-05-30T09:00:00+02:00", utc(2018, 5, 30, 7, 0)),
    ("2018-05-30T09:00:00+0200", utc(2018, 5, 30, 7, 0)),
    ("2018-05-30 09:00 -05:30", utc(2018, 5, 30, 14, 30)),
])
def test_offsets_override_the_site_zone(text: str, expected: datetime) -> None:
    moment = parse_instant(text, LONDON)
    assert moment == expected
    assert moment.tzinfo is not LONDON


def test_instants_are_kept_in_utc_so_comparisons_are_real_instants() -> None:
    moment = parse_instant("2018-05-30T09:00:00+02:00", LONDON)
    assert moment.tzinfo is UTC and moment == utc(2018, 5, 30, 7, 0)


@pytest.mark.parametrize("text", ["2018-05-30T09:00+24:00", "2018-05-30T09:00+01:60"])
def test_impossible_offsets(text: str) -> None:
    with pytest.raises(BadDate, match="impossible UTC offset"):
        parse_instant(text, LONDON)


# ---------------------------------------------------------------- impossible dates and bad text

@pytest.mark.parametrize("text, why", [
    ("2020-13-45", "month must be in 1..12"),
    ("2018-02-30", "day is out of range for month"),
    ("2019-02-29", "day is out of range for month"),
    ("2018-05-30 25:00", "not a real time"),
    ("2018-05-30 09:60", "not a real time"),
])
def test_impossible_dates_and_times_are_refused_with_help(text: str, why: str) -> None:
    with pytest.raises(BadDate) as caught:
        parse_instant(text, LONDON)
    message = str(caught.value)
    assert f"'{text}'" in message and why in message
    assert message.endswith("— write YYYY-MM-DD, optionally with a time: YYYY-MM-DD HH:MM")


def test_leap_day_is_a_real_date() -> None:
    assert parse_instant("2020-02-29", UTC) == utc(2020, 2, 29)


@pytest.mark.parametrize("text", ["", "tomorrow", "30/05/2018", "May 30, 2018", "20180530", "2018-05-30 09", "2018-05-30 09:00 BST"])
def test_text_that_is_not_a_date(text: str) -> None:
    with pytest.raises(BadDate, match="is not a date — write YYYY-MM-DD"):
        parse_instant(text, LONDON)


def test_bad_date_is_a_value_error() -> None:
    assert issubclass(BadDate, ValueError)


# ---------------------------------------------------------------- daylight saving time

def test_nonexistent_local_time_is_read_with_the_offset_before_the_gap() -> None:
    """America/New_York jumps from 02:00 to 03:00 on 2025-03-09: 02:30 does not exist.

    Decision: it is accepted and read with the offset in force before the jump
    (EST, UTC-5), i.e. the instant 07:30 UTC = 03:30 EDT: "the gap is skipped forward",
    as most calendars do. It must never land before the jump.
    """
    moment = parse_instant("2025-03-09 02:30", NEW_YORK)
    assert moment.astimezone(UTC) == utc(2025, 3, 9, 7, 30)
    assert moment.astimezone(UTC) > parse_instant("2025-03-09 01:59", NEW_YORK).astimezone(UTC)
    assert moment.astimezone(UTC) == parse_instant("2025-03-09 03:30", NEW_YORK).astimezone(UTC)


def test_ambiguous_local_time_is_the_first_occurrence() -> None:
    """2025-11-02 01:30 happens twice in New York; the first one (EDT, UTC-4) is meant."""
    assert parse_instant("2025-11-02 01:30", NEW_YORK).astimezone(UTC) == utc(2025, 11, 2, 5, 30)


# ---------------------------------------------------------------- zones and --as-of

def test_load_zone() -> None:
    assert load_zone("Europe/London") == LONDON


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "Europe/London "])
def test_unknown_zone(name: str) -> None:
    with pytest.raises(BadDate, match="unknown time zone .* — use an IANA name such as Europe/London"):
        load_zone(name)


def test_as_of_accepts_a_date_or_an_instant() -> None:
    assert parse_as_of("2018-06-15", LONDON).astimezone(UTC) == utc(2018, 6, 14, 23, 0)
    assert parse_as_of("2018-06-15T12:00:00Z", LONDON) == utc(2018, 6, 15, 12, 0)


def test_as_of_refuses_nonsense() -> None:
    with pytest.raises(BadDate):
        parse_as_of("next week", LONDON)
