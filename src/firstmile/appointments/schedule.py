"""Weekly rules to concrete periods: pure, no database.

A calendar's rules say, per ISO weekday, the local wall-clock windows it works in, and the
slot length (or none: a window is one slot, as technician visits are). Periods are made in
the calendar's own time zone and returned in UTC, so a 09:00 slot is 09:00 local on both
sides of a daylight-saving change. A wall-clock time that does not exist (the hour skipped
in spring) yields no slot; a time that exists twice (autumn) takes its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

Period = tuple[datetime, datetime]


def parse_clock(text: str) -> time:
    """'HH:MM' (24-hour) as a time; ValueError otherwise."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(f"{text!r} is not a time as HH:MM")
    return time(int(hours), int(minutes))


def parse_window(text: str) -> tuple[time, time]:
    """'HH:MM-HH:MM' with the end after the start, within one day."""
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"{text!r} is not a window as HH:MM-HH:MM")
    first, last = parse_clock(start.strip()), parse_clock(end.strip())
    if last <= first:
        raise ValueError(f"window {text!r} ends before it starts")
    return first, last


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None where the clock skips it."""
    wall = datetime.combine(day, time(minutes // 60, minutes % 60))
    aware = wall.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def window_periods(
    day: date, window: Sequence[str], slot_minutes: int | None, zone: ZoneInfo
) -> Iterator[Period]:
    start, end = _minutes(parse_clock(window[0])), _minutes(parse_clock(window[1]))
    step = slot_minutes or end - start
    for begin in range(start, end - step + 1, step):
        first, last = _local(day, begin, zone), _local(day, begin + step, zone)
        if first is not None and last is not None and last > first:
            yield first, last


def periods(
    rules: Mapping[str, Any],
    timezone: str,
    *,
    start: date,
    days: int,
    closed: Sequence[str] = (),
) -> list[Period]:
    """Every period on `days` local dates from `start`, in order, skipping closed dates."""
    zone = ZoneInfo(timezone)
    weekdays: Mapping[str, list[list[str]]] = rules.get("weekdays", {})
    slot_minutes: int | None = rules.get("slot_minutes")
    shut = set(closed)
    out: list[Period] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.isoformat() in shut:
            continue
        for window in weekdays.get(str(day.isoweekday()), []):
            out.extend(window_periods(day, window, slot_minutes, zone))
    return out


def local_midnight(day: date, timezone: str) -> datetime:
    """The UTC instant a local date begins."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)
