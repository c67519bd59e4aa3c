"""Identity verifications, the evidence they hold (documents encrypted at rest), review
cases and the audit trail of every look at them and every decision."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin
from firstmile.kit.time import utcnow


class VerificationStatus(StrEnum):
    AWAITING_DOCUMENTS = "awaiting_documents"  # started; the customer has not submitted yet
    INFO_REQUESTED = "info_requested"  # a reviewer asked for more; the customer re-submits
    IN_REVIEW = "in_review"  # the risk decision was "review": a case waits for an agent
    APPROVED = "approved"
    REJECTED = "rejected"


OPEN_STATUSES = (
    VerificationStatus.AWAITING_DOCUMENTS,
    VerificationStatus.INFO_REQUESTED,
    VerificationStatus.IN_REVIEW,
)


class Verification(IdMixin, Base):
    """One identity verification of a customer (a person; `business` for KYB)."""

    __tablename__ = "kyc_verifications"
    __table_args__ = (
        Index("ix_kyc_verifications_customer", "customer_id", "created_at"),
        Index("ix_kyc_verifications_queue", "status", "sla_due_at"),
        Index("ix_kyc_verifications_document", "document_fingerprint"),
    )

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[VerificationStatus] = mapped_column(String(24))
    typed: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what the customer typed
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)  # parsed MRZ fields
    checks: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list
    )  # every check's verdict
    # A keyed hash of issuing state + document number: the same document used by several
    # customers is found without storing the number in a searchable form.
    document_fingerprint: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[int | None]
    outcome: Mapped[str | None] = mapped_column(String(16))  # approve, review, reject
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    submissions: Mapped[int] = mapped_column(default=0)
    assignee: Mapped[str | None] = mapped_column(String(120))
    sla_due_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_note: Mapped[str | None] = mapped_column(Text)
    details_purged_at: Mapped[datetime | None]  # retention over: only the verdict is left
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class KycDocument(IdMixin, Base):
    """An uploaded image of an identity document, encrypted (AES-256-GCM) at rest."""

    __tablename__ = "kyc_documents"
    __table_args__ = (Index("ix_kyc_documents_verification", "verification_id"),)

    verification_id: Mapped[str] = mapped_column(ForeignKey("kyc_verifications.id"))
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # document_front, document_back, selfie
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))  # of the plain image, for integrity
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # nonce + ciphertext; None: purged
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    purge_after: Mapped[datetime]
    purged_at: Mapped[datetime | None]


class KycAudit(IdMixin, Base):
    """Who looked at or decided what, when: every view of a case or a document, every
    assignment and decision."""

    __tablename__ = "kyc_audit"
    __table_args__ = (Index("ix_kyc_audit_verification", "verification_id", "at"),)

    verification_id: Mapped[str] = mapped_column(ForeignKey("kyc_verifications.id"))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class KycPolicy(Base):
    """The pack's kyc.yaml: risk weights and thresholds, retention, the review SLA."""

    __tablename__ = "kyc_policies"

    pack: Mapped[str] = mapped_column(String(40), primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartyRole(StrEnum):
    REPRESENTATIVE = "representative"  # acts for the business (a director, a proxy)
    BENEFICIAL_OWNER = "beneficial_owner"  # owns or controls it (25 % or more, as a rule)
    SIGNATORY = "signatory"  # may sign the business's contracts


class BusinessParty(IdMixin, Base):
    """A person behind a business customer: representative, ultimate beneficial owner,
    authorised signatory (one person may hold several roles)."""

    __tablename__ = "kyb_parties"
    __table_args__ = (Index("ix_kyb_parties_customer", "customer_id"),)

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    roles: Mapped[list[str]] = mapped_column(JSON)
    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date | None]
    nationality: Mapped[str | None] = mapped_column(String(2))
    ownership_percent: Mapped[Decimal | None]
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    screening: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    removed_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
