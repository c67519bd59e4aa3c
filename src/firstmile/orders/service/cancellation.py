"""Cancelling an order, and ending the products it created.

Free before signature, within the legal cooling-off period counted from the signature (pack
meta `cooling_off_days`; a distance contract), and when nothing was delivered (a failed order,
or a feature change still in provisioning). Otherwise the contract's termination terms from
the locked snapshot apply: the products end after the notice period (the termination date),
and an early-termination fee is due for each quote item still in its minimum term.

Pending provisioning stops at once; products not yet live are cancelled at once; live ones
are terminated on the termination date (now, when that is today) by a keyed job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from firstmile.auth.scopes import SYSTEM, Actor
from firstmile.kit import jobs
from firstmile.kit.db import Session, serialize_order
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.orders import events, termination
from firstmile.orders import repository as repo
from firstmile.orders.errors import OrderNotCancellable
from firstmile.orders.models import (
    CancellationBasis,
    ItemStatus,
    Order,
    OrderKind,
    OrderStatus,
    Product,
    ProductStatus,
)
from firstmile.orders.service.features import priced_now
from firstmile.orders.service.lifecycle import record, record_product
from firstmile.packs import loader as packs
from firstmile.provisioning import service as provisioning_service

TERMINATE_JOB = "orders.terminate_products"
MAX_REASON = 500


@dataclass
class Assessment:
    basis: CancellationBasis
    ends_on: date
    fees: list[termination.ItemFee] = field(default_factory=list)


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def _started_on(products: list[Product], quote_item: int, tz: ZoneInfo) -> date | None:
    starts = [
        _local_date(p.activated_at, tz)
        for p in products
        if p.quote_item == quote_item and p.activated_at is not None
    ]
    return min(starts) if starts else None


def _under_terms(db: Session, order: Order, today: date, tz: ZoneInfo) -> Assessment:
    items = order.snapshot.get("items", [])
    notice = max((int(i.get("terms", {}).get("notice_days") or 0) for i in items), default=0)
    ends_on = termination.termination_date(today, notice)
    products = list(repo.products_of_order(db, order.id))
    # What the customer pays each month now: features switched on or off since count.
    lines = priced_now(order, products).get("lines", [])
    fees = [
        termination.item_fee(
            i.get("terms") or {},
            quote_item=int(i["index"]),
            offering=str(i["offering"]),
            started_on=_started_on(products, int(i["index"]), tz),
            ends_on=ends_on,
            monthly_gross=termination.monthly_gross_of(lines, int(i["index"])),
            currency=order.currency,
        )
        for i in items
    ]
    return Assessment(CancellationBasis.TERMINATION_TERMS, ends_on, fees)


def assess(db: Session, order: Order, *, today: date, tz: ZoneInfo, cooling_off: int) -> Assessment:
    """Which rule applies to cancelling `order` today, with the fee and termination date."""
    if order.status == OrderStatus.AWAITING_SIGNATURE:
        return Assessment(CancellationBasis.BEFORE_SIGNATURE, today)
    if order.status == OrderStatus.FAILED or order.kind == OrderKind.MODIFY:
        return Assessment(CancellationBasis.NOT_DELIVERED, today)
    signed = order.signed_at or order.placed_at
    if termination.within_cooling_off(_local_date(signed, tz), today, cooling_off):
        return Assessment(CancellationBasis.COOLING_OFF, today)
    return _under_terms(db, order, today, tz)


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput("say why the order is cancelled", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"at most {MAX_REASON} characters", field="reason")
    return text


def _cancellable(db: Session, order_id: str) -> Order:
    serialize_order(db, order_id)
    order = repo.find_order(db, order_id, for_update=True)
    if order is None:
        raise NotFound("order", order_id)
    if order.status == OrderStatus.CANCELLED:
        raise OrderNotCancellable("the order is already cancelled")
    if order.kind == OrderKind.MODIFY and order.status == OrderStatus.COMPLETED:
        raise OrderNotCancellable("the change is already applied; order another change to undo it")
    return order


def cancel_order(db: Session, order_id: str, *, reason: str, actor: Actor) -> Order:
    """Cancel the order under the rule that applies today (see the module doc); 409 twice."""
    text = _reason(reason)
    order = _cancellable(db, order_id)
    meta = packs.current_meta(db)
    tz = ZoneInfo(meta.timezone)
    today = _local_date(utcnow(), tz)
    cooling_off = meta.cooling_off_for(order.snapshot.get("account_kind"))
    found = assess(db, order, today=today, tz=tz, cooling_off=cooling_off)
    was = order.status
    order.status, order.cancelled_at, order.cancelled_by = (
        OrderStatus.CANCELLED,
        utcnow(),
        actor.ref,
    )
    order.cancellation_reason, order.cancellation_basis = text, found.basis
    fee = termination.total(found.fees, order.currency)
    order.cancellation_fee, order.termination_date = fee, found.ends_on
    for item in order.items:
        if item.status in (ItemStatus.PENDING, ItemStatus.FAILED):
            item.status = ItemStatus.CANCELLED
    db.flush()
    if was in (OrderStatus.IN_PROGRESS, OrderStatus.FAILED):
        provisioning_service.cancel_for_order(db, order.id, actor=actor)
    record(
        db,
        events.ORDER_CANCELLED,
        order,
        actor.ref,
        reason=text,
        basis=str(found.basis),
        fee=str(fee),
        currency=order.currency,
        fee_items=[f.to_json() for f in found.fees],
        termination_date=found.ends_on.isoformat(),
    )
    if order.kind == OrderKind.NEW:
        _end_products(db, order, today, tz, actor)
    return order


def _end_products(db: Session, order: Order, today: date, tz: ZoneInfo, actor: Actor) -> None:
    ends_on = order.termination_date or today
    for product in repo.products_of_order(db, order.id):
        if product.status == ProductStatus.PENDING:
            _end(db, product, ProductStatus.CANCELLED, actor.ref)
        elif product.status in (ProductStatus.ACTIVE, ProductStatus.SUSPENDED):
            product.terminates_on = ends_on
            if ends_on <= today:
                _end(db, product, ProductStatus.TERMINATED, actor.ref)
    if ends_on > today:
        run_at = datetime.combine(ends_on, time.min, tzinfo=tz)
        jobs.enqueue(
            db,
            TERMINATE_JOB,
            {"order_id": order.id},
            run_at=run_at,
            key=f"{TERMINATE_JOB}:{order.id}",
        )
    db.flush()


def _end(db: Session, product: Product, status: ProductStatus, actor: str) -> None:
    product.status, product.terminated_at = status, utcnow()
    db.flush()
    record_product(
        db,
        events.PRODUCT_TERMINATED,
        product,
        actor,
        status=str(status),
        reason="order cancelled",
        service_id=product.service_id,
    )


def terminate_due(db: Session, order_id: str) -> list[Product]:
    """End the products of a cancelled order whose termination date has come (a job's body)."""
    serialize_order(db, order_id)
    order = repo.find_order(db, order_id)
    if order is None or order.status != OrderStatus.CANCELLED:
        return []
    tz = ZoneInfo(packs.current_meta(db).timezone)
    today = _local_date(utcnow(), tz)
    ended = []
    for product in repo.products_of_order(db, order.id):
        live = product.status in (ProductStatus.ACTIVE, ProductStatus.SUSPENDED)
        if live and product.terminates_on is not None and product.terminates_on <= today:
            _end(db, product, ProductStatus.TERMINATED, SYSTEM.ref)
            ended.append(product)
    return ended
