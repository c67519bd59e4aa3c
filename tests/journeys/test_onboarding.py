"""The telco pack's onboarding journey end to end, driving the real domain services: a new
customer orders, forgets to sign (reminder with a fresh code), signs, gets billing set up,
is activated by the network simulator, and is then followed through the usage and loyalty
phases day by day."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.billing.models import BillingAccount
from firstmile.eventlog.models import Event
from firstmile.journeys.models import JourneyInstance
from firstmile.kit import time as clock
from firstmile.kyc import service as kyc_service
from firstmile.messaging.models import Message
from tests.conftest import RunJobs
from tests.factories.catalog import prague_address, stockholm_address
from tests.orders.test_flow import _network, _ok, _register, _sign, _verify_email

Sessions = sessionmaker[Session]


def _journey_messages(sessions: Sessions, customer_id: str) -> list[tuple[str, str]]:
    with sessions() as db:
        rows = db.execute(
            select(Message.purpose, Message.status)
            .where(Message.customer_id == customer_id, Message.idempotency_key.like("journey:%"))
            .order_by(Message.created_at)
        ).all()
    return [(purpose, str(status)) for purpose, status in rows]


def _instance(sessions: Sessions, customer_id: str) -> JourneyInstance:
    with sessions() as db:
        [instance] = db.scalars(
            select(JourneyInstance).where(JourneyInstance.customer_id == customer_id)
        ).all()
        return instance


def test_telco_onboarding_through_the_three_phases(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions, run_jobs: RunJobs
) -> None:
    customer = _register(client, agent)
    cid = str(customer["id"])
    _verify_email(client, agent, sessions, run_jobs, customer)
    account = customer["accounts"][0]["id"]  # type: ignore[index]
    quote = _ok(
        client.post(
            "/api/quotes",
            json={
                "customer_id": cid,
                "account_id": account,
                "service_address": prague_address(),
                "items": [{"offering": "mobile-10gb", "options": {"sim_type": "esim"}}],
            },
            headers=agent,
        ),
        201,
    )
    order = _ok(client.post("/api/orders", json={"quote_id": quote["id"]}, headers=agent), 201)
    run_jobs()
    instance = _instance(sessions, cid)
    assert (instance.status, instance.step) == ("waiting", "wait_documents")
    assert [p for p, _ in _journey_messages(sessions, cid)] == ["order_received"]
    with sessions() as db:  # the journey started the identity verification
        statuses = [str(v.status) for v in kyc_service.verifications_of(db, cid)]
    assert statuses == ["awaiting_documents"]

    # no identity documents after a day: a nudge; then the contract waits for a signature
    clock.travel(timedelta(hours=25))
    run_jobs()
    assert _instance(sessions, cid).step == "wait_signature"
    assert [p for p, _ in _journey_messages(sessions, cid)] == [
        "order_received",
        "kyc_documents_missing",
    ]

    # unsigned after 24 hours: a fresh signing code by email, and a reminder
    clock.travel(timedelta(hours=25))
    run_jobs()
    assert [p for p, _ in _journey_messages(sessions, cid)] == [
        "order_received",
        "kyc_documents_missing",
        "contract_reminder",
    ]
    with sessions() as db:
        codes = db.scalars(
            select(Message.id).where(
                Message.customer_id == cid, Message.purpose == "contract_signature"
            )
        ).all()
    assert len(codes) == 1  # sent by the journey's action, under its idempotency key
    assert _instance(sessions, cid).state["attributes"]["sign_reminders"] == 1

    _sign(client, agent, sessions, run_jobs, {**customer, "order": order})
    run_jobs()
    with sessions() as db:
        [billing] = db.scalars(select(BillingAccount).where(BillingAccount.customer_id == cid))
    assert billing.paperless
    assert billing.bill_email == "eva@example.com"
    _network(run_jobs)  # the simulator activates the eSIM (at once, in tests)
    run_jobs()
    instance = _instance(sessions, cid)
    assert instance.state["converted_at"] is not None
    assert "setup_help" in [p for p, _ in _journey_messages(sessions, cid)]

    for _day in range(45):  # the usage and loyalty phases, one day at a time
        clock.travel(timedelta(days=1))
        run_jobs()
    instance = _instance(sessions, cid)
    assert (instance.status, instance.state["outcome"]) == ("completed", "onboarded")
    sent = [p for p, _ in _journey_messages(sessions, cid)]
    first = ["order_received", "kyc_documents_missing", "contract_reminder", "setup_help"]
    assert sent[:4] == first
    later = sent[4:]
    assert later.count("usage_checkin") + later.count("portal_nudge") == 2  # day 3 and day 14
    assert "first_bill_explained" in later
    assert "nps_survey" in later
    variant = instance.state["variants"]["offer_split"]
    assert ("upgrade_offer" in later) == (variant != "holdout")
    with sessions() as db:
        phases = {
            e.payload["phase"]
            for e in db.scalars(
                select(Event).where(Event.type == "journey.step", Event.customer_id == cid)
            )
        }
    assert phases == {"activation", "usage", "loyalty"}
    counts = {
        c["step"]: c
        for c in _ok(client.get("/api/journeys/telco_onboarding/steps", headers=agent))  # type: ignore[union-attr]
    }
    assert counts["resend_code"]["entered"] == 1
    assert counts["onboarded"]["completed"] == 1
    assert counts["wait_signature"]["converted"] == 0


def test_energy_onboarding_from_order_to_loyalty(
    energy: str, client: TestClient, agent: dict[str, str], sessions: Sessions, run_jobs: RunJobs
) -> None:
    customer = _register(client, agent)
    cid = str(customer["id"])
    _verify_email(client, agent, sessions, run_jobs, customer)
    account = customer["accounts"][0]["id"]  # type: ignore[index]
    quote = _ok(
        client.post(
            "/api/quotes",
            json={
                "customer_id": cid,
                "account_id": account,
                "service_address": stockholm_address(),
                "items": [{"offering": "el-spot"}],
            },
            headers=agent,
        ),
        201,
    )
    order = _ok(client.post("/api/orders", json={"quote_id": quote["id"]}, headers=agent), 201)
    run_jobs()
    assert _instance(sessions, cid).step == "wait_documents"
    _sign(client, agent, sessions, run_jobs, {**customer, "order": order})
    run_jobs()
    for _day in range(75):  # the supply switch (21 days), then the usage and loyalty phases
        clock.travel(timedelta(days=1))
        run_jobs()
    instance = _instance(sessions, cid)
    sent = [p for p, _ in _journey_messages(sessions, cid)]
    assert (instance.status, instance.state["outcome"]) == ("completed", "onboarded")
    assert sent[:2] == ["order_received", "kyc_documents_missing"]
    assert "contract_reminder" not in sent  # signed while the identity check waited
    for purpose in ("setup_help", "first_bill_explained", "nps_survey"):
        assert purpose in sent
    with sessions() as db:
        assert db.scalars(select(BillingAccount).where(BillingAccount.customer_id == cid)).all()
