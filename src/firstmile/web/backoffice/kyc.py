"""Identity reviews: the queue of open cases (earliest SLA first), a case with its evidence
(typed details, the document read from its MRZ, every check, the risk score and reasons,
the document images, screening hits), and the reviewer's decisions.

Every look and decision goes through the kyc services with the staff user's actor, so the
case's audit trail and the event log name who did it. The images are decrypted only here,
for signed-in staff, and each look is audited by the service.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.customers import repository as customers_repository
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput
from firstmile.kit.http import Db
from firstmile.kit.time import utcnow
from firstmile.kyc import service as kyc_service
from firstmile.kyc.models import Verification, VerificationStatus
from firstmile.kyc.screening import service as screening
from firstmile.kyc.screening.models import HitStatus
from firstmile.web import locale as web_locale
from firstmile.web.backoffice import kyc_findings, kyc_labels
from firstmile.web.backoffice.common import Translate, field_errors, page, who_of
from firstmile.web.pages import AgentUser, PageRoute, Staff, redirect, translator

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Note = Annotated[str, Form(max_length=2000)]
SHOWN_FIELDS = ("surname", "given_names", "birth_date", "document_number")
DOCUMENT_FIELDS = (
    "document_type",
    "issuing_state",
    "nationality",
    "sex",
    "expiry_date",
    "personal_number",
)


def _notices(_: Translate) -> dict[str, str]:
    return {
        "approved": _("The case was approved."),
        "rejected": _("The case was rejected."),
        "info_requested": _("The customer was asked for more documents."),
    }


def field_names(_: Translate) -> dict[str, str]:
    return {
        "surname": _("Surname"),
        "given_names": _("Given names"),
        "birth_date": _("Date of birth"),
        "document_number": _("Document number"),
        "national_id": _("National ID"),
        "document_type": _("Document type"),
        "issuing_state": _("Issuing state"),
        "nationality": _("Nationality"),
        "sex": _("Sex"),
        "expiry_date": _("Expiry date"),
        "personal_number": _("Personal number"),
        "email": _("Email"),
        "phone": _("Phone"),
        "iban": _("IBAN"),
        "address.country": _("Country of the address"),
        "screening": _("Screening"),
        "registration_number": _("Registration number"),
        "vat_number": _("VAT number"),
        "signatory": _("Authorised signatory"),
        "beneficial_owner": _("Beneficial owner"),
        "ownership_percent": _("Ownership share"),
    }


def rule_names(_: Translate) -> dict[str, str]:
    return {
        "document_invalid": _("Document invalid"),
        "document_expired": _("Document expired"),
        "minor": _("Under age"),
        "data_mismatch": _("Typed details differ from the document"),
        "identifier_invalid": _("Invalid identifier"),
        "disposable_email": _("Disposable email address"),
        "non_mobile_phone": _("Phone cannot receive SMS"),
        "velocity": _("Used by other customers"),
        "outside_service_area": _("Outside the service area"),
        "screening_hit": _("Sanctions or PEP list match"),
    }


@router.get("/backoffice/kyc", response_class=HTMLResponse)
def review_queue(request: Request, db: Db, staff: AgentUser) -> HTMLResponse:
    _ = translator(request.state.locale)
    cases = kyc_service.queue(db, limit=200)
    rows = [
        {
            "case": case,
            "customer": customers_repository.find(db, case.customer_id),
            "overdue": case.sla_due_at is not None and case.sla_due_at <= utcnow(),
            "rules": sorted({str(r.get("rule")) for r in case.reasons}),
        }
        for case in cases
    ]
    who = who_of(db, [case.assignee for case in cases], _)
    context = {"rows": rows, "rules": rule_names(_), "who": who}
    return page(request, db, "backoffice/kyc_queue.html", context, notices=_notices(_))


def _case_context(
    db: Session, verification: Verification, staff: Staff, _: Translate, fmt: web_locale.Formats
) -> dict[str, Any]:
    typed = verification.typed or {}
    document = verification.document or {}
    types = kyc_labels.document_types(_)
    texts = kyc_findings.finding_texts(_)

    def shown(name: str, value: Any) -> str:
        return kyc_labels.shown_value(name, value, fmt, types)

    hits = screening.hits_of(db, verification.customer_id)
    audit = kyc_service.audit_trail(db, verification.id)
    refs = [verification.assignee, verification.decided_by, *(a.actor for a in audit)]
    return {
        "case": verification,
        "customer": customers_repository.find(db, verification.customer_id),
        "rescreening": bool(typed.get("rescreening")),
        "comparison": [
            {
                "field": name,
                "typed": shown(name, typed.get(name)),
                "document": shown(name, document.get(name)),
            }
            for name in SHOWN_FIELDS
            if typed.get(name) is not None or document.get(name) is not None
        ],
        "national_id": typed.get("national_id"),
        "document_facts": [
            (name, shown(name, document[name]))
            for name in DOCUMENT_FIELDS
            if document.get(name) not in (None, "")
        ],
        "layout": document.get("layout"),
        "documents": kyc_service.documents(db, verification.id),
        "audit": audit,
        "hits": [{"hit": h, "text": screening.describe(h)} for h in hits],
        "open_hit": HitStatus.OPEN,
        "decidable": verification.status == VerificationStatus.IN_REVIEW,
        "overdue": verification.sla_due_at is not None and verification.sla_due_at <= utcnow(),
        "fields": field_names(_),
        "rules": rule_names(_),
        "checks": kyc_labels.check_names(_),
        "finding": lambda entry: kyc_findings.finding_text(entry, texts, fmt),
        "kinds": kyc_labels.image_kinds(_),
        "actions": kyc_labels.audit_actions(_),
        "who": who_of(db, refs + [h.decided_by for h in hits], _),
        "mine": verification.assignee == staff.actor.ref,
    }


def _case_page(
    request: Request,
    db: Session,
    staff: Staff,
    case_id: str,
    *,
    errors: dict[str, str] | None = None,
    form: str = "",
    status: int = 200,
) -> HTMLResponse:
    _ = translator(request.state.locale)
    verification = kyc_service.case(db, case_id, actor=staff.actor)  # the look is audited
    fmt = web_locale.Formats(request.state.locale)  # dates only: no time zone involved
    context = _case_context(db, verification, staff, _, fmt) | {
        "errors": errors or {},
        "failed_form": form,
    }
    return page(request, db, "backoffice/kyc_case.html", context, status=status)


@router.get("/backoffice/kyc/{case_id}", response_class=HTMLResponse)
def review_case(case_id: str, request: Request, db: Db, staff: AgentUser) -> HTMLResponse:
    return _case_page(request, db, staff, case_id)


@router.get("/backoffice/kyc/documents/{document_id}")
def document_image(document_id: str, db: Db, staff: AgentUser) -> Response:
    data, content_type = kyc_service.document_image(db, document_id, actor=staff.actor)
    headers = {
        "Cache-Control": "no-store",
        "Content-Disposition": f'inline; filename="document-{document_id}"',
    }
    return Response(data, media_type=content_type, headers=headers)


def _decided(
    request: Request, db: Session, staff: Staff, case_id: str, form: str, note: str, done: str
) -> Response:
    """Apply one decision; a refused note re-renders the case with the field's error."""
    decisions = {
        "approve": kyc_service.approve,
        "reject": kyc_service.reject,
        "request_info": kyc_service.request_info,
    }
    text = note.strip()
    try:
        if form != "approve" and not text:
            raise InvalidInput("say why", field="note")
        decisions[form](db, case_id, actor=staff.actor, note=text)
    except InvalidInput as exc:
        _ = translator(request.state.locale)
        errors = {f"{form}_note": _("Please write the reason.")} if exc.field == "note" else {}
        errors = errors or field_errors(exc, f"{form}_note")
        return _case_page(request, db, staff, case_id, errors=errors, form=form, status=422)
    return redirect(request, f"/backoffice/kyc?done={done}")


@router.post("/backoffice/kyc/{case_id}/approve")
def approve(case_id: str, request: Request, db: Db, staff: AgentUser, note: Note = "") -> Response:
    return _decided(request, db, staff, case_id, "approve", note, "approved")


@router.post("/backoffice/kyc/{case_id}/reject")
def reject(case_id: str, request: Request, db: Db, staff: AgentUser, note: Note = "") -> Response:
    return _decided(request, db, staff, case_id, "reject", note, "rejected")


@router.post("/backoffice/kyc/{case_id}/request-info")
def request_info(
    case_id: str, request: Request, db: Db, staff: AgentUser, note: Note = ""
) -> Response:
    return _decided(request, db, staff, case_id, "request_info", note, "info_requested")


@router.post("/backoffice/kyc/{case_id}/assign")
def take_case(case_id: str, request: Request, db: Db, staff: AgentUser) -> Response:
    kyc_service.assign(db, case_id, staff.actor.ref, actor=staff.actor)
    return redirect(request, f"/backoffice/kyc/{case_id}")


@router.post("/backoffice/kyc/{case_id}/hits/{hit_id}")
def decide_hit(
    case_id: str,
    hit_id: str,
    request: Request,
    db: Db,
    staff: AgentUser,
    decision: Annotated[str, Form(max_length=20)] = "",
    note: Note = "",
) -> Response:
    """Confirm a screening hit or mark it a false positive, with the reviewer's reason."""
    verification = kyc_service.get_verification(db, case_id)
    hit = screening.get_hit(db, hit_id)
    if hit.customer_id != verification.customer_id:  # a hit of another customer's case
        raise InvalidInput("the hit does not belong to this case", field="hit_id")
    decide = {"confirm": screening.confirm, "false_positive": screening.mark_false_positive}
    if decision not in decide:
        raise InvalidInput("must be confirm or false_positive", field="decision")
    try:
        decide[decision](db, hit_id, staff.actor, note.strip())
    except InvalidInput:
        _ = translator(request.state.locale)
        errors = {f"hit_{hit_id}": _("Please write the reason.")}
        return _case_page(request, db, staff, case_id, errors=errors, form="hit", status=422)
    return redirect(request, f"/backoffice/kyc/{case_id}#hits")
