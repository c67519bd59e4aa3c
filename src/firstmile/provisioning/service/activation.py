"""From a signed order to live services: decomposition, submission, cancellation.

`start` plans every item before writing anything, so a bad item leaves no half-started
order. Submissions run as keyed jobs after commit; the network's answers arrive as external
events whose subscribers (tasks.py) call `network_completed` / `network_failed` (reports.py).
Both are idempotent on state: a report for a service order that is no longer awaiting one,
or that answers an older attempt, changes nothing. A cancelled order's service orders that
the network already holds are cancelled there too, by keyed jobs retried like submissions.
"""

from __future__ import annotations

import logging
import secrets
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import inspect as sa_inspect

from firstmile.auth.scopes import Actor
from firstmile.eventlog import service as eventlog_service
from firstmile.kit import jobs, otp
from firstmile.kit.db import Session, serialize_order
from firstmile.kit.errors import Conflict, InvalidInput
from firstmile.kit.settings import Settings
from firstmile.kit.time import utcnow
from firstmile.provisioning import adapters, events
from firstmile.provisioning import repository as repo
from firstmile.provisioning.decompose import (
    ItemRequest,
    PlannedOrder,
    decompose,
    device_model_for,
    is_add_on,
    service_kind,
    sim_type_for,
)
from firstmile.provisioning.models import (
    ErrorKind,
    FalloutStatus,
    Service,
    ServiceKind,
    ServiceOrder,
    ServiceOrderKind,
    ServiceOrderStatus,
    ServiceStatus,
)
from firstmile.provisioning.service.common import (
    MAX_ATTEMPTS,
    cancel_service_order,
    retry_delay,
    schedule_submission,
    so_event,
)
from firstmile.provisioning.service.reports import failed

log = logging.getLogger("firstmile.provisioning")
SYSTEM_ACTOR = "system:firstmile"
SELF_ACTIVATION_PURPOSE = "sim_self_activation"
CARRIER_CODE_TTL = timedelta(days=120)
MATCHING_ALPHABET = string.ascii_uppercase + string.digits
CANCEL_JOB = "provisioning.cancellation_due"
ORDER_CANCELLED = "order cancelled"


class OrderItemLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def offering_code(self) -> str: ...


class OrderLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def customer_id(self) -> str: ...


def _spec_of(db: Session, offering_code: str) -> Mapping[str, Any]:
    """The offering's service_spec; an add-on (no spec of its own) gives the plans it is for."""
    from firstmile.catalog import service as catalog_service

    offering = catalog_service.offering(db, offering_code)
    spec: dict[str, Any] = dict(offering.service_spec or {})
    if not spec.get("kind"):
        spec["add_on_for"] = list(offering.add_on_for or [])
    return spec


def item_request(item: OrderItemLike, snapshot: Mapping[str, Any] | None = None) -> ItemRequest:
    """The decomposition input of an order item; options the quote froze fill the gaps."""
    options: dict[str, Any] = {}
    for line in (snapshot or {}).get("lines", []) or []:
        if isinstance(line, dict) and line.get("offering_code") == item.offering_code:
            options.update(line.get("options") or {})
    options.update(getattr(item, "options", None) or {})
    return ItemRequest(
        item_id=item.id,
        offering_code=item.offering_code,
        action=str(getattr(item, "action", None) or "add"),
        options=options,
        features=dict(getattr(item, "features", None) or {}),
    )


def _items_of(db: Session, order: OrderLike) -> Iterable[OrderItemLike]:
    """The order's items; loads them when the relationship (lazy="raise") is not loaded yet."""
    state = sa_inspect(order, raiseerr=False)
    if state is not None and state.persistent and "items" in state.unloaded:
        db.refresh(order, attribute_names=["items"])
    items: Iterable[OrderItemLike] = getattr(order, "items", None) or []
    return items


SpecLookup = Callable[[Session, str], Mapping[str, Any]]


def start(
    db: Session, order: OrderLike, *, actor: Actor, spec_for: SpecLookup | None = None
) -> list[ServiceOrder]:
    """Decompose `order` into service orders and queue their submission; a repeat returns them.

    `spec_for(db, offering_code)` gives an offering's service_spec (default: the catalog).
    """
    lookup = spec_for or _spec_of
    existing = repo.service_orders_of_order(db, order.id)
    if existing:
        return existing
    planned = _plan(db, order, lookup)
    created: list[ServiceOrder] = []
    plans: dict[str, tuple[Service, ServiceOrder | None]] = {}
    for step in sorted(planned, key=lambda p: is_add_on(p.spec)):  # plans before add-ons
        if is_add_on(step.spec):
            service, after = _add_on_target(db, order, step.spec, plans)
        else:
            service, after = _service_for(db, order, step.item, step.request, step.spec), None
        orders = _create_orders(db, order, step.request, service, step.plan, after=after)
        plans.setdefault(step.request.offering_code, (service, orders[-1] if orders else None))
        created.extend(orders)
    eventlog_service.record(
        db,
        events.PROVISIONING_STARTED,
        actor=actor.ref,
        customer_id=order.customer_id,
        subject_id=order.id,
        payload={"order_id": order.id, "service_order_ids": [so.id for so in created]},
    )
    for so in created:
        if so.depends_on_id is None:
            schedule_submission(db, so)
    return created


@dataclass(frozen=True)
class _Step:
    item: OrderItemLike
    request: ItemRequest
    spec: Mapping[str, Any]
    plan: list[PlannedOrder]


def _plan(db: Session, order: OrderLike, lookup: SpecLookup) -> list[_Step]:
    """Every item's plan, checked before anything is written."""
    snapshot = getattr(order, "snapshot", None) or {}
    steps: list[_Step] = []
    for index, item in enumerate(_items_of(db, order)):
        request = item_request(item, snapshot)
        spec = lookup(db, request.offering_code)
        try:
            steps.append(_Step(item, request, spec, decompose(request, spec)))
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=f"items.{index}.{exc.field}") from None
    codes = {s.request.offering_code for s in steps if not is_add_on(s.spec)}
    held = {s.offering_code for s in repo.services_of_customer(db, order.customer_id)}
    for index, step in enumerate(steps):
        targets = set(step.spec.get("add_on_for") or [])
        if is_add_on(step.spec) and not targets & (codes | held):
            raise InvalidInput(
                f"add-on {step.request.offering_code} needs one of {', '.join(sorted(targets))}",
                field=f"items.{index}.offering_code",
            )
    return steps


def _add_on_target(
    db: Session,
    order: OrderLike,
    spec: Mapping[str, Any],
    plans: dict[str, tuple[Service, ServiceOrder | None]],
) -> tuple[Service, ServiceOrder | None]:
    """The plan service an add-on changes: one ordered with it (after its network work), or
    one the customer already holds."""
    targets = [str(code) for code in spec.get("add_on_for") or []]
    for code in targets:
        if code in plans:
            return plans[code]
    for service in reversed(repo.services_of_customer(db, order.customer_id)):
        if service.offering_code in targets and service.status != ServiceStatus.TERMINATED:
            return service, None
    raise Conflict(f"no service for add-on among {', '.join(targets)}")


def _service_for(
    db: Session,
    order: OrderLike,
    item: OrderItemLike,
    request: ItemRequest,
    spec: Mapping[str, Any],
) -> Service:
    product_id = getattr(item, "product_id", None)
    if request.action not in ("add", "new"):
        existing = repo.service_for_product(db, str(product_id)) if product_id else None
        if existing is None:
            raise Conflict(f"no service holds product {product_id} to modify", field="product_id")
        return existing
    kind = service_kind(spec)
    sim_type = sim_type_for(request, spec) if kind is ServiceKind.MOBILE else None
    service = Service(
        customer_id=order.customer_id,
        order_id=order.id,
        order_item_id=request.item_id,
        product_id=str(product_id) if product_id else None,
        offering_code=request.offering_code,
        kind=kind,
        status=ServiceStatus.PENDING_ACTIVATION,
        identifiers={},
        features=dict(request.features),
        sim_type=sim_type,
        device_model=None if kind is ServiceKind.MOBILE else device_model_for(request, spec),
        technician=str(spec.get("technician") or "none"),
        self_activation=bool(spec.get("self_activation")),
        esim_matching_id=_matching_id() if sim_type == "esim" else None,
    )
    db.add(service)
    db.flush()
    return service


def _matching_id() -> str:
    """An operator-chosen SGP.22 matching id: 4 groups of 5 unambiguous characters."""
    groups = ("".join(secrets.choice(MATCHING_ALPHABET) for _ in range(5)) for _ in range(4))
    return "-".join(groups)


def _create_orders(
    db: Session,
    order: OrderLike,
    request: ItemRequest,
    service: Service,
    plan: list[PlannedOrder],
    *,
    after: ServiceOrder | None = None,
) -> list[ServiceOrder]:
    """Rows for `plan`; its first order waits for `after` (an add-on on its plan's work)."""
    by_kind: dict[ServiceOrderKind, ServiceOrder] = {}
    out: list[ServiceOrder] = []
    for step in plan:
        before = by_kind[step.after] if step.after is not None else (None if out else after)
        so = ServiceOrder(
            order_id=order.id,
            order_item_id=request.item_id,
            customer_id=order.customer_id,
            service_id=service.id,
            kind=step.kind,
            status=ServiceOrderStatus.PENDING,
            depends_on_id=before.id if before is not None else None,
            data=step.data,
            attempts=0,
            submission_round=0,
            round_attempts=0,
            result={},
        )
        db.add(so)
        db.flush()
        by_kind[step.kind] = so
        out.append(so)
    return out


def submission_data(db: Session, so: ServiceOrder, service: Service) -> dict[str, Any]:
    """What the adapter sends. A physical SIM that the customer self-activates gets a fresh
    carrier code here: it goes to the network/logistics for printing, and is kept only hashed."""
    data: dict[str, Any] = {
        "id": so.id,
        "kind": str(so.kind),
        "attempt": so.attempts,
        "order_id": so.order_id,
        "order_item_id": so.order_item_id,
        "customer_id": so.customer_id,
        "service_id": service.id,
        "data": dict(so.data),
        "identifiers": dict(service.identifiers),
    }
    if so.kind == ServiceOrderKind.ESIM_PROFILE:
        data["esim_matching_id"] = service.esim_matching_id
    if so.kind == ServiceOrderKind.SIM_ACTIVATION and service.self_activation:
        data["carrier_activation_code"] = otp.issue(
            db,
            purpose=SELF_ACTIVATION_PURPOSE,
            subject_id=service.id,
            ttl_seconds=int(CARRIER_CODE_TTL.total_seconds()),
            length=8,
            max_per_hour=1000,
        )
    return data


def _locked(db: Session, service_order_id: str) -> ServiceOrder | None:
    """The service order locked, after its order (`serialize_order`: a failure recorded here
    reaches the order, which a cancel may be changing)."""
    unlocked = repo.service_order(db, service_order_id)
    if unlocked is None:
        return None
    serialize_order(db, unlocked.order_id)
    return repo.service_order(db, service_order_id, lock=True)


def submit(db: Session, service_order_id: str, settings: Settings) -> None:
    """Hand a pending service order to the network adapter (the submission job's body)."""
    so = _locked(db, service_order_id)
    if so is None or so.status != ServiceOrderStatus.PENDING:
        return
    if so.depends_on_id is not None:
        before = repo.service_order(db, so.depends_on_id)
        if before is None or before.status != ServiceOrderStatus.COMPLETED:
            return  # submitted when its dependency completes
    service = repo.service(db, so.service_id)
    assert service is not None  # a foreign key guarantees it
    so.attempts += 1
    so.round_attempts += 1
    payload = submission_data(db, so, service)
    try:
        receipt = adapters.build(db, settings).submit(payload)
    except adapters.TemporaryNetworkError as exc:
        failed(db, so, ErrorKind.TEMPORARY, str(exc), actor=SYSTEM_ACTOR)
        return
    except adapters.PermanentNetworkError as exc:
        failed(db, so, ErrorKind.PERMANENT, str(exc), actor=SYSTEM_ACTOR)
        return
    so.status = ServiceOrderStatus.SUBMITTED
    so.external_ref = receipt.external_ref
    if receipt.identifiers:
        service.identifiers = {**service.identifiers, **receipt.identifiers}
    so.submitted_at, so.next_attempt_at = utcnow(), None
    so_event(
        db,
        events.SERVICE_ORDER_SUBMITTED,
        so,
        actor=SYSTEM_ACTOR,
        attempt=so.attempts,
        external_ref=receipt.external_ref,
    )


def cancel_for_order(db: Session, order_id: str, *, actor: Actor) -> list[ServiceOrder]:
    """Cancel every service order of `order_id` that has not completed, with its fallout cases
    and the services that never went live; returns the service orders cancelled. Those the
    network holds (submitted) are cancelled there by a job after commit."""
    cancelled: list[ServiceOrder] = []
    for so in repo.unfinished_of_order(db, order_id):
        at_network = so.status == ServiceOrderStatus.SUBMITTED and bool(so.external_ref)
        if cancel_service_order(db, so, reason=ORDER_CANCELLED, actor=actor.ref):
            cancelled.append(so)
            if at_network:
                schedule_cancellation(db, so, attempt=1)
    for case in repo.open_cases_for_orders(db, [so.id for so in cancelled]):
        case.status, case.resolution_note = FalloutStatus.CANCELLED, ORDER_CANCELLED
        case.resolved_at, case.resolved_by = utcnow(), actor.ref
        eventlog_service.record(
            db,
            events.FALLOUT_RESOLVED,
            actor=actor.ref,
            customer_id=case.customer_id,
            subject_id=case.id,
            payload={
                "fallout_case_id": case.id,
                "service_order_id": case.service_order_id,
                "outcome": "cancelled",
                "note": ORDER_CANCELLED,
            },
        )
    for service in repo.services_of_order(db, order_id):
        if service.status in (
            ServiceStatus.PENDING_ACTIVATION,
            ServiceStatus.AWAITING_SELF_ACTIVATION,
        ):
            service.status = ServiceStatus.TERMINATED
    db.flush()
    return cancelled


def schedule_cancellation(
    db: Session, so: ServiceOrder, *, attempt: int, run_at: datetime | None = None
) -> None:
    """Queue (once per attempt) the job that cancels `so` at the network."""
    jobs.enqueue(
        db,
        CANCEL_JOB,
        {"service_order_id": so.id, "attempt": attempt},
        run_at=run_at,
        key=f"{CANCEL_JOB}:{so.id}:{attempt}",
        priority=jobs.HIGH,
    )


def send_cancellation(
    db: Session, service_order_id: str, settings: Settings, *, attempt: int
) -> None:
    """Tell the network a service order it accepted is cancelled (the cancellation job's body).
    A temporary failure is retried with the submissions' backoff, up to MAX_ATTEMPTS."""
    so = _locked(db, service_order_id)
    if so is None or so.status != ServiceOrderStatus.CANCELLED or not so.external_ref:
        return
    data = {
        "id": so.id,
        "kind": str(so.kind),
        "attempt": so.attempts,
        "external_ref": so.external_ref,
        "customer_id": so.customer_id,
        "reason": ORDER_CANCELLED,
    }
    try:
        receipt = adapters.build(db, settings).cancel(data)
    except adapters.TemporaryNetworkError as exc:
        _cancellation_failed(db, so, ErrorKind.TEMPORARY, str(exc), attempt=attempt)
        return
    except adapters.PermanentNetworkError as exc:
        _cancellation_failed(db, so, ErrorKind.PERMANENT, str(exc), attempt=attempt)
        return
    so_event(
        db,
        events.SERVICE_ORDER_CANCELLATION_SUBMITTED,
        so,
        actor=SYSTEM_ACTOR,
        attempt=attempt,
        external_ref=so.external_ref,
        cancellation_ref=receipt.external_ref,
    )


def _cancellation_failed(
    db: Session, so: ServiceOrder, kind: ErrorKind, message: str, *, attempt: int
) -> None:
    so.last_error = message
    if kind == ErrorKind.TEMPORARY and attempt < MAX_ATTEMPTS:
        retry_at = utcnow() + retry_delay(attempt)
        schedule_cancellation(db, so, attempt=attempt + 1, run_at=retry_at)
        log.info("service order %s: cancellation retried at %s: %s", so.id, retry_at, message)
        return
    if kind == ErrorKind.TEMPORARY:
        message = f"gave up after {attempt} attempts: {message}"
    log.warning("service order %s: the network did not cancel it: %s", so.id, message)
    so_event(
        db,
        events.SERVICE_ORDER_CANCELLATION_FAILED,
        so,
        actor=SYSTEM_ACTOR,
        attempt=attempt,
        external_ref=so.external_ref,
        error_kind=str(kind),
        message=message,
    )
