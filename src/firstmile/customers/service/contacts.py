"""Contact media: validated and normalised, one preferred per kind, verified before use."""

from __future__ import annotations

from typing import Any

from firstmile.auth.scopes import Actor
from firstmile.customers import events
from firstmile.customers import repository as repo
from firstmile.customers.models import Channel, ContactKind, ContactMedium, Customer, PhoneType
from firstmile.customers.schemas import ContactMediumCreate, ContactMediumUpdate, PostalAddress
from firstmile.customers.service import validation
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput, NotFound

SMS_CAPABLE = (PhoneType.MOBILE.value, PhoneType.FIXED_OR_MOBILE.value)
_ADDRESS_FIELDS = ("street", "house_number", "postcode", "city", "region", "country")


def normalised_value(
    kind: ContactKind, value: str | None, *, country: str, field: str
) -> tuple[str, PhoneType | None]:
    """The normalised email or E.164 number (phones read in the customer's country)."""
    if value is None:
        raise InvalidInput(f"an {kind} contact needs a value", field=field)
    if kind == ContactKind.EMAIL:
        return validation.email(value, field=field), None
    return validation.phone(value, region=country, field=field)


def _address_values(address: PostalAddress, *, field: str) -> dict[str, Any]:
    values = address.model_dump()
    values["country"] = validation.country(address.country, field=f"{field}.country")
    return values


def prepare_medium(customer: Customer, data: ContactMediumCreate, *, field: str) -> ContactMedium:
    """A validated, unsaved medium."""
    medium = ContactMedium(
        customer_id=customer.id,
        kind=data.kind,
        label=data.label,
        preferred=data.preferred,
        details=data.details,
    )
    if data.kind == ContactKind.POSTAL:
        if data.value is not None:
            raise InvalidInput("a postal address goes in `address`", field=f"{field}.value")
        if data.address is None:
            raise InvalidInput("a postal contact needs an address", field=f"{field}.address")
        for key, val in _address_values(data.address, field=f"{field}.address").items():
            setattr(medium, key, val)
        return medium
    if data.address is not None:
        raise InvalidInput("only postal contacts have an address", field=f"{field}.address")
    medium.value, medium.phone_type = normalised_value(
        data.kind, data.value, country=customer.country, field=f"{field}.value"
    )
    return medium


def settle_preferred(media: list[ContactMedium], *, field: str) -> None:
    """At most one preferred per kind in a batch; the first of a kind is preferred if none is."""
    chosen: dict[str, int] = {}
    for index, medium in enumerate(media):
        if medium.preferred:
            if medium.kind in chosen:
                raise InvalidInput(
                    f"only one {medium.kind} contact may be preferred",
                    field=f"{field}.{index}.preferred",
                )
            chosen[medium.kind] = index
    for medium in media:
        if medium.kind not in chosen:
            medium.preferred = True
            chosen[medium.kind] = -1


def check_distinct(media: list[ContactMedium], *, field: str) -> None:
    seen: set[tuple[str, str]] = set()
    for index, medium in enumerate(media):
        if medium.value is None:
            continue
        key = (str(medium.kind), medium.value)
        if key in seen:
            raise InvalidInput("this contact is listed twice", field=f"{field}.{index}.value")
        seen.add(key)


def record_added(db: Session, medium: ContactMedium, *, actor: Actor) -> None:
    eventlog_service.record(
        db,
        events.CONTACT_ADDED,
        actor=actor.ref,
        customer_id=medium.customer_id,
        subject_id=medium.id,
        payload={
            "kind": str(medium.kind),
            "phone_type": str(medium.phone_type) if medium.phone_type else None,
            "preferred": medium.preferred,
        },
    )


def _customer(db: Session, customer_id: str) -> Customer:
    customer = repo.find(db, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def get_medium(db: Session, customer_id: str, medium_id: str) -> ContactMedium:
    _customer(db, customer_id)
    medium = repo.find_medium(db, customer_id, medium_id)
    if medium is None:
        raise NotFound("contact medium", medium_id)
    return medium


def media_of(db: Session, customer_id: str) -> list[ContactMedium]:
    _customer(db, customer_id)
    return repo.media_of(db, customer_id)


def _check_not_held(
    existing: list[ContactMedium], kind: str, value: str | None, *, skip: str | None = None
) -> None:
    for other in existing:
        if other.id != skip and other.kind == kind and value and other.value == value:
            raise Conflict(f"the customer already has this {kind} contact")


def add_contact(
    db: Session, customer_id: str, data: ContactMediumCreate, *, actor: Actor
) -> ContactMedium:
    customer = _customer(db, customer_id)
    medium = prepare_medium(customer, data, field="body")
    existing = repo.media_of(db, customer_id)
    _check_not_held(existing, medium.kind, medium.value)
    if not any(other.kind == medium.kind for other in existing):
        medium.preferred = True
    db.add(medium)
    db.flush()
    if medium.preferred:
        repo.clear_preferred(db, customer_id, medium.kind, keep=medium.id)
    record_added(db, medium, actor=actor)
    return medium


def update_contact(
    db: Session, customer_id: str, medium_id: str, data: ContactMediumUpdate, *, actor: Actor
) -> ContactMedium:
    """Change a medium; a new value or address must be verified again."""
    customer = _customer(db, customer_id)
    medium = get_medium(db, customer_id, medium_id)
    changed = _apply_update(db, customer, medium, data)
    if not changed:
        return medium
    db.flush()
    if data.preferred:
        repo.clear_preferred(db, customer_id, medium.kind, keep=medium.id)
    eventlog_service.record(
        db,
        events.CONTACT_UPDATED,
        actor=actor.ref,
        customer_id=customer_id,
        subject_id=medium.id,
        payload={"kind": str(medium.kind), "fields": changed},
    )
    return medium


def _apply_update(
    db: Session, customer: Customer, medium: ContactMedium, data: ContactMediumUpdate
) -> list[str]:
    changed: list[str] = []
    if data.value is not None:
        if medium.kind == ContactKind.POSTAL:
            raise InvalidInput("a postal address goes in `address`", field="value")
        value, phone_type = normalised_value(
            ContactKind(medium.kind), data.value, country=customer.country, field="value"
        )
        if value != medium.value:
            _check_not_held(repo.media_of(db, customer.id), medium.kind, value, skip=medium.id)
            medium.value, medium.phone_type, medium.verified_at = value, phone_type, None
            changed += ["value", "verified_at"]
    if data.address is not None:
        if medium.kind != ContactKind.POSTAL:
            raise InvalidInput("only postal contacts have an address", field="address")
        values = _address_values(data.address, field="address")
        if any(getattr(medium, key) != values[key] for key in _ADDRESS_FIELDS):
            for key, val in values.items():
                setattr(medium, key, val)
            medium.verified_at = None
            changed += ["address", "verified_at"]
    for name in ("label", "preferred", "details"):
        new = getattr(data, name)
        if name in data.model_fields_set and new is not None and new != getattr(medium, name):
            setattr(medium, name, new)
            changed.append(name)
    return changed


def remove_contact(db: Session, customer_id: str, medium_id: str, *, actor: Actor) -> None:
    """Remove a medium; if it was the preferred one, the oldest other of its kind takes over."""
    medium = get_medium(db, customer_id, medium_id)
    kind, was_preferred = medium.kind, medium.preferred
    repo.delete_medium(db, medium)
    if was_preferred:
        successor = next((m for m in repo.media_of(db, customer_id) if m.kind == kind), None)
        if successor is not None:
            successor.preferred = True
            db.flush()
    eventlog_service.record(
        db,
        events.CONTACT_REMOVED,
        actor=actor.ref,
        customer_id=customer_id,
        subject_id=medium_id,
        payload={"kind": str(kind)},
    )


def contact_for(db: Session, customer_id: str, channel: str) -> str | None:
    """The verified address for `channel`: an email, an SMS-capable number for `sms`, any
    phone number for `phone`; None when there is none (or the channel has no address)."""
    if channel == Channel.EMAIL:
        found = repo.verified_media(db, customer_id, ContactKind.EMAIL)
    elif channel == Channel.SMS:
        found = repo.verified_media(db, customer_id, ContactKind.PHONE, SMS_CAPABLE)
    elif channel == Channel.PHONE:
        found = repo.verified_media(db, customer_id, ContactKind.PHONE)
    else:
        return None
    return found[0].value if found else None


def postal_address(db: Session, customer_id: str) -> PostalAddress | None:
    """The customer's preferred postal (service) address."""
    medium = repo.preferred_postal(db, customer_id)
    if medium is None or medium.street is None or medium.postcode is None:
        return None
    return PostalAddress(
        street=medium.street,
        house_number=medium.house_number,
        postcode=medium.postcode,
        city=medium.city or "",
        region=medium.region,
        country=medium.country or "",
    )
