"""Cancelling an order whose service orders the network already holds: the network is told,
by a job after commit, and the simulator then never reports them done."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit import jobs
from firstmile.kit import time as clock
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.models import Service, ServiceOrderStatus, ServiceStatus
from firstmile.provisioning.service.activation import CANCEL_JOB
from tests.conftest import RunJobs
from tests.factories.provisioning import AGENT, count_events, events_of
from tests.provisioning.conftest import SimulatorSettings
from tests.provisioning.helpers import service_orders, start_order


def _cancel(sessions: sessionmaker[Session], order_id: str) -> None:
    with sessions() as s:
        provisioning_service.cancel_for_order(s, order_id, actor=AGENT)
        s.commit()


def _cancellation_jobs(db: Session) -> list[jobs.Job]:
    found = list(db.scalars(select(jobs.Job).where(jobs.Job.kind == CANCEL_JOB)))
    db.commit()
    return found


def test_cancelling_a_submitted_order_tells_the_network(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "3600")
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    [so] = service_orders(db, placed.id)
    assert so.status == ServiceOrderStatus.SUBMITTED
    _cancel(sessions, placed.id)
    run_jobs()
    [sent] = events_of(db, "service_order.cancellation_submitted")
    assert sent.subject_id == so.id
    assert sent.payload["external_ref"] == so.external_ref
    assert sent.payload["attempt"] == 1
    assert sent.payload["cancellation_ref"]


def test_simulator_never_reports_a_cancelled_order_done(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "3600")
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    _cancel(sessions, placed.id)
    run_jobs()
    clock.travel(timedelta(hours=2))  # past the simulator's latency
    run_jobs()
    assert count_events(db, "network.service_order_completed") == 0
    assert service_orders(db, placed.id)[0].status == ServiceOrderStatus.CANCELLED
    db.expire_all()
    service = db.scalars(select(Service).where(Service.order_id == placed.id)).one()
    db.commit()
    assert service.status == ServiceStatus.TERMINATED


def test_service_orders_not_yet_at_the_network_are_cancelled_here_only(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "fibre")  # nothing submitted yet: the jobs have not run
    _cancel(sessions, placed.id)
    assert _cancellation_jobs(db) == []
    run_jobs()
    assert count_events(db, "service_order.cancellation_submitted") == 0
    assert {so.status for so in service_orders(db, placed.id)} == {ServiceOrderStatus.CANCELLED}


def test_a_second_cancel_queues_no_second_network_cancellation(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "3600")
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    _cancel(sessions, placed.id)
    _cancel(sessions, placed.id)
    assert len(_cancellation_jobs(db)) == 1
    run_jobs()
    assert count_events(db, "service_order.cancellation_submitted") == 1
