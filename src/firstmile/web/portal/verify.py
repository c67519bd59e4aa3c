"""Verifying a contact after sign-up: the code sent to the email address (or by SMS to the
mobile) is entered here; a new one may be asked for. Another customer's medium is a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.customers import service as customers_service
from firstmile.customers.models import ContactKind, ContactMedium, Customer
from firstmile.customers.service import verification
from firstmile.kit.errors import Conflict, InvalidInput, TooManyRequests
from firstmile.kit.http import Db
from firstmile.web.pages import PageRoute, PortalCustomer, customer_actor, render, translator
from firstmile.web.portal.signup import PostedForm, text

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _verifiable(db: Db, customer: Customer) -> list[ContactMedium]:
    kinds = (ContactKind.EMAIL, ContactKind.PHONE)
    return [m for m in customers_service.media_of(db, customer.id) if m.kind in kinds]


def _verify_page(
    request: Request,
    db: Db,
    me: Customer,
    medium_id: str | None,
    *,
    errors: dict[str, str] | None = None,
    notice: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    media = _verifiable(db, me)
    chosen = next((m for m in media if m.id == medium_id), None)
    if medium_id and chosen is None:
        customers_service.get_medium(db, me.id, medium_id)  # 404 for another's medium
    if chosen is None:
        chosen = next((m for m in media if m.verified_at is None), None)
    context = {"media": media, "chosen": chosen, "errors": errors or {}, "notice": notice}
    return render(request, "portal/signup_verify.html", context, status=status)


@router.get("/portal/verify", response_class=HTMLResponse)
def verify_page(
    request: Request,
    db: Db,
    me: PortalCustomer,
    medium: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    return _verify_page(request, db, me, medium)


@router.post("/portal/verify", response_class=HTMLResponse)
def verify_code(request: Request, db: Db, me: PortalCustomer, form: PostedForm) -> Response:
    _ = translator(request.state.locale)
    medium_id, code = text(form, "medium_id"), text(form, "code")
    try:
        verification.confirm_verification(db, me.id, medium_id, code=code, actor=customer_actor(me))
    except (InvalidInput, Conflict) as exc:
        message = _("This code is not right. Check it, or ask for a new one.")
        if exc.status_code == 409:
            message = _("This code can no longer be used. Ask for a new one.")
        return _verify_page(
            request, db, me, medium_id, errors={"code": message}, status=exc.status_code
        )
    notice = (_("Thank you: this contact is verified."), "ok")
    return _verify_page(request, db, me, medium_id, notice=notice)


@router.post("/portal/verify/send", response_class=HTMLResponse)
def send_new_code(request: Request, db: Db, me: PortalCustomer, form: PostedForm) -> Response:
    _ = translator(request.state.locale)
    medium_id = text(form, "medium_id")
    customers_service.get_medium(db, me.id, medium_id)  # 404 unless it is theirs
    try:
        verification.request_verification(db, me.id, medium_id, actor=customer_actor(me))
    except TooManyRequests:
        notice = (_("You asked for many codes. Wait a while, then ask again."), "warn")
        return _verify_page(request, db, me, medium_id, notice=notice, status=429)
    except Conflict:
        notice = (_("We cannot send a code to this contact now."), "error")
        return _verify_page(request, db, me, medium_id, notice=notice, status=409)
    notice = (_("We have sent you a new code."), "ok")
    return _verify_page(request, db, me, medium_id, notice=notice)
