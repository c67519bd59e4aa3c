"""Passwordless sign-in to the portal: a one-time code by email or SMS.

The answer to "send me a code" is the same whether or not the address is known, so the form
cannot be used to find out who is a customer. Codes expire (`otp_ttl_seconds`), allow
`otp_max_attempts` tries, and at most `otp_max_per_hour` are sent per customer.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.auth import sessions as web_sessions
from firstmile.customers import events as customer_events
from firstmile.customers import repository as customers_repository
from firstmile.customers.models import Channel, ContactKind
from firstmile.customers.service import validation
from firstmile.eventlog import repository as eventlog_repository
from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.events import PORTAL_FIRST_LOGIN
from firstmile.kit import otp, ratelimit
from firstmile.kit import secrets as kit_secrets
from firstmile.kit.errors import FirstmileError
from firstmile.kit.http import Db
from firstmile.kit.settings import current as current_settings
from firstmile.kit.time import utcnow
from firstmile.messaging import service as messaging_service
from firstmile.packs import loader as packs
from firstmile.web import csrf
from firstmile.web.pages import (
    SESSION_COOKIES,
    PageRoute,
    client_ip,
    customer_actor,
    delete_cookie,
    redirect,
    render,
    safe_next,
    session_of,
    set_cookie,
    start_session,
    translator,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PURPOSE = "portal_login"
TICKET_COOKIE = "fm_login"
IP_LIMIT_PER_HOUR = 30


def _safe_next(value: str | None) -> str:
    return safe_next(value, "/portal")


def _identify(db: Db, identifier: str, region: str) -> tuple[str | None, Channel, str]:
    """(customer id or None, channel, normalised address)."""
    text = identifier.strip()
    channel, kind = (
        (Channel.EMAIL, ContactKind.EMAIL) if "@" in text else (Channel.SMS, ContactKind.PHONE)
    )
    try:
        if kind == ContactKind.EMAIL:
            value = validation.email(text, field="identifier")
        else:
            value, _type = validation.phone(text, region=region, field="identifier")
    except FirstmileError:
        return None, channel, ""
    found = customers_repository.customers_with_contact(db, kind, value)
    if not found and kind == ContactKind.EMAIL and value != value.lower():
        value = value.lower()  # as most people type and store addresses
        found = customers_repository.customers_with_contact(db, kind, value)
    return (found[0] if found else None), channel, value


@router.get("/portal/login", response_class=HTMLResponse)
def login_page(request: Request, db: Db, next: str | None = None) -> Response:
    if session_of(request, db, web_sessions.CUSTOMER) is not None:
        return redirect(request, _safe_next(next))
    return render(request, "portal/login.html", {"next": _safe_next(next), "errors": {}})


@router.post("/portal/login", response_class=HTMLResponse)
def send_code(
    request: Request,
    db: Db,
    identifier: Annotated[str, Form(max_length=320)] = "",
    next: Annotated[str, Form(max_length=500)] = "/portal",
) -> Response:
    _ = translator(request.state.locale)
    if not identifier.strip():
        errors = {"identifier": _("Enter your email address or mobile number.")}
        return render(
            request, "portal/login.html", {"next": next, "errors": errors, "value": ""}, status=422
        )
    # per browser address too: one address must not request codes for many customers
    client = client_ip(request) or "unknown"
    ratelimit.hit(db, f"portal-login:{client}", limit=IP_LIMIT_PER_HOUR, window_seconds=3600)
    meta = packs.current_meta(db)
    region = meta.country
    customer_id, channel, address = _identify(db, identifier, region)
    if customer_id is not None:
        _send(db, customer_id, channel, address)
    settings = current_settings()
    ticket = kit_secrets.signed_token(
        settings, "portal-login", f"{customer_id or '-'}|{channel}|{int(utcnow().timestamp())}"
    )
    set_cookie(request, TICKET_COOKIE, ticket, max_age=settings.otp_ttl_seconds)
    return render(
        request,
        "portal/login_code.html",
        {"next": _safe_next(next), "channel": str(channel), "errors": {}},
    )


def _send(db: Db, customer_id: str, channel: Channel, address: str) -> None:
    settings = current_settings()
    try:
        code = otp.issue(
            db,
            purpose=PURPOSE,
            subject_id=customer_id,
            ttl_seconds=settings.otp_ttl_seconds,
            max_attempts=settings.otp_max_attempts,
            max_per_hour=settings.otp_max_per_hour,
        )
    except FirstmileError:
        return  # rate-limited: the page looks the same; the next code waits
    customer = customers_repository.find(db, customer_id)
    if customer is None:
        return
    # a savepoint: a refused send (no consent, no address) leaves nothing half-written
    with contextlib.suppress(FirstmileError), db.begin_nested():
        messaging_service.send(
            db,
            customer_id=customer_id,
            purpose=PURPOSE,
            channel=channel.value,
            data={"code": code, "minutes": settings.otp_ttl_seconds // 60},
            idempotency_key=f"{PURPOSE}:{customer_id}:{uuid.uuid4()}",
            actor=customer_actor(customer),
            recipient=address,
        )


def _ticket(request: Request) -> tuple[str | None, str]:
    value = kit_secrets.value_of(
        current_settings(), "portal-login", request.cookies.get(TICKET_COOKIE, "")
    )
    if value is None:
        return None, ""
    customer_id, channel, _issued = value.split("|", 2)
    return (None if customer_id == "-" else customer_id), channel


@router.post("/portal/login/code", response_class=HTMLResponse)
def enter_code(
    request: Request,
    db: Db,
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=500)] = "/portal",
) -> Response:
    _ = translator(request.state.locale)
    customer_id, channel = _ticket(request)
    context = {"next": _safe_next(next), "channel": channel}
    if customer_id is None:
        if request.cookies.get(TICKET_COOKIE) is None:
            return redirect(request, "/portal/login")
        errors = {"code": _("This code is not right. Check it, or ask for a new one.")}
        return render(request, "portal/login_code.html", context | {"errors": errors}, status=422)
    try:
        otp.verify(db, purpose=PURPOSE, subject_id=customer_id, code=code)
    except FirstmileError as exc:
        message = _("This code is not right. Check it, or ask for a new one.")
        if exc.status_code == 409:
            message = _("This code can no longer be used. Ask for a new one.")
        errors = {"code": message}
        return render(
            request, "portal/login_code.html", context | {"errors": errors}, status=exc.status_code
        )
    sign_in(request, db, customer_id, method=f"{channel}_code")
    return redirect(request, _safe_next(next))


def sign_in(request: Request, db: Db, customer_id: str, *, method: str) -> None:
    """Start the customer's portal session; `method` says how they proved who they are
    (email_code, sms_code, or signup/appointment right after registering)."""
    started = start_session(request, db, kind=web_sessions.CUSTOMER, subject_id=customer_id)
    actor = f"customer:{customer_id}"
    first = not eventlog_repository.has_event(db, customer_id, customer_events.PORTAL_LOGIN)
    eventlog_service.record(
        db,
        customer_events.PORTAL_LOGIN,
        actor=actor,
        customer_id=customer_id,
        subject_id=customer_id,
        payload={"method": method},
    )
    if first:
        eventlog_service.record(
            db, PORTAL_FIRST_LOGIN, actor=actor, customer_id=customer_id, subject_id=customer_id
        )
    set_cookie(request, SESSION_COOKIES[web_sessions.CUSTOMER], started.secret)
    set_cookie(request, csrf.COOKIE, csrf.new_value())  # a fresh token pair after sign-in
    delete_cookie(request, TICKET_COOKIE)


@router.post("/portal/logout")
def logout(request: Request, db: Db) -> Response:
    row = session_of(request, db, web_sessions.CUSTOMER)
    if row is not None:
        web_sessions.end(db, row)
    delete_cookie(request, SESSION_COOKIES[web_sessions.CUSTOMER])
    return redirect(request, "/portal/login")
