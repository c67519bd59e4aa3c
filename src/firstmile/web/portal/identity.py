"""The identity step: one check per person (KYC) and one per business (KYB), never one per
account.

A person types their document's details and its machine-readable zone and uploads an image;
the kyc service runs every check and decides (approved, rejected, or a review case with the
pack's SLA). A company customer records the people behind it (representative, beneficial
owners, the signatory) and asks for the business check. While a review is pending, the
status fragment polls itself every 10 seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData, UploadFile

from firstmile.customers.models import Customer, CustomerKind
from firstmile.kit.errors import Conflict, InvalidInput
from firstmile.kit.http import Db
from firstmile.kit.time import utcnow
from firstmile.kyc import business, mrz, screening_link
from firstmile.kyc import service as kyc_service
from firstmile.kyc.models import OPEN_STATUSES, Verification, VerificationStatus
from firstmile.web.pages import (
    PageRoute,
    PortalCustomer,
    customer_actor,
    own,
    redirect,
    render,
    translator,
)
from firstmile.web.portal.signup import PostedForm, Translate, form_field, parse_date, text

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TYPED = (
    *("document_type", "surname", "given_names", "birth_date", "document_number"),
    *("expiry_date", "nationality", "national_id", "mrz"),
)
PARTY = (
    *("given_name", "family_name", "birth_date", "nationality", "ownership_percent"),
    *("email", "phone"),
)
DOCUMENT_CODES = {"passport": ("P",), "id_card": ("I", "A", "C")}
# what each accepted type starts with: the type is read from the bytes, not the browser
MAGIC = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "application/pdf": b"%PDF-",
}
NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}
SUBMISSION_RULES = (
    ("surname", "surname"),
    ("given_names", "given_names"),
    ("birth_date", "birth_date"),
    ("document_number", "document_number"),
    ("national_id", "national_id"),
    ("lines", "mrz"),
    ("documents", "document_front"),
    ("file", "document_front"),
    ("content_type", "document_front"),
)
PARTY_RULES = (
    ("roles", "roles"),
    ("ownership_percent", "ownership_percent"),
    ("email", "email"),
    ("phone", "phone"),
)


def countries(locale: str) -> list[tuple[str, str]]:
    names = Locale.parse(locale).territories
    found = [
        (code, str(name))
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    ]
    return sorted(found, key=lambda item: item[1])


def _person_checks(me: Customer, db: Db) -> list[Verification]:
    return [v for v in kyc_service.verifications_of(db, me.id) if "business" not in v.typed]


def _business_checks(me: Customer, db: Db) -> list[Verification]:
    return [v for v in kyc_service.verifications_of(db, me.id) if "business" in v.typed]


def _owned(db: Db, me: Customer, verification_id: str) -> Verification:
    verification = kyc_service.get_verification(db, verification_id)
    own(me, verification.customer_id, "verification", verification_id)
    return verification


def _page(
    request: Request,
    db: Db,
    me: Customer,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    organization = me.kind == CustomerKind.ORGANIZATION
    checks = _business_checks(me, db) if organization else _person_checks(me, db)
    latest = checks[-1] if checks else None
    context: dict[str, Any] = {
        "organization": organization,
        "v": latest,
        "sla_hours": kyc_service.policy(db).review_sla_hours,
        "documents": kyc_service.documents(db, latest.id) if latest is not None else [],
        "parties": business.parties(db, me.id) if organization else [],
        "values": values or {},
        "errors": errors or {},
        "notice": notice,
        "countries": countries(request.state.locale),
        "can_submit": latest is None or latest.status in kyc_service.SUBMITTABLE,
        "can_verify_business": latest is None
        or latest.status not in (*OPEN_STATUSES, VerificationStatus.APPROVED),
    }
    return render(request, "portal/identity.html", context, status=status)


@router.get("/portal/identity", response_class=HTMLResponse)
def identity_page(request: Request, db: Db, me: PortalCustomer) -> Response:
    return _page(request, db, me)


@router.get("/portal/identity/verifications/{verification_id}/status", response_class=HTMLResponse)
def status_fragment(request: Request, db: Db, me: PortalCustomer, verification_id: str) -> Response:
    """The status alone, for HTMX polling while a review is pending."""
    verification = _owned(db, me, verification_id)
    context = {"v": verification, "sla_hours": kyc_service.policy(db).review_sla_hours}
    return render(request, "portal/identity_status.html", context)


# --- a person's document ----------------------------------------------------------------


@dataclass
class _File:
    content_type: str
    data: bytes


def _document(
    form: FormData, name: str, errors: dict[str, str], _: Translate, *, required: bool
) -> _File | None:
    item = form.get(name)
    data = b""
    if isinstance(item, UploadFile):
        data = item.file.read(kyc_service.MAX_DOCUMENT_BYTES + 1)
    if not data:
        if required:
            errors[name] = _("Upload a photo or scan of your document.")
        return None
    if len(data) > kyc_service.MAX_DOCUMENT_BYTES:
        mb = kyc_service.MAX_DOCUMENT_BYTES // 1024 // 1024
        errors[name] = _("The file is larger than {mb} MB. Upload a smaller one.", mb=mb)
        return None
    kind = next((t for t, magic in MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        errors[name] = _("Upload a JPEG or PNG photo, or a PDF.")
        return None
    return _File(kind, data)


def _typed_checks(
    values: dict[str, str], errors: dict[str, str], _: Translate
) -> mrz.MrzResult | None:
    """The form's own rules, and what was typed against the zone it was typed from."""
    for name in ("surname", "given_names", "document_number"):
        if not values[name]:
            errors[name] = _("Fill in this field as it is written in the document.")
    if values["document_type"] not in DOCUMENT_CODES:
        errors["document_type"] = _("Choose the type of document.")
    born = parse_date(values["birth_date"])
    if born is None or born >= utcnow().date():
        errors["birth_date"] = _("Enter your date of birth, in the past.")
    if not values["nationality"]:
        errors["nationality"] = _("Choose your nationality.")
    expiry = parse_date(values["expiry_date"])
    if expiry is None:
        errors["expiry_date"] = _("Enter the expiry date printed in the document.")
    elif expiry < utcnow().date():
        errors["expiry_date"] = _("This document has expired. Please use a valid one.")
    try:
        parsed = mrz.parse(values["mrz"], today=utcnow().date())
    except InvalidInput:
        errors["mrz"] = _(
            "Type the machine-readable zone exactly: 2 lines of 44 characters in a passport, "
            "3 lines of 30 in an identity card, with every < sign."
        )
        return None
    _against_zone(values, parsed, errors, _)
    return parsed


def _against_zone(
    values: dict[str, str], parsed: mrz.MrzResult, errors: dict[str, str], _: Translate
) -> None:
    differs = _("This does not match the machine-readable zone. Check both.")
    fields = parsed.fields
    codes = DOCUMENT_CODES.get(values["document_type"], ())
    if codes and not fields.document_code.startswith(codes):
        errors.setdefault("document_type", differs)
    expiry = parse_date(values["expiry_date"])
    if expiry is not None and fields.expiry_date is not None and fields.expiry_date != expiry:
        errors.setdefault("expiry_date", differs)
    nationality = screening_link.alpha2(fields.nationality)
    if values["nationality"] and nationality and nationality != values["nationality"]:
        errors.setdefault("nationality", differs)


def _submit(
    request: Request, db: Db, me: Customer, form: PostedForm, verification_id: str | None
) -> Response:
    _ = translator(request.state.locale)
    if me.kind == CustomerKind.ORGANIZATION:
        raise Conflict("a company is verified through its business check")
    verification = _owned(db, me, verification_id) if verification_id else None
    values = {name: text(form, name) for name in TYPED}
    errors: dict[str, str] = {}
    parsed = _typed_checks(values, errors, _)
    front = _document(form, "document_front", errors, _, required=True)
    back = _document(form, "document_back", errors, _, required=False)
    born = parse_date(values["birth_date"])
    if errors or parsed is None or front is None or born is None:
        return _page(request, db, me, values=values, errors=errors, status=422)
    actor = customer_actor(me)
    if verification is None:
        verification = kyc_service.start(db, me.id, actor=actor)
    typed = kyc_service.Typed(
        surname=values["surname"],
        given_names=values["given_names"],
        birth_date=born,
        document_number=values["document_number"],
        national_id=values["national_id"] or None,
        national_id_country=values["nationality"] if values["national_id"] else None,
    )
    try:
        for kind, item in (("document_front", front), ("document_back", back)):
            if item is not None:
                kyc_service.upload(
                    db,
                    verification.id,
                    kind=kind,
                    content_type=item.content_type,
                    data=item.data,
                    actor=actor,
                )
        kyc_service.submit(db, verification.id, typed, list(parsed.lines), actor=actor)
    except InvalidInput as exc:
        name = form_field(exc.field, SUBMISSION_RULES)
        errors = {name: _("Please check this field.")}
        return _page(request, db, me, values=values, errors=errors, status=422)
    return redirect(request, "/portal/identity")


@router.post("/portal/identity/submission", response_class=HTMLResponse)
def submit_new(request: Request, db: Db, me: PortalCustomer, form: PostedForm) -> Response:
    """Start the person's check (or continue the open one) and submit."""
    return _submit(request, db, me, form, None)


@router.post("/portal/identity/verifications/{verification_id}/submission")
def submit_again(
    request: Request, db: Db, me: PortalCustomer, verification_id: str, form: PostedForm
) -> Response:
    """Submit to a check that waits for documents or was sent back for more."""
    return _submit(request, db, me, form, verification_id)


# --- a business: the people behind it, and its check ------------------------------------


def _party(
    values: dict[str, str], roles: list[str], errors: dict[str, str], _: Translate
) -> business.PartyCreate:
    born = parse_date(values["birth_date"]) if values["birth_date"] else None
    if values["birth_date"] and born is None:
        errors["birth_date"] = _("Enter a valid date.")
    share: Decimal | None = None
    if values["ownership_percent"]:
        try:
            share = Decimal(values["ownership_percent"].replace(",", "."))
        except InvalidOperation:
            errors["ownership_percent"] = _("Enter the share as a number from 0 to 100.")
    for name in ("given_name", "family_name"):
        if not values[name]:
            errors[name] = _("Fill in this field.")
    return business.PartyCreate(
        roles=roles,
        given_name=values["given_name"],
        family_name=values["family_name"],
        birth_date=born,
        nationality=values["nationality"] or None,
        ownership_percent=share,
        email=values["email"] or None,
        phone=values["phone"] or None,
    )


def _party_messages(_: Translate) -> dict[str, str]:
    return {
        "roles": _("Choose at least one role."),
        "ownership_percent": _("A beneficial owner needs their share, more than 0 and up to 100."),
        "email": _("A signatory needs a valid email address or mobile number for the code."),
        "phone": _("Enter a valid mobile number, with the country code if it is not local."),
        "form": _("Please check what you entered."),
    }


@router.post("/portal/identity/parties", response_class=HTMLResponse)
def add_party(request: Request, db: Db, me: PortalCustomer, form: PostedForm) -> Response:
    _ = translator(request.state.locale)
    values = {name: text(form, name) for name in PARTY}
    roles = [r for r in form.getlist("roles") if isinstance(r, str)]
    errors: dict[str, str] = {}
    data = _party(values, roles, errors, _)
    if not errors:
        try:
            business.add_party(db, me.id, data, actor=customer_actor(me))
        except InvalidInput as exc:
            name = form_field(exc.field, PARTY_RULES)
            errors = {name: _party_messages(_)[name]}
    if errors:
        context = values | {"roles": ",".join(roles)}
        return _page(request, db, me, values=context, errors=errors, status=422)
    return redirect(request, "/portal/identity")


@router.post("/portal/identity/parties/{party_id}/remove")
def remove_party(request: Request, db: Db, me: PortalCustomer, party_id: str) -> Response:
    business.remove_party(db, me.id, party_id, actor=customer_actor(me))
    return redirect(request, "/portal/identity")


@router.post("/portal/identity/business", response_class=HTMLResponse)
def verify_business(request: Request, db: Db, me: PortalCustomer) -> Response:
    _ = translator(request.state.locale)
    checks = _business_checks(me, db)
    if checks and checks[-1].status in (*OPEN_STATUSES, VerificationStatus.APPROVED):
        notice = (_("Your business check is already under way or done."), "warn")
        return _page(request, db, me, notice=notice, status=409)
    business.verify(db, me.id, actor=customer_actor(me))
    return redirect(request, "/portal/identity")
