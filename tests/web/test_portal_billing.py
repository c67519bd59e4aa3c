"""Billing made clear: every line of the first and the regular bill with its explanation,
the totals, and how and when the customer pays; a customer sees only their own bills."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.billing import service as billing_service
from firstmile.billing.schemas import BillingAccountCreate, SepaDirectDebitCreate
from firstmile.kit import time as clock
from firstmile.kit.money import format_money
from firstmile.orders.models import Order
from tests.factories import orders as order_factory
from tests.factories.billing import billing_account_body, sepa_body
from tests.factories.web import sign_in_customer

pytestmark = pytest.mark.usefixtures("telco")
MID_CYCLE = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen(sessions: sessionmaker[Session]) -> Iterator[None]:
    with clock.frozen_at(MID_CYCLE):
        yield


def _czk(amount: str) -> str:
    return " ".join(format_money(Decimal(amount), "CZK", "en").split())


def _text(page: str) -> str:
    """The page's text without markup, spaces collapsed, as a reader sees it."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def placed(sessions: sessionmaker[Session]) -> Order:
    with sessions() as db:
        return order_factory.order(db)  # mobile-10gb: monthly fee, SIM activation, -50 % x 3


def _with_billing(sessions: sessionmaker[Session], placed: Order) -> dict[str, object]:
    with sessions() as db:
        body = billing_account_body(placed.account_id, cycle_day=1)
        billing = billing_service.create_billing_account(
            db, BillingAccountCreate(**body), actor=SYSTEM
        )
        billing_service.add_payment_method(
            db, billing.id, SepaDirectDebitCreate(**sepa_body()), actor=SYSTEM
        )
        db.commit()
        return billing_service.first_bill_preview(db, billing.id, locale="en")


def test_each_line_is_explained_with_the_totals_and_how_to_pay(
    client: TestClient, sessions: sessionmaker[Session], placed: Order
) -> None:
    preview = _with_billing(sessions, placed)
    sign_in_customer(client, sessions, placed.customer_id)
    page = client.get("/portal/billing?lang=en")
    assert page.status_code == 200
    text = _text(page.text)
    first = {line["name"]: line for line in preview["first_bill"]["lines"]}
    assert set(first) == {"SIM activation", "Monthly fee", "First 3 months -50%"}
    assert (
        f"SIM activation (one-time) Charged once, on your first bill. "
        f"{_czk(first['SIM activation']['gross'])}"
    ) in text
    assert (
        "Monthly fee (monthly) Your monthly price, charged in advance for each month. "
        "On this first bill only for 16 of the 31 days of the month, from March 16, 2026 to "
        "March 31, 2026. "
        f"{_czk(first['Monthly fee']['gross'])}"
    ) in text
    assert (
        "First 3 months -50% (monthly) Taken off every month for your first 3 months; "
        "your first bill counts as month 1."
    ) in text
    assert f"Total to pay {_czk(preview['first_bill']['gross'])}" in text
    assert f"Tax {_czk(preview['first_bill']['tax'])}" in text
    assert f"Total to pay {_czk(preview['regular_bill']['gross'])}" in text
    assert "Data beyond the allowance CZK 0.121 per MB" in text  # 0.1000 net + 21 % tax
    assert "VAT of 21% is included in every amount above" in text
    assert "Day 1 of each month" in text
    assert (
        f"We collect {_czk(preview['first_bill']['gross'])} from your account on April 15, 2026."
    ) in text
    assert 'href="/portal/payment"' in page.text
    assert "Change how you pay" in text


def test_an_order_without_billing_set_up_is_explained_as_an_estimate(
    client: TestClient, sessions: sessionmaker[Session], placed: Order
) -> None:
    sign_in_customer(client, sessions, placed.customer_id)
    text = _text(client.get("/portal/billing?lang=en").text)
    bills = placed.snapshot["bills"]
    assert "An estimate from your order" in text
    assert "SIM activation (one-time) Charged once, on your first bill." in text
    assert f"Total to pay {_czk(bills['first']['gross'])}" in text
    assert f"Total to pay {_czk(bills['regular']['gross'])}" in text
    assert "You have not chosen how to pay yet." in text


def test_the_page_speaks_the_customers_language(
    client: TestClient, sessions: sessionmaker[Session], placed: Order
) -> None:
    _with_billing(sessions, placed)
    sign_in_customer(client, sessions, placed.customer_id)
    text = _text(client.get("/portal/billing?lang=cs").text)
    assert "Aktivace SIM" in text
    assert "Účtujeme jednou, na prvním vyúčtování." in text
    assert "Kč" in text
    assert "0,121 Kč za MB" in text  # the unit in the words the plan page and contract use


def test_another_customer_sees_nothing_of_these_bills(
    client: TestClient, sessions: sessionmaker[Session], placed: Order
) -> None:
    _with_billing(sessions, placed)
    with sessions() as db:
        other = order_factory.quote(db).customer_id  # a quote only: nothing ordered
    sign_in_customer(client, sessions, other)
    text = _text(client.get("/portal/billing?lang=en").text)
    assert "There is nothing to bill yet." in text
    assert "SIM activation" not in text


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    answer = client.get("/portal/billing", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/portal/login")
