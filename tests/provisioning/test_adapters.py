"""The TMF641 HTTP adapter against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.provisioning.adapters import PermanentNetworkError, TemporaryNetworkError
from firstmile.provisioning.adapters.tmf641 import Tmf641HttpAdapter, tmf641_order
from firstmile.provisioning.models import FalloutCase, ServiceOrderStatus
from tests.conftest import RunJobs
from tests.factories.provisioning import count_events
from tests.provisioning.conftest import Network, SimulatorSettings
from tests.provisioning.helpers import report, service_orders, start_order

DATA = {
    "id": "so-1",
    "kind": "sim_activation",
    "attempt": 1,
    "order_id": "o-1",
    "customer_id": "c-1",
    "service_id": "s-1",
    "data": {"sim_type": "physical"},
}


def test_tmf641_document_carries_our_id_and_characteristics() -> None:
    doc = tmf641_order(DATA)
    assert doc["externalId"] == "so-1"
    item = doc["serviceOrderItem"][0]
    assert item["action"] == "add"
    assert item["service"]["serviceSpecification"]["id"] == "sim_activation"
    assert {"name": "sim_type", "valueType": "string", "value": "physical"} in item["service"][
        "serviceCharacteristic"
    ]


@pytest.mark.parametrize(
    ("kind", "action"),
    [("sim_activation", "add"), ("feature_change", "modify"), ("service_termination", "delete")],
)
def test_tmf641_item_action_follows_the_kind(kind: str, action: str) -> None:
    assert tmf641_order({**DATA, "kind": kind})["serviceOrderItem"][0]["action"] == action


def test_accepted_order_returns_the_network_reference(network: tuple[Network, str]) -> None:
    state, url = network
    receipt = Tmf641HttpAdapter(url).submit(DATA)
    assert receipt.external_ref == "NET-42"
    assert state.received[0]["@type"] == "ServiceOrder"


def test_503_is_temporary(network: tuple[Network, str]) -> None:
    state, url = network
    state.status = 503
    with pytest.raises(TemporaryNetworkError):
        Tmf641HttpAdapter(url).submit(DATA)


def test_400_is_permanent(network: tuple[Network, str]) -> None:
    state, url = network
    state.status = 400
    with pytest.raises(PermanentNetworkError):
        Tmf641HttpAdapter(url).submit(DATA)


def test_timeout_is_temporary(network: tuple[Network, str]) -> None:
    state, url = network
    state.delay = 0.5
    with pytest.raises(TemporaryNetworkError):
        Tmf641HttpAdapter(url, timeout=httpx.Timeout(0.1)).submit(DATA)


def test_unreachable_network_is_temporary() -> None:
    with pytest.raises(TemporaryNetworkError):
        Tmf641HttpAdapter("http://127.0.0.1:9/nowhere").submit(DATA)


def test_submission_job_uses_the_configured_http_network(
    network: tuple[Network, str],
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    state, url = network
    simulator_settings.setenv("FIRSTMILE_NETWORK_ADAPTER", "tmf641")
    simulator_settings.setenv("FIRSTMILE_NETWORK_URL", url)
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    [so] = service_orders(db, placed.id)
    assert (so.status, so.external_ref) == (ServiceOrderStatus.SUBMITTED, "NET-42")
    assert state.received[0]["externalId"] == so.id
    payload = {"service_order_id": so.id, "identifiers": {"msisdn": "+420777123456"}}
    report(sessions, "network.service_order_completed", payload, key=f"{so.id}:1")
    assert service_orders(db, placed.id)[0].status == ServiceOrderStatus.COMPLETED
    assert count_events(db, "service.activated") == 1


def test_http_400_on_submission_opens_fallout(
    network: tuple[Network, str],
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    state, url = network
    state.status = 400
    simulator_settings.setenv("FIRSTMILE_NETWORK_ADAPTER", "tmf641")
    simulator_settings.setenv("FIRSTMILE_NETWORK_URL", url)
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    assert service_orders(db, placed.id)[0].status == ServiceOrderStatus.FAILED
    assert len(db.scalars(select(FalloutCase)).all()) == 1
