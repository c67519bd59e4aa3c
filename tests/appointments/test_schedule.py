from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firstmile.appointments import schedule

WORKDAY = {"weekdays": {str(d): [["09:00", "10:00"]] for d in range(1, 8)}, "slot_minutes": 60}


def test_slot_keeps_its_local_time_across_the_spring_change() -> None:
    found = schedule.periods(WORKDAY, "Europe/Prague", start=date(2026, 3, 28), days=2)
    assert [start for start, _ in found] == [
        datetime(2026, 3, 28, 8, tzinfo=UTC),  # CET, UTC+1
        datetime(2026, 3, 29, 7, tzinfo=UTC),  # CEST, UTC+2
    ]


def test_slot_keeps_its_local_time_across_the_autumn_change() -> None:
    found = schedule.periods(WORKDAY, "Europe/Stockholm", start=date(2026, 10, 24), days=2)
    assert [start for start, _ in found] == [
        datetime(2026, 10, 24, 7, tzinfo=UTC),
        datetime(2026, 10, 25, 8, tzinfo=UTC),
    ]


def test_wall_clock_times_skipped_by_the_clock_make_no_slot() -> None:
    night = {"weekdays": {"7": [["01:30", "03:30"]]}, "slot_minutes": 30}
    found = schedule.periods(night, "Europe/Prague", start=date(2026, 3, 29), days=1)
    # 02:00-03:00 does not exist that night; 01:30-02:00 ends in the gap
    assert found == [
        (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    ]


def test_window_without_slot_length_is_one_slot() -> None:
    visits = {"weekdays": {"1": [["08:00", "12:00"], ["12:00", "16:00"]]}, "slot_minutes": None}
    found = schedule.periods(visits, "Europe/Prague", start=date(2026, 11, 23), days=1)
    assert [(s.hour, e.hour) for s, e in found] == [(7, 11), (11, 15)]


def test_closed_dates_have_no_slots() -> None:
    found = schedule.periods(
        WORKDAY, "Europe/Prague", start=date(2026, 12, 23), days=3, closed=["2026-12-24"]
    )
    assert [s.date() for s, _ in found] == [date(2026, 12, 23), date(2026, 12, 25)]


@pytest.mark.parametrize(
    "text", ["9:00-10:00", "10:00-09:00", "10:00", "25:00-26:00", "aa:bb-cc:dd"]
)
def test_parse_window_rejects_malformed_windows(text: str) -> None:
    with pytest.raises(ValueError, match=r"window|time|HH:MM|hour"):
        schedule.parse_window(text)


ZONES = st.sampled_from(["Europe/Prague", "Europe/Stockholm", "Asia/Tokyo", "America/New_York"])


@given(
    zone=ZONES,
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    slot_minutes=st.sampled_from([15, 20, 30, 45, 60]),
)
def test_periods_are_ordered_disjoint_and_at_local_window_times(
    zone: str, start: date, slot_minutes: int
) -> None:
    rules = {
        "weekdays": {str(d): [["08:00", "12:00"], ["13:00", "17:00"]] for d in range(1, 8)},
        "slot_minutes": slot_minutes,
    }
    found = schedule.periods(rules, zone, start=start, days=3)
    tz = ZoneInfo(zone)
    for (s1, e1), (s2, _) in pairwise(found):
        assert s1 < e1 <= s2
    for begin, end in found:
        local = begin.astimezone(tz)
        minutes = local.hour * 60 + local.minute
        assert 8 * 60 <= minutes < 17 * 60
        assert end - begin == timedelta(minutes=slot_minutes)
