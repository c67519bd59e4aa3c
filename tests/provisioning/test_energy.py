"""Energy supply through the network simulator: the supply starts on its switch date, and a
service order without a metering point is refused, never given an invented one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit import time as clock
from firstmile.provisioning.adapters import simulator
from firstmile.provisioning.models import (
    FalloutCase,
    Service,
    ServiceOrderKind,
    ServiceOrderStatus,
    ServiceStatus,
)
from tests.conftest import RunJobs
from tests.factories.provisioning import count_events
from tests.provisioning.helpers import METERING_POINT, service_orders, start_order


def _service(db: Session, order_id: str) -> Service:
    db.expire_all()
    found = db.scalars(select(Service).where(Service.order_id == order_id)).one()
    db.commit()
    return found


def _travel_to(moment: datetime) -> None:
    clock.travel(moment - clock.utcnow())


def test_supply_becomes_active_on_its_switch_date_not_at_signature(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "power", options={"supply_point": METERING_POINT})
    run_jobs()
    switch, meter = service_orders(db, placed.id)
    assert (switch.status, meter.status) == (ServiceOrderStatus.SUBMITTED, "pending")
    service = _service(db, placed.id)
    assert service.status == ServiceStatus.PENDING_ACTIVATION
    switch_on = date.fromisoformat(service.identifiers["switch_date"])  # told on acceptance
    assert switch_on == (clock.utcnow() + simulator.SWITCH_NOTICE).date()
    start_of_switch_day = datetime.combine(switch_on, datetime.min.time(), UTC)
    _travel_to(start_of_switch_day - timedelta(minutes=1))
    run_jobs()
    assert _service(db, placed.id).status == ServiceStatus.PENDING_ACTIVATION
    assert count_events(db, "network.service_order_completed") == 0
    _travel_to(start_of_switch_day)
    run_jobs()
    service = _service(db, placed.id)
    assert service.status == ServiceStatus.ACTIVE
    assert service.activated_at is not None
    assert service.activated_at >= start_of_switch_day
    assert service.identifiers["ean"] == METERING_POINT


def test_supply_switch_without_a_metering_point_fails_permanently(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "gas")
    run_jobs()
    switch, meter = service_orders(db, placed.id)
    assert switch.kind == ServiceOrderKind.SUPPLY_SWITCH
    assert switch.status == ServiceOrderStatus.FAILED
    assert meter.status == ServiceOrderStatus.PENDING  # never sent
    [case] = db.scalars(select(FalloutCase)).all()
    db.commit()
    assert case.error_kind == "permanent"
    assert "data.supply_point" in case.reason
    assert "ean" not in _service(db, placed.id).identifiers  # nothing invented
    assert count_events(db, "network.service_order_completed") == 0


def test_metering_point_may_be_given_as_ean() -> None:
    data = {"kind": "supply_switch", "data": {"ean": METERING_POINT}}
    assert simulator.metering_point(data) == METERING_POINT


def test_smart_meter_registration_uses_the_switched_supply_point() -> None:
    data = {
        "kind": "smart_meter_registration",
        "data": {"device_model": "meter-fm-electricity"},
        "identifiers": {"ean": METERING_POINT},
    }
    assert simulator.metering_point(data) == METERING_POINT
