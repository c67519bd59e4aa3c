"""Push endpoints cannot point the worker at the operator's own network: refused when
subscribed, checked again before each push and when each connection is made, never
redirected to, and a failed push names no address."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.kit import jobs
from firstmile.kit.settings import Settings, configure
from firstmile.messaging import service
from firstmile.messaging.models import Channel, Message, MessageStatus, PushSubscription
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message_template
from tests.messaging.dns import Resolver, fake_dns
from tests.messaging.peers import free_port
from tests.messaging.test_webpush import HELLO, Browser, PushService, push_service

Headers = dict[str, str]
GOOGLE = "142.250.185.10"  # a public address; nothing here connects to it


# A push service by name, on the local push service's address (plain http) when asked.
BY_NAME: dict[str, Any] = {
    "messaging_push_adapter": "webpush",
    "webpush_allow_http_endpoints": True,
    "messaging_push_hosts": ["push.example.net"],
}
# The local push service itself: its loopback address allowed, as only tests do.
LOCAL: dict[str, Any] = {
    "messaging_push_adapter": "webpush",
    "webpush_allow_http_endpoints": True,
    "webpush_allow_private_addresses": True,
    "messaging_push_hosts": ["127.0.0.1"],
}


@contextmanager
def configured(settings: Settings, **update: Any) -> Iterator[Settings]:
    changed = settings.model_copy(update=update)
    configure(changed)
    try:
        yield changed
    finally:
        configure(settings)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    return fake_dns(monkeypatch)


def _subscribe(client: TestClient, agent: Headers, customer_id: str, endpoint: str) -> Any:
    return client.post(
        f"/api/customers/{customer_id}/push-subscriptions",
        json={"endpoint": endpoint, "keys": Browser().keys()},
        headers=agent,
    )


def _send(db: Session, customer_id: str, key: str) -> str:
    message_template(db, "shipping", HELLO, channels=("push", "sms"))
    sent = service.send(
        db, customer_id=customer_id, purpose="shipping", data={"name": "Eva"},
        idempotency_key=key, actor=SYSTEM,
    )  # fmt: skip
    db.commit()
    return sent.id


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [
        ("https://127.0.0.1:8443/sub/1", "loopback"),
        ("https://10.0.0.8/sub/1", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[::1]:8443/sub/1", "loopback"),
        ("https://localhost:8443/sub/1", "loopback"),
        ("https://2130706433/sub/1", "loopback"),  # 127.0.0.1, written as a number
        ("https://[::ffff:10.0.0.8]/sub/1", "private"),
    ],
)
def test_endpoints_on_the_operators_network_are_refused(
    db: Session, client: TestClient, agent: Headers, settings: Settings, endpoint: str, kind: str
) -> None:
    eva = customer(db)
    with configured(settings, messaging_push_hosts=[]):  # any public host
        answer = _subscribe(client, agent, eva.id, endpoint)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == "endpoint"
    assert f"a {kind} address" in error["message"]
    assert db.scalar(select(PushSubscription)) is None


def test_a_push_service_that_resolves_privately_is_refused(
    db: Session, client: TestClient, agent: Headers, dns: Resolver
) -> None:
    dns.answer("fcm.googleapis.com", "10.1.2.3")  # a poisoned or split-horizon resolver
    eva = customer(db)
    answer = _subscribe(client, agent, eva.id, "https://fcm.googleapis.com/fcm/send/1")
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "endpoint"
    assert "resolves to a private address" in answer.json()["error"]["message"]


def test_only_the_push_services_listed_are_subscribed_to(
    db: Session, client: TestClient, agent: Headers, dns: Resolver
) -> None:
    dns.answer("push.attacker.example", GOOGLE)
    dns.answer("updates.push.services.mozilla.com", "34.107.221.82")
    eva = customer(db)
    elsewhere = _subscribe(client, agent, eva.id, "https://push.attacker.example/sub/1")
    assert elsewhere.status_code == 422, elsewhere.text
    assert elsewhere.json()["error"]["field"] == "endpoint"
    assert "push service this installation sends to" in elsewhere.json()["error"]["message"]
    firefox = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABh"
    assert _subscribe(client, agent, eva.id, firefox).status_code == 201


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com@127.0.0.1/sub/1",
        "https://127.0.0.1\\@fcm.googleapis.com/sub/1",
        "https://[::1/sub/1",
    ],
)
def test_endpoints_that_parsers_read_differently_are_refused(
    db: Session, client: TestClient, agent: Headers, dns: Resolver, endpoint: str
) -> None:
    dns.answer("fcm.googleapis.com", GOOGLE)
    eva = customer(db)
    answer = _subscribe(client, agent, eva.id, endpoint)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "endpoint"


def test_a_redirect_from_the_push_service_is_not_followed(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    agent: Headers,
    settings: Settings,
) -> None:
    eva = customer(db, language="en", preferred=["push", "sms"])
    state = PushService(by_path={"/sub/eva": 307})
    with configured(settings, **LOCAL), push_service(state) as url:
        state.locations["/sub/eva"] = f"{url}/internal/admin"
        assert _subscribe(client, agent, eva.id, f"{url}/sub/eva").status_code == 201
        sent = _send(db, eva.id, "r1")
        run_jobs()
    assert [path for path, _h, _b in state.received] == ["/sub/eva"]
    with sessions() as s:
        message = s.get(Message, sent)
        assert message is not None
        assert message.status == MessageStatus.FAILED
        assert "127.0.0.1: redirected (307), not followed" in (message.error or "")


def _refused_without_contact(
    sessions: sessionmaker[Session], state: PushService, sent: str, port: int
) -> None:
    assert state.received == []
    assert state.connections == 0
    with sessions() as s:
        messages = s.scalars(select(Message).order_by(Message.created_at)).all()
        assert [(m.channel, m.status) for m in messages] == [
            (Channel.PUSH, MessageStatus.FAILED),
            (Channel.SMS, MessageStatus.SENT),
        ]
        error = messages[0].error or ""
        assert messages[0].id == sent
        assert "push.example.net: endpoint refused" in error
        assert "127.0.0.1" not in error
        assert str(port) not in error
        subscription = s.scalar(select(PushSubscription))
        assert subscription is not None
        assert subscription.revoked_at is not None


def test_a_push_to_a_host_that_now_resolves_privately_fails_without_contacting_it(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    agent: Headers,
    settings: Settings,
    dns: Resolver,
) -> None:
    dns.answer("push.example.net", GOOGLE)
    eva = customer(db, language="en", preferred=["push", "sms"])
    state = PushService()
    with configured(settings, **BY_NAME), push_service(state) as url:
        port = int(url.rsplit(":", 1)[1])
        endpoint = f"http://push.example.net:{port}/sub/eva"
        assert _subscribe(client, agent, eva.id, endpoint).status_code == 201
        dns.answer("push.example.net", "127.0.0.1")  # where the local push service listens
        sent = _send(db, eva.id, "p1")
        run_jobs()
    _refused_without_contact(sessions, state, sent, port)


def test_a_name_that_turns_private_as_the_connection_is_made_is_not_connected_to(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    agent: Headers,
    settings: Settings,
    dns: Resolver,
) -> None:
    """DNS rebinding: the name answers a public address to both checks (subscribing, and
    right before the push) and a loopback one to the connection."""
    dns.answer("push.example.net", GOOGLE)
    eva = customer(db, language="en", preferred=["push", "sms"])
    state = PushService()
    with configured(settings, **BY_NAME), push_service(state) as url:
        port = int(url.rsplit(":", 1)[1])
        endpoint = f"http://push.example.net:{port}/sub/eva"
        assert _subscribe(client, agent, eva.id, endpoint).status_code == 201
        dns.answer("push.example.net", GOOGLE, "127.0.0.1")
        sent = _send(db, eva.id, "p2")
        run_jobs()
    assert dns.asked == ["push.example.net"] * 3  # subscribed, checked, connected
    _refused_without_contact(sessions, state, sent, port)


def test_an_unreachable_push_service_is_reported_without_its_address(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    agent: Headers,
    settings: Settings,
) -> None:
    eva = customer(db, language="en", preferred=["push", "sms"])
    port = free_port()  # nothing listens there
    with configured(settings, **LOCAL):
        endpoint = f"http://127.0.0.1:{port}/sub/eva"
        assert _subscribe(client, agent, eva.id, endpoint).status_code == 201
        sent = _send(db, eva.id, "u1")
        run_jobs()
    with sessions() as s:
        job = s.scalar(select(jobs.Job).where(jobs.Job.key == f"messaging.deliver:{sent}"))
        assert job is not None
        error = job.last_error or ""
        assert error.endswith(": push service unavailable: 127.0.0.1: not reachable"), error
