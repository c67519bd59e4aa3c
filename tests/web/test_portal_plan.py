"""/portal/plan: offerings, the cart priced as a quote, feature switches, placing the order,
and switching a feature of an active product (a modify order)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.billing import service as billing_service
from firstmile.billing.schemas import BillingAccountCreate, SepaDirectDebitCreate
from firstmile.catalog import service as catalog_service
from firstmile.catalog.models import QuoteStatus
from firstmile.contracts import service as contracts_service
from firstmile.orders import service as orders_service
from firstmile.orders.models import OrderKind, OrderStatus, ProductStatus
from firstmile.web.locale import Formats
from firstmile.web.pages import environment, plural_translator, translator
from firstmile.web.portal import plan_view
from tests.conftest import RunJobs
from tests.factories import billing as billing_factories
from tests.factories import catalog as catalog_factories
from tests.factories import contracts as contract_factories
from tests.factories.web import post_form, sign_in_customer

money = Formats("en").money
ADDRESS = {
    "street": "Vinohradská",
    "house_number": "2828/151",
    "postcode": "130 00",
    "city": "Praha",
}


# --- flows other portal tests use too ----------------------------------------------------


@dataclass
class Placed:
    customer_id: str
    account_id: str
    quote_id: str
    order_id: str
    contract_id: str


def new_customer(sessions: sessionmaker[Session], *, email: str = "eva@example.com") -> Any:
    """A customer with a verified email and mobile, service consents and one account."""
    with sessions() as db:
        customer, account = contract_factories.customer_and_account(db, language="en", email=email)
        return customer.id, account.id


def place(
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    *items: dict[str, Any],
    email: str = "eva@example.com",
) -> Placed:
    """An order placed through the services, its contract rendered (ready to sign)."""
    with sessions() as db:
        customer, account = contract_factories.customer_and_account(db, language="en", email=email)
        wanted = items or ({"offering": "mobile-10gb"},)
        quote = catalog_service.create_quote(
            db, catalog_factories.quote_create(customer, account, *wanted), actor=SYSTEM
        )
        order = orders_service.place_order(db, quote_id=quote.id, actor=SYSTEM)
        db.commit()
        placed = Placed(customer.id, account.id, quote.id, order.id, order.contract_id or "")
    run_jobs()
    return placed


def sign(sessions: sessionmaker[Session], run_jobs: RunJobs, placed: Placed) -> None:
    """The contract signed with the code the simulator delivered (provisioning not yet run)."""
    with sessions() as db:
        contracts_service.request_signature(db, placed.contract_id, channel="email", actor=SYSTEM)
        db.commit()
    run_jobs()
    with sessions() as db:
        code = contract_factories.last_code(db, placed.customer_id)
        contracts_service.sign(
            db, placed.contract_id, code=code, ip=None, user_agent=None, actor=SYSTEM
        )
        db.commit()


def set_up_billing(sessions: sessionmaker[Session], placed: Placed) -> None:
    with sessions() as db:
        billing = billing_service.create_billing_account(
            db, BillingAccountCreate(account_id=placed.account_id), actor=SYSTEM
        )
        billing_service.add_payment_method(
            db,
            billing.id,
            SepaDirectDebitCreate.model_validate(billing_factories.sepa_body()),
            actor=SYSTEM,
        )
        db.commit()


def active(
    sessions: sessionmaker[Session], run_jobs: RunJobs, *items: dict[str, Any], **kw: Any
) -> Placed:
    """An order signed and provisioned (the simulator answers at once)."""
    placed = place(sessions, run_jobs, *items, **kw)
    sign(sessions, run_jobs, placed)
    run_jobs()
    return placed


def quote_of(response: Response) -> str:
    location = response.headers["location"]
    found = re.search(r"quote=([0-9a-f-]{36})", location)
    assert found, location
    return found.group(1)


# --- tests -------------------------------------------------------------------------------


def _add(client: TestClient, account_id: str, offering: str, **extra: str) -> Response:
    data = {"offering": offering, "account_id": account_id, **ADDRESS, **extra}
    return post_form(client, "/portal/plan/cart", data, via="/portal/plan")


def test_plan_page_lists_the_offerings_with_their_eligibility(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    customer_id, _account = new_customer(sessions)
    sign_in_customer(client, sessions, customer_id)
    page = client.get("/portal/plan", params=ADDRESS)
    assert page.status_code == 200
    assert 'data-offering="mobile-10gb"' in page.text
    assert 'data-offering="fibre-300"' in page.text
    assert "Available at your address" in page.text
    # business-only plans are refused to a residential account
    business = page.text.split('data-offering="mobile-business-unlimited"', 1)[1].split(
        "</section>"
    )[0]
    assert "Not available for this kind of account." in business
    assert "Add to cart" not in business


def test_cart_shows_every_line_and_the_bills_then_the_order_is_placed(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    customer_id, account_id = new_customer(sessions)
    sign_in_customer(client, sessions, customer_id)
    added = _add(client, account_id, "mobile-10gb", sim_type="physical")
    assert added.status_code == 303
    quote_id = quote_of(added)
    page = client.get(f"/portal/plan?quote={quote_id}")
    assert page.status_code == 200
    with sessions() as db:
        quote = catalog_service.get_quote(db, quote_id)
        assert quote.customer_id == customer_id
        assert quote.content["items"][0]["options"]["sim_type"] == "physical"
        first, monthly = quote.first_bill_gross, quote.monthly_gross
    for text in ("Monthly fee", "SIM activation", "First 3 months -50%", "Calls abroad"):
        assert text in page.text
    assert money("398.09", "CZK") in page.text  # the monthly fee with 21 % VAT
    assert money("119.79", "CZK") in page.text  # SIM activation, once
    assert re.search(r"0\.121 per MB", page.text)  # a usage rate keeps its decimals
    assert f'data-amount="first-bill">{money(first, "CZK")}<' in page.text
    assert f'data-amount="monthly-bill">{money(monthly, "CZK")}<' in page.text

    ordered = post_form(client, f"/portal/plan/cart/{quote_id}/order", {}, via="/portal/plan")
    assert ordered.status_code == 303
    with sessions() as db:
        orders, _total = orders_service.search_orders(db, customer_id=customer_id)
        (order,) = orders
        assert (order.quote_id, order.status) == (quote_id, OrderStatus.AWAITING_SIGNATURE)
        assert ordered.headers["location"] == f"/portal/contract/{order.contract_id}"
        assert catalog_service.get_quote(db, quote_id).status == QuoteStatus.ORDERED


def test_switching_a_feature_changes_the_quote(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    customer_id, account_id = new_customer(sessions)
    sign_in_customer(client, sessions, customer_id)
    first = quote_of(_add(client, account_id, "mobile-10gb"))

    def switch(quote_id: str, code: str, on: str) -> str:
        data = {"item": "0", "action": "feature", "code": code, "on": on}
        done = post_form(client, f"/portal/plan/cart/{quote_id}/change", data, via="/portal/plan")
        assert done.status_code == 303, done.text
        return quote_of(done)

    no_roaming = switch(first, "roaming", "0")
    filtered = switch(no_roaming, "content-filter", "1")
    with sessions() as db:

        def features(quote_id: str) -> dict[str, bool]:
            quote = catalog_service.get_quote(db, quote_id)
            return {f["code"]: f["on"] for f in quote.content["items"][0]["features"]}

        assert features(first)["roaming"] is True
        assert features(no_roaming)["roaming"] is False
        assert features(filtered) | {} == {**features(no_roaming), "content-filter": True}
        before = catalog_service.get_quote(db, no_roaming).monthly_gross
        after = catalog_service.get_quote(db, filtered).monthly_gross
    assert after - before == Decimal("35.09")  # 29.00 a month plus 21 % VAT
    page = client.get(f"/portal/plan?quote={filtered}")
    assert 'data-feature="roaming" data-on="false"' in page.text
    assert 'data-feature="content-filter" data-on="true"' in page.text
    # a feature that may not be switched off is refused with the offer's error
    refused = post_form(
        client,
        f"/portal/plan/cart/{filtered}/change",
        {"item": "0", "action": "feature", "code": "emergency-location", "on": "0"},
        via="/portal/plan",
    )
    assert refused.status_code == 422
    assert "This feature cannot be switched for this plan." in refused.text


def test_an_address_error_is_shown_on_its_field(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    customer_id, account_id = new_customer(sessions)
    sign_in_customer(client, sessions, customer_id)
    missing = _add(client, account_id, "mobile-10gb", street="")
    assert missing.status_code == 422
    assert 'id="e-street"' in missing.text
    nowhere = _add(client, account_id, "fibre-300", postcode="999 99")
    assert nowhere.status_code == 422
    assert "Our network does not reach this address yet." in nowhere.text


def test_switching_off_a_feature_of_an_active_product_is_an_order(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    placed = active(sessions, run_jobs)
    sign_in_customer(client, sessions, placed.customer_id)
    page = client.get("/portal/plan")
    assert 'id="products"' in page.text
    with sessions() as db:
        products, _total = orders_service.search_products(
            db, customer_id=placed.customer_id, status=ProductStatus.ACTIVE
        )
        (product,) = products
        assert product.features["roaming"] is True
    switched = post_form(
        client,
        f"/portal/plan/products/{product.id}/features",
        {"feature": "roaming", "on": "0"},
        via="/portal/plan",
    )
    assert switched.status_code == 303
    with sessions() as db:
        orders, _total = orders_service.search_orders(db, customer_id=placed.customer_id)
        modify = [o for o in orders if o.kind == OrderKind.MODIFY]
        assert len(modify) == 1
        assert modify[0].items[0].features == {"roaming": False}
    assert "A change of this service is in progress." in client.get("/portal/plan").text
    run_jobs()
    with sessions() as db:
        assert orders_service.get_product(db, product.id).features["roaming"] is False


@pytest.mark.parametrize(
    ("locale", "amount", "shown"),
    [
        ("en", "0.1210", "CZK\xa00.121"),  # significant decimals kept, the trailing zero not
        ("en", "1.036", "CZK\xa01.036"),  # money() would round it to 1.04
        ("en", "2", "CZK\xa02.00"),  # at least the currency's digits
        ("cs", "0.1210", "0,121\xa0Kč"),
        ("sv", "100.00", "100,00\xa0CZK"),
    ],
)
def test_a_unit_price_shows_every_significant_decimal(locale: str, amount: str, shown: str) -> None:
    assert Formats(locale).unit_price(amount, "CZK") == shown


def _offer_card(html: str, code: str) -> str:
    return html.split(f'<section class="card offering" data-offering="{code}">', 1)[1].split(
        "</section>", 1
    )[0]


def test_a_refused_add_to_cart_keeps_what_was_typed_and_shows_the_error_by_its_field(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    customer_id, account_id = new_customer(sessions)
    sign_in_customer(client, sessions, customer_id)
    refused = _add(client, account_id, "mobile-10gb", sim_type="physical", port_number="12")
    assert refused.status_code == 422
    card = _offer_card(refused.text, "mobile-10gb")
    assert '<option value="physical" selected>' in card
    port = re.search(r'<input id="port-mobile-10gb"[^>]*>', card)
    assert port, card
    assert 'value="12"' in port.group(0)
    assert 'aria-invalid="true"' in port.group(0)
    assert 'aria-describedby="e-port-mobile-10gb"' in port.group(0)
    assert (
        '<p class="field-error" id="e-port-mobile-10gb">'
        "This number cannot be transferred. Check it, with the country code.</p>"
    ) in card
    # the other plans' forms are as they were
    other = _offer_card(refused.text, "mobile-business-unlimited")
    assert "aria-invalid" not in other
    assert " selected" not in other


@pytest.mark.parametrize("path", ["/portal/plan", "cart"])
def test_a_time_limited_discount_says_its_length_once(
    client: TestClient, sessions: sessionmaker[Session], telco: str, path: str
) -> None:
    customer_id, account_id = new_customer(sessions)
    sign_in_customer(client, sessions, customer_id)
    if path == "cart":
        path = f"/portal/plan?quote={quote_of(_add(client, account_id, 'mobile-10gb'))}#cart"
    page = client.get(path, params=ADDRESS)
    assert "First 3 months -50%" in page.text  # the offer's name says how long
    assert "for the first 3 months" not in page.text


def test_a_discount_named_without_its_length_is_told_it_once() -> None:
    assert plan_view.unsaid_months("First 3 months -50%", 3) is None
    assert plan_view.unsaid_months("Intro discount -30%", 3) == 3
    assert plan_view.unsaid_months("Intro 13 % off", 3) == 3
    assert plan_view.unsaid_months("Monthly fee", None) is None


@pytest.mark.parametrize(
    ("language", "one", "three"),
    [
        ("en", "for the first month", "for the first 3 months"),
        ("ja", "最初の1か月間", "最初の3か月間"),
        ("cs", "po první měsíc", "po první 3 měsíce"),
        ("sv", "den första månaden", "de första 3 månaderna"),
        ("ar", "للشهر الأول", "لأول 3 أشهر"),
    ],
)
def test_the_length_of_a_discount_takes_the_plural_form_of_the_language(
    language: str, one: str, three: str
) -> None:
    template = environment().from_string(
        '{% import "portal/plan_breakdown.html" as pb with context %}'
        "{{ pb.terms(item, 'CZK') }}"
        '{{ ngettext("for the first month", "for the first {months} months", n, months=n) }}'
    )
    ngettext = plural_translator(language)
    context = {"_": translator(language), "ngettext": ngettext, "fmt": Formats(language)}
    shown = [
        template.render(**context, n=n, item={"terms": {"minimum_term_months": n}}) for n in (1, 3)
    ]
    assert shown[0].endswith(one)
    assert shown[1].endswith(three)
    term = ngettext("Minimum term: 1 month", "Minimum term: {months} months", 1, months=1)
    assert f"<li>{term}</li>" in shown[0]
