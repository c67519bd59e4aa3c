"""The onboarding journeys pass the order's monthly price as an amount and a currency, and
the message writes it in the customer's language."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.messaging.models import Message
from tests.conftest import RunJobs
from tests.factories.catalog import prague_address
from tests.orders.test_flow import _ok, _register, _verify_email

NBSP = "\u00a0"


def test_order_received_shows_the_monthly_price_in_the_customers_language(
    telco: str,
    client: TestClient,
    agent: dict[str, str],
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
) -> None:
    customer = _register(client, agent)
    cid = str(customer["id"])
    _ok(client.patch(f"/api/customers/{cid}", json={"language": "cs"}, headers=agent))
    _verify_email(client, agent, sessions, run_jobs, customer)
    quote = _ok(
        client.post(
            "/api/quotes",
            json={
                "customer_id": cid,
                "account_id": customer["accounts"][0]["id"],  # type: ignore[index]
                "service_address": prague_address(),
                "items": [{"offering": "mobile-10gb", "options": {"sim_type": "esim"}}],
            },
            headers=agent,
        ),
        201,
    )
    _ok(client.post("/api/orders", json={"quote_id": quote["id"]}, headers=agent), 201)
    run_jobs()
    with sessions() as db:
        message = db.scalars(
            select(Message).where(Message.customer_id == cid, Message.purpose == "order_received")
        ).one()
    assert message.locale == "cs"
    assert quote["monthly_gross"] == "398.09"  # the order event carries "398.0900"
    assert (
        "děkujeme za vaši objednávku u Firstmile Telco s.r.o. Nové služby vás budou stát "
        f"398,09{NBSP}Kč měsíčně."
    ) in message.body_text
