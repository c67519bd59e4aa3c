"""The provisioning fallout queue: a permanent failure shows up, an agent retries it from
the page (and the case resolves when the network completes), or cancels it with a reason."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.eventlog.models import Event
from firstmile.kit.settings import Settings, configure, load_settings
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.models import FalloutCase, FalloutStatus, ServiceStatus
from tests.conftest import RunJobs
from tests.factories import provisioning as provisioning_factories
from tests.factories.web import post_form, sign_in_staff


class Network:
    """The simulator's failure rate, changed as an operator would (a FIRSTMILE_* variable)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, base: Settings) -> None:
        self.monkeypatch, self.base = monkeypatch, base

    def fail_permanently(self, rate: str) -> None:
        for name, value in (
            ("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "0"),
            ("FIRSTMILE_SIMULATOR_TEMPORARY_FAILURE_RATE", "0"),
            ("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", rate),
            ("FIRSTMILE_NETWORK_ADAPTER", "simulator"),
            ("FIRSTMILE_DATABASE_URL", self.base.database_url),
            ("FIRSTMILE_DATA_DIR", str(self.base.data_dir)),
        ):
            self.monkeypatch.setenv(name, value)
        configure(load_settings(run_worker_in_process=False))


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Network:
    return Network(monkeypatch, settings)


def _failed_tv_order(sessions: sessionmaker[Session], run_jobs: RunJobs, network: Network) -> str:
    """A TV order whose set-top box shipment the network refuses for good: one open case."""
    network.fail_permanently("1")
    with sessions() as db:
        who = provisioning_factories.customer(db)
        placed = provisioning_factories.order(who.id, "tv")
        provisioning_service.start(
            db, placed, actor=provisioning_factories.AGENT, spec_for=provisioning_factories.spec_for
        )
        db.commit()
    run_jobs()
    with sessions() as db:
        [case] = db.scalars(select(FalloutCase)).all()
        assert case.status == FalloutStatus.OPEN
        return case.id


def test_an_agent_retries_a_case_from_the_queue_and_it_resolves(
    client: TestClient,
    sessions: sessionmaker[Session],
    telco: str,
    run_jobs: RunJobs,
    network: Network,
) -> None:
    case_id = _failed_tv_order(sessions, run_jobs, network)
    user = sign_in_staff(client, sessions)
    queue = client.get("/backoffice/fallout")
    assert f"/backoffice/fallout/{case_id}/retry" in queue.text
    assert "stb_shipment" in queue.text
    network.fail_permanently("0")
    retried = post_form(
        client, f"/backoffice/fallout/{case_id}/retry", {}, via="/backoffice/fallout"
    )
    assert retried.status_code == 303
    assert (
        "The service order was sent to the network again."
        in client.get(retried.headers["location"]).text
    )
    with sessions() as db:
        case = db.get(FalloutCase, case_id)
        assert case is not None
        assert case.status == FalloutStatus.RETRYING
        [event] = db.scalars(select(Event).where(Event.type == "fallout.retried")).all()
        assert event.actor == f"staff:{user.id}"
    run_jobs()
    with sessions() as db:
        case = db.get(FalloutCase, case_id)
        assert case is not None
        assert case.status == FalloutStatus.RESOLVED
        [service] = provisioning_service.services(db, customer_id=case.customer_id)
        assert service.status == ServiceStatus.ACTIVE
    assert f"/backoffice/fallout/{case_id}/retry" not in client.get("/backoffice/fallout").text


def test_cancelling_needs_a_reason_then_gives_the_item_up(
    client: TestClient,
    sessions: sessionmaker[Session],
    telco: str,
    run_jobs: RunJobs,
    network: Network,
) -> None:
    case_id = _failed_tv_order(sessions, run_jobs, network)
    sign_in_staff(client, sessions)
    path = f"/backoffice/fallout/{case_id}/cancel"
    refused = post_form(client, path, {"reason": " "}, via="/backoffice/fallout")
    assert refused.status_code == 422
    assert f'id="e-reason-{case_id}"' in refused.text
    done = post_form(client, path, {"reason": "no coverage"}, via="/backoffice/fallout")
    assert done.status_code == 303
    with sessions() as db:
        case = db.get(FalloutCase, case_id)
        assert case is not None
        assert (case.status, case.resolution_note) == (FalloutStatus.CANCELLED, "no coverage")
    again = post_form(client, f"/backoffice/fallout/{case_id}/retry", {}, via="/backoffice/fallout")
    assert again.status_code == 409  # only an open case can be retried
