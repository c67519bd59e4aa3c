"""Personal data other records copied: snapshots of quotes, orders and contracts, notes,
portal sessions, stored API answers, event payloads."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import ColumnElement, LargeBinary, delete, func, literal, or_, select, update

from firstmile.kit.db import Session
from firstmile.kit.time import utcnow
from firstmile.kyc.privacy.holds import ERASED, Holds

UNSIGNED_CONTRACT = ("preparing", "ready")
# Item options of quotes, orders and contracts that identify the person: a number to port,
# a metering point. (The snapshots' `service_address` goes whole.)
PERSONAL_OPTIONS = ("port_number", "supply_point")
# Event payload fields that held a personal value in an earlier version of their event, or
# hold text a person wrote about the customer. "a.b" is the key b inside the key a.
EVENT_PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "billing_account.updated": ("changes.bill_email",),  # v1: the old and new address
    "mandate.signed": ("signed_by",),  # v1: the signer's name
    "kyc.info_requested": ("note",),
    "contact.verified": ("reason",),
    "crm.contact_logged": ("reason",),
    "appointment.cancelled": ("reason",),
    "order.cancelled": ("reason",),
    "contract.voided": ("reason",),  # the order's cancellation reason
    "product.terminated": ("reason",),
    "journey.exited": ("reason",),
    "journey.moved": ("reason",),
    "fallout.resolved": ("note",),
}


def erase_orders(db: Session, customer_id: str, holds: Holds) -> set[str]:
    """Service addresses of every quote and of unsigned orders; unsigned contracts are
    voided (they can no longer be signed) and lose their documents."""
    from firstmile.catalog.models import Quote
    from firstmile.contracts.models import Contract, SignatureRequest
    from firstmile.orders.models import Order, OrderItem

    for quote in db.scalars(select(Quote).where(Quote.customer_id == customer_id)):
        quote.content = _scrubbed(quote.content)
    orders = select(Order.id).where(
        Order.customer_id == customer_id, Order.id.not_in(sorted(holds.orders))
    )
    for order in db.scalars(select(Order).where(Order.id.in_(orders))):
        order.snapshot, order.cancellation_reason = _scrubbed(order.snapshot), None
    for item in db.scalars(select(OrderItem).where(OrderItem.order_id.in_(orders))):
        item.options = _without_personal_options(item.options)
    unheld = (Contract.customer_id == customer_id, Contract.id.not_in(sorted(holds.contracts)))
    db.execute(
        update(Contract)
        .where(*unheld, Contract.void_reason.is_not(None))
        .values(void_reason=ERASED)
    )
    db.execute(
        update(Contract)
        .where(*unheld, Contract.status.in_(UNSIGNED_CONTRACT))
        .values(status="void", voided_at=utcnow(), void_reason="personal data erased")
    )
    db.execute(update(Contract).where(*unheld).values(unsigned_pdf=None))
    for contract in db.scalars(select(Contract).where(*unheld)):
        contract.content = _scrubbed(contract.content)
    requests = SignatureRequest.contract_id.in_(select(Contract.id).where(*unheld))
    db.execute(update(SignatureRequest).where(requests).values(masked_address=ERASED))
    return {"service addresses in quotes and orders", "unsigned contracts"}


def _scrubbed(snapshot: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(snapshot)
    if out.get("service_address"):
        out["service_address"] = {}
    for item in out.get("items") or []:
        if isinstance(item, dict) and isinstance(item.get("options"), dict):
            item["options"] = _without_personal_options(item["options"])
    return out


def _without_personal_options(options: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in (options or {}).items() if key not in PERSONAL_OPTIONS}


def erase_notes(db: Session, customer_id: str) -> set[str]:
    from firstmile.appointments.models import Booking
    from firstmile.care.models import HelpRequest

    db.execute(
        update(Booking)
        .where(Booking.customer_id == customer_id)
        .values(note=None, cancel_reason=None)
    )
    db.execute(
        update(HelpRequest)
        .where(HelpRequest.customer_id == customer_id)
        .values(note="", resolution=None)
    )
    return {"appointment and help request notes"}


def ids_in_answers(db: Session, customer_id: str) -> set[str]:
    """Ids an API answer about the customer's personal data names (one of them at least)."""
    from firstmile.billing.models import BillingAccount, PaymentMethod
    from firstmile.customers.models import Account, ContactMedium
    from firstmile.kyc.models import BusinessParty

    ids = {customer_id}
    for model in (Account, ContactMedium, BillingAccount, BusinessParty):
        ids |= set(db.scalars(select(model.id).where(model.customer_id == customer_id)))
    billing = select(BillingAccount.id).where(BillingAccount.customer_id == customer_id)
    ids |= set(
        db.scalars(select(PaymentMethod.id).where(PaymentMethod.billing_account_id.in_(billing)))
    )
    return ids


def erase_traces(db: Session, customer_id: str, ids: set[str]) -> set[str]:
    """Portal sessions (with their IP address and browser) and the stored answers that
    replay an idempotent request: copies of the rows, with the names in them."""
    from firstmile.auth.models import WebSession
    from firstmile.auth.sessions import CUSTOMER
    from firstmile.kit.idempotency import IdempotencyRecord

    db.execute(
        delete(WebSession).where(WebSession.kind == CUSTOMER, WebSession.subject_id == customer_id)
    )
    dialect = db.get_bind().dialect.name
    mentions = [_bytes_contain(dialect, IdempotencyRecord.body, i) for i in sorted(ids)]
    db.execute(
        delete(IdempotencyRecord).where(or_(*mentions)),
        execution_options={"synchronize_session": False},
    )
    return {"portal sessions", "stored answers of idempotent requests"}


def _bytes_contain(dialect: str, column: Any, text: str) -> ColumnElement[bool]:
    needle = literal(text.encode(), LargeBinary)
    if dialect == "postgresql":
        return func.position(needle.op("IN")(column)) > 0
    return func.instr(column, needle) > 0


def erase_event_fields(db: Session, customer_id: str) -> set[str]:
    from firstmile.eventlog.models import Event

    found = db.execute(
        select(Event.seq, Event.type, Event.payload).where(
            Event.customer_id == customer_id, Event.type.in_(list(EVENT_PERSONAL_FIELDS))
        )
    ).all()
    for seq, event_type, payload in found:
        blanked = _blanked(payload or {}, EVENT_PERSONAL_FIELDS[event_type])
        if blanked != payload:
            db.execute(update(Event).where(Event.seq == seq).values(payload=blanked))
    return {"personal values and notes in event payloads"}


def _blanked(payload: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    for path in paths:
        *parents, key = path.split(".")
        node: Any = out
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get(key) is not None:
            node[key] = ERASED
    return out
