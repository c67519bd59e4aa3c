"""A new customer's whole onboarding in a real browser: sign-up, the emailed code, the
identity check, a plan with a router and its price, the contract signed with a code, the
activation that updates by itself, SEPA direct debit, and the tracker at the end; in
English and in Arabic (right to left, Arabic texts and number formats)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.billing.models import PaymentMethod
from firstmile.kyc.models import Verification, VerificationStatus
from firstmile.provisioning.models import Service, ServiceStatus
from tests.browser import flows
from tests.browser.conftest import Watched

pytestmark = pytest.mark.usefixtures("telco")


def _onboard(web: Watched, sessions: sessionmaker[Session], locale: str) -> flows.Journey:
    j = flows.Journey(web, sessions, locale)
    flows.sign_up(j)
    flows.verify_email(j)
    flows.choose_plan(j)
    flows.submit_identity(j)  # the tracker asks for it once the order is placed
    expect(j.page.locator("#kyc-status .badge")).to_have_text(j.t("Verified"))
    with flows.slow_network():
        flows.sign_contract(j)
        flows.see_activation(j)
    flows.set_up_payment(j)
    flows.onboarding_done(j)
    with sessions() as db:
        [check] = db.scalars(select(Verification)).all()
        assert (check.customer_id, check.status) == (j.customer_id, VerificationStatus.APPROVED)
        [service] = db.scalars(select(Service)).all()
        assert (service.offering_code, service.status) == (flows.PLAN, ServiceStatus.ACTIVE)
        [method] = db.scalars(select(PaymentMethod)).all()
        assert method.iban == flows.IBAN
    return j


def test_new_customer_onboarding_in_english(web: Watched, sessions: sessionmaker[Session]) -> None:
    j = _onboard(web, sessions, "en")
    expect(j.page.get_by_role("heading", name="Welcome, Eva Nováková")).to_be_visible()
    expect(j.page.locator("ol.tracker > li").first).to_contain_text("Activation")


def test_new_customer_onboarding_in_arabic(web: Watched, sessions: sessionmaker[Session]) -> None:
    j = _onboard(web, sessions, "ar")
    assert len(j.pages) >= 10  # every one of them was checked to be rtl and lang="ar"
    # texts from the Arabic catalogs, as written there (not through the code under test)
    expect(j.page.locator("nav[aria-label] a[href='/portal/plan']")).to_have_text("الباقة")
    expect(j.page.locator("ol.tracker > li").first).to_contain_text("التفعيل")
    expect(j.page.get_by_role("heading", name="ما الخطوة التالية")).to_be_visible()
    j.web.go("/portal/plan")
    j.arrived("/portal/plan")
    expect(j.page.get_by_role("heading", name="اختر باقتك")).to_be_visible()
    price = j.page.locator(f'section.offering[data-offering="{flows.PLAN}"]').text_content()
    assert "\u200f482.79\xa0CZK" in (price or "")  # Arabic money: RLM, amount, space, CZK
