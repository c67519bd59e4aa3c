"""The TMF641 listener: a standard network's ServiceOrderStateChangeEvent and
ServiceOrderAttributeValueChangeEvent, taken in as network reports, once per eventId."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.provisioning.models import FalloutCase, Service, ServiceOrder, ServiceOrderStatus
from tests.conftest import RunJobs
from tests.factories.provisioning import count_events
from tests.provisioning.conftest import SimulatorSettings
from tests.provisioning.helpers import service_orders, start_order

Headers = dict[str, str]
STATE_CHANGE = "/api/tmf641/listener/serviceOrderStateChangeEvent"
ATTRIBUTE_CHANGE = "/api/tmf641/listener/serviceOrderAttributeValueChangeEvent"


@pytest.fixture
def submitted(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> ServiceOrder:
    """A SIM activation the network holds (the simulator waits an hour before it reports)."""
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "3600")
    placed = start_order(sessions, "mobile-self")
    run_jobs()
    [so] = service_orders(db, placed.id)
    assert so.status == ServiceOrderStatus.SUBMITTED
    return so


def notification(
    so: ServiceOrder,
    state: str,
    *,
    event_id: str = "evt-1",
    event_type: str = "ServiceOrderStateChangeEvent",
    **order: Any,
) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "eventTime": "2026-03-01T10:00:00Z",
        "eventType": event_type,
        "event": {
            "serviceOrder": {
                "id": so.external_ref,
                "externalId": so.id,
                "state": state,
                "externalReference": [
                    {"name": str(so.attempts), "externalReferenceType": "attempt"}
                ],
                **order,
            }
        },
    }


def _characteristics(**values: str) -> list[dict[str, Any]]:
    chars = [{"name": k, "value": v} for k, v in values.items()]
    return [{"id": "1", "action": "add", "service": {"serviceCharacteristic": chars}}]


def _service(db: Session, so: ServiceOrder) -> Service:
    db.expire_all()
    found = db.get(Service, so.service_id)
    db.commit()
    assert found is not None
    return found


def test_completed_completes_the_service_order_once(
    client: TestClient, integration: Headers, db: Session, submitted: ServiceOrder
) -> None:
    items = _characteristics(msisdn="+420777000111", iccid="8942000000000000001")
    body = notification(submitted, "completed", serviceOrderItem=items)
    first = client.post(STATE_CHANGE, json=body, headers=integration)
    assert (first.status_code, first.json()["outcome"]) == (201, "recorded")
    again = client.post(STATE_CHANGE, json=body, headers=integration)
    assert (again.status_code, again.json()["outcome"]) == (200, "repeated")
    assert count_events(db, "service_order.completed") == 1
    assert count_events(db, "network.service_order_completed") == 1
    service = _service(db, submitted)
    assert service.identifiers["msisdn"] == "+420777000111"
    assert service.status == "awaiting_self_activation"


def test_characteristics_firstmile_sent_are_no_identifiers(
    client: TestClient, integration: Headers, db: Session, submitted: ServiceOrder
) -> None:
    items = _characteristics(
        msisdn="+420777000111", carrierActivationCode="12345678", sim_type="physical"
    )
    body = notification(submitted, "completed", serviceOrderItem=items)
    assert client.post(STATE_CHANGE, json=body, headers=integration).status_code == 201
    assert _service(db, submitted).identifiers == {"msisdn": "+420777000111"}


@pytest.mark.parametrize("state", ["failed", "rejected"])
def test_failed_or_rejected_opens_fallout_with_the_networks_reason(
    client: TestClient, integration: Headers, db: Session, submitted: ServiceOrder, state: str
) -> None:
    body = notification(submitted, state, errorMessage=[{"reason": "SIM stock exhausted"}])
    assert client.post(STATE_CHANGE, json=body, headers=integration).status_code == 201
    [case] = db.scalars(select(FalloutCase)).all()
    db.commit()
    assert case.error_kind == "permanent"
    assert case.reason == f"network {state} the order {submitted.external_ref}: SIM stock exhausted"


@pytest.mark.parametrize("state", ["acknowledged", "inProgress", "held", "cancelled"])
def test_other_states_are_accepted_and_change_nothing(
    client: TestClient, integration: Headers, db: Session, submitted: ServiceOrder, state: str
) -> None:
    answer = client.post(STATE_CHANGE, json=notification(submitted, state), headers=integration)
    assert (answer.status_code, answer.json()["outcome"]) == (202, "ignored")
    assert count_events(db, "network.service_order_completed") == 0
    assert service_orders(db, submitted.order_id)[0].status == ServiceOrderStatus.SUBMITTED


def test_attribute_value_change_is_taken_like_a_state_change(
    client: TestClient, integration: Headers, db: Session, submitted: ServiceOrder
) -> None:
    body = notification(submitted, "completed", event_type="ServiceOrderAttributeValueChangeEvent")
    assert client.post(ATTRIBUTE_CHANGE, json=body, headers=integration).status_code == 201
    assert service_orders(db, submitted.order_id)[0].status == ServiceOrderStatus.COMPLETED


def test_a_report_on_an_earlier_attempt_changes_nothing(
    client: TestClient, integration: Headers, db: Session, submitted: ServiceOrder
) -> None:
    body = notification(submitted, "completed")
    body["event"]["serviceOrder"]["externalReference"][0]["name"] = "0"
    assert client.post(STATE_CHANGE, json=body, headers=integration).status_code == 201
    assert service_orders(db, submitted.order_id)[0].status == ServiceOrderStatus.SUBMITTED


def test_without_the_attempt_another_network_order_is_stale(
    client: TestClient, integration: Headers, db: Session, submitted: ServiceOrder
) -> None:
    body = notification(submitted, "completed", externalReference=[], id="NET-OLD")
    answer = client.post(STATE_CHANGE, json=body, headers=integration)
    assert (answer.status_code, answer.json()["outcome"]) == (202, "ignored")
    assert service_orders(db, submitted.order_id)[0].status == ServiceOrderStatus.SUBMITTED


def test_the_same_event_id_for_another_report_is_refused(
    client: TestClient, integration: Headers, submitted: ServiceOrder
) -> None:
    done = notification(submitted, "completed")
    assert client.post(STATE_CHANGE, json=done, headers=integration).status_code == 201
    failed = notification(submitted, "failed")
    answer = client.post(STATE_CHANGE, json=failed, headers=integration)
    assert (answer.status_code, answer.json()["error"]["field"]) == (422, "eventId")


def test_unknown_service_order_is_404(
    client: TestClient, integration: Headers, submitted: ServiceOrder
) -> None:
    body = notification(submitted, "completed")
    body["event"]["serviceOrder"]["externalId"] = "no-such-order"
    assert client.post(STATE_CHANGE, json=body, headers=integration).status_code == 404


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("eventId",), None, "eventId"),
        (("eventType",), "ServiceOrderMadeUpEvent", "eventType"),
        (("eventTime",), "2026-03-01T10:00:00", "eventTime"),
        (("event", "serviceOrder", "externalId"), None, "event.serviceOrder.externalId"),
        (("event", "serviceOrder", "state"), "done", "event.serviceOrder.state"),
        (("event", "serviceOrder", "id"), None, "event.serviceOrder.id"),
    ],
)
def test_malformed_notification_is_422_naming_the_field(
    client: TestClient,
    integration: Headers,
    submitted: ServiceOrder,
    path: tuple[str, ...],
    value: Any,
    field: str,
) -> None:
    body = notification(submitted, "completed")
    holder = body
    for key in path[:-1]:
        holder = holder[key]
    if value is None:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    answer = client.post(STATE_CHANGE, json=body, headers=integration)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field


def test_the_listener_needs_an_integration_token(
    client: TestClient, agent: Headers, submitted: ServiceOrder
) -> None:
    body = notification(submitted, "completed")
    assert client.post(STATE_CHANGE, json=body).status_code == 401
    assert client.post(STATE_CHANGE, json=body, headers=agent).status_code == 403
