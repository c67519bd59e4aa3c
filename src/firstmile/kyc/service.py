"""Identity verification of a customer: start, upload, submit (every check, the risk
decision), and the review queue (assign, approve, reject, request more), all audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repo
from firstmile.customers.models import ContactKind, ContactMedium
from firstmile.eventlog import service as eventlog
from firstmile.kit import settings as settings_module
from firstmile.kit.db import Session, memo
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.kyc import events, identifiers, mrz, risk, screening_link, vault
from firstmile.kyc.models import (
    OPEN_STATUSES,
    KycAudit,
    KycDocument,
    KycPolicy,
    Verification,
    VerificationStatus,
)
from firstmile.kyc.pack import KycFile, RiskSettings
from firstmile.packs import loader as packs

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


# -- the customer's side ----------------------------------------------------------------------


def start(db: Session, customer_id: str, *, actor: Actor) -> Verification:
    """The customer's open verification, or a new one (one open at a time)."""
    if customers_repo.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    existing = db.scalar(
        select(Verification)
        .where(Verification.customer_id == customer_id, Verification.status.in_(OPEN_STATUSES))
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


def get_verification(db: Session, verification_id: str) -> Verification:
    found = db.get(Verification, verification_id)
    if found is None:
        raise NotFound("verification", verification_id)
    return found


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
    import hashlib

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
    _audit(db, verification, actor, "document_uploaded", kind=kind, document_id=document.id)
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
    findings = _document_findings(parsed) + [
        risk.Finding("data_mismatch", item.message, item.field)
        for item in comparison.fields
        if not item.ok
    ]
    if typed.national_id:
        result = identifiers.check("national_id", typed.national_id, typed.national_id_country)
        if not result.valid:
            findings.append(risk.Finding("identifier_invalid", str(result.reason), "national_id"))
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
    findings += _contact_findings(db, verification.customer_id, rules)
    findings += _document_velocity(db, verification, fingerprint)
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
        {"name": c.name, "ok": c.ok, "message": c.message} for c in parsed.checks
    ] + [
        {"name": f"matches_typed_{item.field}", "ok": item.ok, "message": item.message}
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
        _decide(db, verification, VerificationStatus.APPROVED, actor, by="rules", note=None)
    elif decision.outcome == risk.REJECT:
        _decide(db, verification, VerificationStatus.REJECTED, actor, by="rules", note=None)
    else:
        verification.status = VerificationStatus.IN_REVIEW
        verification.sla_due_at = utcnow() + timedelta(hours=rules.review_sla_hours)
        record(
            db,
            events.KYC_REVIEW_OPENED,
            verification,
            actor,
            score=decision.score,
            reasons=sorted({r["rule"] for r in decision.reasons}),
            sla_due_at=verification.sla_due_at.isoformat(),
        )


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
        status=VerificationStatus.IN_REVIEW,
        typed={"rescreening": True},
        score=decision.score,
        outcome=risk.REVIEW,
        reasons=decision.reasons,
        sla_due_at=utcnow() + timedelta(hours=rules.review_sla_hours),
    )
    db.add(verification)
    db.flush()
    record(
        db,
        events.KYC_REVIEW_OPENED,
        verification,
        actor,
        score=decision.score,
        reasons=["screening_hit"],
        sla_due_at=verification.sla_due_at.isoformat() if verification.sla_due_at else None,
    )
    return verification


def _document_findings(parsed: mrz.MrzResult) -> list[risk.Finding]:
    out = []
    for check in parsed.failures:
        rule = {"not_expired": "document_expired", "adult": "minor"}.get(
            check.name, "document_invalid"
        )
        out.append(risk.Finding(rule, check.message, check.name))
    return out


def _contact_findings(db: Session, customer_id: str, rules: KycFile) -> list[risk.Finding]:
    """The customer's email and phone: disposable domains, SMS reachability, and how many
    other customers use the same ones."""
    out: list[risk.Finding] = []
    disposable = {d.lower() for d in rules.disposable_email_domains}
    media = db.scalars(
        select(ContactMedium).where(
            ContactMedium.customer_id == customer_id,
            ContactMedium.kind.in_([ContactKind.EMAIL, ContactKind.PHONE]),
        )
    ).all()
    for medium in media:
        value = medium.value or ""
        if medium.kind == ContactKind.EMAIL and value.rpartition("@")[2].lower() in disposable:
            out.append(
                risk.Finding("disposable_email", f"{value} is at a disposable-mail domain", "email")
            )
        if medium.kind == ContactKind.PHONE:
            result = identifiers.check("phone", value, None)
            if result.valid and result.mobile is False:
                out.append(risk.Finding("non_mobile_phone", f"{value} cannot receive SMS", "phone"))
        others = db.scalar(
            select(func.count(func.distinct(ContactMedium.customer_id))).where(
                ContactMedium.kind == medium.kind,
                ContactMedium.value == value,
                ContactMedium.customer_id != customer_id,
            )
        )
        if others and others >= rules.velocity_limit:
            out.append(
                risk.Finding(
                    "velocity",
                    f"the same {medium.kind} is used by {others} other customers",
                    str(medium.kind),
                )
            )
    return out


def _document_velocity(
    db: Session, verification: Verification, fingerprint: str
) -> list[risk.Finding]:
    others = db.scalar(
        select(func.count(func.distinct(Verification.customer_id))).where(
            Verification.document_fingerprint == fingerprint,
            Verification.customer_id != verification.customer_id,
        )
    )
    if not others:
        return []
    return [
        risk.Finding(
            "velocity",
            f"the same document is used by {others} other customer(s)",
            "document_number",
        )
    ]


def _open_for_submission(db: Session, verification_id: str) -> Verification:
    verification = get_verification(db, verification_id)
    if verification.status not in SUBMITTABLE:
        raise Conflict(f"the verification is {verification.status}", field="verification_id")
    return verification


# -- the reviewers' side ----------------------------------------------------------------------


def queue(db: Session, *, assignee: str | None = None, limit: int = 100) -> list[Verification]:
    """Open review cases, the most urgent (earliest SLA) first."""
    stmt = select(Verification).where(Verification.status == VerificationStatus.IN_REVIEW)
    if assignee:
        stmt = stmt.where(Verification.assignee == assignee)
    return list(db.scalars(stmt.order_by(Verification.sla_due_at).limit(limit)))


def case(db: Session, verification_id: str, *, actor: Actor) -> Verification:
    """A case with its evidence; the look is recorded."""
    verification = get_verification(db, verification_id)
    _audit(db, verification, actor, "viewed")
    return verification


def audit_trail(db: Session, verification_id: str) -> list[KycAudit]:
    return list(
        db.scalars(
            select(KycAudit)
            .where(KycAudit.verification_id == verification_id)
            .order_by(KycAudit.at)
        )
    )


def documents(db: Session, verification_id: str) -> list[KycDocument]:
    return list(
        db.scalars(
            select(KycDocument)
            .where(KycDocument.verification_id == verification_id)
            .order_by(KycDocument.uploaded_at)
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
    _audit(db, verification, actor, "document_viewed", document_id=document.id)
    return vault.open_sealed(
        settings_module.current(), document.id, document.sealed
    ), document.content_type


def assign(db: Session, verification_id: str, assignee: str, *, actor: Actor) -> Verification:
    verification = _in_review(db, verification_id)
    verification.assignee = assignee
    _audit(db, verification, actor, "assigned", assignee=assignee)
    record(db, events.KYC_CASE_ASSIGNED, verification, actor, assignee=assignee, by=actor.ref)
    return verification


def approve(db: Session, verification_id: str, *, actor: Actor, note: str) -> Verification:
    verification = _in_review(db, verification_id)
    _decide(db, verification, VerificationStatus.APPROVED, actor, by=actor.ref, note=note)
    return verification


def reject(db: Session, verification_id: str, *, actor: Actor, note: str) -> Verification:
    verification = _in_review(db, verification_id)
    _decide(db, verification, VerificationStatus.REJECTED, actor, by=actor.ref, note=note)
    return verification


def request_info(db: Session, verification_id: str, *, actor: Actor, note: str) -> Verification:
    """Ask the customer for more (a clearer photo, another document): they submit again."""
    verification = _in_review(db, verification_id)
    verification.status = VerificationStatus.INFO_REQUESTED
    verification.decision_note, verification.updated_at = note, utcnow()
    _audit(db, verification, actor, "info_requested", note=note)
    record(db, events.KYC_INFO_REQUESTED, verification, actor, by=actor.ref, note=note)
    return verification


def _in_review(db: Session, verification_id: str) -> Verification:
    verification = get_verification(db, verification_id)
    if verification.status != VerificationStatus.IN_REVIEW:
        raise Conflict(
            f"the verification is {verification.status}, not in review", field="verification_id"
        )
    return verification


def _decide(
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
        _audit(db, verification, actor, str(status), note=note)
    if status == VerificationStatus.APPROVED:
        record(db, events.KYC_APPROVED, verification, actor, by=by, score=verification.score)
    else:
        reasons = sorted({r["rule"] for r in verification.reasons})
        record(db, events.KYC_REJECTED, verification, actor, by=by, reasons=reasons)


# -- retention --------------------------------------------------------------------------------


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


# -- helpers ----------------------------------------------------------------------------------


def _audit(
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
