"""Reports racing each other: real threads, separate sessions (PostgreSQL row locks; SQLite's
single writer serialises them)."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import RunJobs
from tests.factories.provisioning import count_events
from tests.provisioning.conftest import SimulatorSettings
from tests.provisioning.helpers import report, service_orders, start_order


def test_concurrent_completion_reports_complete_once(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "3600")
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    [so] = service_orders(db, placed.id)
    payload = {"service_order_id": so.id, "attempt": 1, "identifiers": {"msisdn": "+420777"}}
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def deliver(n: int) -> None:
        barrier.wait()
        try:
            report(sessions, "network.service_order_completed", payload, key=f"race-{n}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count_events(db, "network.service_order_completed") == 6
    assert count_events(db, "service_order.completed") == 1
    assert count_events(db, "service.activated") == 1
