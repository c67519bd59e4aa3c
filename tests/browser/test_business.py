"""A company opens two business accounts with one sign-up form, and is checked once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.customers.models import Account, Customer
from firstmile.kyc.models import Verification, VerificationStatus
from tests.browser import flows
from tests.browser.conftest import Watched
from tests.factories.customers import VALID_CZ_ICO, VALID_CZ_VAT

pytestmark = pytest.mark.usefixtures("telco")
BAKERY = {
    "legal_name": "Pekárna Novák s.r.o.",
    "registration_number": VALID_CZ_ICO,
    "vat_number": VALID_CZ_VAT,
}
CAFE = {
    "legal_name": "Kavárna Nová s.r.o.",
    "registration_number": "27082440",
    "vat_number": "CZ27082440",
}


def _accounts(sessions: sessionmaker[Session], customer_id: str) -> list[Account]:
    with sessions() as db:
        query = select(Account).where(Account.customer_id == customer_id)
        return list(db.scalars(query.order_by(Account.legal_name)))


def test_business_customer_opens_two_accounts(
    web: Watched, sessions: sessionmaker[Session]
) -> None:
    j = flows.Journey(web, sessions, "en")
    flows.sign_up_company(j, [BAKERY, CAFE])
    with sessions() as db:
        customer = db.get_one(Customer, j.customer_id)
        assert (customer.kind, customer.legal_name) == ("organization", BAKERY["legal_name"])
    accounts = _accounts(sessions, j.customer_id)
    assert [(a.kind, a.legal_name, a.vat_number) for a in accounts] == [
        ("business", CAFE["legal_name"], CAFE["vat_number"]),
        ("business", BAKERY["legal_name"], BAKERY["vat_number"]),
    ]

    # both accounts are offered wherever the portal asks for one
    for path in ("/portal/plan", "/portal/payment"):
        j.web.go(path)
        j.arrived(path)
        options = j.page.get_by_role("combobox", name="Account").locator("option")
        expect(options).to_have_count(2)
        for account in accounts:
            expect(options.filter(has_text=account.number)).to_have_count(1)

    # one business check for the company, whatever the number of accounts
    j.web.go("/portal/identity")
    j.arrived("/portal/identity")
    expect(j.heading("Your business check")).to_be_visible()
    people = j.page.get_by_role("table")
    expect(people.get_by_role("row").filter(has_text="Eva Nováková")).to_contain_text(
        "Representative, Signatory"
    )
    j.page.get_by_role("checkbox", name="owns or controls 25 % or more").check()
    j.page.get_by_role("textbox", name="Given name").fill("Petr")
    j.page.get_by_role("textbox", name="Family name").fill("Novák")
    j.label("Date of birth").fill("1970-05-06")
    j.page.get_by_role("combobox", name="Nationality").select_option("CZ")
    j.page.get_by_role("textbox", name="Share of the company, in %").fill("100")
    j.button("Add this person").click()
    j.arrived("/portal/identity")
    expect(people.get_by_role("row").filter(has_text="Petr Novák")).to_contain_text("100%")
    j.button("Check my business").click()
    j.arrived("/portal/identity")
    expect(j.page.locator("#kyc-status .badge")).to_have_text("Verified")
    expect(j.button("Check my business")).to_have_count(0)  # nothing more to ask for
    with sessions() as db:
        checks = list(db.scalars(select(Verification)))
    assert [(v.customer_id, v.status) for v in checks] == [
        (j.customer_id, VerificationStatus.APPROVED)
    ]
    assert checks[0].typed["business"] == {"legal_name": BAKERY["legal_name"], "parties": 2}
