"""The review queue: cases with their evidence, assignment, decisions, all audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from firstmile.auth.scopes import Actor
from firstmile.kit import jobs
from firstmile.kit import settings as settings_module
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, NotFound
from firstmile.kit.time import utcnow
from firstmile.kyc import events, vault
from firstmile.kyc.models import (
    KycAudit,
    KycDocument,
    Verification,
    VerificationStatus,
)
from firstmile.kyc.pack import KycFile
from firstmile.kyc.service.common import audit, decide, get_verification, record


def queue(db: Session, *, assignee: str | None = None, limit: int = 100) -> list[Verification]:
    """Open review cases, the most urgent (earliest SLA) first."""
    stmt = select(Verification).where(Verification.status == VerificationStatus.IN_REVIEW)
    if assignee:
        stmt = stmt.where(Verification.assignee == assignee)
    return list(db.scalars(stmt.order_by(Verification.sla_due_at).limit(limit)))


def queue_size(db: Session) -> int:
    """How many review cases wait for a decision."""
    stmt = select(func.count()).select_from(Verification)
    return db.scalar(stmt.where(Verification.status == VerificationStatus.IN_REVIEW)) or 0


def case(db: Session, verification_id: str, *, actor: Actor) -> Verification:
    """A case with its evidence; the look is recorded."""
    verification = get_verification(db, verification_id)
    audit(db, verification, actor, "viewed")
    return verification


def audit_trail(db: Session, verification_id: str) -> list[KycAudit]:
    return list(
        db.scalars(
            select(KycAudit)
            .where(KycAudit.verification_id == verification_id)
            .order_by(KycAudit.at)
        )
    )


def document_image(db: Session, document_id: str, *, actor: Actor) -> tuple[bytes, str]:
    """The decrypted image, for an authorised agent; the look is recorded."""
    document = db.get(KycDocument, document_id)
    if document is None:
        raise NotFound("document", document_id)
    if document.sealed is None:
        raise Conflict(
            "the image was erased at the end of its retention period", field="document_id"
        )
    verification = get_verification(db, document.verification_id)
    audit(db, verification, actor, "document_viewed", document_id=document.id)
    return vault.open_sealed(
        settings_module.current(), document.id, document.sealed
    ), document.content_type


def assign(db: Session, verification_id: str, assignee: str, *, actor: Actor) -> Verification:
    verification = _in_review(db, verification_id)
    verification.assignee = assignee
    audit(db, verification, actor, "assigned", assignee=assignee)
    record(db, events.KYC_CASE_ASSIGNED, verification, actor, assignee=assignee, by=actor.ref)
    return verification


def approve(db: Session, verification_id: str, *, actor: Actor, note: str) -> Verification:
    verification = _in_review(db, verification_id)
    decide(db, verification, VerificationStatus.APPROVED, actor, by=actor.ref, note=note)
    return verification


def reject(db: Session, verification_id: str, *, actor: Actor, note: str) -> Verification:
    verification = _in_review(db, verification_id)
    decide(db, verification, VerificationStatus.REJECTED, actor, by=actor.ref, note=note)
    return verification


def request_info(db: Session, verification_id: str, *, actor: Actor, note: str) -> Verification:
    """Ask the customer for more (a clearer photo, another document): they submit again."""
    verification = _in_review(db, verification_id)
    verification.status = VerificationStatus.INFO_REQUESTED
    verification.decision_note, verification.updated_at = note, utcnow()
    audit(db, verification, actor, "info_requested", note=note)
    record(db, events.KYC_INFO_REQUESTED, verification, actor, by=actor.ref, note=note)
    return verification


def _in_review(db: Session, verification_id: str) -> Verification:
    verification = get_verification(db, verification_id, lock=True)
    if verification.status != VerificationStatus.IN_REVIEW:
        raise Conflict(
            f"the verification is {verification.status}, not in review", field="verification_id"
        )
    return verification


SLA_JOB = "kyc.review_sla"


def open_review(db: Session, verification: Verification, rules: KycFile, actor: Actor) -> None:
    """A case for an agent, due within the pack's SLA; a job looks again when it is due."""
    verification.status = VerificationStatus.IN_REVIEW
    due = utcnow() + timedelta(hours=rules.review_sla_hours)
    verification.sla_due_at = due
    record(
        db,
        events.KYC_REVIEW_OPENED,
        verification,
        actor,
        score=verification.score,
        reasons=sorted({r["rule"] for r in verification.reasons}),
        sla_due_at=due.isoformat(),
    )
    jobs.enqueue(
        db,
        SLA_JOB,
        {"verification_id": verification.id},
        run_at=due,
        key=f"{SLA_JOB}:{verification.id}:{due.isoformat()}",
    )


def check_sla(db: Session, verification_id: str) -> None:
    """Still undecided when due: record that the case is overdue (supervisors watch it)."""
    verification = get_verification(db, verification_id)
    due = verification.sla_due_at
    if verification.status != VerificationStatus.IN_REVIEW or due is None or due > utcnow():
        return
    hours = round((utcnow() - due).total_seconds() / 3600, 1)
    record(
        db,
        events.KYC_REVIEW_OVERDUE,
        verification,
        None,
        assignee=verification.assignee,
        hours_late=hours,
    )
