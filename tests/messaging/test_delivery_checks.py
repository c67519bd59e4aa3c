"""What is asked again when a queued message goes: the customer's consent on its channel
and whether the customer is still there (a message can wait hours: quiet hours, retries,
a fallback's turn)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.customers import service as customers_service
from firstmile.customers.schemas import ConsentCreate
from firstmile.eventlog.models import Event
from firstmile.kit import time as clock
from firstmile.kyc.privacy.erasure import erase_subject
from firstmile.messaging import service
from firstmile.messaging.channels import adapters
from firstmile.messaging.channels.base import PermanentDeliveryError
from firstmile.messaging.models import (
    Channel,
    InboxItem,
    Message,
    MessageStatus,
    SimulatedDelivery,
)
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message_template, policy

HELLO = {
    "en": {"subject": "Hi", "body": "Hi {{ name }}. {{ unsubscribe_url }}"},
    "cs": {"subject": "Ahoj", "body": "Ahoj {{ name }}. {{ unsubscribe_url }}"},
}
PLAIN = {
    "en": {"subject": "Hi", "body": "Hi {{ name }}."},
    "cs": {"subject": "Ahoj", "body": "Ahoj {{ name }}."},
}
NIGHT = datetime(2026, 6, 10, 21, 30, tzinfo=UTC)  # 23:30 in Prague: quiet hours


class Refusing:
    name = "refusing"

    def deliver(self, message: Message) -> None:
        raise PermanentDeliveryError("550 mailbox unavailable")


def _send(db: Session, customer_id: str, purpose: str = "offer") -> Message:
    sent = service.send(
        db,
        customer_id=customer_id,
        purpose=purpose,
        data={"name": "Eva"},
        idempotency_key=f"{purpose}-{customer_id}",
        actor=SYSTEM,
    )
    db.commit()
    return sent


def _withdraw(db: Session, customer_id: str, channel: str) -> None:
    consent = ConsentCreate(purpose="marketing", channel=channel, granted=False, source="web_form")
    customers_service.change_consent(db, customer_id, consent, actor=SYSTEM)
    db.commit()


def _messages(sessions: sessionmaker[Session], customer_id: str) -> list[Message]:
    with sessions() as db:
        query = select(Message).where(Message.customer_id == customer_id)
        return list(db.scalars(query.order_by(Message.created_at)))


def test_a_marketing_message_waiting_out_quiet_hours_is_not_sent_once_consent_is_withdrawn(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    policy(db, quiet_hours=("21:00", "08:00"))
    message_template(db, "offer", HELLO, klass="marketing")
    eva = customer(db, consents={("marketing", "email"): True}, preferred=["email"])
    with clock.frozen_at(NIGHT):
        waiting = _send(db, eva.id)
        assert waiting.scheduled_for is not None
        _withdraw(db, eva.id, "email")
        clock.travel(timedelta(hours=9))
        run_jobs()
    [after] = _messages(sessions, eva.id)
    assert after.status == MessageStatus.SUPPRESSED
    with sessions() as s:
        [event] = s.scalars(select(Event).where(Event.type == "message.suppressed"))
        assert event.payload["reason"] == "no_consent"
        assert s.scalars(select(SimulatedDelivery)).all() == []


@pytest.mark.usefixtures("daytime")
def test_a_fallback_goes_only_where_consent_still_is(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    message_template(db, "offer", HELLO, klass="marketing")
    eva = customer(
        db,
        consents={("marketing", "email"): True, ("marketing", "sms"): True},
        preferred=["email", "sms"],
    )
    first = _send(db, eva.id)
    assert [f["channel"] for f in first.fallbacks] == ["sms"]
    _withdraw(db, eva.id, "sms")
    with adapters.overridden(Channel.EMAIL, Refusing()):
        run_jobs()
    assert [(m.channel, m.status) for m in _messages(sessions, eva.id)] == [
        (Channel.EMAIL, MessageStatus.FAILED)
    ]
    with sessions() as s:
        [event] = s.scalars(select(Event).where(Event.type == "message.fell_back"))
        assert event.payload["next_channel"] is None
        assert event.payload["skipped"] == {"sms": "no_consent"}


def test_an_unread_fallback_waits_out_quiet_hours(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    policy(db, quiet_hours=("21:00", "08:00"))
    message_template(
        db, "offer", HELLO, klass="marketing", channels=("inapp", "sms"), unread_fallback_minutes=60
    )
    eva = customer(
        db,
        consents={("marketing", "inapp"): True, ("marketing", "sms"): True},
        preferred=["inapp", "sms"],
    )
    with clock.frozen_at(datetime(2026, 6, 10, 18, 30, tzinfo=UTC)):  # 20:30 in Prague
        _send(db, eva.id)
        run_jobs()
        clock.travel(timedelta(minutes=61))  # 21:31: quiet hours
        run_jobs()
        [sms] = [m for m in _messages(sessions, eva.id) if m.channel == Channel.SMS]
        assert sms.status == MessageStatus.QUEUED
        assert sms.scheduled_for == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)  # 08:00 in Prague
        clock.travel(timedelta(hours=11))
        run_jobs()
    [sms] = [m for m in _messages(sessions, eva.id) if m.channel == Channel.SMS]
    assert sms.status == MessageStatus.SENT


@pytest.mark.usefixtures("daytime")
def test_fallbacks_keep_to_the_frequency_cap(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    policy(db, caps={"marketing": {"sms": (1, 7)}})
    message_template(db, "offer", HELLO, klass="marketing")
    eva = customer(
        db,
        consents={("marketing", "email"): True, ("marketing", "sms"): True},
        preferred=["email", "sms"],
    )
    _send(db, eva.id, "offer")
    service.send(
        db,
        customer_id=eva.id,
        purpose="offer",
        data={"name": "Eva"},
        idempotency_key="second",
        actor=SYSTEM,
    )
    db.commit()
    with adapters.overridden(Channel.EMAIL, Refusing()):
        run_jobs()
    sent = [m for m in _messages(sessions, eva.id) if m.channel == Channel.SMS]
    assert [m.status for m in sent] == [MessageStatus.SENT]  # one marketing SMS a week


def test_an_erased_customer_gets_none_of_the_messages_still_queued(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    policy(db, quiet_hours=("21:00", "08:00"))
    message_template(db, "hello", PLAIN, channels=("inapp",))
    message_template(db, "hello2", PLAIN, channels=("sms",))
    eva = customer(db, preferred=["inapp", "sms"])
    with clock.frozen_at(NIGHT):
        _send(db, eva.id, "hello")
        _send(db, eva.id, "hello2")
        erase_subject(db, eva.id, actor=SYSTEM, reason="ticket 1")
        db.commit()
        clock.travel(timedelta(hours=9))
        run_jobs()
    assert {m.status for m in _messages(sessions, eva.id)} == {MessageStatus.SUPPRESSED}
    with sessions() as s:
        assert s.scalars(select(InboxItem).where(InboxItem.customer_id == eva.id)).all() == []
        assert s.scalars(select(SimulatedDelivery)).all() == []


class BrokenBatch:
    """A channel whose batch sending breaks with an error that is no provider's answer."""

    name = "broken"

    def deliver(self, message: Message) -> None:
        raise RuntimeError("unexpected")

    def deliver_many(self, messages: list[Message]) -> list[object]:
        raise RuntimeError("unexpected error in a sending thread")


@pytest.mark.usefixtures("daytime")
def test_a_message_whose_batch_channel_keeps_breaking_fails_in_the_end(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    """Retried like any temporary failure, then failed with its reason (it stayed queued
    for ever, its job failed, no message.failed)."""
    message_template(db, "hello", PLAIN, channels=("email",))
    eva = customer(db, preferred=["email"])
    _send(db, eva.id, "hello")
    with adapters.overridden(Channel.EMAIL, BrokenBatch()):
        for _ in range(12):
            run_jobs()
            clock.travel(timedelta(hours=2))
    [message] = _messages(sessions, eva.id)
    assert message.status == MessageStatus.FAILED
    with sessions() as s:
        [event] = s.scalars(select(Event).where(Event.type == "message.failed"))
        assert event.payload["reason"] == "retries_exhausted"
