"""Read-side look-ups for the API and CLI."""

from __future__ import annotations

from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.provisioning import repository as repo
from firstmile.provisioning.models import (
    DeviceGuide,
    FalloutCase,
    FalloutStatus,
    Service,
    ServiceOrder,
)


def services(
    db: Session, *, customer_id: str | None = None, order_id: str | None = None
) -> list[Service]:
    if customer_id:
        return repo.services_of_customer(db, customer_id)
    if order_id:
        return repo.services_of_order(db, order_id)
    raise InvalidInput("give customer_id or order_id", field="customer_id")


def service_orders(db: Session, order_id: str) -> list[ServiceOrder]:
    return repo.service_orders_of_order(db, order_id)


def fallout_queue(
    db: Session,
    *,
    status: FalloutStatus | None = FalloutStatus.OPEN,
    assignee: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[FalloutCase]:
    return repo.fallout_cases(db, status=status, assignee=assignee, limit=limit, offset=offset)


def fallout_count(db: Session, *, status: FalloutStatus | None = FalloutStatus.OPEN) -> int:
    """How many cases have `status` (all cases when None)."""
    return repo.fallout_count(db, status=status)


def fallout_case(db: Session, case_id: str) -> FalloutCase:
    case = repo.fallout_case(db, case_id)
    if case is None:
        raise NotFound("fallout case", case_id)
    return case


def device_guides(db: Session) -> list[DeviceGuide]:
    return repo.device_guides(db)


def device_guide(db: Session, model: str) -> DeviceGuide:
    guide = repo.device_guide(db, model)
    if guide is None:
        raise NotFound("device model", model)
    return guide


def service(db: Session, service_id: str) -> Service:
    found = repo.service(db, service_id)
    if found is None:
        raise NotFound("service", service_id)
    return found


def device_step_image(db: Session, model: str, number: int) -> tuple[bytes, str] | None:
    """The bytes and media type of a step's image in the pack in force, or None."""
    from firstmile.packs import loader
    from firstmile.provisioning.pack import image_path

    guide = device_guide(db, model)
    if not 1 <= number <= len(guide.steps):
        return None
    image = guide.steps[number - 1].get("image")
    pack = loader.current(db)
    if not image or pack is None:
        return None
    path = image_path(pack.path, str(image))
    if path is None:
        return None
    media_type = "image/svg+xml" if path.suffix == ".svg" else "image/png"
    return path.read_bytes(), media_type
