"""Pure termination arithmetic: cooling-off, notice, minimum term and early-termination fees.

No database: the terms come from the order's locked snapshot (the pack's `Terms`:
`minimum_term_months`, `notice_days`, `early_termination` {rule: none | fixed |
remaining_monthly, amount, percent}). Months are calendar months; a month that has begun
but not ended is not charged (the customer-friendly reading).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from firstmile.kit.money import q

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class ItemFee:
    quote_item: int
    offering: str
    rule: str
    months_left: int
    fee: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "quote_item": self.quote_item,
            "offering": self.offering,
            "rule": self.rule,
            "months_left": self.months_left,
            "fee": str(self.fee),
        }


def within_cooling_off(signed_on: date, today: date, days: int) -> bool:
    """The withdrawal period runs from the day after signature to the end of its last day
    (none at all when `days` is 0: not even on the day of signing)."""
    return days > 0 and (today - signed_on).days <= days


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def full_months(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (0 when `end` is not after `start`)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    return months if add_months(start, months) <= end else months - 1


def termination_date(today: date, notice_days: int) -> date:
    return today + timedelta(days=notice_days)


def months_left(minimum_term: int, started_on: date | None, ends_on: date) -> int:
    """Whole months of the minimum term left after `ends_on`; all of it if never started."""
    if started_on is None:
        return minimum_term
    return full_months(ends_on, add_months(started_on, minimum_term))


def in_minimum_term(minimum_term: int, started_on: date | None, ends_on: date) -> bool:
    if minimum_term <= 0:
        return False
    if started_on is None:
        return True
    return ends_on < add_months(started_on, minimum_term)


def item_fee(
    terms: Mapping[str, Any],
    *,
    quote_item: int,
    offering: str,
    started_on: date | None,
    ends_on: date,
    monthly_gross: Decimal,
    currency: str,
) -> ItemFee:
    """The early-termination fee of one quote item ending on `ends_on`."""
    minimum = int(terms.get("minimum_term_months") or 0)
    rule_spec = terms.get("early_termination") or {}
    rule = str(rule_spec.get("rule") or "none")
    left = months_left(minimum, started_on, ends_on)
    fee = ZERO
    if in_minimum_term(minimum, started_on, ends_on):
        if rule == "fixed":
            fee = q(Decimal(str(rule_spec["amount"])), currency)
        elif rule == "remaining_monthly":
            share = Decimal(str(rule_spec["percent"])) / 100
            fee = q(share * left * monthly_gross, currency)
    return ItemFee(quote_item, offering, rule, left if minimum else 0, fee)


def monthly_gross_of(lines: Iterable[Mapping[str, Any]], quote_item: int) -> Decimal:
    """The item's regular monthly charge, gross: recurring lines that do not run out."""
    return sum(
        (
            Decimal(str(line["gross"]))
            for line in lines
            if line.get("item") == quote_item
            and line.get("charge") == "recurring"
            and line.get("months") is None
        ),
        ZERO,
    )


def total(fees: Iterable[ItemFee], currency: str) -> Decimal:
    return q(sum((f.fee for f in fees), ZERO), currency)
