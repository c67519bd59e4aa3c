"""Registration (online form, appointment) and the customer record itself."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from firstmile.appointments import service as appointments_service
from firstmile.auth.scopes import Actor
from firstmile.customers import events
from firstmile.customers import repository as repo
from firstmile.customers.models import (
    Account,
    ConsentSource,
    ContactMedium,
    Customer,
    CustomerKind,
    RegisteredVia,
)
from firstmile.customers.schemas import (
    AppointmentRegistrationCreate,
    ConsentCreate,
    ContactMediumCreate,
    CustomerCreate,
    CustomerUpdate,
    Preferences,
    RegistrationCreate,
)
from firstmile.customers.service import accounts as accounts_service
from firstmile.customers.service import consents as consents_service
from firstmile.customers.service import contacts, validation
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.packs import loader as packs


def _new_customer(data: CustomerCreate, prefs: Preferences, *, via: RegisteredVia) -> Customer:
    cc = validation.country(data.country, field="customer.country")
    customer = Customer(
        kind=data.kind,
        country=cc,
        birth_date=data.birth_date,
        language=validation.locale(prefs.language, field="preferences.language"),
        time_zone=validation.time_zone(prefs.time_zone or "UTC", field="preferences.time_zone"),
        preferred_channels=validation.channels(
            prefs.preferred_channels, field="preferences.preferred_channels"
        ),
        registered_via=via,
    )
    if data.kind == CustomerKind.INDIVIDUAL:
        _fill_individual(customer, data)
    else:
        _fill_organization(customer, data, cc)
    return customer


def _fill_individual(customer: Customer, data: CustomerCreate) -> None:
    for name in ("given_name", "family_name"):
        if getattr(data, name) is None:
            raise InvalidInput("required for an individual", field=f"customer.{name}")
    for name in ("legal_name", "registration_number", "vat_number"):
        if getattr(data, name) is not None:
            raise InvalidInput(
                "only organisations have this; use a business account", field=f"customer.{name}"
            )
    customer.given_name, customer.family_name = data.given_name, data.family_name


def _fill_organization(customer: Customer, data: CustomerCreate, cc: str) -> None:
    if data.legal_name is None:
        raise InvalidInput("required for an organisation", field="customer.legal_name")
    if data.registration_number is None:
        raise InvalidInput("required for an organisation", field="customer.registration_number")
    if data.given_name is not None or data.family_name is not None or data.birth_date:
        raise InvalidInput("only individuals have this", field="customer.given_name")
    customer.legal_name = data.legal_name
    customer.registration_number = validation.registration_number(
        data.registration_number, country_code=cc, field="customer.registration_number"
    )
    if data.vat_number is not None:
        customer.vat_number = validation.vat_number(
            data.vat_number, country_code=cc, field="customer.vat_number"
        )


@dataclass
class _Prepared:
    customer: Customer
    media: list[ContactMedium]
    accounts: list[Account]


def _prepare(
    customer_data: CustomerCreate,
    prefs: Preferences,
    contact_data: list[ContactMediumCreate],
    consents: list[ConsentCreate],
    *,
    via: RegisteredVia,
) -> _Prepared:
    """Everything validated before anything is written: a bad field writes nothing."""
    customer = _new_customer(customer_data, prefs, via=via)
    media = [
        contacts.prepare_medium(customer, item, field=f"contacts.{index}")
        for index, item in enumerate(contact_data)
    ]
    contacts.check_distinct(media, field="contacts")
    contacts.settle_preferred(media, field="contacts")
    consents_service.check_unique(consents, field="consents")
    return _Prepared(customer, media, [])


def _store(
    db: Session, prepared: _Prepared, consents: list[ConsentCreate], *, actor: Actor
) -> None:
    customer = prepared.customer
    db.add(customer)
    db.flush()
    for medium in prepared.media:
        medium.customer_id = customer.id
        db.add(medium)
    for account in prepared.accounts:
        account.customer_id = customer.id
    db.flush()
    accounts_service.insert_accounts(db, prepared.accounts, actor=actor)
    eventlog_service.record(
        db,
        events.CUSTOMER_REGISTERED,
        actor=actor.ref,
        customer_id=customer.id,
        subject_id=customer.id,
        payload=_registered_payload(customer, prepared),
    )
    for medium in prepared.media:
        contacts.record_added(db, medium, actor=actor)
    for consent in consents:
        consents_service.change_consent(db, customer.id, consent, actor=actor)


def _registered_payload(customer: Customer, prepared: _Prepared) -> dict[str, Any]:
    return {
        "kind": str(customer.kind),
        "registered_via": str(customer.registered_via),
        "country": customer.country,
        "language": customer.language,
        "account_ids": [account.id for account in prepared.accounts],
        "contact_media": dict(Counter(str(medium.kind) for medium in prepared.media)),
    }


def _zoned(db: Session, prefs: Preferences) -> Preferences:
    """No time zone given: the operator's (its customers live where it operates), else UTC."""
    if prefs.time_zone is not None or packs.current(db) is None:
        return prefs
    return prefs.model_copy(update={"time_zone": packs.current_meta(db).timezone})


def register(
    db: Session,
    data: RegistrationCreate,
    *,
    actor: Actor,
    via: RegisteredVia = RegisteredVia.ONLINE_FORM,
) -> Customer:
    """One request, one procedure: the customer, contacts, preferences, consents and every
    account (residential and business alike)."""
    if not data.accounts:
        raise InvalidInput("at least one account is required", field="accounts")
    prefs = _zoned(db, data.preferences)
    prepared = _prepare(data.customer, prefs, data.contacts, data.consents, via=via)
    prepared.accounts = accounts_service.prepare_accounts(
        prepared.customer, data.accounts, field="accounts"
    )
    _store(db, prepared, data.consents, actor=actor)
    return prepared.customer


def register_by_appointment(
    db: Session, data: AppointmentRegistrationCreate, *, actor: Actor
) -> tuple[Customer, str]:
    """A prospect (no account yet) and the registration appointment booked for it, together.

    Returns the customer and the booking id. A full slot (Conflict) writes nothing.
    """
    prepared = _prepare(
        data.customer,
        _zoned(db, data.preferences),
        data.contacts,
        data.consents,
        via=RegisteredVia.APPOINTMENT,
    )
    consents = [c.model_copy(update={"source": ConsentSource.APPOINTMENT}) for c in data.consents]
    _store(db, prepared, consents, actor=actor)
    booking = appointments_service.book(
        db,
        slot_id=data.slot_id,
        customer_id=prepared.customer.id,
        purpose="registration",
        actor=actor,
        note=data.note,
    )
    return prepared.customer, booking.id


def get_customer(db: Session, customer_id: str) -> Customer:
    customer = repo.find(db, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def update_customer(
    db: Session, customer_id: str, data: CustomerUpdate, *, actor: Actor
) -> Customer:
    """Change preferences (language, time zone, channels); records the changed field names."""
    customer = get_customer(db, customer_id)
    new: dict[str, Any] = {}
    if data.language is not None:
        new["language"] = validation.locale(data.language, field="language")
    if data.time_zone is not None:
        new["time_zone"] = validation.time_zone(data.time_zone, field="time_zone")
    if data.preferred_channels is not None:
        new["preferred_channels"] = validation.channels(
            data.preferred_channels, field="preferred_channels"
        )
    changed = [name for name, value in new.items() if getattr(customer, name) != value]
    if not changed:
        return customer
    for name in changed:
        setattr(customer, name, new[name])
    db.flush()
    eventlog_service.record(
        db,
        events.CUSTOMER_UPDATED,
        actor=actor.ref,
        customer_id=customer.id,
        subject_id=customer.id,
        payload={"fields": changed},
    )
    return customer


def search_customers(
    db: Session,
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    account_number: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Customer], int]:
    """Agents' search; a phone number must be international (+...), it is compared as E.164."""
    the_phone = None
    if phone is not None:
        the_phone, _type = validation.phone(phone, region="ZZ", field="phone")
    return repo.search(
        db,
        email=email.strip() if email else None,
        phone=the_phone,
        name=name.strip() if name else None,
        account_number=account_number.strip() if account_number else None,
        offset=offset,
        limit=limit,
    )
