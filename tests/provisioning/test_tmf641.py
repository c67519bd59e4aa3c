"""The TMF641 client against the spec (TMF641 v4.0.0): what it sends, which answers count as
an order created, its token, and cancellations of orders the network holds."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit import time as clock
from firstmile.kit.settings import load_settings
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.adapters import PermanentNetworkError, TemporaryNetworkError
from firstmile.provisioning.adapters.tmf641 import (
    Tmf641HttpAdapter,
    cancel_url,
    tmf641_cancellation,
    tmf641_order,
)
from firstmile.provisioning.models import FalloutCase, ServiceOrderStatus
from firstmile.provisioning.service.common import MAX_ATTEMPTS, retry_delay
from tests.conftest import RunJobs
from tests.factories.provisioning import AGENT, count_events, events_of
from tests.provisioning.conftest import Network, SimulatorSettings
from tests.provisioning.helpers import service_orders, start_order

DATA = {
    "id": "so-1",
    "kind": "sim_activation",
    "attempt": 3,
    "order_id": "o-1",
    "customer_id": "c-1",
    "service_id": "s-1",
    "data": {"sim_type": "physical"},
}
CANCEL = {"id": "so-1", "kind": "sim_activation", "attempt": 1, "external_ref": "NET-42"}
TOKEN = "s3cr3t-network-token"


def _use_http_network(settings: SimulatorSettings, url: str, *, token: str = "") -> None:
    settings.setenv("FIRSTMILE_NETWORK_ADAPTER", "tmf641")
    settings.setenv("FIRSTMILE_NETWORK_URL", url)
    settings.setenv("FIRSTMILE_NETWORK_TOKEN", token)


def test_related_party_carries_its_type() -> None:
    [party] = tmf641_order(DATA)["relatedParty"]
    assert party == {
        "id": "c-1",
        "role": "customer",
        "@type": "RelatedParty",
        "@referredType": "Customer",
    }


def test_external_reference_names_the_attempt_as_its_value() -> None:
    assert tmf641_order(DATA)["externalReference"] == [
        {"name": "3", "externalReferenceType": "attempt"}
    ]


def test_cancellation_refers_to_the_networks_order() -> None:
    body = tmf641_cancellation({**CANCEL, "reason": "order cancelled"})
    assert body["serviceOrder"] == {"id": "NET-42", "@referredType": "ServiceOrder"}
    assert body["cancellationReason"] == "order cancelled"
    assert body["requestedCancellationDate"].endswith("+00:00")


@pytest.mark.parametrize(
    "url",
    [
        "https://net.example/tmf-api/serviceOrdering/v4/serviceOrder",
        "https://net.example/tmf-api/serviceOrdering/v4/serviceOrder/",
    ],
)
def test_cancellations_go_to_the_sibling_resource(url: str) -> None:
    assert cancel_url(url) == "https://net.example/tmf-api/serviceOrdering/v4/cancelServiceOrder"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_is_not_followed_and_is_permanent(
    network: tuple[Network, str], status: int
) -> None:
    state, url = network
    state.answer(status, Location=url + "/elsewhere")
    with pytest.raises(PermanentNetworkError, match=f"answered {status}, a redirect"):
        Tmf641HttpAdapter(url).submit(DATA)
    assert len(state.received) == 1  # not sent again to the Location


@pytest.mark.parametrize("status", [200, 202, 204])
def test_only_201_created_is_an_accepted_order(network: tuple[Network, str], status: int) -> None:
    state, url = network
    state.answer(status)
    with pytest.raises(PermanentNetworkError, match=f"answered {status}, not 201"):
        Tmf641HttpAdapter(url).submit(DATA)


@pytest.mark.parametrize("state_name", ["rejected", "failed"])
def test_an_order_created_refused_is_a_permanent_failure_with_the_networks_reason(
    network: tuple[Network, str], state_name: str
) -> None:
    state, url = network
    reason = {"code": 42, "reason": "address not served", "message": "choose another offer"}
    state.answer(201, {"id": "NET-9", "state": state_name, "errorMessage": [reason]})
    with pytest.raises(PermanentNetworkError) as caught:
        Tmf641HttpAdapter(url).submit(DATA)
    assert str(caught.value) == (
        f"network {state_name} the order (its id NET-9): address not served; choose another offer"
    )


@pytest.mark.parametrize(
    "body", [{"state": "acknowledged"}, {"id": "", "state": "acknowledged"}, {"id": None}]
)
def test_an_answer_without_the_networks_id_is_permanent(
    network: tuple[Network, str], body: dict[str, object]
) -> None:
    state, url = network
    state.answer(201, body)
    with pytest.raises(PermanentNetworkError, match="has no id"):
        Tmf641HttpAdapter(url).submit(DATA)


def test_an_answer_that_is_no_json_object_is_permanent(network: tuple[Network, str]) -> None:
    state, url = network
    state.body = b"<html>ok</html>"
    with pytest.raises(PermanentNetworkError, match="without a JSON order"):
        Tmf641HttpAdapter(url).submit(DATA)


def test_the_token_is_sent_as_a_bearer_authorization(network: tuple[Network, str]) -> None:
    state, url = network
    Tmf641HttpAdapter(url, token=TOKEN).submit(DATA)
    Tmf641HttpAdapter(url).submit(DATA)
    assert state.authorization == [f"Bearer {TOKEN}", None]


def test_the_token_is_a_setting_that_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRSTMILE_NETWORK_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.network_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in repr(Tmf641HttpAdapter("http://net.example/x", token=TOKEN))


def test_a_refused_submission_never_logs_nor_records_the_token(
    network: tuple[Network, str],
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    state, url = network
    state.answer(401, {"error": "bad token"})
    _use_http_network(simulator_settings, url, token=TOKEN)
    placed = start_order(sessions, "mobile-plain")
    with caplog.at_level(logging.DEBUG):
        run_jobs()
    [so] = service_orders(db, placed.id)
    assert so.status == ServiceOrderStatus.FAILED
    assert state.authorization == [f"Bearer {TOKEN}"]
    assert TOKEN not in caplog.text
    assert TOKEN not in (so.last_error or "")


def test_a_rejected_order_falls_out_with_the_networks_reason(
    network: tuple[Network, str],
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    state, url = network
    state.answer(201, {"id": "NET-9", "state": "rejected", "errorMessage": [{"reason": "no"}]})
    _use_http_network(simulator_settings, url)
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    [so] = service_orders(db, placed.id)
    assert so.status == ServiceOrderStatus.FAILED
    assert count_events(db, "service_order.submitted") == 0
    [case] = db.scalars(select(FalloutCase)).all()
    db.commit()
    assert (case.error_kind, case.reason) == (
        "permanent",
        "network rejected the order (its id NET-9): no",
    )


def _submitted(
    state: Network,
    url: str,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> str:
    """An order whose service order the HTTP network accepted, then cancelled here."""
    _use_http_network(simulator_settings, url, token=TOKEN)
    placed = start_order(sessions, "mobile-plain")
    run_jobs()
    with sessions() as s:
        [so] = provisioning_service.cancel_for_order(s, placed.id, actor=AGENT)
        s.commit()
    assert state.cancellations == []  # only once committed, by the job
    return so.id


def test_cancel_posts_a_cancel_service_order_for_the_networks_order(
    network: tuple[Network, str],
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    state, url = network
    so_id = _submitted(state, url, sessions, run_jobs, simulator_settings)
    run_jobs()
    [body] = state.cancellations
    assert body["serviceOrder"]["id"] == "NET-42"
    assert body["cancellationReason"] == "order cancelled"
    assert state.authorization[-1] == f"Bearer {TOKEN}"
    [sent] = events_of(db, "service_order.cancellation_submitted")
    assert (sent.subject_id, sent.payload["cancellation_ref"]) == (so_id, "CAN-7")


def test_a_temporary_cancel_failure_is_retried_with_backoff(
    network: tuple[Network, str],
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    state, url = network
    _submitted(state, url, sessions, run_jobs, simulator_settings)
    state.cancel_status = 503
    run_jobs()
    assert len(state.cancellations) == 1
    assert count_events(db, "service_order.cancellation_submitted") == 0
    assert count_events(db, "service_order.cancellation_failed") == 0  # not yet given up
    state.cancel_status = 201
    run_jobs()
    assert len(state.cancellations) == 1  # not due yet
    clock.travel(retry_delay(1))
    run_jobs()
    assert len(state.cancellations) == 2
    [sent] = events_of(db, "service_order.cancellation_submitted")
    assert sent.payload["attempt"] == 2


def test_cancel_gives_up_after_max_attempts(
    network: tuple[Network, str],
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
) -> None:
    state, url = network
    _submitted(state, url, sessions, run_jobs, simulator_settings)
    state.cancel_status = 503
    for _ in range(MAX_ATTEMPTS):
        run_jobs()
        clock.travel(timedelta(hours=1))
    run_jobs()
    assert len(state.cancellations) == MAX_ATTEMPTS
    [failed] = events_of(db, "service_order.cancellation_failed")
    assert failed.payload["error_kind"] == "temporary"
    assert failed.payload["message"].startswith(f"gave up after {MAX_ATTEMPTS} attempts")


@pytest.mark.parametrize(
    ("status", "body"),
    [(409, {"error": "too late"}), (201, {"id": "CAN-8", "state": "terminatedWithError"})],
)
def test_a_permanent_cancel_failure_is_recorded_at_once(
    network: tuple[Network, str],
    sessions: sessionmaker[Session],
    db: Session,
    run_jobs: RunJobs,
    simulator_settings: SimulatorSettings,
    status: int,
    body: dict[str, str],
) -> None:
    state, url = network
    _submitted(state, url, sessions, run_jobs, simulator_settings)
    state.cancel_status, state.cancel_body = status, json.dumps(body).encode()
    run_jobs()
    [failed] = events_of(db, "service_order.cancellation_failed")
    assert failed.payload["error_kind"] == "permanent"
    assert len(state.cancellations) == 1  # not retried


def test_cancel_of_an_unreachable_network_is_temporary() -> None:
    with pytest.raises(TemporaryNetworkError):
        Tmf641HttpAdapter("http://127.0.0.1:9/serviceOrder").cancel(CANCEL)
