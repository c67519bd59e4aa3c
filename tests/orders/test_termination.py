"""Termination arithmetic, worked by hand, and its properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from firstmile.orders import termination as t

FIXED = {
    "minimum_term_months": 12,
    "notice_days": 30,
    "early_termination": {"rule": "fixed", "amount": "1500.00"},
}
REMAINING = {
    "minimum_term_months": 24,
    "notice_days": 30,
    "early_termination": {"rule": "remaining_monthly", "percent": "20"},
}
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def test_day_14_after_signature_is_within_cooling_off() -> None:
    assert t.within_cooling_off(date(2024, 3, 1), date(2024, 3, 15), 14)


def test_day_15_after_signature_is_past_cooling_off() -> None:
    assert not t.within_cooling_off(date(2024, 3, 1), date(2024, 3, 16), 14)


def test_add_months_clamps_to_the_end_of_a_short_month() -> None:
    assert t.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_full_months_does_not_count_a_begun_month() -> None:
    assert t.full_months(date(2024, 1, 15), date(2024, 3, 14)) == 1
    assert t.full_months(date(2024, 1, 15), date(2024, 3, 15)) == 2


def test_fixed_fee_inside_the_minimum_term() -> None:
    fee = t.item_fee(
        FIXED,
        quote_item=0,
        offering="fibre-300",
        started_on=date(2024, 1, 10),
        ends_on=date(2024, 6, 1),
        monthly_gross=Decimal("603.79"),
        currency="CZK",
    )
    assert (fee.fee, fee.months_left, fee.rule) == (Decimal("1500.00"), 7, "fixed")


def test_no_fee_once_the_minimum_term_is_over() -> None:
    fee = t.item_fee(
        FIXED,
        quote_item=0,
        offering="fibre-300",
        started_on=date(2024, 1, 10),
        ends_on=date(2025, 1, 10),
        monthly_gross=Decimal("603.79"),
        currency="CZK",
    )
    assert fee.fee == Decimal("0.00")


def test_remaining_monthly_fee_is_the_share_of_the_months_left() -> None:
    # started 2024-01-10, 24 months -> 2026-01-10; ending 2024-04-20: whole months left
    # 2024-04-20 .. 2025-12-20 = 20 (the begun month to 2026-01-10 is not charged)
    # 20% x 20 x 906.29 = 3625.16
    fee = t.item_fee(
        REMAINING,
        quote_item=1,
        offering="mobile-business-unlimited",
        started_on=date(2024, 1, 10),
        ends_on=date(2024, 4, 20),
        monthly_gross=Decimal("906.29"),
        currency="CZK",
    )
    assert (fee.months_left, fee.fee) == (20, Decimal("3625.16"))


def test_a_product_never_started_owes_the_whole_term() -> None:
    fee = t.item_fee(
        REMAINING,
        quote_item=0,
        offering="x",
        started_on=None,
        ends_on=date(2024, 4, 20),
        monthly_gross=Decimal("100.00"),
        currency="CZK",
    )
    assert (fee.months_left, fee.fee) == (24, Decimal("480.00"))  # 0.2 x 24 x 100


def test_no_rule_means_no_fee() -> None:
    fee = t.item_fee(
        {"minimum_term_months": 12},
        quote_item=0,
        offering="x",
        started_on=None,
        ends_on=date(2024, 4, 20),
        monthly_gross=Decimal("100.00"),
        currency="CZK",
    )
    assert fee.fee == Decimal("0.00")


def test_monthly_gross_of_ignores_one_time_and_running_out_lines() -> None:
    lines = [
        {"item": 0, "charge": "recurring", "months": None, "gross": "398.09"},
        {"item": 0, "charge": "recurring", "months": 3, "gross": "-199.05"},
        {"item": 0, "charge": "one_time", "months": None, "gross": "119.79"},
        {"item": 1, "charge": "recurring", "months": None, "gross": "10.00"},
        {"item": 0, "charge": "recurring", "months": None, "gross": "-50.00"},
    ]
    assert t.monthly_gross_of(lines, 0) == Decimal("348.09")


@given(dates, st.integers(min_value=0, max_value=400))
def test_full_months_never_overshoots(start: date, days: int) -> None:
    end = start + timedelta(days=days)
    months = t.full_months(start, end)
    assert t.add_months(start, months) <= end
    assert t.add_months(start, months + 1) > end


@given(
    dates,
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=0, max_value=60),
    st.decimals(min_value=0, max_value=10_000, places=2),
    st.decimals(min_value=Decimal("0.01"), max_value=100, places=2),
)
def test_remaining_fee_is_bounded_and_falls_with_time(
    start: date, days: int, term: int, monthly: Decimal, percent: Decimal
) -> None:
    terms = {
        "minimum_term_months": term,
        "early_termination": {"rule": "remaining_monthly", "percent": str(percent)},
    }

    def fee_on(day: date) -> Decimal:
        return t.item_fee(
            terms,
            quote_item=0,
            offering="x",
            started_on=start,
            ends_on=day,
            monthly_gross=monthly,
            currency="CZK",
        ).fee

    early, later = fee_on(start + timedelta(days=days)), fee_on(start + timedelta(days=days + 31))
    ceiling = percent / 100 * term * monthly
    assert Decimal("0") <= later <= early <= ceiling + Decimal("0.005")
