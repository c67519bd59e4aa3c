"""Opening a contract for an order, rendering its PDF (a job), voiding it, reading it."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from firstmile.auth.scopes import SYSTEM, Actor
from firstmile.contracts import events
from firstmile.contracts import repository as repo
from firstmile.contracts.document import ContractInput, Party, render
from firstmile.contracts.errors import ContractNotReady, ContractStateConflict
from firstmile.contracts.models import Contract, ContractStatus
from firstmile.customers import service as customers_service
from firstmile.customers.models import Customer
from firstmile.eventlog import service as eventlog
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.i18n import DEFAULT_LOCALE, is_supported, language_of
from firstmile.kit.time import utcnow
from firstmile.packs import loader as packs

RENDER_JOB = "contracts.render"


class OrderLike(Protocol):
    """What contracts needs of an order (firstmile.orders.models.Order has it)."""

    @property
    def id(self) -> str: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def snapshot(self) -> dict[str, Any]: ...


def prepare_contract(
    db: Session, order: OrderLike, *, actor: Actor, language: str | None = None
) -> Contract:
    """Open the order's contract and queue its PDF; a second call returns the first contract."""
    existing = repo.by_order(db, order.id)
    if existing is not None:
        return existing
    snapshot = order.snapshot or {}
    for key in ("currency", "start_date", "lines"):
        if key not in snapshot:
            raise InvalidInput(f"the order's snapshot has no {key}", field=f"snapshot.{key}")
    customer = customers_service.get_customer(db, order.customer_id)
    contract = Contract(
        order_id=order.id,
        customer_id=customer.id,
        account_id=order.account_id,
        language=_language(language or snapshot.get("locale"), customer),
        status=ContractStatus.PREPARING,
        content=snapshot,
        created_by=actor.ref,
    )
    db.add(contract)
    db.flush()
    record_event(db, events.CONTRACT_PREPARED, contract, actor, language=contract.language)
    jobs.enqueue(db, RENDER_JOB, {"contract_id": contract.id}, key=f"{RENDER_JOB}:{contract.id}")
    return contract


def _language(requested: str | None, customer: Customer) -> str:
    for candidate in (requested, customer.language, DEFAULT_LOCALE):
        if candidate and is_supported(candidate):
            return language_of(candidate)
    return DEFAULT_LOCALE


def render_input(db: Session, contract_id: str) -> ContractInput | None:
    """What the PDF is made from; None when there is nothing to render (not `preparing`)."""
    contract = repo.find(db, contract_id)
    if contract is None or contract.status != ContractStatus.PREPARING:
        return None
    meta = packs.current_meta(db)
    template = repo.template_for(db, meta.code)
    if template is None:
        raise jobs.PermanentJobError(f"the pack {meta.code} has no contract.yaml")
    return ContractInput(
        contract_number=contract.id,
        order_number=contract.order_id,
        language=contract.language,
        created_at=contract.created_at,
        timezone=meta.timezone,
        cooling_off_days=meta.cooling_off_for(contract.content.get("account_kind")),
        operator=meta.operator,
        customer=_party(db, contract.customer_id),
        snapshot=contract.content,
        template=template.content,
    )


def render_pdf(data: ContractInput) -> bytes:
    """The slow middle: no session, no transaction."""
    return render(data)


def store_render(db: Session, contract_id: str, pdf: bytes) -> None:
    """Keep the rendered PDF: `preparing` -> `ready`. A contract voided (or rendered by
    another worker) while the PDF was being made is left as it is."""
    contract = repo.find(db, contract_id, for_update=True, with_pdfs=True)
    if contract is None or contract.status != ContractStatus.PREPARING:
        return
    contract.unsigned_pdf, contract.unsigned_sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    contract.status, contract.rendered_at = ContractStatus.READY, utcnow()
    db.flush()
    record_event(
        db,
        events.CONTRACT_READY,
        contract,
        SYSTEM,
        document_sha256=contract.unsigned_sha256,
        size_bytes=len(pdf),
    )


def _party(db: Session, customer_id: str) -> Party:
    customer = customers_service.get_customer(db, customer_id)
    address = customers_service.postal_address(db, customer_id)
    line = ""
    if address is not None:
        street = " ".join(p for p in (address.street, address.house_number) if p)
        line = ", ".join(
            p for p in (street, f"{address.postcode} {address.city}", address.country) if p
        )
    contact = " · ".join(
        c
        for c in (customers_service.contact_for(db, customer_id, ch) for ch in ("email", "sms"))
        if c
    )
    return Party(
        name=customer.display_name,
        address=line,
        registration_number=customer.registration_number or "",
        vat_number=customer.vat_number or "",
        contact=contact,
    )


def void_for_order(
    db: Session, order_id: str, *, actor: Actor, reason: str = "order cancelled"
) -> Contract | None:
    """Void the order's unsigned contract; None when the order has none.

    A signed or sealed contract cannot be voided (Conflict): the order is then cancelled
    under the contract's own terms, which stay signed.
    """
    contract = repo.by_order(db, order_id, for_update=True)
    if contract is None or contract.status == ContractStatus.VOID:
        return contract
    if contract.status in (ContractStatus.SIGNED, ContractStatus.SEALED):
        raise ContractStateConflict("the contract is already signed and cannot be voided")
    contract.status, contract.voided_at = ContractStatus.VOID, utcnow()
    contract.void_reason = reason[:2000]
    db.flush()
    record_event(db, events.CONTRACT_VOIDED, contract, actor, reason=contract.void_reason)
    return contract


def void_if_unsigned(db: Session, order_id: str, *, actor: Actor, reason: str) -> None:
    contract = repo.by_order(db, order_id)
    if contract is not None and contract.status in (ContractStatus.PREPARING, ContractStatus.READY):
        void_for_order(db, order_id, actor=actor, reason=reason)


def get_contract(db: Session, contract_id: str) -> Contract:
    contract = repo.find(db, contract_id)
    if contract is None:
        raise NotFound("contract", contract_id)
    return contract


def contracts_for(
    db: Session, *, order_id: str | None = None, customer_id: str | None = None
) -> list[Contract]:
    return repo.search(db, order_id=order_id, customer_id=customer_id)


def document(db: Session, contract_id: str) -> bytes:
    """The sealed PDF once sealed, else the unsigned one; Conflict while it is being made."""
    contract = repo.find(db, contract_id, with_pdfs=True)
    if contract is None:
        raise NotFound("contract", contract_id)
    pdf = contract.sealed_pdf or contract.unsigned_pdf
    if pdf is None:
        raise ContractNotReady("the contract document is still being prepared; retry shortly")
    return pdf


def record_event(
    db: Session, event_type: str, contract: Contract, actor: Actor, **payload: Any
) -> None:
    eventlog.record(
        db,
        event_type,
        actor=actor.ref,
        customer_id=contract.customer_id,
        subject_id=contract.id,
        payload={"order_id": contract.order_id, **payload},
    )
