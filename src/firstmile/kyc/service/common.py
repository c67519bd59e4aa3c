"""What the kyc service parts share: the pack's policy, decisions, the audit trail, events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from firstmile.auth.scopes import Actor
from firstmile.eventlog import service as eventlog
from firstmile.kit.db import Session, memo
from firstmile.kit.errors import NotFound
from firstmile.kit.time import utcnow
from firstmile.kyc import events, risk
from firstmile.kyc.models import (
    KycAudit,
    KycDocument,
    KycPolicy,
    Verification,
    VerificationStatus,
)
from firstmile.kyc.pack import KycFile, RiskSettings
from firstmile.packs import loader as packs


def policy(db: Session) -> KycFile:
    code = packs.current_meta(db).code

    def load() -> KycFile:
        row = db.get(KycPolicy, code)
        if row is None:
            return KycFile(risk=RiskSettings(rules={}))
        return KycFile.model_validate(row.content)

    return memo(db, ("kyc_policy", code), load)


def risk_policy(file: KycFile) -> risk.Policy:
    return risk.Policy(
        weights=dict(file.risk.rules),
        review_at=file.risk.review_at,
        reject_at=file.risk.reject_at,
        reject_rules=frozenset(file.risk.reject_rules),
    )


def get_verification(db: Session, verification_id: str, *, lock: bool = False) -> Verification:
    """The verification; `lock`: read again and locked until the transaction ends, for a
    change that depends on its status (two agents deciding at once decide once)."""
    if lock:
        stmt = select(Verification).where(Verification.id == verification_id).with_for_update()
        found = db.scalar(stmt.execution_options(populate_existing=True))
    else:
        found = db.get(Verification, verification_id)
    if found is None:
        raise NotFound("verification", verification_id)
    return found


def documents(db: Session, verification_id: str) -> list[KycDocument]:
    return list(
        db.scalars(
            select(KycDocument)
            .where(KycDocument.verification_id == verification_id)
            .order_by(KycDocument.uploaded_at)
        )
    )


def decide(
    db: Session,
    verification: Verification,
    status: VerificationStatus,
    actor: Actor,
    *,
    by: str,
    note: str | None,
) -> None:
    verification.status = status
    now = utcnow()
    verification.decided_at, verification.decided_by = now, by
    verification.decision_note, verification.updated_at = note, now
    retention = policy(db).retention_days.document_image
    for document in documents(db, verification.id):  # images are kept N days after the decision
        document.purge_after = now + timedelta(days=retention)
    if by != "rules":
        audit(db, verification, actor, str(status), note=note)
    if status == VerificationStatus.APPROVED:
        record(db, events.KYC_APPROVED, verification, actor, by=by, score=verification.score)
    else:
        reasons = sorted({r["rule"] for r in verification.reasons})
        record(db, events.KYC_REJECTED, verification, actor, by=by, reasons=reasons)


def audit(
    db: Session, verification: Verification, actor: Actor, action: str, **detail: Any
) -> None:
    db.add(KycAudit(verification_id=verification.id, actor=actor.ref, action=action, detail=detail))


def record(
    db: Session, event_type: str, verification: Verification, actor: Actor | None, **payload: Any
) -> None:
    eventlog.record(
        db,
        event_type,
        actor=actor.ref if actor is not None else "system:firstmile",
        customer_id=verification.customer_id,
        subject_id=verification.id,
        payload=payload,
    )
