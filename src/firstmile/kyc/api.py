"""KYC through the API: a customer's verification (start, upload, submit), the review queue
(agents), the document images (agents, audited), and each check on its own (req. 8)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile as StarletteUpload

from firstmile.kit.errors import InvalidInput
from firstmile.kit.http import AdminActor, AgentActor, AnyActor, Db, TxRoute
from firstmile.kyc import business, identifiers, mrz, privacy, service
from firstmile.kyc.models import BusinessParty, KycDocument, Verification

router = APIRouter(prefix="/api", tags=["kyc"], route_class=TxRoute)


class VerificationRead(BaseModel):
    id: str
    customer_id: str
    status: str
    submissions: int
    score: int | None
    outcome: str | None
    reasons: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    document: dict[str, Any]
    assignee: str | None
    sla_due_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None
    created_at: datetime


class DocumentRead(BaseModel):
    id: str
    kind: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime
    purge_after: datetime
    purged: bool


class AuditRead(BaseModel):
    actor: str
    action: str
    detail: dict[str, Any]
    at: datetime


class CaseRead(VerificationRead):
    typed: dict[str, Any]
    documents: list[DocumentRead]
    audit: list[AuditRead]


class SubmissionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    surname: str = Field(min_length=1, max_length=120)
    given_names: str = Field(min_length=1, max_length=120)
    birth_date: date
    document_number: str = Field(min_length=1, max_length=30)
    mrz: list[str] = Field(min_length=2, max_length=3, description="the zone's lines")
    national_id: str | None = Field(default=None, max_length=40)
    national_id_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class DecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000)


class AssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: str = Field(min_length=1, max_length=120)


class MrzCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[str] = Field(min_length=2, max_length=3)
    today: date | None = None
    adult_age: int = Field(default=18, ge=1, le=150)
    surname: str | None = None
    given_names: str | None = None
    birth_date: date | None = None
    document_number: str | None = None


class IdentifierCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    value: str = Field(min_length=1, max_length=200)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    require_mobile: bool = False


def _read(v: Verification) -> VerificationRead:
    return VerificationRead(
        id=v.id,
        customer_id=v.customer_id,
        status=str(v.status),
        submissions=v.submissions,
        score=v.score,
        outcome=v.outcome,
        reasons=v.reasons,
        checks=v.checks,
        document=v.document,
        assignee=v.assignee,
        sla_due_at=v.sla_due_at,
        decided_at=v.decided_at,
        decided_by=v.decided_by,
        decision_note=v.decision_note,
        created_at=v.created_at,
    )


def _document(d: KycDocument) -> DocumentRead:
    return DocumentRead(
        id=d.id,
        kind=d.kind,
        content_type=d.content_type,
        size_bytes=d.size_bytes,
        sha256=d.sha256,
        uploaded_at=d.uploaded_at,
        purge_after=d.purge_after,
        purged=d.sealed is None,
    )


@router.post(
    "/customers/{customer_id}/kyc", status_code=201, summary="Start (or get) the open verification"
)
def start(customer_id: str, db: Db, actor: AgentActor) -> VerificationRead:
    return _read(service.start(db, customer_id, actor=actor))


@router.get("/customers/{customer_id}/kyc", summary="A customer's verifications")
def of_customer(customer_id: str, db: Db, _actor: AgentActor) -> list[VerificationRead]:
    return [_read(v) for v in service.verifications_of(db, customer_id)]


@router.post(
    "/kyc/verifications/{verification_id}/documents",
    status_code=201,
    summary="Upload an image of the document (stored encrypted)",
)
def upload(
    verification_id: str,
    db: Db,
    actor: AgentActor,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "document_front",
) -> DocumentRead:
    if not isinstance(file, StarletteUpload):  # a plain form field under the file's name
        raise InvalidInput("must be a file upload", field="file")
    data = file.file.read(service.MAX_DOCUMENT_BYTES + 1)
    content_type = (file.content_type or "").split(";")[0].strip()
    document = service.upload(
        db, verification_id, kind=kind, content_type=content_type, data=data, actor=actor
    )
    return _document(document)


@router.post(
    "/kyc/verifications/{verification_id}/submission",
    summary="Submit: every check runs, the risk decides",
)
def submit(
    verification_id: str, body: SubmissionCreate, db: Db, actor: AgentActor
) -> VerificationRead:
    typed = service.Typed(
        surname=body.surname,
        given_names=body.given_names,
        birth_date=body.birth_date,
        document_number=body.document_number,
        national_id=body.national_id,
        national_id_country=body.national_id_country,
    )
    return _read(service.submit(db, verification_id, typed, body.mrz, actor=actor))


@router.get("/kyc/review-cases", summary="Open review cases, earliest SLA first")
def review_queue(
    db: Db, _actor: AgentActor, assignee: Annotated[str | None, Query(max_length=120)] = None
) -> list[VerificationRead]:
    return [_read(v) for v in service.queue(db, assignee=assignee)]


@router.get(
    "/kyc/verifications/{verification_id}",
    summary="A case with all its evidence (the look is audited)",
)
def get_case(verification_id: str, db: Db, actor: AgentActor) -> CaseRead:
    verification = service.case(db, verification_id, actor=actor)
    return CaseRead(
        **_read(verification).model_dump(),
        typed=verification.typed,
        documents=[_document(d) for d in service.documents(db, verification_id)],
        audit=[
            AuditRead(actor=a.actor, action=a.action, detail=a.detail, at=a.at)
            for a in service.audit_trail(db, verification_id)
        ],
    )


@router.get(
    "/kyc/documents/{document_id}",
    response_class=Response,
    summary="The document image, decrypted (agents; the look is audited)",
)
def document_image(document_id: str, db: Db, actor: AgentActor) -> Response:
    data, content_type = service.document_image(db, document_id, actor=actor)
    return Response(data, media_type=content_type, headers={"Cache-Control": "no-store"})


@router.post("/kyc/verifications/{verification_id}/assign", summary="Assign a review case")
def assign(
    verification_id: str, body: AssignmentCreate, db: Db, actor: AgentActor
) -> VerificationRead:
    return _read(service.assign(db, verification_id, body.assignee, actor=actor))


@router.post("/kyc/verifications/{verification_id}/approve", summary="Approve a review case")
def approve(
    verification_id: str, body: DecisionCreate, db: Db, actor: AgentActor
) -> VerificationRead:
    return _read(service.approve(db, verification_id, actor=actor, note=body.note))


@router.post("/kyc/verifications/{verification_id}/reject", summary="Reject a review case")
def reject(
    verification_id: str, body: DecisionCreate, db: Db, actor: AgentActor
) -> VerificationRead:
    return _read(service.reject(db, verification_id, actor=actor, note=body.note))


@router.post(
    "/kyc/verifications/{verification_id}/request-info",
    summary="Ask the customer for more; they submit again",
)
def request_info(
    verification_id: str, body: DecisionCreate, db: Db, actor: AgentActor
) -> VerificationRead:
    return _read(service.request_info(db, verification_id, actor=actor, note=body.note))


class PartyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[str] = Field(
        min_length=1, max_length=3, description="representative, beneficial_owner, signatory"
    )
    given_name: str = Field(min_length=1, max_length=120)
    family_name: str = Field(min_length=1, max_length=120)
    birth_date: date | None = None
    nationality: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    ownership_percent: Decimal | None = Field(default=None, max_digits=5, decimal_places=2)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)


class PartyRead(BaseModel):
    id: str
    roles: list[str]
    given_name: str
    family_name: str
    birth_date: date | None
    nationality: str | None
    ownership_percent: Decimal | None
    email: str | None
    phone: str | None
    created_at: datetime


def _party(p: BusinessParty) -> PartyRead:
    return PartyRead(
        id=p.id,
        roles=list(p.roles),
        given_name=p.given_name,
        family_name=p.family_name,
        birth_date=p.birth_date,
        nationality=p.nationality,
        ownership_percent=p.ownership_percent,
        email=p.email,
        phone=p.phone,
        created_at=p.created_at,
    )


@router.post(
    "/customers/{customer_id}/kyb/parties",
    status_code=201,
    summary="Record a representative, beneficial owner or signatory of a business",
)
def add_party(customer_id: str, body: PartyBody, db: Db, actor: AgentActor) -> PartyRead:
    data = business.PartyCreate(**body.model_dump())
    return _party(business.add_party(db, customer_id, data, actor=actor))


@router.get("/customers/{customer_id}/kyb/parties", summary="The persons behind a business")
def list_parties(customer_id: str, db: Db, _actor: AgentActor) -> list[PartyRead]:
    return [_party(p) for p in business.parties(db, customer_id)]


@router.delete(
    "/customers/{customer_id}/kyb/parties/{party_id}", summary="Remove a person (no longer a party)"
)
def remove_party(customer_id: str, party_id: str, db: Db, actor: AgentActor) -> PartyRead:
    return _party(business.remove_party(db, customer_id, party_id, actor=actor))


@router.post(
    "/customers/{customer_id}/kyb/verification",
    status_code=201,
    summary="Verify a business: identifiers, owners, signatories, screening of each person",
)
def verify_business(customer_id: str, db: Db, actor: AgentActor) -> VerificationRead:
    return _read(business.verify(db, customer_id, actor=actor))


class ErasureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="e.g. the request's reference")


@router.get(
    "/customers/{customer_id}/personal-data",
    summary="Everything held about the customer, as JSON (data-subject access; audited)",
)
def export_personal_data(customer_id: str, db: Db, actor: AdminActor) -> dict[str, Any]:
    return privacy.export_subject(db, customer_id, actor=actor)


@router.post(
    "/customers/{customer_id}/erasure",
    summary="Erase the customer's personal data, except what a law requires to keep (audited)",
)
def erase_personal_data(
    customer_id: str, body: ErasureCreate, db: Db, actor: AdminActor
) -> dict[str, Any]:
    return privacy.erase_subject(db, customer_id, actor=actor, reason=body.reason)


@router.post("/kyc/checks/mrz", summary="Read and check a machine-readable zone")
def check_mrz(body: MrzCheck, _actor: AnyActor) -> dict[str, Any]:
    parsed = mrz.parse(body.lines, today=body.today, adult_age=body.adult_age)
    answer = parsed.to_dict()
    typed = {
        "surname": body.surname,
        "given_names": body.given_names,
        "birth_date": body.birth_date,
        "document_number": body.document_number,
    }
    if any(v is not None for v in typed.values()):
        answer["comparison"] = mrz.compare(parsed, **typed).to_dict()  # type: ignore[arg-type]
    return answer


@router.post(
    "/kyc/checks/identifier", summary="Check one identifier (national id, VAT, IBAN, phone, ...)"
)
def check_identifier(body: IdentifierCheck, _actor: AnyActor) -> dict[str, Any]:
    if body.kind not in {k.value for k in identifiers.IdentifierKind}:
        kinds = ", ".join(k.value for k in identifiers.IdentifierKind)
        raise InvalidInput(f"must be one of {kinds}", field="kind")
    result = identifiers.check(
        body.kind, body.value, body.country, require_mobile=body.require_mobile
    )
    return result.to_dict()
