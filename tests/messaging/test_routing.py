"""Routing rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firstmile.kit.time import next_wall_time
from firstmile.messaging import routing
from firstmile.messaging.routing import Cap, Policy, QuietHours, Recipient

ALL = ("email", "sms", "push", "inapp")
NOON_UTC = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)  # 12:00 in Prague (summer time)


def _recipient(**kw: object) -> Recipient:
    values: dict[str, object] = {
        "preferred": ["sms", "email"],
        "time_zone": "Europe/Prague",
        "consented": dict.fromkeys(ALL, True),
        "available": {"email": None, "sms": None, "push": "no_subscription", "inapp": None},
        "recent": {},
    }
    values.update(kw)
    return Recipient(**values)  # type: ignore[arg-type]


def _plan(recipient: Recipient, policy: Policy | None = None, **kw: object) -> routing.Plan:
    values: dict[str, object] = {
        "template_channels": list(ALL),
        "klass": "transactional",
        "urgent": False,
        "recipient": recipient,
        "policy": policy or Policy(),
        "now": NOON_UTC,
    }
    values.update(kw)
    return routing.plan(**values)  # type: ignore[arg-type]


def test_preferred_channels_first_then_the_templates_order() -> None:
    plan = _plan(_recipient())
    assert plan.route == ["sms", "email", "inapp"]
    assert plan.skipped == {"push": "no_subscription"}
    assert plan.send_at == NOON_UTC


def test_only_channels_the_template_has_texts_for() -> None:
    plan = _plan(_recipient(), template_channels=["email"])
    assert plan.route == ["email"]
    assert plan.skipped == {}


def test_each_skipped_channel_says_why() -> None:
    recipient = _recipient(
        consented={"email": True, "sms": False, "push": True, "inapp": True},
        available={"email": None, "sms": None, "push": "no_subscription", "inapp": None},
        recent={"email": 2},
    )
    policy = Policy(caps={("marketing", "email"): Cap(count=2, days=7)})
    plan = _plan(recipient, policy, klass="marketing")
    assert plan.route == ["inapp"]
    assert plan.skipped == {
        "sms": "no_consent",
        "email": "frequency_cap",
        "push": "no_subscription",
    }


def test_a_cap_of_another_class_does_not_apply() -> None:
    policy = Policy(caps={("marketing", "email"): Cap(count=1, days=7)})
    plan = _plan(_recipient(recent={"email": 5}), policy, klass="transactional")
    assert "email" in plan.route


def test_nothing_left_is_not_deliverable() -> None:
    plan = _plan(_recipient(consented={}))
    assert not plan.deliverable
    assert set(plan.skipped.values()) == {"no_consent"}


QUIET = Policy(quiet_hours=QuietHours(start=time(21, 0), end=time(8, 0)))


def test_quiet_hours_hold_a_message_until_they_end_in_the_customers_zone() -> None:
    late = datetime(2026, 6, 10, 21, 30, tzinfo=UTC)  # 23:30 in Prague
    plan = _plan(_recipient(), QUIET, now=late)
    assert plan.send_at == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)  # 08:00 in Prague
    tokyo = _plan(_recipient(time_zone="Asia/Tokyo"), QUIET, now=late)  # 06:30 in Tokyo
    assert tokyo.send_at == datetime(2026, 6, 10, 23, 0, tzinfo=UTC)  # 08:00 in Tokyo


def test_urgent_messages_ignore_quiet_hours() -> None:
    late = datetime(2026, 6, 10, 21, 30, tzinfo=UTC)
    assert _plan(_recipient(), QUIET, now=late, urgent=True).send_at == late


def test_quiet_hours_across_a_change_to_summer_time() -> None:
    # Prague moves its clocks from 02:00 to 03:00 on 2026-03-29: 08:00 that day is 06:00 UTC.
    evening = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)  # 23:00 CET
    plan = _plan(_recipient(), QUIET, now=evening)
    assert plan.send_at == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_quiet_hours_within_one_day() -> None:
    lunch = Policy(quiet_hours=QuietHours(start=time(12, 0), end=time(13, 30)))
    plan = _plan(_recipient(), lunch)  # 12:00 in Prague
    assert plan.send_at == datetime(2026, 6, 10, 11, 30, tzinfo=UTC)


def test_the_customers_own_quiet_hours_replace_the_packs() -> None:
    late = datetime(2026, 6, 10, 21, 30, tzinfo=UTC)  # 23:30 in Prague
    own = QuietHours(start=time(23, 0), end=time(6, 30))
    plan = _plan(_recipient(quiet_hours=own), QUIET, now=late)
    assert plan.send_at == datetime(2026, 6, 11, 4, 30, tzinfo=UTC)  # 06:30 in Prague
    evening = datetime(2026, 6, 10, 19, 30, tzinfo=UTC)  # 21:30: quiet for the pack only
    assert _plan(_recipient(quiet_hours=own), QUIET, now=evening).send_at == evening
    assert _plan(_recipient(), QUIET, now=evening).send_at > evening


def test_the_customers_quiet_hours_apply_without_pack_quiet_hours() -> None:
    own = QuietHours(start=time(11, 0), end=time(14, 0))
    plan = _plan(_recipient(quiet_hours=own))  # 12:00 in Prague
    assert plan.send_at == datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 14:00 in Prague


@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 366),
    start=st.times(),
    end=st.times(),
    zone=st.sampled_from(["Europe/Prague", "Asia/Tokyo", "America/New_York", "UTC"]),
)
def test_a_held_message_goes_out_outside_quiet_hours_within_a_day(
    minutes: int, start: time, end: time, zone: str
) -> None:
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    quiet = QuietHours(start=start, end=end)
    plan = _plan(_recipient(time_zone=zone), Policy(quiet_hours=quiet), now=now)
    assert now <= plan.send_at <= now + timedelta(hours=25)
    local = plan.send_at.astimezone(ZoneInfo(zone))
    if start != end:
        assert not quiet.contains(local.time()) or local.time() == end


# Clocks in Prague go from 02:00 to 03:00 on 2026-03-29 (01:00 UTC) and from 03:00 back to
# 02:00 on 2026-10-25 (01:00 UTC): that night 02:00-03:00 is shown twice, first in summer
# time (00:00-01:00 UTC), then in winter time (01:00-02:00 UTC). Tokyo keeps one offset.
def _utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "start", "end", "send_at"),
    [
        # the ordinary window, on the nights the clocks change and on an ordinary one
        ("Europe/Prague", _utc(3, 28, 22), time(21), time(8), _utc(3, 29, 6)),
        ("Europe/Prague", _utc(10, 24, 21), time(21), time(8), _utc(10, 25, 7)),
        ("Europe/Prague", _utc(10, 25, 1, 10), time(21), time(8), _utc(10, 25, 7)),
        ("Europe/Prague", _utc(6, 10, 18, 30), time(21), time(8), _utc(6, 10, 18, 30)),
        ("Europe/Prague", _utc(3, 29, 6), time(21), time(8), _utc(3, 29, 6)),
        # an end that the change to summer time skips: the first moment after the gap
        ("Europe/Prague", _utc(3, 29, 0, 30), time(1), time(2, 30), _utc(3, 29, 1)),
        ("Europe/Prague", _utc(3, 28, 22), time(22), time(2, 30), _utc(3, 29, 1)),
        # an end shown twice: the first showing after now
        ("Europe/Prague", _utc(10, 25, 0, 10), time(22), time(2, 30), _utc(10, 25, 0, 30)),
        ("Europe/Prague", _utc(10, 25, 1, 10), time(22), time(2, 30), _utc(10, 25, 1, 30)),
        ("Europe/Prague", _utc(10, 25, 1, 10), time(2), time(2, 30), _utc(10, 25, 1, 30)),
        # no daylight saving time
        ("Asia/Tokyo", _utc(10, 24, 17, 10), time(22), time(2, 30), _utc(10, 24, 17, 30)),
        ("Asia/Tokyo", _utc(3, 28, 13), time(21), time(8), _utc(3, 28, 23)),
        ("Asia/Tokyo", _utc(3, 28, 23), time(21), time(8), _utc(3, 28, 23)),
    ],
)
def test_quiet_hours_end_at_the_first_moment_outside_them_when_clocks_change(
    zone: str, now: datetime, start: time, end: time, send_at: datetime
) -> None:
    policy = Policy(quiet_hours=QuietHours(start=start, end=end))
    plan = _plan(_recipient(time_zone=zone), policy, now=now)
    assert plan.send_at == send_at
    assert plan.send_at >= now


@pytest.mark.parametrize(
    ("zone", "now", "wall", "expected"),
    [
        ("Europe/Prague", _utc(3, 28, 12), time(2, 30), _utc(3, 29, 1)),  # skipped: 03:00
        ("Europe/Prague", _utc(3, 29, 0, 30), time(2, 30), _utc(3, 29, 1)),
        ("Europe/Prague", _utc(3, 29, 1), time(2, 30), _utc(3, 30, 0, 30)),
        ("Europe/Prague", _utc(3, 28, 20), time(9), _utc(3, 29, 7)),
        ("Europe/Prague", _utc(10, 25, 0, 10), time(2, 30), _utc(10, 25, 0, 30)),  # 1st pass
        ("Europe/Prague", _utc(10, 25, 0, 40), time(2, 30), _utc(10, 25, 1, 30)),  # 2nd pass
        ("Europe/Prague", _utc(10, 25, 1, 10), time(2, 30), _utc(10, 25, 1, 30)),
        ("Europe/Prague", _utc(10, 25, 1, 40), time(2, 30), _utc(10, 26, 1, 30)),
        ("Europe/Prague", _utc(10, 24, 20), time(9), _utc(10, 25, 8)),
        ("Asia/Tokyo", _utc(10, 24, 17, 10), time(2, 30), _utc(10, 24, 17, 30)),
        ("Asia/Tokyo", _utc(10, 24, 17, 30), time(2, 30), _utc(10, 25, 17, 30)),
    ],
)
def test_next_wall_time_is_after_now_across_clock_changes(
    zone: str, now: datetime, wall: time, expected: datetime
) -> None:
    assert next_wall_time(now, wall, zone) == expected


@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 366),
    wall=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    zone=st.sampled_from(["Europe/Prague", "America/New_York", "Australia/Lord_Howe", "UTC"]),
)
def test_next_wall_time_is_ahead_and_shows_the_wall_time_or_ends_a_gap(
    minutes: int, wall: time, zone: str
) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    found = next_wall_time(now, wall, zone)
    assert now < found <= now + timedelta(hours=25)
    local = found.astimezone(ZoneInfo(zone))
    if local.time() != wall:  # only where the clock skips `wall`: `found` is where it jumps
        just_before = (found - timedelta(seconds=1)).astimezone(ZoneInfo(zone))
        assert just_before.utcoffset() != local.utcoffset()
        assert just_before.time() < wall < local.time()
