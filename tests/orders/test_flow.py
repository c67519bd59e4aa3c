"""End to end through the API: register -> quote -> order -> sign -> provisioning simulator
-> completed; then a default feature switched off after activation, applied by the network."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit import time as clock
from tests.conftest import RunJobs
from tests.factories.catalog import prague_address
from tests.factories.contracts import last_code

Sessions = sessionmaker[Session]


def _ok(answer: object, status: int = 200) -> dict[str, object]:
    assert getattr(answer, "status_code") == status, getattr(answer, "text")  # noqa: B009
    body: dict[str, object] = getattr(answer, "json")()  # noqa: B009
    return body


def _register(client: TestClient, agent: dict[str, str]) -> dict[str, object]:
    body = {
        "customer": {
            "kind": "individual",
            "country": "CZ",
            "given_name": "Eva",
            "family_name": "Nováková",
        },
        "contacts": [{"kind": "email", "value": "eva@example.com", "preferred": True}],
        "consents": [{"purpose": "service", "channel": "email", "granted": True}],
        "accounts": [{"kind": "residential", "name": "Home"}],
    }
    return _ok(client.post("/api/customers", json=body, headers=agent), 201)


def _verify_email(
    client: TestClient, agent: dict[str, str], sessions: Sessions, run_jobs: RunJobs, c: dict
) -> None:
    medium = c["contact_media"][0]["id"]
    url = f"/api/customers/{c['id']}/contact-media/{medium}/verification"
    _ok(client.post(url, headers=agent), 202)
    run_jobs()
    with sessions() as db:
        code = last_code(db, str(c["id"]))
    _ok(client.post(f"{url}/confirm", json={"code": code}, headers=agent))


def _sign(
    client: TestClient, agent: dict[str, str], sessions: Sessions, run_jobs: RunJobs, c: dict
) -> None:
    order = c["order"]
    contract = order["contract_id"]
    run_jobs()  # renders the contract PDF
    clock.travel(timedelta(seconds=1))  # the newest delivery is the signature code
    url = f"/api/contracts/{contract}"
    _ok(client.post(f"{url}/signature-requests", json={"channel": "email"}, headers=agent), 202)
    run_jobs()
    with sessions() as db:
        code = last_code(db, str(c["id"]))
    _ok(client.post(f"{url}/sign", json={"code": code}, headers=agent))


def _network(run_jobs: RunJobs) -> None:
    """Submit to the simulator, let its latency pass, take its reports."""
    run_jobs()
    clock.travel(timedelta(minutes=1))
    run_jobs()


def test_a_new_customer_goes_from_registration_to_a_live_service(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions, run_jobs: RunJobs
) -> None:
    customer = _register(client, agent)
    _verify_email(client, agent, sessions, run_jobs, customer)
    account = customer["accounts"][0]["id"]  # type: ignore[index]
    quote = _ok(
        client.post(
            "/api/quotes",
            json={
                "customer_id": customer["id"],
                "account_id": account,
                "service_address": prague_address(),
                "items": [{"offering": "mobile-10gb", "options": {"sim_type": "esim"}}],
            },
            headers=agent,
        ),
        201,
    )
    order = _ok(client.post("/api/orders", json={"quote_id": quote["id"]}, headers=agent), 201)
    assert order["status"] == "awaiting_signature"
    _sign(client, agent, sessions, run_jobs, {**customer, "order": order})
    assert _ok(client.get(f"/api/orders/{order['id']}", headers=agent))["status"] == "in_progress"
    _network(run_jobs)
    done = _ok(client.get(f"/api/orders/{order['id']}", headers=agent))
    assert done["status"] == "completed"
    [product] = _ok(
        client.get("/api/products", params={"customer_id": customer["id"]}, headers=agent)
    )["items"]  # type: ignore[misc]
    assert (product["status"], product["features"]["roaming"]) == ("active", True)
    assert _ok(client.get(f"/api/accounts/{account}", headers=agent))["status"] == "active"
    assert _ok(client.get(f"/api/customers/{customer['id']}", headers=agent))["status"] == "active"

    change = _ok(
        client.post(
            f"/api/products/{product['id']}/features",
            json={"features": {"roaming": False}},
            headers=agent,
        ),
        201,
    )
    _network(run_jobs)  # provisioning applies the feature change through the simulator
    assert _ok(client.get(f"/api/orders/{change['id']}", headers=agent))["status"] == "completed"
    after = _ok(client.get(f"/api/products/{product['id']}", headers=agent))
    assert after["features"]["roaming"] is False


def test_cancelling_a_live_order_takes_its_service_down_on_the_network(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions, run_jobs: RunJobs
) -> None:
    customer = _register(client, agent)
    _verify_email(client, agent, sessions, run_jobs, customer)
    quote = _ok(
        client.post(
            "/api/quotes",
            json={
                "customer_id": customer["id"],
                "account_id": customer["accounts"][0]["id"],  # type: ignore[index]
                "service_address": prague_address(),
                "items": [{"offering": "mobile-10gb", "options": {"sim_type": "esim"}}],
            },
            headers=agent,
        ),
        201,
    )
    order = _ok(client.post("/api/orders", json={"quote_id": quote["id"]}, headers=agent), 201)
    _sign(client, agent, sessions, run_jobs, {**customer, "order": order})
    _network(run_jobs)
    [service] = _ok(client.get("/api/services", params={"order_id": order["id"]}, headers=agent))
    assert service["status"] == "active"

    cancelled = client.post(
        f"/api/orders/{order['id']}/cancel", json={"reason": "changed my mind"}, headers=agent
    )
    assert _ok(cancelled)["status"] == "cancelled"  # within the cooling-off period: at once
    [down] = [
        so
        for so in _ok(
            client.get("/api/service-orders", params={"order_id": order["id"]}, headers=agent)
        )
        if so["kind"] == "service_termination"
    ]
    assert down["status"] == "pending"
    _network(run_jobs)
    after = _ok(client.get(f"/api/services/{service['id']}", headers=agent))
    assert after["status"] == "terminated"
    timeline = _ok(client.get(f"/api/customers/{customer['id']}/timeline", headers=agent))
    types = [e["type"] for e in timeline["events"]]  # type: ignore[union-attr]
    assert types.index("product.terminated") < types.index("service.terminated")
