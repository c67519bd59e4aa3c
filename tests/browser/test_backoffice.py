"""An agent signs in to the back office (password, then the authenticator's code), reviews
an identity check the rules sent to review, and approves it; the customer sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth import staff as staff_service
from firstmile.auth.models import StaffUser
from firstmile.kyc.models import Verification, VerificationStatus
from tests.browser import flows
from tests.browser.conftest import Watched
from tests.factories.web import make_staff

pytestmark = pytest.mark.usefixtures("telco")


def _check(sessions: sessionmaker[Session], customer_id: str) -> Verification:
    with sessions() as db:
        query = select(Verification).where(Verification.customer_id == customer_id)
        return db.scalars(query).one()


def _staff_sign_in(web: Watched, sessions: sessionmaker[Session]) -> str:
    """An agent signs in with password and TOTP code; their user id."""
    made = make_staff(sessions, role="agent", email="agent@example.com")
    web.go("/backoffice/kyc")
    page = web.page
    page.wait_for_url(re.compile(r".*/backoffice/login\?next=/backoffice/kyc$"))
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_role("textbox", name="Email address").fill("agent@example.com")
    page.get_by_label("Password").fill(made.password)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Second factor")).to_be_visible()
    with sessions() as db:
        code = staff_service.current_code(db.get_one(StaffUser, made.user.id))
    page.get_by_role("textbox", name="Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/backoffice/kyc")
    return made.user.id


def test_agent_approves_a_kyc_review(web: Watched, sessions: sessionmaker[Session]) -> None:
    customer = flows.Journey(web, sessions, "en")
    flows.sign_up(customer)
    # the surname typed differs from the passport's zone: the rules send it to review
    flows.submit_identity(customer, surname="Novak", url="/portal/identity")
    status = web.page.locator("#kyc-status")
    expect(status.locator(".badge")).to_have_text("Under review")
    expect(status).to_have_attribute("hx-trigger", "every 10s")  # it updates by itself
    case = _check(sessions, customer.customer_id)
    assert case.status == VerificationStatus.IN_REVIEW

    agent_id = _staff_sign_in(web, sessions)
    page = web.page
    expect(page.get_by_role("heading", name="Identity reviews")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Eva Nováková")
    expect(row).to_contain_text("Typed details differ from the document")
    row.get_by_role("link", name="Review").click()
    page.wait_for_url(f"**/backoffice/kyc/{case.id}")
    expect(page.get_by_role("heading", name="Identity review: Eva Nováková")).to_be_visible()
    surname = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Surname"))
    expect(surname.get_by_role("cell")).to_have_text(["Novak", "NOVAKOVA"])  # typed, read
    image = page.get_by_role("img", name="Image of the identity document")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 160  # decrypted, shown
    decision = page.get_by_role("region", name="Decision")
    decision.get_by_label("Note (optional)").fill("The surname was typed without its ending.")
    decision.get_by_role("button", name="Approve the identity").click()
    page.wait_for_url(re.compile(r".*/backoffice/kyc\?done=approved$"))
    expect(page.get_by_role("alert")).to_contain_text("The case was approved.")
    expect(page.get_by_text("No case is waiting for a review.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Eva Nováková")).to_have_count(0)
    decided = _check(sessions, customer.customer_id)
    assert decided.status == VerificationStatus.APPROVED
    assert decided.decided_by == f"staff:{agent_id}"

    web.go("/portal/identity")
    customer.arrived("/portal/identity")
    expect(status.locator(".badge")).to_have_text("Verified")
    expect(status).to_contain_text("Thank you: the check is done. There is nothing more to do.")
    expect(status).not_to_have_attribute("hx-trigger", "every 10s")
