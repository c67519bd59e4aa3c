"""How we contact the customer: channels in order, quiet hours, language, consents.

    GET  /portal/preferences
    POST /portal/preferences/channels      move=<channel>:up|down  (buttons; no JavaScript)
    POST /portal/preferences/quiet-hours   start, end (HH:MM) or clear
    POST /portal/preferences/language      language
    POST /portal/preferences/consents      purpose, channel, granted=yes|no

Every change goes through the customers service (`update_customer`, `set_quiet_hours`,
`change_consent`), which records it; whether a message may be sent is decided by
`customers.service.may_contact`, the rule every sender asks, so a withdrawal here is
honoured at once everywhere. Messaging routing reads the channel order and the quiet hours
from the customer.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.customers import service as customers_service
from firstmile.customers.models import Channel, ConsentPurpose, ConsentSource, Customer
from firstmile.customers.schemas import ConsentCreate, CustomerUpdate, QuietHoursUpdate
from firstmile.kit.errors import InvalidInput
from firstmile.kit.http import Db
from firstmile.kit.i18n import SUPPORTED_LOCALES
from firstmile.messaging import preferences as messaging_preferences
from firstmile.messaging import templates as messaging_templates
from firstmile.web import locale as web_locale
from firstmile.web.pages import (
    PageRoute,
    PortalCustomer,
    customer_actor,
    redirect,
    render,
    set_cookie,
    translator,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = "/portal/preferences"
CHANNELS = messaging_preferences.MARKETING_CHANNELS  # the channels messages travel on
PURPOSES = (ConsentPurpose.SERVICE.value, ConsentPurpose.MARKETING.value)
# Sign-in codes and contract messages go by email or SMS: one of them must stay allowed.
CODE_CHANNELS = ("email", "sms")


def channel_order(customer: Customer) -> list[str]:
    """The customer's preferred channels first, in their order, then the others."""
    preferred = [c for c in customer.preferred_channels or [] if c in CHANNELS]
    return preferred + [c for c in CHANNELS if c not in preferred]


def _consents(db: Db, customer_id: str) -> dict[str, dict[str, bool]]:
    marketing = messaging_preferences.marketing_state(db, customer_id)
    service = {
        c: customers_service.may_contact(db, customer_id, purpose="service", channel=c)
        for c in CHANNELS
    }
    return {"service": service, "marketing": marketing}


def _context(db: Db, me: Customer, **extra: Any) -> dict[str, Any]:
    pack_quiet = messaging_templates.policy(db).quiet_hours
    values = {
        "start": me.quiet_hours_start.strftime("%H:%M") if me.quiet_hours_start else "",
        "end": me.quiet_hours_end.strftime("%H:%M") if me.quiet_hours_end else "",
    }
    return {
        "order": channel_order(me),
        "consents": _consents(db, me.id),
        "quiet": values,
        "own_quiet": me.quiet_hours_start is not None,
        "pack_quiet": pack_quiet,
        "language_options": [(code, web_locale.NAMES[code]) for code in SUPPORTED_LOCALES],
        "language": me.language,
        "errors": {},
        "saved": "",
        **extra,
    }


def _invalid(
    request: Request, db: Db, me: Customer, errors: dict[str, str], **values: Any
) -> Response:
    context = _context(db, me, errors=errors, **values)
    return render(request, "portal/preferences.html", context, status=422)


@router.get(PAGE, response_class=HTMLResponse)
def preferences(request: Request, db: Db, me: PortalCustomer, saved: str = "") -> Response:
    known = {"channels", "quiet_hours", "language", "consents"}
    return render(
        request,
        "portal/preferences.html",
        _context(db, me, saved=saved if saved in known else ""),
    )


@router.post(PAGE + "/channels", response_class=HTMLResponse)
def move_channel(
    request: Request, db: Db, me: PortalCustomer, move: Annotated[str, Form()] = ""
) -> Response:
    _ = translator(request.state.locale)
    channel, _sep, direction = move.partition(":")
    order = channel_order(me)
    if channel not in order or direction not in ("up", "down"):
        return _invalid(request, db, me, {"channels": _("Choose a channel to move.")})
    index = order.index(channel)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    kept = [c for c in me.preferred_channels or [] if c not in CHANNELS]  # phone, post
    update = CustomerUpdate(preferred_channels=[Channel(c) for c in order + kept])
    customers_service.update_customer(db, me.id, update, actor=customer_actor(me))
    return redirect(request, f"{PAGE}?saved=channels#channels")


def _time(value: str) -> time | None:
    try:
        parsed = time.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if len(value.strip()) == 5 else None


@router.post(PAGE + "/quiet-hours", response_class=HTMLResponse)
def quiet_hours(
    request: Request,
    db: Db,
    me: PortalCustomer,
    start: Annotated[str, Form()] = "",
    end: Annotated[str, Form()] = "",
    clear: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request.state.locale)
    values = {"quiet": {"start": start, "end": end}}
    wanted = QuietHoursUpdate()
    if not clear:
        errors = {
            name: _("Enter a time such as 21:30.")
            for name, value in (("start", start), ("end", end))
            if _time(value) is None
        }
        if errors:
            return _invalid(request, db, me, errors, **values)
        wanted = QuietHoursUpdate(start=_time(start), end=_time(end))
    try:
        customers_service.set_quiet_hours(db, me.id, wanted, actor=customer_actor(me))
    except InvalidInput as exc:
        errors = {exc.field or "end": _("The end must be different from the start.")}
        return _invalid(request, db, me, errors, **values)
    return redirect(request, f"{PAGE}?saved=quiet_hours#quiet-hours")


@router.post(PAGE + "/language", response_class=HTMLResponse)
def language(
    request: Request, db: Db, me: PortalCustomer, language: Annotated[str, Form()] = ""
) -> Response:
    _ = translator(request.state.locale)
    if language not in SUPPORTED_LOCALES:
        errors = {"language": _("Choose one of the languages in the list.")}
        return _invalid(request, db, me, errors)
    update = CustomerUpdate(language=language)
    customers_service.update_customer(db, me.id, update, actor=customer_actor(me))
    # the page follows at once (the language cookie would otherwise keep the old one)
    set_cookie(request, web_locale.COOKIE, language, max_age=365 * 86400)
    return redirect(request, f"{PAGE}?saved=language#language")


@router.post(PAGE + "/consents", response_class=HTMLResponse)
def consent(
    request: Request,
    db: Db,
    me: PortalCustomer,
    purpose: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
    granted: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request.state.locale)
    if purpose not in PURPOSES or channel not in CHANNELS or granted not in ("yes", "no"):
        return _invalid(request, db, me, {"consents": _("Choose a consent to change.")})
    allow = granted == "yes"
    state = _consents(db, me.id)
    if state[purpose][channel] == allow:
        return redirect(request, f"{PAGE}?saved=consents#consents")
    if purpose == "service" and not allow and channel in CODE_CHANNELS:
        others = [c for c in CODE_CHANNELS if c != channel and state["service"][c]]
        if not others:
            message = _(
                "We need email or SMS for your sign-in codes and messages about your "
                "contract: keep at least one of them."
            )
            return _invalid(request, db, me, {"consents": message})
    data = ConsentCreate(
        purpose=ConsentPurpose(purpose),
        channel=Channel(channel),
        granted=allow,
        source=ConsentSource.WEB_FORM,
    )
    customers_service.change_consent(
        db, me.id, data, actor=customer_actor(me), source=ConsentSource.WEB_FORM
    )
    return redirect(request, f"{PAGE}?saved=consents#consents")
