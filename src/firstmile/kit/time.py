"""The clock. Everything asks `utcnow()` so tests can move time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_offset = timedelta(0)
_frozen: datetime | None = None


def utcnow() -> datetime:
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def today_in(time_zone: str) -> date:
    """Today's date where `time_zone` is (the operator's: the date a customer signs on)."""
    return utcnow().astimezone(ZoneInfo(time_zone)).date()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Freeze the clock (tests only)."""
    global _frozen
    previous, _frozen = _frozen, moment.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous


def travel(delta: timedelta) -> None:
    """Shift the clock forward (tests and the simulator's demo mode)."""
    global _offset, _frozen
    _offset += delta
    if _frozen is not None:
        _frozen += delta


def reset() -> None:
    global _offset, _frozen
    _offset, _frozen = timedelta(0), None


def next_wall_time(now: datetime, wall: time, time_zone: str) -> datetime:
    """The first moment after `now` at which the clock of `time_zone` shows `wall`, in
    `now`'s zone. A wall time that the change to summer time skips stands for the first
    moment after the gap; one that the change back shows twice, for the first showing
    after `now`.

    Compared in UTC: aware datetimes that share a tzinfo compare by their wall clocks,
    which puts the two passes through the repeated hour in the wrong order."""
    zone = ZoneInfo(time_zone)
    after = now.astimezone(UTC)
    day = after.astimezone(zone).date()
    found = min(
        moment
        for days in range(3)
        for fold in (0, 1)
        if (moment := _instant(day + timedelta(days=days), wall, fold, zone)) > after
    )
    return found.astimezone(now.tzinfo)


def _instant(day: date, wall: time, fold: int, zone: ZoneInfo) -> datetime:
    """When `zone`'s clock shows `wall` on `day` (the first or second showing, by `fold`), in
    UTC; the end of the gap when its clock skips `wall` that day."""
    local = datetime.combine(day, wall.replace(tzinfo=None)).replace(tzinfo=zone, fold=fold)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return moment
    # In a gap the two folds read `wall` with the offsets either side of the change, which
    # lies between them: the first second with the later offset is where the gap ends.
    low, high = sorted(int(local.replace(fold=f).timestamp()) for f in (0, 1))
    offset = datetime.fromtimestamp(high, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)
