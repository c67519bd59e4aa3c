"""The clock. Everything asks `utcnow()` so tests can move time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
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
