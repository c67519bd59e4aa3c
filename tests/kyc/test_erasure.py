"""Erasure leaves no personal value behind: a customer with every kind of row that holds one
(contacts, accounts, the persons behind a business, billing details and a mandate, quotes,
an order with its unsigned contract, appointments, help requests, a reviewer's note, a portal
session, a stored API answer), erased through the API, then searched for in the export and
the timeline."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from firstmile.appointments.models import Booking, BookingStatus, Slot
from firstmile.auth import sessions as web_sessions
from firstmile.auth.models import WebSession
from firstmile.auth.scopes import SYSTEM
from firstmile.billing import service as billing_service
from firstmile.billing.models import PaymentMethod
from firstmile.billing.schemas import BillingAccountCreate
from firstmile.care.models import HelpRequest
from firstmile.catalog import service as catalog_service
from firstmile.contracts import service as contracts_service
from firstmile.contracts.models import Contract, ContractStatus
from firstmile.customers.models import Account, Customer
from firstmile.eventlog.models import Event
from firstmile.kit.db import new_id
from firstmile.kit.idempotency import IdempotencyRecord
from firstmile.kit.time import utcnow
from firstmile.kyc import business
from firstmile.kyc import service as kyc_service
from firstmile.kyc.models import Verification, VerificationStatus
from firstmile.kyc.screening.models import ScreenedSubject
from firstmile.orders import service as orders_service
from firstmile.orders.models import Order, OrderStatus
from tests.conftest import RunJobs
from tests.factories import appointments as appointment_factories
from tests.factories import catalog as catalog_factories
from tests.factories import customers as make
from tests.factories.billing import billing_account_body, sepa_body

Headers = dict[str, str]

ADDRESS = {
    "street": "Korunní",
    "house_number": "1234/56",
    "postcode": "120 00",
    "city": "Praha",
    "country": "CZ",
}
OWNER = business.PartyCreate(
    roles=["beneficial_owner", "representative", "signatory"],
    given_name="Jaroslav",
    family_name="Kořínek",
    birth_date=date(1979, 5, 17),
    nationality="CZ",
    ownership_percent=Decimal(60),
    email="jaroslav.korinek@example.com",
    phone="+420 602 123 456",
)
BOOKING_NOTE = "Please ring at Kořínek, second floor"
HELP_NOTE = "My SIM from Korunní street does not work"
REVIEW_NOTE = "Ask Jaroslav Kořínek for a sharper passport photo"
IP, USER_AGENT = "203.0.113.77", "Mozilla/5.0 (erasure test browser)"
# Every value below is personal and must be gone from the export and the timeline.
PERSONAL = [
    "Pekárna Kořínek",  # legal name (customer and account)
    "25123891",  # registration number (also inside the VAT number)
    "Kořínek",  # the person behind the business
    "Jaroslav",
    "1979-05-17",  # their birth date
    "jaroslav.korinek@example.com",
    "+420602123456",
    "firma@example.com",  # contact medium
    "+420601123456",
    "Korunní",  # postal and service address
    "1234/56",
    "120 00",
    "eva@example.com",  # bill email, before and after its change
    "bills@example.com",
    "Eva Nováková",  # mandate holder
    "Jana Svobodová",  # mandate signer
    "CZ6508000000192000145399",  # IBAN
    "GIBACZPX",  # BIC
    BOOKING_NOTE,
    HELP_NOTE,
    REVIEW_NOTE,
    IP,
    USER_AGENT,
]


@dataclass
class Built:
    customer_id: str
    billing_id: str
    contract_id: str


def _build(sessions: sessionmaker[Session], run_jobs: RunJobs) -> Built:
    with sessions() as db:
        company = make.registered(
            db,
            customer=make.organization(
                legal_name="Pekárna Kořínek s.r.o.", registration_number=make.VALID_CZ_ICO
            ),
            contacts=[
                make.email("firma@example.com"),
                make.phone("+420 601 123 456"),
                make.postal(address=ADDRESS),
            ],
            accounts=[
                make.business_account(
                    company={
                        "legal_name": "Pekárna Kořínek s.r.o.",
                        "registration_number": make.VALID_CZ_ICO,
                        "vat_number": make.VALID_CZ_VAT,
                    }
                )
            ],
        )
        account = db.scalars(select(Account).where(Account.customer_id == company.id)).one()
        _kyb_with_a_reviewers_note(db, company.id)
        billing = billing_service.create_billing_account(
            db, BillingAccountCreate(**billing_account_body(account.id)), actor=SYSTEM
        )
        quote = catalog_service.create_quote(
            db,
            catalog_factories.quote_create(company, account, address=dict(ADDRESS)),
            actor=SYSTEM,
        )
        order = orders_service.place_order(db, quote_id=quote.id, actor=SYSTEM)
        calendar = appointment_factories.calendar(db)
        slot = appointment_factories.slot(db, calendar)
        appointment_factories.booking(db, slot, customer_row=company, note=BOOKING_NOTE)
        db.add(
            HelpRequest(
                customer_id=company.id,
                tutorial_code="sim-setup",
                step=1,
                service_status="ordered",
                note=HELP_NOTE,
                context={},
                created_at=utcnow(),
            )
        )
        web_sessions.start(
            db, kind=web_sessions.CUSTOMER, subject_id=company.id, ip=IP, user_agent=USER_AGENT
        )
        _events_recorded_before_payloads_were_cleaned(db, company.id, billing.id)
        db.commit()
        built = Built(company.id, billing.id, "")
        order_id = order.id
    run_jobs()  # renders the contract's PDF: the customer's name and address in it
    with sessions() as db:
        (contract,) = contracts_service.contracts_for(db, order_id=order_id)
        assert contract.status == ContractStatus.READY
        built.contract_id = contract.id
    return built


def _events_recorded_before_payloads_were_cleaned(
    db: Session, customer_id: str, billing_id: str
) -> None:
    """Version 1 of these events carried the bill email and the mandate signer's name."""
    legacy = {
        "billing_account.updated": {
            "changes": {"bill_email": {"from": "eva@example.com", "to": "bills@example.com"}}
        },
        "mandate.signed": {"signed_on": "2026-01-10", "signed_by": "Jana Svobodová"},
    }
    for event_type, payload in legacy.items():
        db.add(
            Event(
                id=new_id(),
                type=event_type,
                version=1,
                customer_id=customer_id,
                subject_type="billing_account",
                subject_id=billing_id,
                payload=payload,
                actor="system:firstmile",
                source="firstmile",
                occurred_at=utcnow(),
                recorded_at=utcnow(),
            )
        )


def _kyb_with_a_reviewers_note(db: Session, customer_id: str) -> None:
    business.add_party(db, customer_id, OWNER, actor=SYSTEM)
    verification = business.verify(db, customer_id, actor=SYSTEM)
    db.execute(
        update(Verification)
        .where(Verification.id == verification.id)
        .values(status=VerificationStatus.IN_REVIEW)
    )
    db.expire_all()
    kyc_service.request_info(db, verification.id, actor=SYSTEM, note=REVIEW_NOTE)


def _billing_changes_over_the_api(client: TestClient, admin: Headers, built: Built) -> None:
    base = f"/api/billing-accounts/{built.billing_id}"
    changed = client.patch(base, json={"bill_email": "bills@example.com"}, headers=admin)
    assert changed.status_code == 200, changed.text
    added = client.post(
        f"{base}/payment-methods",
        json=sepa_body(mandate_signed_by="Jana Svobodová"),
        headers=admin | {"Idempotency-Key": "mandate-1"},
    )
    assert added.status_code == 201, added.text
    assert added.json()["holder_name"] == "Eva Nováková"  # the stored answer holds it too


def _leftovers(text: str) -> list[str]:
    return [value for value in PERSONAL if value in text]


def test_erasure_leaves_no_personal_value_in_the_export_or_the_timeline(
    sessions: sessionmaker[Session],
    telco: str,
    run_jobs: RunJobs,
    client: TestClient,
    admin: Headers,
) -> None:
    built = _build(sessions, run_jobs)
    _billing_changes_over_the_api(client, admin, built)
    path = f"/api/customers/{built.customer_id}"
    before = client.get(f"{path}/personal-data", headers=admin).json()
    timeline = client.get(f"{path}/timeline", params={"limit": 500}, headers=admin).json()
    leaked = _leftovers(json.dumps([before, timeline], ensure_ascii=False))
    missing = set(PERSONAL) - set(leaked)
    assert not missing, f"the test data does not reach the export or timeline: {missing}"
    assert "Eva Nováková" in _stored_answers(sessions)

    erased = client.post(f"{path}/erasure", json={"reason": "ticket 9"}, headers=admin)
    assert erased.status_code == 200, erased.text
    assert [h["data"] for h in erased.json()["held"]] == ["event log"]

    export = client.get(f"{path}/personal-data", headers=admin).json()
    timeline = client.get(f"{path}/timeline", params={"limit": 500}, headers=admin).json()
    assert _leftovers(json.dumps(export, ensure_ascii=False)) == []
    assert _leftovers(json.dumps(timeline, ensure_ascii=False)) == []
    _nothing_left_outside_the_export(sessions, built)


def _stored_answers(sessions: sessionmaker[Session]) -> str:
    with sessions() as db:
        return b"".join(db.scalars(select(IdempotencyRecord.body))).decode()


def _nothing_left_outside_the_export(sessions: sessionmaker[Session], built: Built) -> None:
    """Rows the export cannot show in plain text: the PDF, stored answers, web sessions."""
    assert _leftovers(_stored_answers(sessions)) == []
    with sessions() as db:
        # the appointment to come is cancelled, its place free for someone else
        [booking] = db.scalars(select(Booking).where(Booking.customer_id == built.customer_id))
        assert booking.status == BookingStatus.CANCELLED
        slot = db.get(Slot, booking.slot_id)
        assert slot is not None
        assert slot.booked == 0
        contract = db.get(Contract, built.contract_id)
        assert contract is not None
        db.refresh(contract, ["unsigned_pdf"])
        assert contract.unsigned_pdf is None
        assert contract.status == ContractStatus.VOID  # it can no longer be signed
        order = db.get(Order, contract.order_id)
        assert order is not None
        assert order.status == OrderStatus.CANCELLED  # nothing would ever complete it
        assert (
            db.scalars(select(WebSession).where(WebSession.subject_id == built.customer_id)).all()
            == []
        )


def test_a_signed_contract_holds_its_billing_details_and_the_answer_says_so(
    sessions: sessionmaker[Session],
    telco: str,
    run_jobs: RunJobs,
    client: TestClient,
    admin: Headers,
) -> None:
    built = _build(sessions, run_jobs)
    _billing_changes_over_the_api(client, admin, built)
    with sessions() as db:
        db.execute(update(Contract).where(Contract.id == built.contract_id).values(status="signed"))
        db.commit()
        assert db.scalars(select(ScreenedSubject)).all()  # screened at registration
    path = f"/api/customers/{built.customer_id}"
    erased = client.post(f"{path}/erasure", json={"reason": "ticket 10"}, headers=admin)
    assert erased.status_code == 200, erased.text
    held = " / ".join(h["data"] for h in erased.json()["held"])
    assert "payment methods" in held
    assert "billing accounts" in held
    assert "persons behind the business" in held
    with sessions() as db:
        [method] = db.scalars(select(PaymentMethod)).all()
        assert (method.holder_name, method.iban) == ("Eva Nováková", "CZ6508000000192000145399")
        account = db.scalars(select(Account).where(Account.customer_id == built.customer_id)).one()
        assert account.vat_number == make.VALID_CZ_VAT  # the invoices need it
        customer = db.get(Customer, built.customer_id)
        assert customer is not None
        assert customer.status == "closed"
        # a closed customer is not screened again at the next list load
        assert db.scalars(select(ScreenedSubject)).all() == []
    export = client.get(f"{path}/personal-data", headers=admin).json()
    timeline = client.get(f"{path}/timeline", params={"limit": 500}, headers=admin).json()
    text = json.dumps([export["tables"].get("events"), timeline], ensure_ascii=False)
    for value in ("eva@example.com", "bills@example.com", "Jana Svobodová", REVIEW_NOTE):
        assert value not in text  # the event log keeps no personal value, held or not
    assert "firma@example.com" not in json.dumps(export, ensure_ascii=False)
