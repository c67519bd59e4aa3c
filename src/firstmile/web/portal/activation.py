"""Live activation status: the fragment `/portal/activation`, which HTMX polls every 5 s while
the network works on the customer's services, and what the customer does to finish: the code
printed on a SIM's carrier card, the eSIM's QR code.

The fragment polls while a service waits for the network (`pending_activation`), or while a
signed order's services are still being created; once every service is active, or waits for
the customer, it comes back without its `hx-trigger`, so the polling stops (and a code being
typed is not swapped away).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.appointments import service as appointments_service
from firstmile.appointments.models import BookingStatus
from firstmile.customers.models import Customer
from firstmile.eventlog import repository as eventlog_repository
from firstmile.kit.db import Session
from firstmile.kit.errors import FirstmileError, NotFound
from firstmile.kit.http import Db
from firstmile.kit.i18n import pick
from firstmile.orders import repository as orders_repository
from firstmile.orders import service as orders_service
from firstmile.orders.models import Order, OrderKind, OrderStatus
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.models import (
    Service,
    ServiceOrder,
    ServiceOrderStatus,
    ServiceStatus,
)
from firstmile.web.pages import (
    PageRoute,
    PortalCustomer,
    customer_actor,
    own,
    redirect,
    render,
    translator,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ESIM_ISSUED = "service.esim_code_issued"


@dataclass
class ServiceView:
    service: Service
    name: str
    steps: list[ServiceOrder] = field(default_factory=list)
    visit_at: datetime | None = None
    visit_until: datetime | None = None
    esim_code_issued: bool = False

    @property
    def pending(self) -> bool:
        return self.service.status == ServiceStatus.PENDING_ACTIVATION

    @property
    def delayed(self) -> bool:
        return any(s.status == ServiceOrderStatus.FAILED for s in self.steps)

    @property
    def awaiting_you(self) -> bool:
        return self.service.status == ServiceStatus.AWAITING_SELF_ACTIVATION

    @property
    def esim_ready(self) -> bool:
        s = self.service
        live = s.status in (ServiceStatus.ACTIVE, ServiceStatus.AWAITING_SELF_ACTIVATION)
        return s.sim_type == "esim" and live and bool(s.smdp_address and s.esim_matching_id)


def onboarding_order(db: Session, me: Customer) -> Order | None:
    """The customer's newest order of new products that is not cancelled."""
    orders, _total = orders_service.search_orders(db, customer_id=me.id, limit=50)
    for order in orders:
        if order.kind == OrderKind.NEW and order.status != OrderStatus.CANCELLED:
            return order
    return None


def _esim_codes_issued(db: Session, customer_id: str) -> set[str]:
    found: set[str] = set()
    after = 0
    while True:
        page = eventlog_repository.for_customer(
            db, customer_id, after_seq=after, limit=100, types=[ESIM_ISSUED]
        )
        found |= {str(e.payload.get("service_id") or e.subject_id) for e in page}
        if len(page) < 100:
            return found
        after = page[-1].seq


def _visit(db: Session, booking_id: str | None) -> tuple[datetime | None, datetime | None]:
    if not booking_id:
        return None, None
    try:
        booking = appointments_service.get_booking(db, booking_id)
    except NotFound:
        return None, None
    if booking.status != BookingStatus.BOOKED:
        return None, None
    return booking.slot.starts_at, booking.slot.ends_at


def order_services(db: Session, me: Customer, order: Order, locale: str) -> list[ServiceView]:
    """The order's services with their service orders, visit and eSIM state."""
    own(me, order.customer_id, "order", order.id)
    names = {p.id: pick(p.name, locale) for p in orders_repository.products_of_order(db, order.id)}
    steps = provisioning_service.service_orders(db, order.id)
    issued = _esim_codes_issued(db, me.id)
    views = []
    for service in provisioning_service.services(db, order_id=order.id):
        if service.customer_id != me.id:
            continue
        visit_at, visit_until = _visit(db, service.technician_booking_id)
        views.append(
            ServiceView(
                service=service,
                name=names.get(service.product_id or "", service.offering_code),
                steps=[s for s in steps if s.service_id == service.id],
                visit_at=visit_at,
                visit_until=visit_until,
                esim_code_issued=service.id in issued,
            )
        )
    return views


def view(
    db: Session,
    me: Customer,
    order: Order,
    locale: str,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    services = order_services(db, me, order, locale)
    # signed, but the services are not created yet: poll until they are
    preparing = not services and order.status == OrderStatus.IN_PROGRESS
    return {
        "order": order,
        "services": services,
        "polling": preparing or any(s.pending for s in services),
        "all_active": bool(services)
        and all(s.service.status == ServiceStatus.ACTIVE for s in services),
        "errors": errors or {},
    }


def _page(request: Request, context: dict[str, Any], *, status: int = 200) -> Response:
    """The fragment for HTMX (its polling swaps it), else the page around it."""
    fragment = request.headers.get("hx-request") == "true"
    template = "portal/activation_fragment.html" if fragment else "portal/activation.html"
    return render(request, template, {"activation": context}, status=status)


@router.get("/portal/activation", response_class=HTMLResponse)
def activation_status(
    request: Request, db: Db, me: PortalCustomer, order: str | None = None
) -> Response:
    if order is not None:
        chosen: Order | None = orders_service.get_order(db, order[:36])
        own(me, chosen.customer_id if chosen is not None else None, "order", order)
    else:
        chosen = onboarding_order(db, me)
    if chosen is None:
        context: dict[str, Any] = {
            "order": None,
            "services": [],
            "polling": False,
            "all_active": False,
            "errors": {},
        }
        return _page(request, context)
    return _page(request, view(db, me, chosen, request.state.locale))


def _own_service(db: Session, me: Customer, service_id: str) -> Service:
    service = provisioning_service.service(db, service_id)
    own(me, service.customer_id, "service", service_id)
    return service


@router.post("/portal/activation/services/{service_id}/self-activate")
def self_activate(
    request: Request,
    service_id: str,
    db: Db,
    me: PortalCustomer,
    activation_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    service = _own_service(db, me, service_id)
    target = f"/portal/activation?order={service.order_id}"
    if service.status != ServiceStatus.AWAITING_SELF_ACTIVATION:
        return redirect(request, target)
    _ = translator(request.state.locale)
    try:
        provisioning_service.self_activate(
            db, service.id, activation_code=activation_code.strip(), actor=customer_actor(me)
        )
    except FirstmileError as exc:
        if exc.status_code not in (409, 422, 429):
            raise
        message = _("This code is not right. Check the code printed on your SIM card.")
        if exc.status_code != 422:
            message = _("Too many wrong codes. Please contact us to activate your SIM card.")
        db.rollback()
        order = orders_service.get_order(db, service.order_id)
        context = view(db, me, order, request.state.locale, errors={service.id: message})
        return _page(request, context, status=exc.status_code)
    return redirect(request, target)


@router.get("/portal/activation/services/{service_id}/esim", response_class=HTMLResponse)
def esim_page(request: Request, service_id: str, db: Db, me: PortalCustomer) -> Response:
    service = _own_service(db, me, service_id)
    code = provisioning_service.esim_activation_code(db, service.id, actor=customer_actor(me))
    names = {p.id: p.name for p in orders_repository.products_of_order(db, service.order_id)}
    name = pick(names.get(service.product_id or "", {}), request.state.locale)
    return render(
        request,
        "portal/activation_esim.html",
        {"service": service, "name": name or service.offering_code, "code": code},
    )


@router.get("/portal/activation/services/{service_id}/esim.png")
def esim_qr(service_id: str, db: Db, me: PortalCustomer) -> Response:
    service = _own_service(db, me, service_id)
    code = provisioning_service.esim_activation_code(
        db, service.id, actor=customer_actor(me), fmt="png"
    )
    return Response(provisioning_service.qr_png(code), media_type="image/png")
