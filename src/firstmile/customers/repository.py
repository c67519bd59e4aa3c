"""Every query of the customers domain."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update

from firstmile.customers.models import (
    Account,
    Channel,
    Consent,
    ConsentPurpose,
    ContactKind,
    ContactMedium,
    Customer,
)
from firstmile.kit.db import Session, snapshot_in_session

# -- a read snapshot of many customers' contact data (batch work) ---------------------------

_SNAPSHOT = "contact_snapshot"


@dataclass
class _Contacts:
    customer: Customer
    consents: dict[tuple[str, str], Consent] = field(default_factory=dict)  # latest each
    media: list[ContactMedium] = field(default_factory=list)


@contextmanager
def contact_snapshot(db: Session, customer_ids: Iterable[str]) -> Iterator[None]:
    """Within the block, the customers' rows, consents and contact media are read in three
    queries for all of them, instead of a few queries per message sent (journey steps and
    campaign batches send to many customers in one transaction). Any change to a consent or
    a contact medium in the session drops the snapshot, so a read never sees stale data."""
    ids = list(dict.fromkeys(customer_ids))
    snapshot = {
        c.id: _Contacts(c) for c in db.scalars(select(Customer).where(Customer.id.in_(ids)))
    }
    for consent in db.scalars(
        select(Consent).where(Consent.customer_id.in_(ids)).order_by(Consent.version)
    ):
        contacts = snapshot.get(consent.customer_id)
        if contacts is not None:
            contacts.consents[(str(consent.purpose), str(consent.channel))] = consent
    for medium in db.scalars(select(ContactMedium).where(ContactMedium.customer_id.in_(ids))):
        contacts = snapshot.get(medium.customer_id)
        if contacts is not None:
            contacts.media.append(medium)
    with snapshot_in_session(db, _SNAPSHOT, snapshot, dropped_by=(Consent, ContactMedium)):
        yield


def in_snapshot(db: Session, customer_ids: Iterable[str]) -> bool:
    """Whether a contact snapshot of all these customers is open in the session."""
    snapshot: dict[str, _Contacts] | None = db.info.get(_SNAPSHOT)
    return snapshot is not None and all(c in snapshot for c in customer_ids)


def _snapshot_of(db: Session, customer_id: str) -> _Contacts | None:
    snapshot: dict[str, _Contacts] | None = db.info.get(_SNAPSHOT)
    return snapshot.get(customer_id) if snapshot is not None else None


def find(db: Session, customer_id: str) -> Customer | None:
    return db.get(Customer, customer_id)


def find_for_update(db: Session, customer_id: str) -> Customer | None:
    return db.scalar(
        select(Customer)
        .where(Customer.id == customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def accounts_of(db: Session, customer_id: str) -> list[Account]:
    return list(
        db.scalars(
            select(Account).where(Account.customer_id == customer_id).order_by(Account.number)
        )
    )


def find_account(db: Session, account_id: str) -> Account | None:
    return db.get(Account, account_id)


def account_for_update(db: Session, account_id: str) -> Account | None:
    return db.scalar(
        select(Account)
        .where(Account.id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def account_number_taken(db: Session, number: str) -> bool:
    return db.scalar(select(Account.id).where(Account.number == number)) is not None


def media_of(db: Session, customer_id: str) -> list[ContactMedium]:
    return list(
        db.scalars(
            select(ContactMedium)
            .where(ContactMedium.customer_id == customer_id)
            .order_by(ContactMedium.kind, ContactMedium.preferred.desc(), ContactMedium.created_at)
        )
    )


def find_medium(db: Session, customer_id: str, medium_id: str) -> ContactMedium | None:
    medium = db.get(ContactMedium, medium_id)
    return medium if medium is not None and medium.customer_id == customer_id else None


def clear_preferred(db: Session, customer_id: str, kind: ContactKind, *, keep: str) -> None:
    db.info.pop(_SNAPSHOT, None)
    db.execute(
        update(ContactMedium)
        .where(
            ContactMedium.customer_id == customer_id,
            ContactMedium.kind == kind,
            ContactMedium.id != keep,
        )
        .values(preferred=False)
        .execution_options(synchronize_session="fetch")
    )


def delete_medium(db: Session, medium: ContactMedium) -> None:
    db.info.pop(_SNAPSHOT, None)
    db.execute(delete(ContactMedium).where(ContactMedium.id == medium.id))
    db.expunge(medium)


def verified_media(
    db: Session, customer_id: str, kind: ContactKind, phone_types: tuple[str, ...] = ()
) -> list[ContactMedium]:
    """Verified media of a kind, the preferred one first, then the most recently verified."""
    snapshot = _snapshot_of(db, customer_id)
    if snapshot is not None:
        found = [
            m
            for m in snapshot.media
            if m.kind == kind
            and m.verified_at is not None
            and (not phone_types or m.phone_type in phone_types)
        ]
        found.sort(key=lambda m: (m.preferred, m.verified_at), reverse=True)
        return found
    query = select(ContactMedium).where(
        ContactMedium.customer_id == customer_id,
        ContactMedium.kind == kind,
        ContactMedium.verified_at.is_not(None),
    )
    if phone_types:
        query = query.where(ContactMedium.phone_type.in_(phone_types))
    query = query.order_by(ContactMedium.preferred.desc(), ContactMedium.verified_at.desc())
    return list(db.scalars(query))


def verified_email(db: Session, customer_id: str) -> str | None:
    """The customer's preferred verified email address, if any."""
    found = verified_media(db, customer_id, ContactKind.EMAIL)
    return found[0].value if found else None


def preferred_postal(db: Session, customer_id: str) -> ContactMedium | None:
    return db.scalar(
        select(ContactMedium)
        .where(ContactMedium.customer_id == customer_id, ContactMedium.kind == ContactKind.POSTAL)
        .order_by(ContactMedium.preferred.desc(), ContactMedium.created_at)
        .limit(1)
    )


def current_consent(
    db: Session, customer_id: str, purpose: ConsentPurpose | str, channel: Channel | str
) -> Consent | None:
    snapshot = _snapshot_of(db, customer_id)
    if snapshot is not None:
        return snapshot.consents.get((str(purpose), str(channel)))
    return db.scalar(
        select(Consent)
        .where(
            Consent.customer_id == customer_id,
            Consent.purpose == purpose,
            Consent.channel == channel,
        )
        .order_by(Consent.version.desc())
        .limit(1)
    )


def latest_consents(db: Session, customer_ids: Iterable[str]) -> dict[tuple[str, str, str], bool]:
    """(customer, purpose, channel) -> whether the latest change of that consent granted
    it, for these customers, in one query."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    rows = db.execute(
        select(Consent.customer_id, Consent.purpose, Consent.channel, Consent.granted)
        .where(Consent.customer_id.in_(ids))
        .order_by(Consent.version)
    )
    return {(c, str(p), str(ch)): bool(granted) for c, p, ch, granted in rows}  # latest wins


def statuses(db: Session, customer_ids: Iterable[str]) -> dict[str, str]:
    """Each of these customers' status (those that exist), in one query."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    rows = db.execute(select(Customer.id, Customer.status).where(Customer.id.in_(ids)))
    return {customer_id: str(status) for customer_id, status in rows}


def current_consents(db: Session, customer_id: str) -> list[Consent]:
    """The latest row of each (purpose, channel) of the customer."""
    latest = (
        select(Consent.purpose, Consent.channel, func.max(Consent.version).label("version"))
        .where(Consent.customer_id == customer_id)
        .group_by(Consent.purpose, Consent.channel)
        .subquery()
    )
    return list(
        db.scalars(
            select(Consent)
            .join(
                latest,
                (Consent.purpose == latest.c.purpose)
                & (Consent.channel == latest.c.channel)
                & (Consent.version == latest.c.version),
            )
            .where(Consent.customer_id == customer_id)
            .order_by(Consent.purpose, Consent.channel)
        )
    )


def consent_history(db: Session, customer_id: str) -> list[Consent]:
    return list(
        db.scalars(
            select(Consent)
            .where(Consent.customer_id == customer_id)
            .order_by(Consent.recorded_at, Consent.purpose, Consent.channel, Consent.version)
        )
    )


def _search(
    *, email: str | None, phone: str | None, name: str | None, account_number: str | None
) -> Select[Any]:
    query = select(Customer)
    if email is not None or phone is not None:
        media = select(ContactMedium.customer_id)
        if email is not None:
            media = media.where(
                ContactMedium.kind == ContactKind.EMAIL,
                func.lower(ContactMedium.value) == email.lower(),
            )
        if phone is not None:
            media = media.where(
                ContactMedium.kind == ContactKind.PHONE, ContactMedium.value == phone
            )
        query = query.where(Customer.id.in_(media))
    if account_number is not None:
        owners = select(Account.customer_id).where(Account.number == account_number)
        query = query.where(Customer.id.in_(owners))
    if name is not None:
        escaped = name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        full = func.lower(
            func.coalesce(Customer.given_name, "") + " " + func.coalesce(Customer.family_name, "")
        )
        query = query.where(
            or_(
                full.like(pattern, escape="\\"),
                func.lower(Customer.legal_name).like(pattern, escape="\\"),
            )
        )
    return query


def search(
    db: Session,
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    account_number: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Customer], int]:
    query = _search(email=email, phone=phone, name=name, account_number=account_number)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = db.scalars(
        query.order_by(Customer.created_at.desc(), Customer.id).offset(offset).limit(limit)
    )
    return list(page), total


def contact_holders(
    db: Session, kind: ContactKind, value: str
) -> list[tuple[str, datetime | None]]:
    """Customers who have this email address or phone number, each with when they verified
    it there (None: not verified), most recently verified first, then newest first."""
    rows = db.execute(
        select(ContactMedium.customer_id, ContactMedium.verified_at)
        .where(ContactMedium.kind == kind, ContactMedium.value == value)
        .order_by(ContactMedium.verified_at.desc().nulls_last(), ContactMedium.created_at.desc())
    )
    holders: dict[str, datetime | None] = {}
    for customer_id, verified_at in rows:
        holders.setdefault(customer_id, verified_at)
    return list(holders.items())
