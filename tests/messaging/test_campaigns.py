"""Campaigns: variants and a control group, throttled batches, repeats, results."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile import worker
from firstmile.auth.scopes import SYSTEM
from firstmile.customers.models import Consent, ConsentSource, Customer
from firstmile.eventlog import service as eventlog_service
from firstmile.kit import time as clock
from firstmile.messaging import service as messaging
from firstmile.messaging.campaigns import service as campaigns
from firstmile.messaging.campaigns.models import CampaignRecipient
from firstmile.messaging.models import Message
from tests.conftest import RunJobs
from tests.factories import customers as make

Headers = dict[str, str]
OFFER = {"offer_name": "Mobil 30 GB", "monthly_price": "499 Kč"}
CHEAPER = {"offer_name": "Mobil 30 GB", "monthly_price": "449 Kč"}


def _business(db: Session, n: int, *, marketing: bool = True) -> str:
    """A business customer with two accounts (so in `business_several_accounts`)."""
    company = make.registered(
        db,
        customer=make.organization(legal_name=f"Firma {n} s.r.o."),
        accounts=[{"kind": "business"}, {"kind": "business", "name": "Branch"}],
        contacts=[make.email(f"firma{n}@example.com")],
    )
    medium = make.medium(db, company, "email")
    medium.verified_at = clock.utcnow()
    if marketing:
        db.add(
            Consent(
                customer_id=company.id,
                purpose="marketing",
                channel="email",
                granted=True,
                version=1,
                source=ConsentSource.WEB_FORM,
                actor="system:test",
            )
        )
    db.commit()
    return company.id


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Bigger plan for businesses",
        "segment": "business_several_accounts",
        "variants": [
            {"name": "A", "purpose": "upgrade_offer", "weight": 1, "data": OFFER},
            {"name": "B", "purpose": "upgrade_offer", "weight": 1, "data": CHEAPER},
        ],
        "control_percent": 20,
        "rate_per_minute": 3,
        "goal_event": "order.placed",
        "goal_window_days": 14,
    }
    body.update(overrides)
    return body


def _recipients(sessions: sessionmaker[Session]) -> list[CampaignRecipient]:
    with sessions() as s:
        return list(s.scalars(select(CampaignRecipient).order_by(CampaignRecipient.customer_id)))


@pytest.mark.usefixtures("telco")
def test_a_campaign_sends_to_its_segment_in_throttled_batches(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    admin: Headers,
) -> None:
    ids = [_business(db, n) for n in range(7)]
    run_jobs()  # segment membership
    created = client.post("/api/campaigns", json=_body(), headers=admin)
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["status"] == "draft"
    started = client.post(f"/api/campaigns/{campaign['id']}/start", headers=admin)
    assert started.json()["status"] == "active"
    run_jobs()
    assert len(_recipients(sessions)) == 3  # 3 a minute
    clock.travel(timedelta(seconds=30))
    run_jobs()
    assert len(_recipients(sessions)) == 3  # the next batch waits its minute
    for _ in range(3):
        clock.travel(timedelta(seconds=61))
        run_jobs()
    recipients = _recipients(sessions)
    assert sorted(r.customer_id for r in recipients) == sorted(ids)
    with sessions() as s:
        campaign_row = campaigns.get(s, campaign["id"])
        assert campaign_row.status == "completed"
        for r in recipients:
            assert r.variant == campaigns.assign(campaign_row, r.customer_id)
            assert (r.message_id is None) == (r.variant == "control")
        sent = s.scalar(select(func.count()).select_from(Message))
        assert sent == sum(1 for r in recipients if r.variant != "control")


@pytest.mark.usefixtures("telco")
@pytest.mark.usefixtures("daytime")
def test_results_count_sends_and_conversions_per_variant(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    admin: Headers,
    agent: Headers,
) -> None:
    ids = [_business(db, n, marketing=n != 0) for n in range(6)]
    run_jobs()
    body = _body(
        rate_per_minute=100,
        control_percent=0,
        variants=[{"name": "A", "purpose": "upgrade_offer", "data": OFFER}],
    )
    campaign = client.post("/api/campaigns", json=body, headers=admin).json()
    client.post(f"/api/campaigns/{campaign['id']}/start", headers=admin)
    run_jobs()
    with sessions() as s:  # two customers order within the window, one after it
        for customer_id in ids[1:3]:
            eventlog_service.record(s, "order.placed", actor=SYSTEM.ref, customer_id=customer_id)
        s.commit()
    clock.travel(timedelta(days=15))
    with sessions() as s:
        eventlog_service.record(s, "order.placed", actor=SYSTEM.ref, customer_id=ids[3])
        s.commit()
    answer = client.get(f"/api/campaigns/{campaign['id']}/results", headers=agent)
    assert answer.status_code == 200, answer.text
    groups = answer.json()["groups"]
    assert groups["A"]["recipients"] == 6
    assert groups["A"]["suppressed"] == 1  # no marketing consent
    assert groups["A"]["sent"] == 5
    assert groups["A"]["converted"] == 2
    assert groups["A"]["conversion_rate"] == round(2 / 6, 4)
    assert groups["control"]["recipients"] == 0
    assert groups["A"]["uplift"] is None


@pytest.mark.usefixtures("telco")
def test_a_repeating_campaign_runs_again_and_keeps_each_customers_group(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    admin: Headers,
) -> None:
    ids = [_business(db, n) for n in range(4)]
    run_jobs()
    campaign = client.post(
        "/api/campaigns", json=_body(rate_per_minute=100, repeat_every_days=7), headers=admin
    ).json()
    client.post(f"/api/campaigns/{campaign['id']}/start", headers=admin)
    run_jobs()
    first = {r.customer_id: r.variant for r in _recipients(sessions)}
    clock.travel(timedelta(days=7, minutes=1))
    run_jobs()
    recipients = _recipients(sessions)
    assert len(recipients) == 8
    assert all(first[r.customer_id] == r.variant for r in recipients)
    assert set(first) == set(ids)
    client.post(f"/api/campaigns/{campaign['id']}/cancel", headers=admin)
    clock.travel(timedelta(days=8))
    run_jobs()
    assert len(_recipients(sessions)) == 8


@pytest.mark.usefixtures("telco")
def test_a_campaign_batch_waits_behind_transactional_messages(
    db: Session,
    sessions: sessionmaker[Session],
    client: TestClient,
    admin: Headers,
    agent: Headers,
    run_jobs: RunJobs,
) -> None:
    company = _business(db, 1)
    run_jobs()
    campaign = client.post("/api/campaigns", json=_body(), headers=admin).json()
    client.post(f"/api/campaigns/{campaign['id']}/start", headers=admin)
    medium = make.medium(db, db.get(Customer, company), "email")
    medium.verified_at = None
    db.commit()
    url = f"/api/customers/{company}/contact-media/{medium.id}/verification"
    assert client.post(url, headers=agent).status_code == 202  # a one-time code: urgent
    worker.run_once(sessions, batch_size=1)  # one job: the code goes first
    with sessions() as s:
        [code] = s.scalars(select(Message)).all()
        assert code.purpose == "contact_verification"
        assert code.status == "sent"
        assert s.scalar(select(func.count()).select_from(CampaignRecipient)) == 0


@pytest.mark.usefixtures("telco")
@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"segment": "nope"}, 404, None),
        ({"variants": [{"name": "A", "purpose": "welcome"}]}, 422, "variants.0.purpose"),
        ({"variants": [{"name": "A", "purpose": "nope"}]}, 422, "variants.0.purpose"),
        ({"variants": [{"name": "control", "purpose": "upgrade_offer"}]}, 422, None),
        ({"goal_event": "nothing.happened"}, 422, "goal_event"),
        ({"control_percent": 80}, 422, "control_percent"),
        ({"variants": []}, 422, "variants"),
    ],
)
def test_bad_campaigns_are_refused(
    client: TestClient, admin: Headers, change: dict[str, Any], status: int, field: str | None
) -> None:
    answer = client.post("/api/campaigns", json=_body(**change), headers=admin)
    assert answer.status_code == status, answer.text
    if field is not None:
        assert field in answer.json()["error"]["field"]


@pytest.mark.usefixtures("telco")
def test_only_drafts_start_and_agents_cannot(
    client: TestClient, admin: Headers, agent: Headers
) -> None:
    assert client.post("/api/campaigns", json=_body(), headers=agent).status_code == 403
    campaign = client.post("/api/campaigns", json=_body(), headers=admin).json()
    assert client.post(f"/api/campaigns/{campaign['id']}/start", headers=admin).status_code == 200
    again = client.post(f"/api/campaigns/{campaign['id']}/start", headers=admin)
    assert again.status_code == 409
    assert client.get("/api/campaigns/nope", headers=agent).status_code == 404


@pytest.mark.usefixtures("telco")
@pytest.mark.usefixtures("daytime")
def test_a_campaign_batch_keeps_the_frequency_caps(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    admin: Headers,
) -> None:
    """A batch reads its recipients' recent marketing messages in one query: one who has had
    the pack's two marketing emails this week gets no third; the others get theirs."""
    capped, fresh, once = (_business(db, n) for n in range(3))
    with sessions() as s:
        for n, customer_id in enumerate((capped, capped, once)):
            messaging.send(
                s,
                customer_id=customer_id,
                purpose="upgrade_offer",
                data={**OFFER, "given_name": "Firma", "family_name": ""},
                idempotency_key=f"earlier-{n}",
                actor=SYSTEM,
            )
        s.commit()
    run_jobs()
    created = client.post(
        "/api/campaigns",
        json=_body(control_percent=0, rate_per_minute=100),
        headers=admin,
    ).json()
    client.post(f"/api/campaigns/{created['id']}/start", headers=admin)
    run_jobs()
    with sessions() as s:
        by_customer = {
            r.customer_id: s.get(Message, r.message_id)
            for r in s.scalars(select(CampaignRecipient))
        }
    assert set(by_customer) == {capped, fresh, once}
    assert by_customer[capped] is not None
    assert by_customer[capped].status == "suppressed"
    assert by_customer[capped].skipped["email"] == "frequency_cap"
    for customer_id in (fresh, once):
        message = by_customer[customer_id]
        assert message is not None
        assert message.channel == "email"
        assert message.status != "suppressed"
