"""Retention: document images and verification details erased when their time is over."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from firstmile.kit.db import Session
from firstmile.kit.time import utcnow
from firstmile.kyc import events
from firstmile.kyc.models import (
    KycDocument,
    Verification,
)
from firstmile.kyc.service.common import get_verification, policy, record


def purge_details(db: Session, *, now: datetime | None = None, limit: int = 500) -> int:
    """Blank what a decided verification holds about the person (typed details, document
    fields, checks, the reasons' texts) once its retention period is over; the verdict,
    score and the rules that fired stay."""
    moment = now or utcnow()
    cutoff = moment - timedelta(days=policy(db).retention_days.verification)
    due = db.scalars(
        select(Verification)
        .where(Verification.decided_at <= cutoff, Verification.details_purged_at.is_(None))
        .limit(limit)
    ).all()
    for verification in due:
        verification.typed, verification.document, verification.checks = {}, {}, []
        verification.document_fingerprint = None
        verification.reasons = [
            {"rule": r["rule"], "weight": r.get("weight", 0)} for r in verification.reasons
        ]
        verification.details_purged_at = moment
        record(db, events.KYC_DETAILS_PURGED, verification, None)
    return len(due)


def purge_documents(db: Session, *, now: datetime | None = None, limit: int = 500) -> int:
    """Erase the images past their retention period (the rows stay, without the image)."""
    moment = now or utcnow()
    due = db.scalars(
        select(KycDocument)
        .where(KycDocument.sealed.is_not(None), KycDocument.purge_after <= moment)
        .limit(limit)
    ).all()
    erased: dict[str, int] = {}
    for document in due:
        document.sealed, document.purged_at = None, moment
        erased[document.verification_id] = erased.get(document.verification_id, 0) + 1
    for verification_id, count in erased.items():
        verification = get_verification(db, verification_id)
        record(db, events.KYC_DOCUMENTS_PURGED, verification, None, documents=count)
    return len(due)
