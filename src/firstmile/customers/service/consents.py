"""Consents: an append-only history per (purpose, channel) and THE rule on contacting."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from firstmile.auth.scopes import Actor
from firstmile.customers import events
from firstmile.customers import repository as repo
from firstmile.customers.models import Channel, Consent, ConsentPurpose, ConsentSource
from firstmile.customers.schemas import ConsentCreate
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.time import utcnow

_E = TypeVar("_E", bound=StrEnum)


def _enum(kind: type[_E], value: str, field: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInput(f"must be one of {allowed}", field=field) from None


def may_contact(db: Session, customer_id: str, *, purpose: str, channel: str) -> bool:
    """Whether the customer may be contacted for `purpose` on `channel`; every sender asks.

    Marketing needs an explicit consent that is currently granted. Service messages are
    allowed unless the customer withdrew service consent on that channel. The latest change
    of (purpose, channel) wins, so a withdrawal is honoured from the moment it is stored.
    """
    the_purpose = _enum(ConsentPurpose, purpose, "purpose")
    the_channel = _enum(Channel, channel, "channel")
    current = repo.current_consent(db, customer_id, the_purpose, the_channel)
    return _allowed(the_purpose, None if current is None else current.granted)


Ask = tuple[str, str, str]  # customer id, purpose, channel


def may_contact_many(db: Session, asks: Iterable[Ask]) -> dict[Ask, bool]:
    """`may_contact` for many (customer, purpose, channel) at once, from one query (a batch
    of deliveries asks again as each goes)."""
    wanted = list(dict.fromkeys(asks))
    latest = repo.latest_consents(db, {customer_id for customer_id, _, _ in wanted})
    return {
        ask: _allowed(_enum(ConsentPurpose, ask[1], "purpose"), latest.get(ask)) for ask in wanted
    }


def _allowed(purpose: ConsentPurpose, granted: bool | None) -> bool:
    """THE rule: marketing needs a consent granted now; service messages may go unless
    withdrawn (`granted`: the latest change of the consent, None when there is none)."""
    if purpose is ConsentPurpose.MARKETING:
        return granted is True
    return granted is None or granted


def check_unique(consents: list[ConsentCreate], *, field: str) -> None:
    seen: set[tuple[str, str]] = set()
    for index, consent in enumerate(consents):
        pair = (consent.purpose.value, consent.channel.value)
        if pair in seen:
            raise InvalidInput(
                f"{consent.purpose} consent on {consent.channel} is given twice",
                field=f"{field}.{index}",
            )
        seen.add(pair)


def change_consent(
    db: Session,
    customer_id: str,
    data: ConsentCreate,
    *,
    actor: Actor,
    source: ConsentSource | None = None,
) -> Consent:
    """Append a grant or a withdrawal (it becomes the current state at once)."""
    if repo.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    current = repo.current_consent(db, customer_id, data.purpose, data.channel)
    consent = Consent(
        customer_id=customer_id,
        purpose=data.purpose,
        channel=data.channel,
        granted=data.granted,
        version=(current.version + 1) if current is not None else 1,
        source=source or data.source,
        actor=actor.ref,
        recorded_at=utcnow(),
    )
    db.add(consent)
    db.flush()
    eventlog_service.record(
        db,
        events.CONSENT_GRANTED if consent.granted else events.CONSENT_WITHDRAWN,
        actor=actor.ref,
        customer_id=customer_id,
        subject_id=consent.id,
        payload={
            "purpose": str(consent.purpose),
            "channel": str(consent.channel),
            "source": str(consent.source),
        },
    )
    return consent


def current_consents(db: Session, customer_id: str) -> list[Consent]:
    if repo.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    return repo.current_consents(db, customer_id)


def consent_history(db: Session, customer_id: str) -> list[Consent]:
    if repo.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    return repo.consent_history(db, customer_id)
