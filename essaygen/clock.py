"""Instants: dates as editors write them, read in the site's time zone.

A date alone means 00:00 in the site's zone; a date and time without an offset
is read in that zone (the bug Hugo and Jekyll had: reading them in UTC or the
build machine's zone); an explicit offset is respected.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from essaygen.schema import shown

_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)

DATE_HELP = "write YYYY-MM-DD, optionally with a time: YYYY-MM-DD HH:MM"
MIN_YEAR, MAX_YEAR = 2, 9998


class BadDate(ValueError):
    """The text is not a real date; the message says why, for an editor."""


def load_zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:  # OSError: "__pycache__" is a folder of tzdata
        raise BadDate(f"unknown time zone '{shown(name)}' — use an IANA name such as Europe/London") from exc


def parse_instant(text: str | date, zone: tzinfo) -> datetime:
    """An instant in UTC from `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, or ISO 8601 with an offset.

    UTC because Python compares two datetimes of the *same* zone by wall clock,
    which is wrong across a daylight-saving change; display converts back.
    """
    return _parse_local(text, zone).astimezone(timezone.utc)


def _parse_local(text: str | date, zone: tzinfo) -> datetime:
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=zone)
    if isinstance(text, date):
        return datetime.combine(text, time(0, 0), tzinfo=zone)
    value = str(text).strip()
    if m := _DATE.match(value):
        return datetime.combine(_real_date(value, *m.groups()), time(0, 0), tzinfo=zone)
    if m := _DATETIME.match(value):
        return _datetime_from(value, m, zone)
    raise BadDate(f"'{shown(value)}' is not a date — {DATE_HELP}")


def _real_date(text: str, y: str, m: str, d: str) -> date:
    try:
        day = date(int(y), int(m), int(d))
    except ValueError as exc:
        raise BadDate(f"'{shown(text)}' is not a real date ({exc}) — {DATE_HELP}") from exc
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        # Python's datetime ends at years 1 and 9999: a day's margin keeps every
        # conversion to another time zone (feeds, sitemaps, pages) in range.
        raise BadDate(f"'{shown(text)}' is out of range — write a year from {MIN_YEAR} to {MAX_YEAR}")
    return day


def _datetime_from(text: str, m: re.Match[str], zone: tzinfo) -> datetime:
    y, mo, d, hh, mm, ss, frac, offset = m.groups()
    day = _real_date(text, y, mo, d)
    try:
        clock = time(int(hh), int(mm), int(ss or 0), int((frac or "0").ljust(6, "0")))
    except ValueError as exc:
        raise BadDate(f"'{shown(text)}' is not a real time ({exc}) — {DATE_HELP}") from exc
    return datetime.combine(day, clock, tzinfo=_offset_zone(offset, text) if offset else zone)


def _offset_zone(offset: str, text: str) -> tzinfo:
    if offset in ("Z", "z"):
        return timezone.utc
    sign = 1 if offset[0] == "+" else -1
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise BadDate(f"'{shown(text)}' has an impossible UTC offset — {DATE_HELP}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_as_of(text: str, zone: tzinfo) -> datetime:
    """The build's clock from `--as-of`: any ISO 8601 instant, or a date (00:00 in the site's zone)."""
    return parse_instant(text, zone)

