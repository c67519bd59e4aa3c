"""The export of everything held about a customer (GDPR articles 15 and 20)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select

from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repo
from firstmile.eventlog import service as eventlog
from firstmile.kit import settings as settings_module
from firstmile.kit.db import Base, Session
from firstmile.kit.errors import NotFound
from firstmile.kit.schema import import_models
from firstmile.kit.time import utcnow
from firstmile.kyc import events, vault

# Columns never exported: secrets of the platform, not data about the person.
SECRET_COLUMNS = {"token_hash", "code_hash", "secret", "secret_hash"}


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
    tables.update(_related(db, customer_id, tables))
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


def _models_with_customer_id() -> list[Any]:
    import_models()
    found = []
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if "customer_id" in mapper.columns and model.__tablename__ != "customers":
            found.append(model)
    return sorted(found, key=lambda m: m.__tablename__)


def _related(
    db: Session, customer_id: str, tables: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """Rows that hang off the customer's rows without a customer_id of their own."""
    from firstmile.auth.models import WebSession
    from firstmile.auth.sessions import CUSTOMER
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
    sessions = db.scalars(
        select(WebSession).where(WebSession.kind == CUSTOMER, WebSession.subject_id == customer_id)
    ).all()
    if sessions:
        out["web_sessions"] = [_plain_row(r) for r in sessions]
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
