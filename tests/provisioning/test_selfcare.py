from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit.errors import Conflict, InvalidInput
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.adapters import simulator
from firstmile.provisioning.models import (
    Service,
    ServiceOrderKind,
    ServiceOrderStatus,
    ServiceStatus,
)
from tests.conftest import RunJobs
from tests.factories.provisioning import AGENT, count_events, events_of
from tests.provisioning.conftest import SimulatorSettings
from tests.provisioning.helpers import report, service_orders, start_order


def _service_id(db: Session, order_id: str) -> str:
    found = db.scalars(select(Service.id).where(Service.order_id == order_id)).one()
    db.commit()
    return found


def _carrier_code(db: Session, order_id: str) -> str:
    [sim] = [
        so for so in service_orders(db, order_id) if so.kind == ServiceOrderKind.SIM_ACTIVATION
    ]
    code = simulator.printed_carrier_code(db, sim.id)
    assert code is not None
    return code


def test_physical_sim_waits_for_the_customer_to_self_activate(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-self")
    run_jobs()
    with sessions() as s:
        service = s.get(Service, _service_id(db, placed.id))
        assert service is not None
        assert service.status == ServiceStatus.AWAITING_SELF_ACTIVATION
    assert count_events(db, "service.activated") == 0
    assert count_events(db, "service.awaiting_self_activation") == 1


def test_right_activation_code_activates_the_service(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-self")
    run_jobs()
    code = _carrier_code(db, placed.id)
    service_id = _service_id(db, placed.id)
    with sessions() as s:
        service = provisioning_service.self_activate(
            s, service_id, activation_code=code, actor=AGENT
        )
        s.commit()
        assert service.status == ServiceStatus.ACTIVE
    assert count_events(db, "service.self_activated") == 1
    [activated] = events_of(db, "service.activated")
    assert activated.payload["service_id"] == service_id


def test_activation_code_is_never_recorded(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-self")
    run_jobs()
    code = _carrier_code(db, placed.id)
    from firstmile.eventlog.models import Event
    from firstmile.kit.jobs import Job

    texts = [str(e.payload) for e in db.scalars(select(Event))]
    texts += [str(j.args) for j in db.scalars(select(Job))]
    db.commit()
    assert not [t for t in texts if code in t]


def test_wrong_activation_code_names_the_field(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-self")
    run_jobs()
    service_id = _service_id(db, placed.id)
    with sessions() as s, pytest.raises(InvalidInput) as caught:
        provisioning_service.self_activate(s, service_id, activation_code="00000000", actor=AGENT)
    assert caught.value.field == "activation_code"


def test_activation_locks_after_too_many_wrong_codes(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-self")
    run_jobs()
    code = _carrier_code(db, placed.id)
    service_id = _service_id(db, placed.id)
    for _ in range(5):
        with sessions() as s, pytest.raises(InvalidInput):
            provisioning_service.self_activate(
                s, service_id, activation_code="99999999", actor=AGENT
            )
    with sessions() as s, pytest.raises(Conflict):
        provisioning_service.self_activate(s, service_id, activation_code=code, actor=AGENT)


def test_self_activation_of_an_active_service_conflicts(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    service_id = _service_id(db, placed.id)
    with sessions() as s, pytest.raises(Conflict):
        provisioning_service.self_activate(s, service_id, activation_code="12345678", actor=AGENT)


def test_esim_code_is_an_sgp22_lpa_string(
    sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "mobile-esim", options={"sim_type": "esim"})
    run_jobs()
    service_id = _service_id(db, placed.id)
    with sessions() as s:
        code = provisioning_service.esim_activation_code(s, service_id, actor=AGENT)
        service = s.get(Service, service_id)
        assert service is not None
        s.commit()
    assert code == f"LPA:1${simulator.SMDP_ADDRESS}${service.esim_matching_id}"
    assert service.status == ServiceStatus.ACTIVE  # eSIM needs no carrier code
    [issued] = events_of(db, "service.esim_code_issued")
    assert service.esim_matching_id not in str(issued.payload)


def test_esim_code_before_the_profile_is_ready_conflicts(
    sessions: sessionmaker[Session], db: Session
) -> None:
    placed = start_order(sessions, "mobile-esim", options={"sim_type": "esim"})
    service_id = _service_id(db, placed.id)
    with sessions() as s, pytest.raises(Conflict):
        provisioning_service.esim_activation_code(s, service_id, actor=AGENT)


def test_duplicate_network_report_changes_nothing_twice(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "3600")  # we answer instead
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    [so] = service_orders(db, placed.id)
    assert so.status == ServiceOrderStatus.SUBMITTED
    payload = {"service_order_id": so.id, "attempt": 1, "identifiers": {"msisdn": "+420777000111"}}
    assert report(sessions, "network.service_order_completed", payload, key="r-1")
    assert not report(sessions, "network.service_order_completed", payload, key="r-1")
    # the same news under another key: recorded, but the state does not move twice
    assert report(sessions, "network.service_order_completed", payload, key="r-2")
    assert count_events(db, "service_order.completed") == 1
    assert count_events(db, "service.activated") == 1


def test_stale_report_for_an_older_attempt_is_ignored(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "3600")
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    [so] = service_orders(db, placed.id)
    failed = {"service_order_id": so.id, "attempt": 7, "error_kind": "permanent", "message": "x"}
    report(sessions, "network.service_order_failed", failed, key="old")
    assert service_orders(db, placed.id)[0].status == ServiceOrderStatus.SUBMITTED
