"""JSON API of the customers domain: registration, the customer record, contact media,
consents and accounts. Agents and integrations may register and read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from firstmile.customers import service
from firstmile.customers.models import Customer
from firstmile.customers.schemas import (
    AccountRead,
    AccountsCreate,
    AppointmentRegistrationCreate,
    AppointmentRegistrationRead,
    ConsentCreate,
    ConsentRead,
    ContactMediumCreate,
    ContactMediumRead,
    ContactMediumUpdate,
    CustomerPage,
    CustomerRead,
    CustomerSummary,
    CustomerUpdate,
    InPersonVerification,
    RegistrationCreate,
    VerificationConfirm,
    VerificationSent,
)
from firstmile.customers.service import verification
from firstmile.kit.db import Session
from firstmile.kit.http import AgentActor, AnyActor, Db, TxRoute

router = APIRouter(prefix="/api", tags=["customers"], route_class=TxRoute)
MEDIUM = "/customers/{customer_id}/contact-media/{medium_id}"


def _read(db: Session, customer: Customer) -> CustomerRead:
    nested = {
        "accounts": service.accounts_of(db, customer.id),
        "contact_media": service.media_of(db, customer.id),
        "consents": service.current_consents(db, customer.id),
    }
    own = {
        name: getattr(customer, name) for name in CustomerRead.model_fields if name not in nested
    }
    return CustomerRead.model_validate({**own, **nested}, from_attributes=True)


@router.post("/customers", response_model=CustomerRead, status_code=201)
def register_customer(body: RegistrationCreate, db: Db, actor: AnyActor) -> CustomerRead:
    """Register a customer with contacts, preferences, consents and one or more accounts."""
    return _read(db, service.register(db, body, actor=actor))


@router.post(
    "/registrations/appointment", response_model=AppointmentRegistrationRead, status_code=201
)
def register_by_appointment(
    body: AppointmentRegistrationCreate, db: Db, actor: AnyActor
) -> AppointmentRegistrationRead:
    """Register a prospect and book the registration appointment in one transaction."""
    customer, booking_id = service.register_by_appointment(db, body, actor=actor)
    return AppointmentRegistrationRead(customer=_read(db, customer), booking_id=booking_id)


@router.get("/customers", response_model=CustomerPage)
def search_customers(
    db: Db,
    _actor: AnyActor,
    email: Annotated[str | None, Query(min_length=1, max_length=320)] = None,
    phone: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    account_number: Annotated[str | None, Query(min_length=1, max_length=20)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CustomerPage:
    """Find customers by email, international phone number, name or account number."""
    found, total = service.search_customers(
        db,
        email=email,
        phone=phone,
        name=name,
        account_number=account_number,
        offset=offset,
        limit=limit,
    )
    items = [CustomerSummary.model_validate(c) for c in found]
    return CustomerPage(items=items, total=total, offset=offset, limit=limit)


@router.get("/customers/{customer_id}", response_model=CustomerRead)
def read_customer(customer_id: str, db: Db, _actor: AnyActor) -> CustomerRead:
    return _read(db, service.get_customer(db, customer_id))


@router.patch("/customers/{customer_id}", response_model=CustomerRead)
def update_customer(
    customer_id: str, body: CustomerUpdate, db: Db, actor: AnyActor
) -> CustomerRead:
    """Change language, time zone or preferred channels."""
    return _read(db, service.update_customer(db, customer_id, body, actor=actor))


@router.get("/customers/{customer_id}/contact-media", response_model=list[ContactMediumRead])
def list_contact_media(customer_id: str, db: Db, _actor: AnyActor) -> list[ContactMediumRead]:
    return [ContactMediumRead.model_validate(m) for m in service.media_of(db, customer_id)]


@router.post(
    "/customers/{customer_id}/contact-media", response_model=ContactMediumRead, status_code=201
)
def add_contact_medium(
    customer_id: str, body: ContactMediumCreate, db: Db, actor: AnyActor
) -> ContactMediumRead:
    return ContactMediumRead.model_validate(service.add_contact(db, customer_id, body, actor=actor))


@router.patch(MEDIUM, response_model=ContactMediumRead)
def update_contact_medium(
    customer_id: str, medium_id: str, body: ContactMediumUpdate, db: Db, actor: AnyActor
) -> ContactMediumRead:
    """Change a medium; a new value or address has to be verified again."""
    medium = service.update_contact(db, customer_id, medium_id, body, actor=actor)
    return ContactMediumRead.model_validate(medium)


@router.delete(MEDIUM, status_code=204)
def remove_contact_medium(customer_id: str, medium_id: str, db: Db, actor: AnyActor) -> None:
    service.remove_contact(db, customer_id, medium_id, actor=actor)


@router.post(f"{MEDIUM}/verification", response_model=VerificationSent, status_code=202)
def request_verification(
    customer_id: str, medium_id: str, db: Db, actor: AnyActor
) -> VerificationSent:
    """Send a one-time code to the email address (email) or mobile number (SMS)."""
    sent = verification.request_verification(db, customer_id, medium_id, actor=actor)
    return VerificationSent(
        medium_id=sent.medium_id,
        channel=sent.channel,
        message_id=sent.message_id,
        expires_in_seconds=sent.expires_in_seconds,
    )


@router.post(f"{MEDIUM}/verification/confirm", response_model=ContactMediumRead)
def confirm_verification(
    customer_id: str, medium_id: str, body: VerificationConfirm, db: Db, actor: AnyActor
) -> ContactMediumRead:
    medium = verification.confirm_verification(
        db, customer_id, medium_id, code=body.code, actor=actor
    )
    return ContactMediumRead.model_validate(medium)


@router.post(f"{MEDIUM}/verification/in-person", response_model=ContactMediumRead)
def verify_in_person(
    customer_id: str, medium_id: str, body: InPersonVerification, db: Db, actor: AgentActor
) -> ContactMediumRead:
    """An agent marks the medium verified after checking it in person; the reason is kept."""
    medium = verification.verify_in_person(
        db, customer_id, medium_id, reason=body.reason, actor=actor
    )
    return ContactMediumRead.model_validate(medium)


@router.get("/customers/{customer_id}/consents", response_model=list[ConsentRead])
def current_consents(customer_id: str, db: Db, _actor: AnyActor) -> list[ConsentRead]:
    """The current state: the latest change of each (purpose, channel)."""
    return [ConsentRead.model_validate(c) for c in service.current_consents(db, customer_id)]


@router.get("/customers/{customer_id}/consents/history", response_model=list[ConsentRead])
def consent_history(customer_id: str, db: Db, _actor: AnyActor) -> list[ConsentRead]:
    return [ConsentRead.model_validate(c) for c in service.consent_history(db, customer_id)]


@router.post("/customers/{customer_id}/consents", response_model=ConsentRead, status_code=201)
def change_consent(customer_id: str, body: ConsentCreate, db: Db, actor: AnyActor) -> ConsentRead:
    """Grant (`granted: true`) or withdraw (`granted: false`) a consent."""
    return ConsentRead.model_validate(service.change_consent(db, customer_id, body, actor=actor))


@router.get("/customers/{customer_id}/accounts", response_model=list[AccountRead])
def list_accounts(customer_id: str, db: Db, _actor: AnyActor) -> list[AccountRead]:
    return [AccountRead.model_validate(a) for a in service.accounts_of(db, customer_id)]


@router.post("/customers/{customer_id}/accounts", response_model=list[AccountRead], status_code=201)
def open_accounts(
    customer_id: str, body: AccountsCreate, db: Db, actor: AnyActor
) -> list[AccountRead]:
    """Open several accounts at once, residential and business alike."""
    opened = service.open_accounts(db, customer_id, body.accounts, actor=actor)
    return [AccountRead.model_validate(a) for a in opened]


@router.get("/accounts/{account_id}", response_model=AccountRead)
def read_account(account_id: str, db: Db, _actor: AnyActor) -> AccountRead:
    return AccountRead.model_validate(service.get_account(db, account_id))
