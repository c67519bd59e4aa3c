"""Passwordless sign-in to the portal: a one-time code by email or SMS.

The answer to "send me a code" is the same whether or not the address is known, so the form
cannot be used to find out who is a customer (the ticket cookie names the address typed,
never the customer). A code goes only to the customer who proved the address, or to the
only one who has it (see `_holder`); entering it proves the address. Codes expire
(`otp_ttl_seconds`), allow `otp_max_attempts` tries, and at most `otp_max_per_hour` are sent
per customer.
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
from firstmile.customers.service import validation, verification
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
    found = _holder(db, kind, value)
    if found is None and kind == ContactKind.EMAIL and value != value.lower():
        value = value.lower()  # as most people type and store addresses
        found = _holder(db, kind, value)
    return found, channel, value


def _holder(db: Db, kind: ContactKind, value: str) -> str | None:
    """The customer a code sent to this address signs in: the one who verified it (the most
    recently verified, should several have: each proved the same person holds the address);
    with nobody verified, the only customer who has it; nobody when several have it
    unverified, as anyone may type anyone's address into a sign-up form: a code must never
    open one customer's account to another who reads the first one's mail."""
    holders = customers_repository.contact_holders(db, kind, value)
    if not holders:
        return None
    customer_id, verified_at = holders[0]
    if verified_at is not None or len(holders) == 1:
        return customer_id
    return None


def _kind(channel: str) -> ContactKind:
    return ContactKind.EMAIL if channel == Channel.EMAIL else ContactKind.PHONE


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
    # The ticket names the address typed, not the customer: it looks the same for an
    # address nobody has (the code's customer is found again from it).
    ticket = kit_secrets.signed_token(
        settings, "portal-login", f"{channel}|{int(utcnow().timestamp())}|{address}"
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


def _ticket(request: Request, db: Db) -> tuple[str | None, str, str]:
    """(the customer the code was sent to or None, channel, address) of the ticket."""
    value = kit_secrets.value_of(
        current_settings(), "portal-login", request.cookies.get(TICKET_COOKIE, "")
    )
    if value is None or value.count("|") < 2:
        return None, "", ""
    channel, _issued, address = value.split("|", 2)
    if channel not in (Channel.EMAIL, Channel.SMS) or not address:
        return None, channel, ""
    return _holder(db, _kind(channel), address), channel, address


@router.post("/portal/login/code", response_class=HTMLResponse)
def enter_code(
    request: Request,
    db: Db,
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=500)] = "/portal",
) -> Response:
    _ = translator(request.state.locale)
    customer_id, channel, address = _ticket(request, db)
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
    # The code reached the address: it is the customer's, proven.
    customer = customers_repository.find(db, customer_id)
    if customer is not None:
        actor = customer_actor(customer)
        verification.verified_by_sign_in(db, customer_id, _kind(channel), address, actor=actor)
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
