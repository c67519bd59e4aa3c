"""Every query of the contracts domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import undefer

from firstmile.contracts.models import Contract, ContractTemplate, Signature, SignatureRequest
from firstmile.kit.db import Session
from firstmile.kit.time import utcnow


def find(
    db: Session, contract_id: str, *, for_update: bool = False, with_pdfs: bool = False
) -> Contract | None:
    stmt = select(Contract).where(Contract.id == contract_id)
    if with_pdfs:
        stmt = stmt.options(undefer(Contract.unsigned_pdf), undefer(Contract.sealed_pdf))
    if for_update:
        stmt = stmt.with_for_update()
    # populate_existing: a row locked now must not be read from a stale identity map
    return db.scalars(stmt.execution_options(populate_existing=for_update)).first()


def by_order(db: Session, order_id: str, *, for_update: bool = False) -> Contract | None:
    stmt = select(Contract).where(Contract.order_id == order_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.scalars(stmt).first()


def search(
    db: Session, *, order_id: str | None = None, customer_id: str | None = None, limit: int = 100
) -> list[Contract]:
    stmt = select(Contract).order_by(Contract.created_at.desc()).limit(limit)
    if order_id is not None:
        stmt = stmt.where(Contract.order_id == order_id)
    if customer_id is not None:
        stmt = stmt.where(Contract.customer_id == customer_id)
    return list(db.scalars(stmt))


def latest_request(db: Session, contract_id: str) -> SignatureRequest | None:
    return db.scalars(
        select(SignatureRequest)
        .where(SignatureRequest.contract_id == contract_id)
        .order_by(SignatureRequest.created_at.desc())
        .limit(1)
    ).first()


def signature_of(db: Session, contract_id: str) -> Signature | None:
    return db.scalars(select(Signature).where(Signature.contract_id == contract_id)).first()


def template_for(db: Session, pack: str) -> ContractTemplate | None:
    return db.get(ContractTemplate, pack)


def store_template(db: Session, pack: str, content: dict[str, Any]) -> ContractTemplate:
    row = db.get(ContractTemplate, pack)
    if row is None:
        row = ContractTemplate(pack=pack, content=content)
        db.add(row)
    row.content, row.loaded_at = content, utcnow()
    db.flush()
    return row
