"""Data-subject rights (GDPR articles 15, 17 and 20): an export of everything held about a
customer, and erasure with legal holds, both audited in the event log.

The export reads every table that holds a `customer_id` (and the rows hanging off them:
KYC documents and their audit trail, payment methods), so a table added later is exported
without anyone remembering to add it here. Identity document images are decrypted into
the export; other binary data (contract PDFs) is included as base64.

Erasure removes or blanks the personal data that no law requires the operator to keep:
names, birth date, company identifiers, contact media, message texts and addresses, the
inbox, push subscriptions, segment memberships, journey attributes, KYC evidence. What a
law does require stays, and the answer says what and why (legal holds):
- a signed contract, its order, products and billing account (contract and tax law);
- the KYC verification of a customer who signed a contract (anti-money-laundering record
  keeping, typically five years after the relationship ends) — its images are erased
  anyway once their retention period is over;
- the event log (the audit trail; its payloads carry no names, addresses or numbers).
A customer with a live service cannot be erased: the contract is still being performed.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import delete, select, update

from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repo
from firstmile.eventlog import service as eventlog
from firstmile.kit import settings as settings_module
from firstmile.kit.db import Base, Session
from firstmile.kit.errors import Conflict, NotFound
from firstmile.kit.schema import import_models
from firstmile.kit.time import utcnow
from firstmile.kyc import events, vault

ERASED = "erased"
SIGNED_CONTRACT = ("signed", "sealed")
LIVE_PRODUCT = ("active", "pending_activation", "suspended")
# Columns never exported: secrets of the platform, not data about the person.
SECRET_COLUMNS = {"token_hash", "code_hash", "secret"}


def export_subject(db: Session, customer_id: str, *, actor: Actor) -> dict[str, Any]:
    """Every row about the customer, by table, as JSON-ready data."""
    customer = customers_repo.find(db, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    tables: dict[str, list[dict[str, Any]]] = {"customers": [_plain_row(customer)]}
    for model in _models_with_customer_id():
        column = model.__table__.c.customer_id
        rows = db.scalars(select(model).where(column == customer_id)).all()
        if rows:
            tables[str(model.__tablename__)] = [_plain_row(row) for row in rows]
    tables.update(_related(db, tables))
    eventlog.record(
        db,
        events.PRIVACY_EXPORTED,
        actor=actor.ref,
        customer_id=customer_id,
        subject_type="customer",
        subject_id=customer_id,
        payload={"tables": sorted(tables)},
    )
    return {
        "customer_id": customer_id,
        "exported_at": utcnow().isoformat(),
        "tables": tables,
    }


def erase_subject(db: Session, customer_id: str, *, actor: Actor, reason: str) -> dict[str, Any]:
    """Erase what may be erased; returns what was erased and what is held, and why."""
    customer = customers_repo.find_for_update(db, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    from firstmile.contracts.models import Contract
    from firstmile.orders.models import Product

    live = db.scalar(
        select(Product.id).where(
            Product.customer_id == customer_id, Product.status.in_(LIVE_PRODUCT)
        )
    )
    if live is not None:
        raise Conflict(
            "the customer has a live service: terminate it before erasing the data",
            field="customer_id",
        )
    signed = (
        db.scalar(
            select(Contract.id).where(
                Contract.customer_id == customer_id, Contract.status.in_(SIGNED_CONTRACT)
            )
        )
        is not None
    )
    erased = _erase_personal_data(db, customer_id, keep_kyc=signed)
    held = []
    if signed:
        held.append(
            {
                "data": "contracts, orders, products, billing accounts",
                "reason": "signed contract (contract and tax law)",
            }
        )
        held.append(
            {
                "data": "identity verification results",
                "reason": "anti-money-laundering record keeping",
            }
        )
    held.append(
        {"data": "event log", "reason": "audit trail; its payloads hold no personal details"}
    )
    customer.given_name = customer.family_name = None
    customer.legal_name = ERASED if customer.legal_name else None
    customer.birth_date = None
    customer.registration_number = customer.vat_number = None
    customer.status = "closed"  # type: ignore[assignment]
    eventlog.record(
        db,
        events.PRIVACY_ERASED,
        actor=actor.ref,
        customer_id=customer_id,
        subject_type="customer",
        subject_id=customer_id,
        payload={"erased": sorted(erased), "held": [h["data"] for h in held], "reason": reason},
    )
    return {"customer_id": customer_id, "erased": sorted(erased), "held": held}


def _erase_personal_data(db: Session, customer_id: str, *, keep_kyc: bool) -> set[str]:
    from firstmile.customers.models import ContactMedium
    from firstmile.journeys.models import JourneyInstance
    from firstmile.kyc.models import KycDocument, Verification
    from firstmile.messaging.models import InboxItem, Message, PushSubscription
    from firstmile.messaging.segments.models import SegmentMembership

    erased = {"customer profile"}
    db.execute(delete(ContactMedium).where(ContactMedium.customer_id == customer_id))
    erased.add("contact media")
    db.execute(
        update(Message)
        .where(Message.customer_id == customer_id)
        .values(subject="", body_text="", body_html=None, recipient=None, link=None, fallbacks=[])
    )
    erased.add("message texts and addresses")
    for model, label in (
        (InboxItem, "inbox"),
        (PushSubscription, "push subscriptions"),
        (SegmentMembership, "segment memberships"),
    ):
        db.execute(delete(model).where(model.customer_id == customer_id))
        erased.add(label)
    for instance in db.scalars(
        select(JourneyInstance).where(JourneyInstance.customer_id == customer_id)
    ):
        state = dict(instance.state or {})
        state["attributes"], state["trigger"] = {}, {}
        instance.state, instance.due_at = state, None
        if instance.status not in ("completed", "exited", "failed"):
            instance.status, instance.ended_at = "exited", utcnow()
    erased.add("journey data")
    now = utcnow()
    db.execute(
        update(KycDocument)
        .where(KycDocument.customer_id == customer_id, KycDocument.sealed.is_not(None))
        .values(sealed=None, purged_at=now)
    )
    erased.add("identity document images")
    if not keep_kyc:
        db.execute(
            update(Verification)
            .where(Verification.customer_id == customer_id)
            .values(typed={}, document={}, checks=[], document_fingerprint=None)
        )
        erased.add("identity verification details")
    db.expire_all()
    return erased


def _models_with_customer_id() -> list[Any]:
    import_models()
    found = []
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if "customer_id" in mapper.columns and model.__tablename__ != "customers":
            found.append(model)
    return sorted(found, key=lambda m: m.__tablename__)


def _related(
    db: Session, tables: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """Rows that hang off the customer's rows without a customer_id of their own."""
    from firstmile.billing.models import PaymentMethod
    from firstmile.kyc.models import KycAudit

    out: dict[str, list[dict[str, Any]]] = {}
    billing_ids = [row["id"] for row in tables.get("billing_accounts", [])]
    if billing_ids:
        rows = db.scalars(
            select(PaymentMethod).where(PaymentMethod.billing_account_id.in_(billing_ids))
        )
        out["payment_methods"] = [_plain_row(r) for r in rows]
    verification_ids = [row["id"] for row in tables.get("kyc_verifications", [])]
    if verification_ids:
        rows = db.scalars(select(KycAudit).where(KycAudit.verification_id.in_(verification_ids)))
        out["kyc_audit"] = [_plain_row(r) for r in rows]
    return out


def _plain_row(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in row.__mapper__.column_attrs:
        key = attr.key
        if key in SECRET_COLUMNS:
            continue
        value = getattr(row, key)
        if key == "sealed" and value is not None and row.__tablename__ == "kyc_documents":
            value = vault.open_sealed(settings_module.current(), row.id, value)
        out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value
