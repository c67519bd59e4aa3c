from __future__ import annotations

import struct

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.provisioning.adapters import simulator
from firstmile.provisioning.models import FalloutCase, Service, ServiceOrderKind
from tests.conftest import RunJobs
from tests.provisioning.conftest import SimulatorSettings
from tests.provisioning.helpers import service_orders, start_order

Headers = dict[str, str]


def _service_id(db: Session, order_id: str) -> str:
    found = db.scalars(select(Service.id).where(Service.order_id == order_id)).one()
    db.commit()
    return found


def _awaiting(sessions: sessionmaker[Session], db: Session, run_jobs: RunJobs) -> tuple[str, str]:
    placed = start_order(sessions, "mobile-self")
    run_jobs()
    [sim] = service_orders(db, placed.id)
    code = simulator.printed_carrier_code(db, sim.id)
    assert code is not None
    return _service_id(db, placed.id), code


def _fallout(
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> str:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "1")
    start_order(sessions, "tv")
    run_jobs()
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "0")
    case_id = db.scalars(select(FalloutCase.id)).one()
    db.commit()
    return case_id


def test_services_need_a_token(client: TestClient) -> None:
    assert client.get("/api/services", params={"customer_id": "x"}).status_code == 401


def test_fallout_queue_is_for_agents(client: TestClient, integration: Headers) -> None:
    assert client.get("/api/fallout", headers=integration).status_code == 403


def test_lists_a_customers_services(
    client: TestClient, agent: Headers, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    placed = start_order(sessions, "fibre")
    run_jobs()
    answer = client.get("/api/services", params={"customer_id": placed.customer_id}, headers=agent)
    assert answer.status_code == 200
    [service] = answer.json()
    assert (service["kind"], service["status"]) == ("broadband", "active")
    assert service["identifiers"]["line_id"].startswith("FTTH-")


def test_services_without_a_filter_name_the_field(client: TestClient, agent: Headers) -> None:
    answer = client.get("/api/services", headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "customer_id"


def test_unknown_service_is_404(client: TestClient, agent: Headers) -> None:
    assert client.get("/api/services/nope", headers=agent).status_code == 404


def test_lists_service_orders_of_an_order(
    client: TestClient, agent: Headers, sessions: sessionmaker[Session]
) -> None:
    placed = start_order(sessions, "power")
    answer = client.get("/api/service-orders", params={"order_id": placed.id}, headers=agent)
    assert answer.status_code == 200
    assert [so["kind"] for so in answer.json()] == ["supply_switch", "smart_meter_registration"]


def test_service_orders_need_the_order_id(client: TestClient, agent: Headers) -> None:
    answer = client.get("/api/service-orders", headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "query.order_id"


def test_self_activation_with_the_right_code(
    client: TestClient,
    integration: Headers,
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
) -> None:
    service_id, code = _awaiting(sessions, db, run_jobs)
    answer = client.post(
        f"/api/services/{service_id}/self-activation",
        json={"activation_code": code},
        headers=integration,
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "active"


def test_wrong_activation_code_is_422_on_the_field(
    client: TestClient,
    integration: Headers,
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
) -> None:
    service_id, _code = _awaiting(sessions, db, run_jobs)
    answer = client.post(
        f"/api/services/{service_id}/self-activation",
        json={"activation_code": "00000000"},
        headers=integration,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "activation_code"


def test_wrong_codes_stay_counted_through_the_api(
    client: TestClient,
    integration: Headers,
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
) -> None:
    service_id, code = _awaiting(sessions, db, run_jobs)
    url = f"/api/services/{service_id}/self-activation"
    for _ in range(5):
        client.post(url, json={"activation_code": "11111111"}, headers=integration)
    answer = client.post(url, json={"activation_code": code}, headers=integration)
    assert answer.status_code == 409


def test_the_code_printed_by_the_simulator_is_shown_to_admins_and_activates(
    client: TestClient,
    admin: Headers,
    agent: Headers,
    integration: Headers,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
) -> None:
    """The demo path: read what the simulated logistics printed on the SIM carrier (kept in
    the database, so any process sees it), then activate with it as the customer would."""
    placed = start_order(sessions, "mobile-self")
    run_jobs()
    with sessions() as db:
        service_id = _service_id(db, placed.id)
    url = f"/api/provisioning/simulator/sim-carriers?service_id={service_id}"
    assert client.get(url, headers=agent).status_code == 403
    [carrier] = client.get(url, headers=admin).json()
    assert carrier["service_id"] == service_id
    assert len(carrier["activation_code"]) == 8
    answer = client.post(
        f"/api/services/{service_id}/self-activation",
        json={"activation_code": carrier["activation_code"]},
        headers=integration,
    )
    assert (answer.status_code, answer.json()["status"]) == (200, "active")
    unknown = client.get("/api/provisioning/simulator/sim-carriers?service_id=nope", headers=admin)
    assert unknown.status_code == 404


def test_self_activation_body_is_validated(client: TestClient, integration: Headers) -> None:
    answer = client.post(
        "/api/services/x/self-activation", json={"code": "1234"}, headers=integration
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] in {"activation_code", "code"}


def test_self_activation_of_unknown_service_is_404(
    client: TestClient, integration: Headers
) -> None:
    answer = client.post(
        "/api/services/nope/self-activation", json={"activation_code": "1234"}, headers=integration
    )
    assert answer.status_code == 404


def test_esim_code_and_qr_png(
    client: TestClient,
    integration: Headers,
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
) -> None:
    placed = start_order(sessions, "mobile-esim", options={"sim_type": "esim"})
    run_jobs()
    service_id = _service_id(db, placed.id)
    text = client.get(f"/api/services/{service_id}/esim", headers=integration)
    assert text.status_code == 200
    assert text.json()["activation_code"].startswith(f"LPA:1${simulator.SMDP_ADDRESS}$")
    assert text.headers["cache-control"] == "no-store"
    png = client.get(f"/api/services/{service_id}/esim.png", headers=integration)
    assert png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png.content[16:24])
    assert width == height
    assert 150 <= width <= 600


def test_esim_of_a_physical_sim_is_409(
    client: TestClient,
    integration: Headers,
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
) -> None:
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    answer = client.get(f"/api/services/{_service_id(db, placed.id)}/esim", headers=integration)
    assert answer.status_code == 409


def test_fallout_queue_retry_and_conflict(
    client: TestClient,
    agent: Headers,
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    case_id = _fallout(sessions, db, run_jobs, simulator_settings)
    queue = client.get("/api/fallout", params={"status": "open"}, headers=agent)
    assert [c["id"] for c in queue.json()] == [case_id]
    assert (
        client.post(f"/api/fallout/{case_id}/retry", headers=agent).json()["status"] == "retrying"
    )
    assert client.post(f"/api/fallout/{case_id}/retry", headers=agent).status_code == 409
    run_jobs()
    assert client.get(f"/api/fallout/{case_id}", headers=agent).json()["status"] == "resolved"


def test_fallout_cancel_needs_a_reason(
    client: TestClient,
    agent: Headers,
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    case_id = _fallout(sessions, db, run_jobs, simulator_settings)
    answer = client.post(f"/api/fallout/{case_id}/cancel", json={}, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "reason"
    done = client.post(
        f"/api/fallout/{case_id}/cancel", json={"reason": "duplicate"}, headers=agent
    )
    assert done.json()["status"] == "cancelled"


def test_fallout_assignment(
    client: TestClient,
    agent: Headers,
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    case_id = _fallout(sessions, db, run_jobs, simulator_settings)
    answer = client.post(
        f"/api/fallout/{case_id}/assignment", json={"assignee": "jana"}, headers=agent
    )
    assert answer.json()["assignee"] == "jana"
    mine = client.get("/api/fallout", params={"assignee": "jana"}, headers=agent)
    assert [c["id"] for c in mine.json()] == [case_id]


def test_unknown_fallout_case_is_404(client: TestClient, agent: Headers) -> None:
    assert client.post("/api/fallout/nope/retry", headers=agent).status_code == 404


def test_bad_fallout_status_filter_is_422(client: TestClient, agent: Headers) -> None:
    answer = client.get("/api/fallout", params={"status": "lost"}, headers=agent)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "query.status"


def test_network_report_for_unknown_service_order_is_422(
    client: TestClient, integration: Headers
) -> None:
    body = {
        "type": "network.service_order_completed",
        "source": "network",
        "idempotency_key": "k-1",
        "payload": {"service_order_id": "nope", "identifiers": {}},
    }
    answer = client.post("/api/events", json=body, headers=integration)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "payload.service_order_id"


def test_network_report_through_the_api_completes_the_order(
    client: TestClient,
    integration: Headers,
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    simulator_settings.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "3600")
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    [so] = service_orders(db, placed.id)
    assert so.kind == ServiceOrderKind.SIM_ACTIVATION
    body = {
        "type": "network.service_order_completed",
        "source": "network",
        "idempotency_key": f"{so.id}:1",
        "customer_id": placed.customer_id,
        "payload": {"service_order_id": so.id, "attempt": 1, "identifiers": {"msisdn": "+420777"}},
    }
    assert client.post("/api/events", json=body, headers=integration).status_code == 201
    assert client.post("/api/events", json=body, headers=integration).status_code == 200
    service = client.get(f"/api/services/{_service_id(db, placed.id)}", headers=integration)
    assert service.json()["status"] == "active"
