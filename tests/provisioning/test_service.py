from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit import jobs
from firstmile.kit import time as clock
from firstmile.kit.errors import Conflict, InvalidInput
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.adapters import simulator
from firstmile.provisioning.models import (
    FalloutCase,
    FalloutStatus,
    Service,
    ServiceOrderKind,
    ServiceOrderStatus,
    ServiceStatus,
)
from firstmile.provisioning.service.common import MAX_ATTEMPTS
from tests.conftest import RunJobs
from tests.factories.provisioning import AGENT, count_events, customer, events_of, order, spec_for
from tests.provisioning.conftest import SimulatorSettings
from tests.provisioning.helpers import METERING_POINT, service_orders, start_order


def _service(db: Session, order_id: str) -> Service:
    db.expire_all()
    found = db.scalars(select(Service).where(Service.order_id == order_id)).one()
    db.commit()
    return found


def test_start_creates_service_orders_and_queues_only_independent_ones(
    sessions: sessionmaker[Session], db: Session
) -> None:
    placed = start_order(sessions, "fibre")
    sos = service_orders(db, placed.id)
    assert [so.kind for so in sos] == [
        ServiceOrderKind.ROUTER_SHIPMENT,
        ServiceOrderKind.LINE_ACTIVATION,
    ]
    assert sos[1].depends_on_id == sos[0].id
    queued = db.scalars(
        select(jobs.Job).where(jobs.Job.kind == "provisioning.submission_due")
    ).all()
    assert [j.args["service_order_id"] for j in queued] == [sos[0].id]
    assert count_events(db, "provisioning.started") == 1


def test_start_twice_returns_the_same_service_orders(sessions: sessionmaker[Session]) -> None:
    placed = start_order(sessions, "mobile-plain")
    with sessions() as db:
        again = provisioning_service.start(db, placed, actor=AGENT, spec_for=spec_for)
        assert len(again) == 1
        assert len(service_orders(db, placed.id)) == 1


def test_bad_item_writes_nothing(sessions: sessionmaker[Session], db: Session) -> None:
    with sessions() as s:
        who = customer(s)
        placed = order(who.id, "mobile-plain", "mobile-plain")
        placed.items[1].options = {"sim_type": "esim"}
        with pytest.raises(InvalidInput) as caught:
            provisioning_service.start(s, placed, actor=AGENT, spec_for=spec_for)
        s.commit()
    assert caught.value.field == "items.1.options.sim_type"
    assert db.scalar(select(func.count()).select_from(Service)) == 0


def test_simulator_completes_and_activates_the_service(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-plain", options={"port_number": "+420601123456"})
    run_jobs()
    sos = service_orders(db, placed.id)
    assert {so.status for so in sos} == {ServiceOrderStatus.COMPLETED}
    service = _service(db, placed.id)
    assert service.status == ServiceStatus.ACTIVE
    assert service.identifiers["msisdn"] == "+420601123456"  # the ported number wins
    assert service.identifiers["iccid"].startswith("89420")
    [activated] = events_of(db, "service.activated")
    assert activated.payload == {
        "order_id": placed.id,
        "order_item_id": placed.items[0].id,
        "service_id": service.id,
    }
    assert activated.customer_id == placed.customer_id


def test_network_reports_arrive_through_ingestion(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    start_order(sessions, "power", options={"supply_point": METERING_POINT})
    run_jobs()
    clock.travel(simulator.SWITCH_NOTICE + timedelta(days=1))  # the switch date came
    run_jobs()
    reports = events_of(db, "network.service_order_completed")
    assert len(reports) == 2
    assert {e.source for e in reports} == {simulator.SOURCE}


def test_line_is_submitted_only_after_the_router_shipped(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "fibre")
    run_jobs()
    router, line = service_orders(db, placed.id)
    assert router.completed_at is not None
    assert line.submitted_at is not None
    assert line.submitted_at >= router.completed_at
    assert _service(db, placed.id).status == ServiceStatus.ACTIVE


def test_temporary_failure_is_retried_with_backoff_then_succeeds(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_TEMPORARY_FAILURE_RATE", "1")
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    [so] = service_orders(db, placed.id)
    assert so.status == ServiceOrderStatus.PENDING
    assert so.attempts == 1
    assert so.next_attempt_at is not None
    assert timedelta(seconds=25) < so.next_attempt_at - clock.utcnow() <= timedelta(seconds=30)
    [retry] = events_of(db, "service_order.retry_scheduled")
    assert retry.payload["attempt"] == 1
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_TEMPORARY_FAILURE_RATE", "0")
    run_jobs()
    assert service_orders(db, placed.id)[0].status == ServiceOrderStatus.PENDING  # not due yet
    clock.travel(timedelta(seconds=31))
    run_jobs()
    [so] = service_orders(db, placed.id)
    assert so.status == ServiceOrderStatus.COMPLETED
    assert so.attempts == 2


def test_backoff_doubles_per_attempt() -> None:
    from firstmile.provisioning.service.common import retry_delay

    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 20)] == [30, 60, 120, 3600]


def test_too_many_temporary_failures_fall_out(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_TEMPORARY_FAILURE_RATE", "1")
    placed = start_order(sessions, "mobile-plain")
    for _ in range(MAX_ATTEMPTS):
        run_jobs()
        clock.travel(timedelta(hours=1))
    [so] = service_orders(db, placed.id)
    assert so.status == ServiceOrderStatus.FAILED
    assert so.round_attempts == MAX_ATTEMPTS
    [case] = db.scalars(select(FalloutCase)).all()
    db.commit()
    assert case.error_kind == "temporary"
    assert case.reason.startswith(f"gave up after {MAX_ATTEMPTS} attempts")


def test_permanent_failure_opens_fallout_and_reports_activation_failed(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "1")
    placed = start_order(sessions, "tv")
    run_jobs()
    stb, tv = service_orders(db, placed.id)
    assert stb.status == ServiceOrderStatus.FAILED
    assert tv.status == ServiceOrderStatus.PENDING
    assert tv.attempts == 0  # never submitted
    [case] = db.scalars(select(FalloutCase)).all()
    db.commit()
    assert (case.status, case.error_kind, case.service_order_id) == ("open", "permanent", stb.id)
    assert count_events(db, "fallout.opened") == 1
    [failed] = events_of(db, "service.activation_failed")
    assert failed.payload["order_item_id"] == placed.items[0].id
    assert "permanent" in failed.payload["reason"]
    assert count_events(db, "service.activated") == 0


def test_fallout_retry_completes_and_resolves_the_case(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "1")
    placed = start_order(sessions, "tv")
    run_jobs()
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "0")
    with sessions() as s:
        case_id = s.scalars(select(FalloutCase.id)).one()
        provisioning_service.retry_fallout(s, case_id, actor=AGENT)
        s.commit()
    run_jobs()
    db.expire_all()
    case = db.get(FalloutCase, case_id)
    assert case is not None
    assert case.status == FalloutStatus.RESOLVED
    assert _service(db, placed.id).status == ServiceStatus.ACTIVE


def test_retrying_a_case_twice_conflicts(
    sessions: sessionmaker[Session], run_jobs: RunJobs, simulator_settings: SimulatorSettings
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "1")
    start_order(sessions, "tv")
    run_jobs()
    with sessions() as s:
        case_id = s.scalars(select(FalloutCase.id)).one()
        provisioning_service.retry_fallout(s, case_id, actor=AGENT)
        with pytest.raises(Conflict):
            provisioning_service.retry_fallout(s, case_id, actor=AGENT)


def test_cancelled_fallout_cancels_the_item_and_terminates_the_service(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "1")
    placed = start_order(sessions, "tv")
    run_jobs()
    with sessions() as s:
        case_id = s.scalars(select(FalloutCase.id)).one()
        provisioning_service.cancel_fallout(s, case_id, reason="no coverage", actor=AGENT)
        s.commit()
    assert {so.status for so in service_orders(db, placed.id)} == {ServiceOrderStatus.CANCELLED}
    assert _service(db, placed.id).status == ServiceStatus.TERMINATED
    [resolved] = events_of(db, "fallout.resolved")
    assert resolved.payload["outcome"] == "cancelled"


def test_cancel_for_order_cancels_what_has_not_completed(
    sessions: sessionmaker[Session], db: Session
) -> None:
    placed = start_order(sessions, "fibre")
    with sessions() as s:
        cancelled = provisioning_service.cancel_for_order(s, placed.id, actor=AGENT)
        s.commit()
    assert len(cancelled) == 2
    assert count_events(db, "service_order.cancelled") == 2
    assert _service(db, placed.id).status == ServiceStatus.TERMINATED


def test_cancel_for_order_keeps_completed_service_orders(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    with sessions() as s:
        assert provisioning_service.cancel_for_order(s, placed.id, actor=AGENT) == []
        s.commit()
    assert service_orders(db, placed.id)[0].status == ServiceOrderStatus.COMPLETED


def test_feature_change_updates_the_service_and_reports_activation(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-plain", features={"roaming": True})
    run_jobs()
    product_id = placed.items[0].product_id
    with sessions() as s:
        change = order(
            placed.customer_id,
            "mobile-plain",
            action="modify",
            product_id=product_id,
            features={"roaming": False},
        )
        provisioning_service.start(s, change, actor=AGENT, spec_for=spec_for)
        s.commit()
    run_jobs()
    service = _service(db, placed.id)
    assert service.features == {"roaming": False}
    assert service.status == ServiceStatus.ACTIVE
    assert [e.payload["order_id"] for e in events_of(db, "service.activated")] == [
        placed.id,
        change.id,
    ]


def test_modify_without_a_service_conflicts(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        who = customer(s)
        change = order(who.id, "mobile-plain", action="modify")
        with pytest.raises(Conflict):
            provisioning_service.start(s, change, actor=AGENT, spec_for=spec_for)


def test_add_on_changes_its_plans_service_after_the_plan_is_live(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-plain", "data-addon")
    sim, addon = service_orders(db, placed.id)
    assert addon.kind == ServiceOrderKind.FEATURE_CHANGE
    assert addon.depends_on_id == sim.id
    assert addon.service_id == sim.service_id
    run_jobs()
    service = _service(db, placed.id)
    assert service.features["data-addon"] is True
    items = {e.payload["order_item_id"] for e in events_of(db, "service.activated")}
    assert items == {placed.items[0].id, placed.items[1].id}


def test_add_on_without_its_plan_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        who = customer(s)
        with pytest.raises(InvalidInput) as caught:
            provisioning_service.start(
                s, order(who.id, "data-addon"), actor=AGENT, spec_for=spec_for
            )
    assert caught.value.field == "items.0.offering_code"


def test_start_reads_service_specs_from_the_catalog(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs, telco: str
) -> None:
    with sessions() as s:
        who = customer(s)
        placed = order(who.id, "fibre-300", "static-ip")
        provisioning_service.start(s, placed, actor=AGENT)
        s.commit()
    kinds = [so.kind for so in service_orders(db, placed.id)]
    assert sorted(kinds) == sorted(
        [
            ServiceOrderKind.ROUTER_SHIPMENT,
            ServiceOrderKind.LINE_ACTIVATION,
            ServiceOrderKind.FEATURE_CHANGE,
        ]
    )
    run_jobs()
    assert count_events(db, "service.activated") == 2
