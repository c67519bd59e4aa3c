"""A journey's webhook step: a signed JSON POST to the operator's named endpoint, once per
visit, retried on 5xx, refused for good on 4xx."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog import service as eventlog
from firstmile.journeys import service as journeys
from firstmile.journeys.definition import JourneyFile
from firstmile.kit.jobs import Job, JobStatus
from firstmile.kit.settings import Settings, configure
from firstmile.messaging.channels.webhook.channel import SIGNATURE_HEADER
from tests.conftest import RunJobs
from tests.factories import customers as make
from tests.messaging.peers import Gateway, http_gateway

SECRET = "journey-webhook-secret"
FLOW: dict[str, Any] = {
    "code": "crm_sync",
    "name": "Tell the CRM",
    "trigger": {"event": "crm.contact_logged", "reentry": "always"},
    "start": "tell",
    "steps": [
        {"id": "tell", "phase": "activation", "type": "webhook", "endpoint": "crm",
         "payload": {"stage": '"onboarding"', "kind": "customer.kind"}, "next": "done"},
        {"id": "done", "phase": "activation", "type": "end"},
    ],
}  # fmt: skip


@pytest.fixture
def crm(settings: Settings) -> Iterator[Gateway]:
    gateway = Gateway(answer={"ok": True})
    with http_gateway(gateway) as url:
        configure(
            settings.model_copy(
                update={"journeys_webhooks": {"crm": url}, "journeys_webhook_secret": SECRET}
            )
        )
        yield gateway
    configure(settings)


def _start(sessions: sessionmaker[Session]) -> str:
    with sessions() as s:
        journeys.publish(s, "telco", JourneyFile.model_validate(copy.deepcopy(FLOW)), actor=SYSTEM)
        eva = make.registered(s)
        eventlog.record(s, "crm.contact_logged", actor=SYSTEM.ref, customer_id=eva.id)
        s.commit()
        return eva.id


@pytest.mark.usefixtures("telco")
def test_the_webhook_is_signed_and_sent_once(
    sessions: sessionmaker[Session], run_jobs: RunJobs, crm: Gateway
) -> None:
    customer_id = _start(sessions)
    run_jobs()
    run_jobs()
    [(headers, body)] = crm.requests
    assert body["customer_id"] == customer_id
    assert body["journey"] == "crm_sync"
    assert body["payload"] == {"stage": "onboarding", "kind": "individual"}
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["idempotency-key"] == body["idempotency_key"]
    fields = dict(part.split("=", 1) for part in lowered[SIGNATURE_HEADER.lower()].split(","))
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    expected = hmac.new(SECRET.encode(), f"{fields['t']}.".encode() + raw, hashlib.sha256)
    assert hmac.compare_digest(fields["v1"], expected.hexdigest())


@pytest.mark.usefixtures("telco")
def test_a_refusal_fails_the_call_and_a_server_error_is_retried(
    sessions: sessionmaker[Session], run_jobs: RunJobs, crm: Gateway
) -> None:
    crm.status = 503
    _start(sessions)
    run_jobs()
    with sessions() as s:
        [job] = s.scalars(select(Job).where(Job.kind == "journeys.webhook")).all()
        assert (job.status, job.attempts) == (JobStatus.QUEUED, 1)  # retried later
    crm.status = 400
    with sessions() as s:
        job = s.scalars(select(Job).where(Job.kind == "journeys.webhook")).one()
        job.run_at = job.created_at
        s.commit()
    run_jobs()
    with sessions() as s:
        job = s.scalars(select(Job).where(Job.kind == "journeys.webhook")).one()
        assert job.status == JobStatus.FAILED
        assert "refused: 400" in (job.last_error or "")
