"""The marketing-preference page and one-click unsubscribe, reached from every marketing
message. No login: the signed token in the link names the customer (see preferences.py).

    GET  /preferences/{token}                      the page, in the customer's language
    POST /preferences/{token}/unsubscribe/{channel}  RFC 8058 one-click (mail clients post
                                                     "List-Unsubscribe=One-Click"), and the
                                                     page's own buttons
    POST /preferences/{token}/subscribe/{channel}
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, Template, select_autoescape

from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repository
from firstmile.customers.models import Customer
from firstmile.kit.db import Session
from firstmile.kit.errors import NotFound
from firstmile.kit.http import Db, TxRoute
from firstmile.kit.i18n import gettext_for, is_rtl, language_of
from firstmile.kit.settings import current as current_settings
from firstmile.messaging import delivery, preferences
from firstmile.packs import loader as packs
from firstmile.web import locale as web_locale

router = APIRouter(tags=["preferences"], route_class=TxRoute, include_in_schema=False)
PAGES = Path(__file__).resolve().parent / "pages"
LABELS = {"email": "Email", "sms": "SMS", "push": "Push notifications", "inapp": "In-app messages"}


# The page's address holds the customer's token: no other site may frame it (clickjacking
# a subscribe button) or learn it from a Referer; it has no script, one inline style.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


@cache
def _page() -> Template:
    env = Environment(loader=FileSystemLoader(PAGES), autoescape=select_autoescape(["html"]))
    return env.get_template("preferences.html")


def _locale(request: Request, customer: Customer | None) -> str:
    """`?lang=`, the portal's language cookie, the customer's language, then the browser's:
    a link that names no one (forged, expired) still answers in the reader's language."""
    return web_locale.choose(request, customer.language if customer is not None else None)


def _render(
    request: Request,
    db: Session,
    customer_id: str | None,
    *,
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    customer = customers_repository.find(db, customer_id) if customer_id else None
    locale = _locale(request, customer)
    texts = gettext_for(locale)
    context: dict[str, Any] = {
        "lang": language_of(locale),
        "dir": "rtl" if is_rtl(locale) else "ltr",
        "_": texts.gettext,
        "invalid": customer is None,
        "notice": notice,
    }
    if customer is not None:
        meta = packs.current_meta(db)
        state = preferences.marketing_state(db, customer.id)
        settings = current_settings()
        context.update(
            operator=meta.operator.get("legal_name", meta.name),
            base=preferences.preferences_url(settings, customer.id),
            channels=[
                {"code": c, "label": texts.gettext(LABELS[c]), "granted": state[c]}
                for c in preferences.MARKETING_CHANNELS
            ],
        )
    return HTMLResponse(
        _page().render(**context),
        status_code=404 if customer is None else status,
        headers=PAGE_HEADERS,
    )


def _customer(token: str) -> str | None:
    return preferences.customer_of(current_settings(), token)


@router.post("/messaging/opened/{token}", status_code=204)
def push_opened(token: str, db: Db) -> Response:
    """The push service worker reports a click; a forged or unknown token is a 404."""
    message_id = delivery.message_of_opened_token(token)
    if message_id is None:
        return Response(status_code=404)
    customer = Actor("customer", "push", "customer", frozenset())
    try:
        delivery.mark_opened(db, message_id, actor=customer)
    except NotFound:
        return Response(status_code=404)
    return Response(status_code=204)


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preference_page(request: Request, token: str, db: Db) -> HTMLResponse:
    return _render(request, db, _customer(token))


@router.post("/preferences/{token}/{action}/{channel}", response_class=HTMLResponse)
def change(request: Request, token: str, action: str, channel: str, db: Db) -> HTMLResponse:
    """The body ("List-Unsubscribe=One-Click", or the page's empty form) is not needed."""
    customer_id = _customer(token)
    customer = customers_repository.find(db, customer_id) if customer_id else None
    if customer is None or action not in ("unsubscribe", "subscribe"):
        return _render(request, db, None)
    if channel not in preferences.MARKETING_CHANNELS:
        return _render(request, db, None)
    granted = action == "subscribe"
    preferences.set_marketing(db, customer.id, channel, granted=granted)
    texts = gettext_for(_locale(request, customer))
    label = texts.gettext(LABELS[channel])
    notice = (
        texts.gettext("Saved: you will receive offers by {channel}.")
        if granted
        else texts.gettext("Saved: you will no longer receive offers by {channel}.")
    ).format(channel=label)
    return _render(request, db, customer.id, notice=notice)
