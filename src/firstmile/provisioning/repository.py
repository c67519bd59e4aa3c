"""Every query of the provisioning domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select

from firstmile.kit.db import Session
from firstmile.provisioning.models import (
    DeviceGuide,
    FalloutCase,
    FalloutStatus,
    Service,
    ServiceOrder,
    ServiceOrderStatus,
)

OPEN_FALLOUT = (FalloutStatus.OPEN, FalloutStatus.RETRYING)


def service_order(db: Session, service_order_id: str, *, lock: bool = False) -> ServiceOrder | None:
    stmt = select(ServiceOrder).where(ServiceOrder.id == service_order_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.scalar(stmt)


def service(db: Session, service_id: str, *, lock: bool = False) -> Service | None:
    if not lock:
        return db.get(Service, service_id)
    stmt = select(Service).where(Service.id == service_id).with_for_update()
    return db.scalar(stmt.execution_options(populate_existing=True))


def fallout_case(db: Session, case_id: str, *, lock: bool = False) -> FalloutCase | None:
    stmt = select(FalloutCase).where(FalloutCase.id == case_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.scalar(stmt)


def service_orders_of_order(db: Session, order_id: str) -> list[ServiceOrder]:
    return list(
        db.scalars(
            select(ServiceOrder)
            .where(ServiceOrder.order_id == order_id)
            .order_by(ServiceOrder.created_at, ServiceOrder.id)
        )
    )


def service_orders_of_service(
    db: Session, service_id: str, order_item_id: str
) -> list[ServiceOrder]:
    return list(
        db.scalars(
            select(ServiceOrder).where(
                ServiceOrder.service_id == service_id,
                ServiceOrder.order_item_id == order_item_id,
            )
        )
    )


def dependents_of(db: Session, service_order_id: str) -> list[ServiceOrder]:
    return list(
        db.scalars(select(ServiceOrder).where(ServiceOrder.depends_on_id == service_order_id))
    )


def services_of_order(db: Session, order_id: str) -> list[Service]:
    return list(db.scalars(select(Service).where(Service.order_id == order_id)))


def services_of_customer(db: Session, customer_id: str) -> list[Service]:
    return list(
        db.scalars(
            select(Service)
            .where(Service.customer_id == customer_id)
            .order_by(Service.created_at, Service.id)
        )
    )


def service_for_product(db: Session, product_id: str) -> Service | None:
    return db.scalar(
        select(Service)
        .where(Service.product_id == product_id)
        .order_by(Service.created_at.desc())
        .limit(1)
    )


def open_case_for(db: Session, service_order_id: str) -> FalloutCase | None:
    return db.scalar(
        select(FalloutCase).where(
            FalloutCase.service_order_id == service_order_id,
            FalloutCase.status.in_(OPEN_FALLOUT),
        )
    )


def open_cases_for_orders(db: Session, service_order_ids: Sequence[str]) -> list[FalloutCase]:
    if not service_order_ids:
        return []
    return list(
        db.scalars(
            select(FalloutCase).where(
                FalloutCase.service_order_id.in_(service_order_ids),
                FalloutCase.status.in_(OPEN_FALLOUT),
            )
        )
    )


def fallout_cases(
    db: Session,
    *,
    status: FalloutStatus | None = None,
    assignee: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[FalloutCase]:
    stmt = select(FalloutCase).order_by(FalloutCase.created_at, FalloutCase.id)
    if status is not None:
        stmt = stmt.where(FalloutCase.status == status)
    if assignee is not None:
        stmt = stmt.where(FalloutCase.assignee == assignee)
    return list(db.scalars(stmt.limit(limit).offset(offset)))


def fallout_count(db: Session, *, status: FalloutStatus | None = None) -> int:
    stmt = select(func.count()).select_from(FalloutCase)
    if status is not None:
        stmt = stmt.where(FalloutCase.status == status)
    return db.scalar(stmt) or 0


def unfinished_of_order(db: Session, order_id: str) -> list[ServiceOrder]:
    done = (ServiceOrderStatus.COMPLETED, ServiceOrderStatus.CANCELLED)
    return list(
        db.scalars(
            select(ServiceOrder)
            .where(ServiceOrder.order_id == order_id, ServiceOrder.status.not_in(done))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def device_guides(db: Session) -> list[DeviceGuide]:
    return list(db.scalars(select(DeviceGuide).order_by(DeviceGuide.position, DeviceGuide.model)))


def device_guide(db: Session, model: str) -> DeviceGuide | None:
    return db.scalar(select(DeviceGuide).where(DeviceGuide.model == model))


def delete_device_guides(db: Session) -> None:
    db.execute(delete(DeviceGuide))
