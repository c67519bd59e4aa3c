"""Web Push: subscriptions, VAPID-signed requests, payloads encrypted per RFC 8291, checked
against a local push service that decrypts them as the browser would."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.kit import jobs
from firstmile.kit import time as clock
from firstmile.kit.settings import Settings, configure, current
from firstmile.messaging import service
from firstmile.messaging.channels.push import vapid
from firstmile.messaging.models import Channel, Message, MessageStatus
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message_template
from tests.messaging.dns import Resolver, fake_dns

Headers = dict[str, str]
HELLO = {"en": {"subject": "Your router ships today", "body": "Tap to follow it, {{ name }}."}}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's side of a subscription: its key pair and auth secret."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def keys(self) -> dict[str, str]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64(point), "auth": b64(self.auth)}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        result: dict[str, Any] = json.loads(plain)
        return result


@dataclass
class PushService:
    status: int = 201
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    by_path: dict[str, int] = field(default_factory=dict)  # statuses for some endpoints
    locations: dict[str, str] = field(default_factory=dict)  # Location headers for some
    connections: int = 0  # TCP connections accepted (HTTP/1.1 keeps them alive)


@contextmanager
def push_service(state: PushService) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            state.connections += 1

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.received.append((self.path, headers, body))
            self.send_response(state.by_path.get(self.path, state.status))
            location = f"http://push.local/m/{len(state.received)}"
            self.send_header("Location", state.locations.get(self.path, location))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def webpush_settings(settings: Settings) -> Iterator[Settings]:
    """Web push to the local push service: plain http, on the loopback address."""
    configure(
        settings.model_copy(
            update={
                "messaging_push_adapter": "webpush",
                "webpush_allow_http_endpoints": True,
                "webpush_allow_private_addresses": True,
                "messaging_push_hosts": ["127.0.0.1"],
            }
        )
    )
    yield current()
    configure(settings)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    """Firefox's and Chrome's push services resolve to public addresses (no internet here)."""
    resolver = fake_dns(monkeypatch)
    resolver.answer("updates.push.services.mozilla.com", "34.107.221.82")
    resolver.answer("fcm.googleapis.com", "142.250.185.10")
    return resolver


def _verify_vapid(authorization: str, audience: str, settings: Settings) -> dict[str, Any]:
    """RFC 8292: `vapid t=<JWT>, k=<public key>`, the JWT signed with ES256 by that key."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == vapid.application_server_key(settings)
    header, claims, signature = fields["t"].split(".")
    raw = unb64(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(fields["k"]))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    decoded: dict[str, Any] = json.loads(unb64(claims))
    assert decoded["aud"] == audience
    return decoded


def test_a_push_goes_encrypted_and_signed_to_every_subscription(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    agent: Headers,
    webpush_settings: Settings,
) -> None:
    message_template(db, "shipping", HELLO, channels=("push", "sms"))
    eva = customer(db, language="en", preferred=["push", "sms"])
    phone, laptop = Browser(), Browser()
    state = PushService()
    with push_service(state) as url:
        for name, browser in (("phone", phone), ("laptop", laptop)):
            answer = client.post(
                f"/api/customers/{eva.id}/push-subscriptions",
                json={
                    "endpoint": f"{url}/sub/{name}",
                    "keys": browser.keys(),
                    "expirationTime": None,
                },
                headers=agent,
            )
            assert answer.status_code == 201, answer.text
        sent = service.send(
            db,
            customer_id=eva.id,
            purpose="shipping",
            data={"name": "Eva"},
            idempotency_key="s1",
            actor=SYSTEM,
        )
        db.commit()
        assert sent.channel == Channel.PUSH  # a live subscription makes push available
        run_jobs()
    assert [path for path, _h, _b in state.received] == ["/sub/phone", "/sub/laptop"]
    for (_path, headers, body), browser in zip(state.received, (phone, laptop), strict=True):
        assert headers["content-encoding"] == "aes128gcm"
        assert int(headers["ttl"]) == webpush_settings.webpush_ttl_seconds
        claims = _verify_vapid(headers["authorization"], url, webpush_settings)
        assert claims["sub"] == webpush_settings.webpush_vapid_subject
        payload = browser.decrypt(body)
        opened = payload.pop("opened_url")
        assert payload == {
            "title": "Your router ships today",
            "body": "Tap to follow it, Eva.",
            "link": None,
            "message_id": sent.id,
        }
        assert opened.startswith(f"{webpush_settings.base_url}/messaging/opened/{sent.id}.")
    with sessions() as s:
        delivered = s.get(Message, sent.id)
        assert delivered is not None
        assert delivered.status == MessageStatus.SENT
        assert delivered.provider_message_id == "http://push.local/m/1"


def test_pushes_to_one_push_service_reuse_a_kept_alive_connection(
    db: Session,
    run_jobs: RunJobs,
    client: TestClient,
    agent: Headers,
    webpush_settings: Settings,
) -> None:
    message_template(db, "shipping", HELLO, channels=("push", "sms"))
    eva = customer(db, language="en", preferred=["push", "sms"])
    state = PushService()
    with push_service(state) as url:
        client.post(
            f"/api/customers/{eva.id}/push-subscriptions",
            json={"endpoint": f"{url}/sub/eva", "keys": Browser().keys()},
            headers=agent,
        )
        for n in range(3):
            service.send(
                db,
                customer_id=eva.id,
                purpose="shipping",
                data={"name": "Eva"},
                idempotency_key=f"keep-{n}",
                actor=SYSTEM,
            )
        db.commit()
        run_jobs()
    assert len(state.received) == 3
    assert state.connections == 1  # no new connection (and TLS handshake) per push


def test_a_gone_subscription_is_revoked_and_the_message_falls_back(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    agent: Headers,
    webpush_settings: Settings,
) -> None:
    message_template(db, "shipping", HELLO, channels=("push", "sms"))
    eva = customer(db, language="en", preferred=["push", "sms"])
    state = PushService(status=410)
    with push_service(state) as url:
        client.post(
            f"/api/customers/{eva.id}/push-subscriptions",
            json={"endpoint": f"{url}/sub/old", "keys": Browser().keys()},
            headers=agent,
        )
        service.send(
            db,
            customer_id=eva.id,
            purpose="shipping",
            data={"name": "Eva"},
            idempotency_key="s2",
            actor=SYSTEM,
        )
        db.commit()
        run_jobs()
    listed = client.get(f"/api/customers/{eva.id}/push-subscriptions", headers=agent).json()
    assert listed[0]["revoked_at"] is not None
    with sessions() as s:
        messages = s.query(Message).order_by(Message.created_at).all()
        assert [(m.channel, m.status) for m in messages] == [
            (Channel.PUSH, MessageStatus.FAILED),
            (Channel.SMS, MessageStatus.SENT),
        ]
    later = service.send(
        db,
        customer_id=eva.id,
        purpose="shipping",
        data={"name": "Eva"},
        idempotency_key="s3",
        actor=SYSTEM,
    )
    assert later.channel == Channel.SMS
    assert later.skipped == {"push": "no_subscription"}


def test_a_subscription_found_gone_stays_revoked_when_the_push_is_retried(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    agent: Headers,
    webpush_settings: Settings,
) -> None:
    """One push service says a subscription is gone, another is down for now: the message
    is retried later, and the gone subscription is not pushed to again."""
    message_template(db, "shipping", HELLO, channels=("push", "sms"))
    eva = customer(db, language="en", preferred=["push", "sms"])
    state = PushService(by_path={"/sub/old": 410, "/sub/busy": 503})
    with push_service(state) as url:
        for name in ("old", "busy"):
            client.post(
                f"/api/customers/{eva.id}/push-subscriptions",
                json={"endpoint": f"{url}/sub/{name}", "keys": Browser().keys()},
                headers=agent,
            )
        message = service.send(
            db,
            customer_id=eva.id,
            purpose="shipping",
            data={"name": "Eva"},
            idempotency_key="s4",
            actor=SYSTEM,
        )
        db.commit()
        run_jobs()
        assert sorted(path for path, _, _ in state.received) == ["/sub/busy", "/sub/old"]
    listed = client.get(f"/api/customers/{eva.id}/push-subscriptions", headers=agent).json()
    revoked = {item["endpoint"].rsplit("/", 1)[1]: item["revoked_at"] for item in listed}
    assert revoked["old"] is not None
    assert revoked["busy"] is None
    with sessions() as s:
        stored = s.get(Message, message.id)
        assert stored is not None
        assert stored.status == MessageStatus.QUEUED  # to be tried again, with backoff
        job = s.scalar(select(jobs.Job).where(jobs.Job.key == f"messaging.deliver:{message.id}"))
        assert job is not None
        assert (job.status, job.attempts) == (jobs.JobStatus.QUEUED, 1)
        assert "push service unavailable" in (job.last_error or "")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "ftp://push.example/x"}, "endpoint"),
        ({"keys": {"p256dh": "AAAA", "auth": b64(os.urandom(16))}}, "keys.p256dh"),
        ({"keys": {"p256dh": Browser().keys()["p256dh"], "auth": "c2hvcnQ"}}, "keys.auth"),
        ({"keys": {"p256dh": "not base64!", "auth": "x"}}, "keys.p256dh"),
    ],
)
def test_bad_subscriptions_are_refused(
    db: Session,
    client: TestClient,
    agent: Headers,
    dns: Resolver,
    change: dict[str, Any],
    field: str,
) -> None:
    eva = customer(db)
    endpoint = "https://fcm.googleapis.com/fcm/send/1"
    body = {"endpoint": endpoint, "keys": Browser().keys(), **change}
    answer = client.post(f"/api/customers/{eva.id}/push-subscriptions", json=body, headers=agent)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field


def test_the_public_key_is_published_for_browsers(
    client: TestClient, agent: Headers, webpush_settings: Settings
) -> None:
    key = client.get("/api/messaging/push/key", headers=agent).json()["application_server_key"]
    assert len(unb64(key)) == 65
    assert key == vapid.application_server_key(webpush_settings)


def test_unsubscribing_makes_push_unavailable(
    db: Session, client: TestClient, agent: Headers, dns: Resolver
) -> None:
    eva = customer(db)
    made = client.post(
        f"/api/customers/{eva.id}/push-subscriptions",
        json={"endpoint": "https://fcm.googleapis.com/fcm/send/2", "keys": Browser().keys()},
        headers=agent,
    ).json()
    url = f"/api/customers/{eva.id}/push-subscriptions/{made['id']}"
    assert client.delete(url, headers=agent).json()["revoked_at"] is not None
    other = customer(db, email="jan@example.com")
    wrong = f"/api/customers/{other.id}/push-subscriptions/{made['id']}"
    assert client.delete(wrong, headers=agent).status_code == 404


def _subscribe(client: TestClient, agent: Headers, customer_id: str, url: str) -> Browser:
    browser = Browser()
    answer = client.post(
        f"/api/customers/{customer_id}/push-subscriptions",
        json={"endpoint": f"{url}/sub/{customer_id}", "keys": browser.keys()},
        headers=agent,
    )
    assert answer.status_code == 201, answer.text
    return browser


@pytest.mark.parametrize("clicked", [True, False])
def test_an_unclicked_push_is_followed_by_the_next_channel(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    agent: Headers,
    webpush_settings: Settings,
    clicked: bool,
) -> None:
    message_template(db, "shipping", HELLO, channels=("push", "sms"), unread_fallback_minutes=60)
    eva = customer(db, language="en", preferred=["push", "sms"])
    state = PushService()
    with push_service(state) as url:
        browser = _subscribe(client, agent, eva.id, url)
        sent = service.send(
            db, customer_id=eva.id, purpose="shipping", data={"name": "Eva"},
            idempotency_key="u1", actor=SYSTEM,
        )  # fmt: skip
        db.commit()
        run_jobs()
    opened_url = browser.decrypt(state.received[0][2])["opened_url"]
    if clicked:
        path = opened_url.removeprefix(webpush_settings.base_url)
        assert client.post(path).status_code == 204
        assert client.post(path + "x").status_code == 404  # a forged token
    clock.travel(timedelta(minutes=61))
    run_jobs()
    with sessions() as s:
        messages = s.query(Message).order_by(Message.created_at).all()
        first = messages[0]
        assert first.id == sent.id
        if clicked:
            assert first.status == MessageStatus.OPENED
            assert len(messages) == 1
        else:
            assert first.status == MessageStatus.SENT
            assert [m.channel for m in messages] == [Channel.PUSH, Channel.SMS]
