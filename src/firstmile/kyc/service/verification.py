"""A customer's verification: start, upload, submit (every check, the risk decision)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repo
from firstmile.kit import settings as settings_module
from firstmile.kit.db import Session, serialize_on
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.kyc import events, identifiers, mrz, risk, screening_link, vault
from firstmile.kyc.models import (
    OPEN_STATUSES,
    KycDocument,
    Verification,
    VerificationStatus,
)
from firstmile.kyc.pack import KycFile
from firstmile.kyc.service.common import (
    audit,
    decide,
    get_verification,
    policy,
    record,
    risk_policy,
)
from firstmile.kyc.service.findings import (
    check_entry,
    contact_findings,
    document_findings,
    document_velocity,
    iban_velocity,
    identifier_finding,
    service_area,
)
from firstmile.kyc.service.review import open_review

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {"image/jpeg", "image/png", "application/pdf"}
DOCUMENT_KINDS = {"document_front", "document_back", "selfie"}
SUBMITTABLE = (VerificationStatus.AWAITING_DOCUMENTS, VerificationStatus.INFO_REQUESTED)


@dataclass(frozen=True)
class Typed:
    """What the customer typed about themselves and their document."""

    surname: str
    given_names: str
    birth_date: date
    document_number: str
    national_id: str | None = None
    national_id_country: str | None = None


def start(
    db: Session, customer_id: str, *, actor: Actor, reuse_approved: bool = False
) -> Verification:
    """The customer's open verification, or a new one (one open at a time).

    `reuse_approved`: a customer already verified keeps that verification (an onboarding
    step must not ask again for documents checked before the order); without it an approved
    customer gets a new verification, as when an agent asks for a fresh check."""
    if customers_repo.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    serialize_on(db, f"kyc.start:{customer_id}")  # one open at a time, also when asked at once
    wanted = [*OPEN_STATUSES, VerificationStatus.APPROVED] if reuse_approved else OPEN_STATUSES
    existing = db.scalar(
        select(Verification)
        .where(Verification.customer_id == customer_id, Verification.status.in_(wanted))
        .order_by(Verification.created_at.desc())
        .limit(1)
    )
    if existing is not None:
        return existing
    verification = Verification(
        customer_id=customer_id, status=VerificationStatus.AWAITING_DOCUMENTS
    )
    db.add(verification)
    db.flush()
    record(db, events.KYC_STARTED, verification, actor, started_by=actor.ref)
    return verification


def verifications_of(db: Session, customer_id: str) -> list[Verification]:
    return list(
        db.scalars(
            select(Verification)
            .where(Verification.customer_id == customer_id)
            .order_by(Verification.created_at)
        )
    )


def upload(
    db: Session, verification_id: str, *, kind: str, content_type: str, data: bytes, actor: Actor
) -> KycDocument:
    """Store an image of the document, encrypted; only while the verification awaits it."""
    verification = _open_for_submission(db, verification_id)
    if kind not in DOCUMENT_KINDS:
        raise InvalidInput(f"must be one of {', '.join(sorted(DOCUMENT_KINDS))}", field="kind")
    if content_type not in DOCUMENT_TYPES:
        raise InvalidInput(
            f"must be one of {', '.join(sorted(DOCUMENT_TYPES))}", field="content_type"
        )
    if not data:
        raise InvalidInput("is empty", field="file")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB", field="file")
    retention = policy(db).retention_days.document_image
    document = KycDocument(
        verification_id=verification.id,
        customer_id=verification.customer_id,
        kind=kind,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        purge_after=utcnow() + timedelta(days=retention),
    )
    db.add(document)
    db.flush()
    document.sealed = vault.seal(settings_module.current(), document.id, data)
    audit(db, verification, actor, "document_uploaded", kind=kind, document_id=document.id)
    return document


def submit(
    db: Session, verification_id: str, typed: Typed, mrz_lines: list[str], *, actor: Actor
) -> Verification:
    """Run every check on what the customer submitted, decide, and record why."""
    verification = _open_for_submission(db, verification_id)
    has_image = db.scalar(
        select(func.count())
        .select_from(KycDocument)
        .where(KycDocument.verification_id == verification.id, KycDocument.kind != "selfie")
    )
    if not has_image:
        raise InvalidInput("upload an image of the document first", field="documents")
    settings = settings_module.current()
    rules = policy(db)
    parsed = mrz.parse(mrz_lines, today=utcnow().date(), adult_age=rules.adult_age)
    comparison = mrz.compare(
        parsed,
        surname=typed.surname,
        given_names=typed.given_names,
        birth_date=typed.birth_date,
        document_number=typed.document_number,
    )
    findings = document_findings(parsed) + [
        risk.Finding("data_mismatch", item.message, item.field, item.code, item.params)
        for item in comparison.fields
        if not item.ok
    ]
    if typed.national_id:
        result = identifiers.check("national_id", typed.national_id, typed.national_id_country)
        if not result.valid:
            findings.append(identifier_finding(result, "national_id"))
    fields = parsed.fields
    fingerprint = vault.fingerprint(settings, fields.issuing_state, fields.document_number)
    findings += [
        risk.Finding("screening_hit", hit, "screening")
        for hit in screening_link.screen(
            db,
            verification.customer_id,
            f"{typed.given_names} {typed.surname}",
            typed.birth_date,
            screening_link.alpha2(fields.nationality),
            "person",
        )
    ]
    findings += contact_findings(db, verification.customer_id, rules)
    findings += iban_velocity(db, verification.customer_id, rules)
    findings += service_area(db, verification.customer_id)
    findings += document_velocity(db, verification, fingerprint)
    decision = risk.decide(findings, risk_policy(rules))
    verification.typed = {
        "surname": typed.surname,
        "given_names": typed.given_names,
        "birth_date": typed.birth_date.isoformat(),
        "document_number": typed.document_number,
        **({"national_id": typed.national_id} if typed.national_id else {}),
    }
    verification.document = parsed.to_dict()["fields"] | {"layout": str(parsed.layout)}
    verification.checks = [
        check_entry(c.name, c.ok, c.message, c.code, c.params) for c in parsed.checks
    ] + [
        check_entry(f"matches_typed_{item.field}", item.ok, item.message, item.code, item.params)
        for item in comparison.fields
    ]
    verification.document_fingerprint = fingerprint
    verification.score, verification.outcome = decision.score, decision.outcome
    verification.reasons = decision.reasons
    verification.submissions += 1
    verification.updated_at = utcnow()
    record(
        db,
        events.KYC_DOCUMENTS_SUBMITTED,
        verification,
        actor,
        submission=verification.submissions,
        score=decision.score,
        outcome=decision.outcome,
        reasons=sorted({r["rule"] for r in decision.reasons}),
    )
    settle(db, verification, decision, rules, actor)
    return verification


def settle(
    db: Session,
    verification: Verification,
    decision: risk.Decision,
    rules: KycFile,
    actor: Actor,
) -> None:
    """Act on the rules' outcome: approved, rejected, or a review case with its SLA."""
    if decision.outcome == risk.APPROVE:
        decide(db, verification, VerificationStatus.APPROVED, actor, by="rules", note=None)
    elif decision.outcome == risk.REJECT:
        decide(db, verification, VerificationStatus.REJECTED, actor, by="rules", note=None)
    else:
        open_review(db, verification, rules, actor)


def open_screening_case(
    db: Session, customer_id: str, hits: list[str], *, actor: Actor
) -> Verification:
    """A list changed and now matches the customer: a review case with the hits as reasons
    (the customer's earlier verification stays as it was decided)."""
    rules = policy(db)
    findings = [risk.Finding("screening_hit", hit, "screening") for hit in hits]
    decision = risk.decide(findings, risk_policy(rules))
    verification = Verification(
        customer_id=customer_id,
        status=VerificationStatus.AWAITING_DOCUMENTS,
        typed={"rescreening": True},
        score=decision.score,
        outcome=risk.REVIEW,
        reasons=decision.reasons,
    )
    db.add(verification)
    db.flush()
    open_review(db, verification, rules, actor)
    return verification


def _open_for_submission(db: Session, verification_id: str) -> Verification:
    verification = get_verification(db, verification_id, lock=True)
    if verification.status not in SUBMITTABLE:
        raise Conflict(f"the verification is {verification.status}", field="verification_id")
    return verification
