"""The pure pricing module: proration, rounding, and properties over any cart."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firstmile.catalog import pricing
from firstmile.kit.errors import InvalidInput

TEXT = {"en": "x", "ja": "x", "cs": "x", "sv": "x", "ar": "x"}


def test_first_cycle_from_mid_month_in_leap_february() -> None:
    assert pricing.first_cycle(date(2024, 2, 15), 1) == (
        date(2024, 2, 15),
        date(2024, 2, 29),
        15,
        29,
    )


def test_first_cycle_in_common_february() -> None:
    assert pricing.first_cycle(date(2023, 2, 15), 1) == (
        date(2023, 2, 15),
        date(2023, 2, 28),
        14,
        28,
    )


def test_first_cycle_starting_on_cycle_day_is_a_full_month() -> None:
    _, end, days, cycle_days = pricing.first_cycle(date(2024, 3, 10), 10)
    assert (end, days, cycle_days) == (date(2024, 4, 9), 31, 31)


def test_first_cycle_before_cycle_day_runs_to_it() -> None:
    _, end, days, cycle_days = pricing.first_cycle(date(2024, 1, 5), 15)
    assert (end, days, cycle_days) == (date(2024, 1, 14), 10, 31)  # Dec 15 - Jan 14


def test_first_cycle_across_new_year() -> None:
    _, end, days, cycle_days = pricing.first_cycle(date(2024, 12, 20), 1)
    assert (end, days, cycle_days) == (date(2024, 12, 31), 12, 31)


def test_cycle_day_beyond_28_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        pricing.first_cycle(date(2024, 1, 5), 31)
    assert err.value.field == "cycle_day"


def test_negative_tax_rounds_half_away_from_zero() -> None:
    line = pricing.make_line(
        item=0,
        source="p",
        code="d",
        kind="discount",
        name="d",
        names=TEXT,
        charge="recurring",
        quantity=1,
        net=Decimal("-164.50"),
        tax_rate=Decimal("0.21"),
        currency="CZK",
    )
    assert (line.tax, line.gross) == (Decimal("-34.55"), Decimal("-199.05"))


def _offering(draw: st.DrawFn, code: str) -> dict[str, Any]:
    cents = st.integers(min_value=0, max_value=500_000).map(lambda c: str(Decimal(c) / 100))
    prices = [
        {"code": "monthly", "type": "recurring", "amount": draw(cents), "name": TEXT},
        {"code": "setup", "type": "one_time", "amount": draw(cents), "name": TEXT},
    ]
    discounts = []
    if draw(st.booleans()):
        percent = draw(st.integers(min_value=1, max_value=100))
        months = draw(st.none() | st.integers(min_value=1, max_value=24))
        discounts.append(
            {
                "code": "promo",
                "price": "monthly",
                "percent": str(percent),
                "charge": "recurring",
                "months": months,
                "name": TEXT,
            }
        )
    features = [
        {"code": "f", "default": True, "switchable": True, "monthly": draw(cents), "name": TEXT}
    ]
    return {
        "code": code,
        "kind": "mobile",
        "name": TEXT,
        "prices": prices,
        "features": features,
        "discounts": discounts,
    }


@st.composite
def snapshots(draw: st.DrawFn) -> dict[str, Any]:
    rate = Decimal(draw(st.sampled_from(["0", "0.1", "0.21", "0.25"])))
    lines: list[pricing.Line] = []
    for i in range(draw(st.integers(min_value=1, max_value=4))):
        lines += pricing.item_lines(
            item=i,
            offerings=[_offering(draw, f"o{i}")],
            features={"f": draw(st.booleans())},
            quantity=draw(st.integers(min_value=1, max_value=5)),
            tax_rate=rate,
            currency="CZK",
            locale="en",
        )
    return {"currency": "CZK", "lines": [line.to_json() for line in lines]}


def _money(part: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    return Decimal(part["net"]), Decimal(part["tax"]), Decimal(part["gross"])


def _sums(lines: list[dict[str, Any]]) -> tuple[Decimal, Decimal, Decimal]:
    return (
        sum((Decimal(x["net"]) for x in lines), Decimal(0)),
        sum((Decimal(x["tax"]) for x in lines), Decimal(0)),
        sum((Decimal(x["gross"]) for x in lines), Decimal(0)),
    )


starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
cycle_days = st.integers(min_value=1, max_value=28)


@settings(max_examples=150, deadline=None)
@given(snapshot=snapshots(), start=starts, cycle_day=cycle_days)
def test_bill_lines_sum_to_bill_totals(
    snapshot: dict[str, Any], start: date, cycle_day: int
) -> None:
    bills = pricing.bill_preview(snapshot, start=start, cycle_day=cycle_day)
    for name in ("first", "regular"):
        assert _sums(bills[name]["lines"]) == _money(bills[name])
    for line in bills["first"]["lines"]:
        assert Decimal(line["net"]) + Decimal(line["tax"]) == Decimal(line["gross"])


@settings(max_examples=150, deadline=None)
@given(snapshot=snapshots(), start=starts, cycle_day=cycle_days)
def test_first_bill_never_exceeds_one_time_plus_a_full_month(
    snapshot: dict[str, Any], start: date, cycle_day: int
) -> None:
    lines = [pricing.line_from_json(x) for x in snapshot["lines"]]
    full_first_month = [
        x for x in lines if x.charge == "one_time" or x.months is None or x.months >= 1
    ]
    bound = sum((x.gross for x in full_first_month), Decimal(0))
    first = pricing.bill_preview(snapshot, start=start, cycle_day=cycle_day)["first"]
    assert Decimal(first["gross"]) <= bound


@settings(max_examples=100, deadline=None)
@given(snapshot=snapshots(), start=starts, cycle_day=cycle_days)
def test_bill_has_no_float_anywhere(snapshot: dict[str, Any], start: date, cycle_day: int) -> None:
    bills = pricing.bill_preview(snapshot, start=start, cycle_day=cycle_day)

    def walk(value: Any) -> None:
        assert not isinstance(value, float)
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(bills)
    assert json.loads(json.dumps(bills)) == bills  # JSON-safe as it is


@settings(max_examples=100, deadline=None)
@given(snapshot=snapshots(), start=starts)
def test_start_on_cycle_day_bills_the_full_first_month(
    snapshot: dict[str, Any], start: date
) -> None:
    bills = pricing.bill_preview(
        snapshot, start=start, cycle_day=start.day if start.day <= 28 else 1
    )
    first = bills["first"]
    if first["days"] == first["cycle_days"]:
        one_time = [x for x in snapshot["lines"] if x["charge"] == "one_time"]
        month = [x for x in snapshot["lines"] if x["charge"] == "recurring"]
        assert Decimal(first["gross"]) == _sums(one_time)[2] + _sums(month)[2]


def test_schedule_lists_each_discount_stretch() -> None:
    offering = {
        "code": "o",
        "kind": "mobile",
        "name": TEXT,
        "features": [],
        "prices": [{"code": "monthly", "type": "recurring", "amount": "100.00", "name": TEXT}],
        "discounts": [
            {
                "code": "p",
                "price": "monthly",
                "percent": "50",
                "months": 3,
                "charge": "recurring",
                "name": TEXT,
            }
        ],
    }
    lines = pricing.item_lines(
        item=0,
        offerings=[offering],
        features={},
        quantity=1,
        tax_rate=Decimal("0.25"),
        currency="SEK",
        locale="en",
    )
    snapshot = {"currency": "SEK", "lines": [x.to_json() for x in lines]}
    bills = pricing.bill_preview(snapshot, start=date(2024, 5, 1), cycle_day=1)
    assert bills["schedule"] == [
        {"from_month": 2, "to_month": 3, "net": "50.00", "tax": "12.50", "gross": "62.50"},
        {"from_month": 4, "to_month": None, "net": "100.00", "tax": "25.00", "gross": "125.00"},
    ]
    assert bills["first"]["gross"] == "62.50"
    assert bills["regular"]["gross"] == "125.00"
    assert date.fromisoformat(bills["first"]["period_end"]) == date(2024, 5, 1) + timedelta(days=30)


def test_yen_are_rounded_to_whole_yen() -> None:
    """JPY has no minor unit: taxes, discounts and proration round to whole yen."""
    offering = {
        "code": "plan",
        "kind": "mobile",
        "name": TEXT,
        "prices": [{"code": "monthly", "type": "recurring", "amount": "2999", "name": TEXT}],
        "features": [],
        "discounts": [
            {
                "code": "promo",
                "price": "monthly",
                "percent": "15",
                "charge": "recurring",
                "months": None,
                "name": TEXT,
            }
        ],
    }
    lines = pricing.item_lines(
        item=0,
        offerings=[offering],
        features={},
        quantity=1,
        tax_rate=Decimal("0.10"),
        currency="JPY",
        locale="ja",
    )
    # 2,999 + tax 299.9 -> 300; 15 % off 2,999 = 449.85 -> 450, its tax 45
    assert [(x.net, x.tax) for x in lines] == [
        (Decimal("2999"), Decimal("300")),
        (Decimal("-450"), Decimal("-45")),
    ]
    snapshot = {"currency": "JPY", "lines": [x.to_json() for x in lines]}
    bills = pricing.bill_preview(snapshot, start=date(2024, 4, 17), cycle_day=1)
    # 14 of 30 days: 2,999 x 14/30 = 1,399.53 -> 1,400 (tax 140); -450 x 14/30 = -210 (-21)
    assert bills["first"]["net"] == "1190"
    assert Decimal(bills["first"]["gross"]) == Decimal("1309")
    assert Decimal(bills["regular"]["gross"]) == Decimal("2804")
