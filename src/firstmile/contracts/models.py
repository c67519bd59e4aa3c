"""Contracts, the one-time-code signature requests sent for them, and the signature record.

The PDFs live in the database (not on a local disk) so any worker or web process can serve
them. The unsigned PDF never changes once rendered: its SHA-256 is what the customer signs,
and the operator's PAdES seal is an incremental update appended to exactly those bytes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from firstmile.kit.db import Base, IdMixin, TimestampMixin
from firstmile.kit.time import utcnow


class ContractStatus(StrEnum):
    PREPARING = "preparing"  # the PDF job has not run yet
    READY = "ready"  # the unsigned PDF exists; waiting for the customer's signature
    SIGNED = "signed"  # signed with a one-time code; waiting for the operator's seal
    SEALED = "sealed"  # the operator's PAdES seal is on the signed PDF
    VOID = "void"  # the order was cancelled before signature


class SignatureChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class Contract(IdMixin, TimestampMixin, Base):
    __tablename__ = "contracts"

    # The orders domain had no migration when this table was written: an indexed id, no FK.
    order_id: Mapped[str] = mapped_column(String(36), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(String(36), index=True)
    language: Mapped[str] = mapped_column(String(10))
    status: Mapped[ContractStatus] = mapped_column(String(16), default=ContractStatus.PREPARING)
    # The frozen quote content the order carries; what the PDF prints.
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    unsigned_pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    unsigned_sha256: Mapped[str | None] = mapped_column(String(64))
    sealed_pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    sealed_sha256: Mapped[str | None] = mapped_column(String(64))
    rendered_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    sealed_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))


class SignatureRequest(IdMixin, Base):
    """A one-time code sent for a contract: where it went (masked) and through which message."""

    __tablename__ = "contract_signature_requests"
    __table_args__ = (
        Index("ix_contract_signature_requests_contract", "contract_id", "created_at"),
    )

    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"))
    channel: Mapped[SignatureChannel] = mapped_column(String(16))
    masked_address: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str | None] = mapped_column(String(36))
    expires_at: Mapped[datetime]
    requested_by: Mapped[str] = mapped_column(String(120))
    # a business's contract: the authorised signatory the code went to (kyc.business)
    signatory_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Signature(IdMixin, Base):
    """The simple electronic signature's audit trail: who, when, from where, what was signed."""

    __tablename__ = "contract_signatures"

    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), unique=True)
    customer_id: Mapped[str] = mapped_column(String(36))
    signer_name: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str] = mapped_column(String(120))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[SignatureChannel] = mapped_column(String(16))
    masked_address: Mapped[str] = mapped_column(String(320))
    request_id: Mapped[str] = mapped_column(ForeignKey("contract_signature_requests.id"))
    document_sha256: Mapped[str] = mapped_column(String(64))


class ContractTemplate(Base):
    """The pack's contract template (`contract.yaml`), validated, as loaded with the pack."""

    __tablename__ = "contract_templates"

    pack: Mapped[str] = mapped_column(String(40), primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
