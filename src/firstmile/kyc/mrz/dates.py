"""MRZ dates (YYMMDD) and the century their two-digit year belongs to.

Doc 9303 writes dates as YYMMDD with no century. A date of birth is taken to be the latest
date with those digits that is not after `today`, so a holder is 0 to 99 years old (the
format cannot tell a centenarian from a newborn). An expiry date is taken to be within 50
years either side of `today`. Part 3 allows unknown parts of a date of birth to be filled
with `<` (`7408<<`: day unknown); an expiry date must be complete.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

_EXPIRY_YEARS_BACK = 50
_FILLED = "<<"


@dataclass(frozen=True)
class MrzDate:
    """A date field as read. `value` is the date when all of it is known and valid;
    `latest` is the latest day it can stand for (its value, or for a partly unknown date of
    birth the last day the known parts allow, not after today); `problem` says why the field
    is not a date, None when it is one; `problem_code` and `problem_params` name that reason
    (`no_month`, {"month": "13"}) for pages that word it in another language."""

    raw: str
    value: date | None
    latest: date | None
    problem: str | None
    problem_code: str | None = None
    problem_params: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def partial(self) -> bool:
        return self.problem is None and self.value is None


def _parts(raw: str) -> tuple[str, str, str] | None:
    parts = (raw[0:2], raw[2:4], raw[4:6])
    if len(raw) != 6 or any(not (p.isdigit() or p == _FILLED) for p in parts):
        return None
    return parts


def _number(part: str) -> int | None:
    return None if part == _FILLED else int(part)


def birth_date(raw: str, today: date) -> MrzDate:
    """The date of birth `raw` stands for, in the century that makes it the most recent
    date not after `today`."""
    parts = _parts(raw)
    if parts is None:
        return MrzDate(
            raw, None, None, "is not a date (YYMMDD, with << for an unknown part)", "not_a_date"
        )
    year2, month, day = (_number(p) for p in parts)
    if year2 is None:
        return MrzDate(raw, None, None, None)
    problem = _range_problem(raw, month, day)
    if problem is not None:
        return problem
    earliest = (month or 1, day or 1)
    year = today.year - (today.year - year2) % 100
    if (year, *earliest) > (today.year, today.month, today.day):
        year -= 100
    return _resolved(raw, year, month, day, today)


def expiry_date(raw: str, today: date) -> MrzDate:
    """The expiry date `raw` stands for, in the century that puts it within 50 years of
    `today`."""
    if len(raw) != 6 or not raw.isdigit():
        return MrzDate(raw, None, None, "is not a date (YYMMDD digits)", "not_digits")
    year2, month, day = int(raw[0:2]), int(raw[2:4]), int(raw[4:6])
    problem = _range_problem(raw, month, day)
    if problem is not None:
        return problem
    start = today.year - _EXPIRY_YEARS_BACK
    year = start + (year2 - start) % 100
    return _resolved(raw, year, month, day, today)


def _range_problem(raw: str, month: int | None, day: int | None) -> MrzDate | None:
    if month is not None and not 1 <= month <= 12:
        shown = f"{month:02d}"
        return MrzDate(raw, None, None, f"has no month {shown}", "no_month", {"month": shown})
    if day is not None and not 1 <= day <= 31:
        shown = f"{day:02d}"
        return MrzDate(raw, None, None, f"has no day {shown}", "no_day", {"day": shown})
    return None


def _resolved(raw: str, year: int, month: int | None, day: int | None, today: date) -> MrzDate:
    if month is not None and day is not None:
        if day > calendar.monthrange(year, month)[1]:
            shown = f"{year}-{month:02d}-{day:02d}"
            problem = f"is not a valid date ({shown})"
            return MrzDate(raw, None, None, problem, "no_such_day", {"value": shown})
        value = date(year, month, day)
        return MrzDate(raw, value, value, None)
    last_month = month or 12
    last_day = day or calendar.monthrange(year, last_month)[1]
    if day is not None and month is None:
        last_month = max(m for m in range(1, 13) if calendar.monthrange(year, m)[1] >= day)
    return MrzDate(raw, None, min(date(year, last_month, last_day), today), None)
