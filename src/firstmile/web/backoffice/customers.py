"""Customer search and the customer 360: everything the domains hold about one customer on
one page, read through each domain's service (profile, contacts, consents, accounts,
orders, contracts, services, appointments, identity checks, billing, messages, help
requests, journeys, and the event log's timeline, paged).

Moving or ending a journey instance is a supervisor's act, audited by the journeys service.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.appointments import service as appointments_service
from firstmile.billing import service as billing_service
from firstmile.billing.validation import mask_iban
from firstmile.contracts import service as contracts_service
from firstmile.customers import service as customers_service
from firstmile.eventlog import service as eventlog_service
from firstmile.journeys import service as journeys_service
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput
from firstmile.kit.http import Db
from firstmile.kit.i18n import pick
from firstmile.kyc import service as kyc_service
from firstmile.messaging import service as messaging_service
from firstmile.messaging import templates as messaging_templates
from firstmile.orders import service as orders_service
from firstmile.provisioning import service as provisioning_service
from firstmile.web import locale as web_locale
from firstmile.web.backoffice import code_labels, event_labels, service_words
from firstmile.web.backoffice.calendars import purposes as booking_purposes
from firstmile.web.backoffice.common import Translate, field_errors, page, who_of
from firstmile.web.backoffice.customer_journeys import journeys_of
from firstmile.web.backoffice.customer_search import find_customers
from firstmile.web.pages import AgentUser, PageRoute, Staff, SupervisorUser, redirect, translator

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SEARCH_PAGE = 25
TIMELINE_PAGE = 50
Reason = Annotated[str, Form(max_length=500)]


def _notices(_: Translate) -> dict[str, str]:
    return {
        "moved": _("The journey instance was moved."),
        "ended": _("The journey instance was ended."),
    }


@router.get("/backoffice/customers", response_class=HTMLResponse)
def search(
    request: Request,
    db: Db,
    _staff: AgentUser,
    q: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> HTMLResponse:
    context: dict[str, Any] = {"q": q, "errors": {}, "results": [], "total": 0, "offset": offset}
    try:
        found, total = find_customers(db, q, offset=offset, limit=SEARCH_PAGE)
    except InvalidInput as exc:
        context["errors"] = field_errors(exc, "q")
        return page(request, db, "backoffice/customers.html", context, status=422)
    context |= {
        "results": found,
        "total": total,
        "next_offset": offset + SEARCH_PAGE if offset + SEARCH_PAGE < total else None,
        "previous_offset": max(offset - SEARCH_PAGE, 0) if offset else None,
    }
    return page(request, db, "backoffice/customers.html", context)


def _path_actors(journeys: list[dict[str, Any]]) -> list[str | None]:
    return [entry["actor"] for item in journeys for entry in item["path"]]


def _billing(db: Session, customer_id: str) -> list[dict[str, Any]]:
    out = []
    for account in billing_service.find_billing_accounts(db, customer_id=customer_id):
        methods = [
            {"method": m, "iban": mask_iban(m.iban) if m.iban else None}
            for m in billing_service.payment_methods(db, account.id)
        ]
        out.append({"account": account, "methods": methods})
    return out


def _titled(value: Any, locale: str, fallback: str) -> str:
    return pick(value, locale) if isinstance(value, dict) and value else fallback


def help_requests(db: Session, customer_id: str, locale: str) -> list[dict[str, Any]] | None:
    """The customer's help requests when the care domain offers them (None: it does not
    yet); read defensively, as that domain is young."""
    try:
        care = importlib.import_module("firstmile.care.service")
    except ImportError:
        return None
    find = getattr(care, "help_requests_of", None)
    if find is None:
        return None
    rows = []
    for item in find(db, customer_id):
        context = getattr(item, "context", None) or {}
        code = str(getattr(item, "tutorial_code", "") or "")
        rows.append(
            {
                "tutorial": _titled(context.get("tutorial_title"), locale, code),
                "step": getattr(item, "step", None),
                "step_title": _titled(context.get("step_title"), locale, ""),
                "note": getattr(item, "note", "") or "",
                "device": getattr(item, "device_model", None),
                "status": getattr(item, "status", None),
                "created_at": getattr(item, "created_at", None),
                "resolution": getattr(item, "resolution", None),
            }
        )
    return rows


def _timeline(db: Session, customer_id: str, after: int) -> dict[str, Any]:
    events = eventlog_service.timeline(db, customer_id, after_seq=after, limit=TIMELINE_PAGE + 1)
    shown = events[:TIMELINE_PAGE]
    return {
        "events": shown,
        "next_after": shown[-1].seq if len(events) > TIMELINE_PAGE else None,
        "after": after,
    }


def _purposes(db: Session) -> dict[str, Any]:
    """Each message purpose's description in the current pack ({} before a pack is loaded)."""
    try:
        rows = messaging_templates.current_templates(db)
    except InvalidInput:
        return {}
    return {row.purpose: row.content.get("description") for row in rows}


def _words(_: Translate) -> dict[str, Any]:
    """The customer page's words for codes: event types, channels, kinds of contact, phone,
    service and registration, consent sources, booking purposes."""
    return {
        "events": event_labels.event_types(_),
        "channels": code_labels.channels(_),
        "contact_kinds": code_labels.contact_kinds(_),
        "phone_types": code_labels.phone_types(_),
        "service_kinds": code_labels.service_kinds(_),
        "registration_channels": code_labels.registration_channels(_),
        "consent_sources": code_labels.consent_sources(_),
        "booking_purposes": dict(booking_purposes(_)),
    }


def _catalogue_words(db: Session, locale: str, _: Translate) -> dict[str, Any]:
    """Offerings by their names in `locale`, a service's identifiers as labelled values."""
    names = service_words.catalogue_names(db, locale)
    fmt = web_locale.Formats(locale)
    return {
        "offering_name": names.offering,
        "identifiers_of": lambda values: service_words.identifiers(values, names, fmt, _),
    }


def customer_context(db: Session, customer_id: str, after: int, locale: str) -> dict[str, Any]:
    _ = translator(locale)
    customer = customers_service.get_customer(db, customer_id)
    orders, order_total = orders_service.search_orders(db, customer_id=customer_id, limit=50)
    messages = messaging_service.messages_of(db, customer_id, limit=50)
    timeline = _timeline(db, customer_id, after)
    journeys = journeys_of(db, customer_id)
    return {
        "customer": customer,
        "media": customers_service.media_of(db, customer_id),
        "consents": customers_service.current_consents(db, customer_id),
        "accounts": customers_service.accounts_of(db, customer_id),
        "orders": orders,
        "order_total": order_total,
        "contracts": contracts_service.contracts_for(db, customer_id=customer_id),
        "services": provisioning_service.services(db, customer_id=customer_id),
        "bookings": appointments_service.bookings_for_customer(db, customer_id, limit=50),
        "verifications": kyc_service.verifications_of(db, customer_id),
        "billing": _billing(db, customer_id),
        "messages": messages,
        "help_requests": help_requests(db, customer_id, locale),
        "journeys": journeys,
        "timeline": timeline,
        "who": who_of(db, [e.actor for e in timeline["events"]] + _path_actors(journeys), _),
        "purposes": _purposes(db),
        **_words(_),
        **_catalogue_words(db, locale, _),
    }


def _customer_page(
    request: Request,
    db: Session,
    staff: Staff,
    customer_id: str,
    *,
    after: int = 0,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    _ = translator(request.state.locale)
    context = customer_context(db, customer_id, after, request.state.locale) | {
        "errors": errors or {},
        "may_steer": staff.allows("supervisor"),
    }
    return page(
        request, db, "backoffice/customer.html", context, notices=_notices(_), status=status
    )


@router.get("/backoffice/customers/{customer_id}", response_class=HTMLResponse)
def customer_360(
    customer_id: str,
    request: Request,
    db: Db,
    staff: AgentUser,
    after: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    return _customer_page(request, db, staff, customer_id, after=after)


@router.get("/backoffice/contracts/{contract_id}/document")
def contract_document(contract_id: str, db: Db, _staff: AgentUser) -> Response:
    """The sealed PDF once sealed, else the unsigned one (409 while it is being made)."""
    pdf = contracts_service.document(db, contract_id)
    headers = {"Content-Disposition": f'attachment; filename="contract-{contract_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


def _steered(
    request: Request, db: Session, staff: Staff, instance_id: str, reason: str, step: str | None
) -> Response:
    """Move (to `step`) or end an instance; a missing reason re-renders the customer page."""
    found = journeys_service.instance(db, instance_id)
    customer_id = found.customer_id
    try:
        if not reason.strip():
            raise InvalidInput("say why", field="reason")
        if step is None:
            journeys_service.end(db, instance_id, actor=staff.actor, reason=reason.strip())
        else:
            journeys_service.move(db, instance_id, step, actor=staff.actor, reason=reason.strip())
    except InvalidInput as exc:
        _ = translator(request.state.locale)
        text = _("Please write the reason.") if exc.field == "reason" else exc.message
        key = f"{'end' if step is None else 'move'}_{instance_id}"
        return _customer_page(request, db, staff, customer_id, errors={key: text}, status=422)
    done = "ended" if step is None else "moved"
    return redirect(request, f"/backoffice/customers/{customer_id}?done={done}#journeys")


@router.post("/backoffice/journey-instances/{instance_id}/move")
def move_instance(
    instance_id: str,
    request: Request,
    db: Db,
    staff: SupervisorUser,
    step: Annotated[str, Form(max_length=60)] = "",
    reason: Reason = "",
) -> Response:
    return _steered(request, db, staff, instance_id, reason, step)


@router.post("/backoffice/journey-instances/{instance_id}/end")
def end_instance(
    instance_id: str, request: Request, db: Db, staff: SupervisorUser, reason: Reason = ""
) -> Response:
    return _steered(request, db, staff, instance_id, reason, None)
