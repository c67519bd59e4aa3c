"""SMS over SMPP 3.4 against a local SMS centre, delivery receipts, gateway callbacks."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog.models import Event
from firstmile.messaging import delivery, service
from firstmile.messaging.channels import adapters, pool
from firstmile.messaging.channels.base import (
    DeliveryResult,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from firstmile.messaging.channels.sms import smpp as smpp_module
from firstmile.messaging.channels.sms.smpp import SmppChannel, short_messages
from firstmile.messaging.channels.sms.smpp_receiver import ReceiptListener, parse_receipt
from firstmile.messaging.models import (
    Channel,
    DeliveryReference,
    Message,
    MessageStatus,
    ReceiptState,
)
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message, message_template
from tests.messaging.peers import Gateway, free_port, http_gateway
from tests.messaging.smpp_peer import SmppPeer, smpp_peer

LONG_CZECH = "Příliš žluťoučký kůň úpěl ďábelské ódy. " * 3  # UCS-2, 3 segments


def _channel(peer: SmppPeer, **kw: Any) -> SmppChannel:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": peer.port,
        "system_id": peer.system_id,
        "password": peer.password,
        "sender": "Firstmile",
        "timeout": 5.0,
    }
    values.update(kw)
    return SmppChannel(**values)


# -- encoding into short messages --------------------------------------------------------------


def test_a_short_gsm_text_is_one_unpacked_default_alphabet_message() -> None:
    parts, data_coding, esm_class = short_messages("Kod: 123456 {ok}", reference=7)
    assert (data_coding, esm_class) == (0, 0)
    # the braces are GSM extension characters: escape (0x1B) + code
    assert parts == [b"Kod: 123456 \x1b(ok\x1b)"]


def test_a_long_text_is_concatenated_with_a_user_data_header() -> None:
    parts, data_coding, esm_class = short_messages(LONG_CZECH, reference=0x2A)
    assert (data_coding, esm_class) == (8, 0x40)
    assert len(parts) == 2
    assert [p[:6] for p in parts] == [b"\x05\x00\x03\x2a\x02\x01", b"\x05\x00\x03\x2a\x02\x02"]
    assert all(len(p) <= 6 + 2 * 67 for p in parts)
    assert "".join(p[6:].decode("utf-16-be") for p in parts) == LONG_CZECH


# -- the adapter against the SMS centre ----------------------------------------------------


def test_a_message_is_submitted_in_parts_with_receipts_requested() -> None:
    with smpp_peer() as peer:
        result = _channel(peer).deliver(
            message(channel=Channel.SMS, recipient="+420601123456", body_text=LONG_CZECH)
        )
    assert [s.destination_addr for s in peer.submitted] == ["420601123456"] * 2
    assert {s.registered_delivery for s in peer.submitted} == {1}
    assert {(s.data_coding, s.esm_class) for s in peer.submitted} == {(8, 0x40)}
    assert peer.submitted[0].source_addr == "Firstmile"
    assert result.provider_message_id == "smsc00001"
    assert result.references == ("smsc00001", "smsc00002")


def test_messages_share_one_bind_and_a_refused_message_keeps_it() -> None:
    peer = SmppPeer(refuse_with=[0, 0x0B])  # the second message: invalid destination
    with smpp_peer(peer):
        channel = _channel(peer)
        channel.deliver(message(channel=Channel.SMS, recipient="+420601000001"))
        with pytest.raises(PermanentDeliveryError):
            channel.deliver(message(channel=Channel.SMS, recipient="+420601000002"))
        channel.deliver(message(channel=Channel.SMS, recipient="+420601000003"))
        assert [s.destination_addr for s in peer.submitted] == ["420601000001", "420601000003"]
        assert peer.binds == 1  # bound once for the three


def test_a_batch_goes_over_several_binds_at_once() -> None:
    peer = SmppPeer()
    batch = [message(channel=Channel.SMS, recipient=f"+42060100000{i}") for i in range(9)]
    batch[4].recipient = None
    with smpp_peer(peer):
        answers = _channel(peer, binds=3).deliver_many(batch)
        assert isinstance(answers[4], PermanentDeliveryError)
        sent = [a for i, a in enumerate(answers) if i != 4]
        assert all(isinstance(a, DeliveryResult) for a in sent)
        ids = {a.provider_message_id for a in sent}  # type: ignore[union-attr]
        assert ids == {s.message_id for s in peer.submitted}
        assert len(peer.submitted) == 8
        assert 1 <= peer.binds <= 3


def test_an_idle_bind_is_checked_and_a_dead_one_bound_anew() -> None:
    peer = SmppPeer()
    with smpp_peer(peer):
        channel = _channel(peer)
        channel.deliver(message(channel=Channel.SMS, recipient="+420601000001"))
        [bind] = next(iter(smpp_module._binds._idle.values()))
        bind.connection._socket.shutdown(socket.SHUT_RDWR)  # the SMS centre dropped it ...
        bind.last_used -= pool.IDLE_CHECK_SECONDS + 1  # ... while it was idle
        channel.deliver(message(channel=Channel.SMS, recipient="+420601000002"))
        assert len(peer.submitted) == 2
        assert peer.binds == 2


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ({"refuse_with": [0x58]}, TemporaryDeliveryError),  # throttled
        ({"refuse_with": [0x14]}, TemporaryDeliveryError),  # message queue full
        ({"refuse_with": [0x0B]}, PermanentDeliveryError),  # invalid destination address
        ({"password": "other"}, PermanentDeliveryError),  # the bind is refused
    ],
)
def test_smsc_errors_are_classified(setup: dict[str, Any], error: type[Exception]) -> None:
    peer = SmppPeer(**setup)
    with smpp_peer(peer):
        channel = _channel(peer, password="secret")
        with pytest.raises(error):
            channel.deliver(message(channel=Channel.SMS, recipient="+420601123456"))


def test_no_smsc_is_a_temporary_failure() -> None:
    channel = SmppChannel(
        host="127.0.0.1", port=free_port(), system_id="x", password="y", sender="F", timeout=2
    )
    with pytest.raises(TemporaryDeliveryError):
        channel.deliver(message(channel=Channel.SMS, recipient="+420601123456"))


# -- receipts -------------------------------------------------------------------------------


def test_receipts_are_read_from_the_tlv_or_the_text() -> None:
    text = "id:abc123 sub:001 dlvrd:001 submit date:2611301200 stat:DELIVRD err:000 text:"
    assert parse_receipt(0x04, text, None) is not None
    assert parse_receipt(0x04, text, "tlv-id").reference == "tlv-id"  # type: ignore[union-attr]
    assert parse_receipt(0x04, text, None).reference == "abc123"  # type: ignore[union-attr]
    assert parse_receipt(0x00, text, None) is None  # a message from a phone, not a receipt


@pytest.fixture
def listener(sessions: sessionmaker[Session]) -> Iterator[SmppPeer]:
    """The SMS centre, and a receiver bound to it that records receipts."""

    def record(db: Session, reference: str, state: ReceiptState, detail: str) -> object:
        return delivery.record_receipt(
            db, adapter="smpp", reference=reference, state=state, detail=detail
        )

    with smpp_peer() as peer:
        stop = threading.Event()
        receiver = ReceiptListener(
            sessions,
            record,
            host="127.0.0.1",
            port=peer.port,
            system_id=peer.system_id,
            password=peer.password,
            timeout=1.0,
        )
        thread = threading.Thread(target=receiver.run, args=(stop,), daemon=True)
        thread.start()
        try:
            yield peer
        finally:
            stop.set()
            thread.join(timeout=5)


def _send(db: Session, customer_id: str, key: str) -> Message:
    sent = service.send(
        db,
        customer_id=customer_id,
        purpose="code",
        data={"code": "123456"},
        idempotency_key=key,
        actor=SYSTEM,
    )
    db.commit()
    return sent


def _reload(sessions: sessionmaker[Session], message_id: str) -> Message:
    with sessions() as s:
        row = s.get(Message, message_id)
        assert row is not None
        return row


def test_a_delivery_receipt_marks_the_message_delivered(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs, listener: SmppPeer
) -> None:
    message_template(db, "code", {"en": {"subject": "Code", "body": "Code {{ code }}."}})
    eva = customer(db, language="en", preferred=["sms", "email"])
    sent = _send(db, eva.id, "k1")
    with adapters.overridden(Channel.SMS, _channel(listener)):
        run_jobs()
    assert _reload(sessions, sent.id).status == MessageStatus.SENT
    with sessions() as s:
        [ref] = s.scalars(select(DeliveryReference)).all()
        assert (ref.adapter, ref.reference, ref.message_id) == ("smpp", "smsc00001", sent.id)
    listener.send_receipt("smsc00001", "ENROUTE")  # intermediate: no change
    listener.send_receipt("smsc00001", "DELIVRD", tlv=False)
    assert listener.wait_receipt_answers(2) == [0, 0]
    delivered = _reload(sessions, sent.id)
    assert delivered.status == MessageStatus.DELIVERED
    assert delivered.delivered_at is not None
    listener.send_receipt("smsc00001", "DELIVRD")  # a repeat changes nothing
    listener.wait_receipt_answers(3)
    with sessions() as s:
        events = s.scalars(select(Event).where(Event.type == "message.delivered")).all()
        assert len(events) == 1


def test_an_undeliverable_receipt_fails_the_sms_and_falls_back_to_email(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs, listener: SmppPeer
) -> None:
    message_template(db, "code", {"en": {"subject": "Code", "body": "Code {{ code }}."}})
    eva = customer(db, language="en", preferred=["sms", "email"])
    sent = _send(db, eva.id, "k2")
    with adapters.overridden(Channel.SMS, _channel(listener)):
        run_jobs()
    listener.send_receipt("smsc00001", "UNDELIV")
    listener.wait_receipt_answers(1)
    failed = _reload(sessions, sent.id)
    assert failed.status == MessageStatus.FAILED
    assert failed.error == "UNDELIV err:000"
    run_jobs()
    with sessions() as s:
        following = s.scalar(select(Message).where(Message.fallback_of == sent.id))
        assert following is not None
        assert following.channel == Channel.EMAIL
        assert following.status == MessageStatus.SENT


def test_a_receipt_for_an_unknown_message_is_acknowledged(listener: SmppPeer) -> None:
    listener.send_receipt("nobody-knows", "DELIVRD")
    assert listener.wait_receipt_answers(1) == [0]


# -- the HTTP gateway's callbacks ----------------------------------------------------------


def test_gateway_callbacks_move_the_message_along(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    integration: dict[str, str],
    agent: dict[str, str],
) -> None:
    from firstmile.messaging.channels.sms.http_gateway import HttpGatewayChannel

    message_template(db, "code", {"en": {"subject": "Code", "body": "Code {{ code }}."}})
    eva = customer(db, language="en", preferred=["sms", "email"])
    sent = _send(db, eva.id, "k3")
    gateway = Gateway(answer={"id": "gw-77"})
    with http_gateway(gateway) as url:
        channel = HttpGatewayChannel(url=url, body_template='{"to": "{to}"}', sender="F")
        with adapters.overridden(Channel.SMS, channel):
            run_jobs()
    callback = "/api/messaging/callbacks/http-gateway"
    body = {"reference": "gw-77", "status": "DELIVRD", "extra": "ignored"}
    assert client.post(callback, json=body, headers=agent).status_code == 403
    answer = client.post(callback, json=body, headers=integration)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "delivered"
    assert _reload(sessions, sent.id).status == MessageStatus.DELIVERED
    unknown = client.post(callback, json={**body, "reference": "nope"}, headers=integration)
    assert unknown.status_code == 404
    bad = client.post(callback, json={**body, "status": "sideways"}, headers=integration)
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "status"
    pending = client.post(callback, json={**body, "status": "ENROUTE"}, headers=integration)
    assert pending.json()["status"] == "delivered"  # intermediate: no change
