"""Message requests routed over the customer's channels: fallbacks, quiet hours, caps,
the in-app inbox and its read receipts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.customers import service as customers_service
from firstmile.customers.models import Customer
from firstmile.customers.schemas import QuietHoursUpdate
from firstmile.eventlog.models import Event
from firstmile.kit import time as clock
from firstmile.kit.jobs import Job
from firstmile.messaging import service
from firstmile.messaging.channels import adapters
from firstmile.messaging.channels.base import DeliveryResult, PermanentDeliveryError
from firstmile.messaging.delivery import DELIVER_JOB
from firstmile.messaging.models import Channel, InboxItem, Message, MessageClass, MessageStatus
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message_template, policy

Headers = dict[str, str]
HELLO = {
    "en": {"subject": "Hello", "body": "Hello {{ name }}."},
    "cs": {"subject": "Ahoj", "body": "Ahoj {{ name }}."},
}


class Failing:
    name = "failing"

    def deliver(self, message: Message) -> DeliveryResult:
        raise PermanentDeliveryError("550 mailbox unavailable")


def _send(db: Session, customer_id: str, purpose: str = "hello", **kw: Any) -> Message:
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "purpose": purpose,
        "data": {"name": "Eva"},
        "idempotency_key": f"{purpose}-{customer_id}",
        "actor": SYSTEM,
    }
    values.update(kw)
    message = service.send(db, **values)
    db.commit()
    return message


def _capped_customer(db: Session, *, per_week: int) -> Customer:
    """An "offer" marketing template, and a customer who takes marketing by email and SMS,
    email first; the policy caps marketing email at `per_week` a week."""
    policy(db, caps={"marketing": {"email": (per_week, 7)}})
    message_template(db, "offer", HELLO, klass="marketing")
    return customer(
        db,
        consents={("marketing", "email"): True, ("marketing", "sms"): True},
        preferred=["email", "sms"],
    )


def _batch_offer(db: Session, customer_id: str, n: int) -> Message:
    """The n-th offer of a batch: sent as a campaign batch sends, not committed."""
    return service.send(
        db,
        customer_id=customer_id,
        purpose="offer",
        data={"name": "Eva"},
        idempotency_key=f"offer-{n}",
        actor=SYSTEM,
        new_key=True,
    )


def _messages(sessions: sessionmaker[Session], customer_id: str) -> list[Message]:
    with sessions() as s:
        return list(
            s.scalars(
                select(Message)
                .where(Message.customer_id == customer_id)
                .order_by(Message.created_at, Message.id)
            )
        )


def _events(sessions: sessionmaker[Session], event_type: str) -> list[Event]:
    with sessions() as s:
        return list(s.scalars(select(Event).where(Event.type == event_type).order_by(Event.seq)))


def test_the_customers_first_preferred_channel_is_used_and_the_rest_are_fallbacks(
    db: Session,
) -> None:
    message_template(db, "hello", HELLO, channels=("email", "sms", "push", "inapp"))
    eva = customer(db, preferred=["sms", "email"])
    message = _send(db, eva.id)
    assert message.channel == Channel.SMS
    assert message.recipient == "+420601123456"
    assert message.body_text == "Ahoj Eva."
    assert [f["channel"] for f in message.fallbacks] == ["email", "inapp"]
    assert message.skipped == {"push": "no_subscription"}


def test_marketing_goes_only_where_the_customer_consented(db: Session) -> None:
    message_template(db, "offer", HELLO, klass="marketing", channels=("email", "sms"))
    eva = customer(
        db,
        consents={("marketing", "sms"): True, ("service", "email"): True},
        preferred=["email", "sms"],
    )
    message = _send(db, eva.id, "offer")
    assert message.channel == Channel.SMS
    assert message.fallbacks == []
    assert message.skipped == {"email": "no_consent"}


def test_with_no_channel_left_the_message_is_suppressed_with_the_reasons(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    message_template(db, "offer", HELLO, klass="marketing", channels=("email", "sms"))
    message = _send(db, customer(db).id, "offer")
    assert message.status == MessageStatus.SUPPRESSED
    assert message.body_text == ""
    [event] = _events(sessions, "message.suppressed")
    assert event.payload["reason"] == "no_consent"
    assert event.payload["skipped"] == {"email": "no_consent", "sms": "no_consent"}


def test_a_permanent_failure_falls_back_to_the_next_channel(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    message_template(db, "hello", HELLO)
    eva = customer(db, preferred=["email", "sms"])
    first = _send(db, eva.id)
    with adapters.overridden(Channel.EMAIL, Failing()):
        run_jobs()
    failed, following = _messages(sessions, eva.id)
    assert failed.id == first.id
    assert failed.status == MessageStatus.FAILED
    assert failed.fallbacks == []
    assert following.channel == Channel.SMS
    assert following.fallback_of == first.id
    assert following.status == MessageStatus.SENT  # the simulator took it in the same run
    assert following.body_text == "Ahoj Eva."
    [event] = _events(sessions, "message.fell_back")
    assert event.payload["reason"] == "failed"
    assert event.payload["next_channel"] == "sms"
    assert event.payload["next_message_id"] == following.id


def test_a_repeated_request_sends_nothing_twice_even_after_a_fallback(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    message_template(db, "hello", HELLO)
    eva = customer(db, preferred=["email", "sms"])
    first = _send(db, eva.id)
    with adapters.overridden(Channel.EMAIL, Failing()):
        run_jobs()
    again = _send(db, eva.id)
    assert again.id == first.id
    assert run_jobs() == 0
    assert len(_messages(sessions, eva.id)) == 2


def test_an_unread_inbox_message_is_followed_by_the_next_channel(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    message_template(db, "hello", HELLO, channels=("inapp", "sms"), unread_fallback_minutes=60)
    eva = customer(db, preferred=["inapp", "sms"])
    first = _send(db, eva.id)
    run_jobs()
    [delivered] = _messages(sessions, eva.id)
    assert delivered.status == MessageStatus.DELIVERED
    assert delivered.delivered_at is not None
    with sessions() as s:
        item = s.scalar(select(InboxItem))
        assert item is not None
        assert (item.title, item.body) == ("Ahoj", "Ahoj Eva.")
    clock.travel(timedelta(minutes=59))
    run_jobs()
    assert len(_messages(sessions, eva.id)) == 1
    clock.travel(timedelta(minutes=2))
    run_jobs()
    _, following = _messages(sessions, eva.id)
    assert following.channel == Channel.SMS
    assert following.fallback_of == first.id
    assert following.status == MessageStatus.SENT


def test_a_read_inbox_message_needs_no_fallback(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    agent: Headers,
) -> None:
    message_template(db, "hello", HELLO, channels=("inapp", "sms"), unread_fallback_minutes=60)
    eva = customer(db, preferred=["inapp", "sms"])
    message = _send(db, eva.id)
    run_jobs()
    inbox = client.get(f"/api/customers/{eva.id}/inbox", headers=agent)
    assert inbox.status_code == 200
    assert inbox.json()["unread"] == 1
    [item] = inbox.json()["items"]
    assert item["title"] == "Ahoj"
    read = client.post(f"/api/customers/{eva.id}/inbox/{item['id']}/read", headers=agent)
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert client.get(f"/api/customers/{eva.id}/inbox", headers=agent).json()["unread"] == 0
    clock.travel(timedelta(hours=2))
    run_jobs()
    [opened] = _messages(sessions, eva.id)
    assert opened.id == message.id
    assert opened.status == MessageStatus.OPENED
    assert opened.opened_at is not None
    assert len(_events(sessions, "message.opened")) == 1


def test_an_inbox_item_of_another_customer_is_not_found(
    db: Session, run_jobs: RunJobs, client: TestClient, agent: Headers
) -> None:
    message_template(db, "hello", HELLO, channels=("inapp",))
    eva = customer(db, preferred=["inapp"])
    jan = customer(db, email="jan@example.com")
    _send(db, eva.id)
    run_jobs()
    [item] = client.get(f"/api/customers/{eva.id}/inbox", headers=agent).json()["items"]
    answer = client.post(f"/api/customers/{jan.id}/inbox/{item['id']}/read", headers=agent)
    assert answer.status_code == 404


def test_quiet_hours_hold_a_message_that_is_not_urgent(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    policy(db, quiet_hours=("21:00", "08:00"))
    message_template(db, "hello", HELLO)
    message_template(db, "code", HELLO, urgent=True)
    eva = customer(db)
    late = datetime(2026, 6, 10, 21, 30, tzinfo=UTC)  # 23:30 in Prague
    with clock.frozen_at(late):
        held = _send(db, eva.id)
        urgent = _send(db, eva.id, "code")
        assert held.scheduled_for == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)
        assert urgent.scheduled_for is None
        run_jobs()
        statuses = {m.purpose: m.status for m in _messages(sessions, eva.id)}
        assert statuses == {"hello": MessageStatus.QUEUED, "code": MessageStatus.SENT}
        clock.travel(timedelta(hours=8, minutes=31))  # 08:01 in Prague
        run_jobs()
        assert {m.status for m in _messages(sessions, eva.id)} == {MessageStatus.SENT}


def test_the_customers_own_quiet_hours_hold_a_message(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    policy(db, quiet_hours=("21:00", "08:00"))
    message_template(db, "hello", HELLO)
    eva = customer(db)
    customers_service.set_quiet_hours(
        db, eva.id, QuietHoursUpdate(start=time(23, 0), end=time(6, 30)), actor=SYSTEM
    )
    db.commit()
    late = datetime(2026, 6, 10, 21, 30, tzinfo=UTC)  # 23:30 in Prague
    with clock.frozen_at(late):
        held = _send(db, eva.id)
    assert held.scheduled_for == datetime(2026, 6, 11, 4, 30, tzinfo=UTC)  # 06:30 in Prague


def test_a_frequency_cap_moves_marketing_to_the_next_channel(db: Session) -> None:
    eva = _capped_customer(db, per_week=1)
    first = _send(db, eva.id, "offer", idempotency_key="offer-1")
    second = _send(db, eva.id, "offer", idempotency_key="offer-2")
    assert first.channel == Channel.EMAIL
    assert second.channel == Channel.SMS
    assert second.skipped == {"email": "frequency_cap"}
    clock.travel(timedelta(days=8))
    third = _send(db, eva.id, "offer", idempotency_key="offer-3")
    assert third.channel == Channel.EMAIL


def test_a_recipient_without_a_channel_is_refused(db: Session) -> None:
    message_template(db, "hello", HELLO)
    with pytest.raises(Exception, match="a recipient needs a channel"):
        _send(db, customer(db).id, recipient="x@example.com")


# -- the API ---------------------------------------------------------------------------------


def test_the_api_requests_a_routed_message_once_per_key(
    db: Session, client: TestClient, integration: Headers
) -> None:
    message_template(db, "hello", HELLO, channels=("email", "sms", "push"))
    eva = customer(db, preferred=["sms"])
    body = {"customer_id": eva.id, "purpose": "hello", "data": {"name": "Eva"}}
    first = client.post(
        "/api/messages", json={**body, "idempotency_key": "k1"}, headers=integration
    )
    assert first.status_code == 201, first.text
    sent = first.json()
    assert sent["channel"] == "sms"
    assert sent["fallback_channels"] == ["email"]
    assert sent["skipped"] == {"push": "no_subscription"}
    assert sent["status"] == "queued"
    again = client.post(
        "/api/messages", json={**body, "idempotency_key": "k1"}, headers=integration
    )
    assert again.json()["id"] == sent["id"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"purpose": "nope"}, 422, "purpose"),
        ({"channel": "fax"}, 422, "channel"),
        ({"idempotency_key": ""}, 422, "idempotency_key"),
        ({"data": "x"}, 422, "data"),
        ({"customer_id": "missing"}, 404, None),
    ],
)
def test_the_api_names_bad_input(
    db: Session,
    client: TestClient,
    integration: Headers,
    change: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    message_template(db, "hello", HELLO)
    body = {
        "customer_id": customer(db).id,
        "purpose": "hello",
        "data": {"name": "Eva"},
        "idempotency_key": "k",
        **change,
    }
    answer = client.post("/api/messages", json=body, headers=integration)
    assert answer.status_code == status, answer.text
    if field is not None:
        assert field in answer.json()["error"]["field"]


def test_a_batch_checks_frequency_caps_from_one_query_and_counts_what_it_adds(
    db: Session,
) -> None:
    """Inside a caps snapshot (a campaign batch) a send queries no counts, yet the messages
    the batch itself adds, not yet flushed, count against the cap as stored ones do."""
    eva = _capped_customer(db, per_week=2)
    _send(db, eva.id, "offer", idempotency_key="offer-0")  # stored: one of two this week
    counts: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        if "count(" in statement.lower() and "messages" in statement:
            counts.append(statement)

    engine = db.get_bind()
    sa_event.listen(engine, "before_cursor_execute", seen)
    try:
        with (
            service.recipients_snapshot(db, [eva.id]),
            service.caps_snapshot(db, [eva.id], MessageClass.MARKETING),
        ):
            sends = [_batch_offer(db, eva.id, n) for n in (1, 2)]
        db.commit()
    finally:
        sa_event.remove(engine, "before_cursor_execute", seen)
    assert counts == []
    assert [m.channel for m in sends] == [Channel.EMAIL, Channel.SMS]
    assert sends[1].skipped == {"email": "frequency_cap"}


def test_a_flush_inside_a_batch_keeps_its_caps_snapshot_and_counts_what_it_wrote(
    db: Session,
) -> None:
    """A query in the middle of a batch flushes its messages: they join the snapshot, so
    the next send still queries no counts, and they count against the cap. A message the
    batch changes (here: failed, so it no longer counts) drops the snapshot instead, and
    the counts are read from the database again."""
    eva = _capped_customer(db, per_week=2)
    _send(db, eva.id, "offer", idempotency_key="offer-0")
    counts: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        if "count(" in statement.lower() and "messages" in statement:
            counts.append(statement)

    engine = db.get_bind()
    sa_event.listen(engine, "before_cursor_execute", seen)
    try:
        with (
            service.recipients_snapshot(db, [eva.id]),
            service.caps_snapshot(db, [eva.id], MessageClass.MARKETING),
        ):
            first = _batch_offer(db, eva.id, 1)
            db.flush()
            second = _batch_offer(db, eva.id, 2)
            assert counts == []
            first.status = MessageStatus.FAILED  # no longer counts against the cap
            db.flush()
            third = _batch_offer(db, eva.id, 3)
        db.commit()
    finally:
        sa_event.remove(engine, "before_cursor_execute", seen)
    assert (first.channel, second.channel) == (Channel.EMAIL, Channel.SMS)
    assert second.skipped == {"email": "frequency_cap"}
    assert len(counts) == 1  # read again after the change
    assert third.channel == Channel.EMAIL


def test_an_inbox_message_due_now_is_delivered_in_the_transaction_that_requests_it(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    """No delivery job: the item is in the inbox when the request commits. A batch's
    messages and items go in one flush (on PostgreSQL the messages must come first)."""
    message_template(db, "hello", HELLO, channels=("inapp", "sms"))
    people = [customer(db, preferred=["inapp"], email=f"c{n}@example.com") for n in range(3)]
    with service.recipients_snapshot(db, [c.id for c in people]):
        sent = [
            service.send(
                db,
                customer_id=c.id,
                purpose="hello",
                data={"name": "Eva"},
                idempotency_key=f"batch-{n}",
                actor=SYSTEM,
                new_key=True,
            )
            for n, c in enumerate(people)
        ]
    db.commit()
    assert {m.status for m in sent} == {MessageStatus.DELIVERED}
    assert all(m.fallbacks == [] and m.attempts == 1 for m in sent)
    with sessions() as s:
        items = s.scalars(select(InboxItem)).all()
        assert sorted(i.message_id for i in items) == sorted(m.id for m in sent)
        assert s.scalars(select(Job).where(Job.kind == DELIVER_JOB)).all() == []
        story = s.scalars(
            select(Event.type).where(Event.subject_id == sent[0].id).order_by(Event.seq)
        )
        assert list(story) == ["message.requested", "message.sent"]


def test_an_inbox_message_held_by_quiet_hours_waits_for_its_delivery_job(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    policy(db, quiet_hours=("21:00", "08:00"))
    message_template(db, "hello", HELLO, channels=("inapp",))
    eva = customer(db, preferred=["inapp"])
    with clock.frozen_at(datetime(2026, 6, 10, 21, 30, tzinfo=UTC)):  # 23:30 in Prague
        held = _send(db, eva.id)
        assert held.status == MessageStatus.QUEUED
        run_jobs()
        with sessions() as s:
            assert s.scalars(select(InboxItem)).all() == []
        clock.travel(timedelta(hours=8, minutes=31))  # 08:01 in Prague
        run_jobs()
    [delivered] = _messages(sessions, eva.id)
    assert delivered.status == MessageStatus.DELIVERED
    with sessions() as s:
        assert [i.message_id for i in s.scalars(select(InboxItem))] == [held.id]


def test_fallbacks_are_rendered_only_where_they_could_be_used(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    """An in-app message due now is in the inbox for good when its request commits (no
    receipt can fail it, no unread timer follows): its SMS fallback is not rendered. Held
    by quiet hours, it waits for its job and keeps the rendered fallback until then."""
    policy(db, quiet_hours=("21:00", "08:00"))
    message_template(db, "hello", HELLO, channels=("inapp", "sms"))
    eva = customer(db, preferred=["inapp", "sms"])
    with clock.frozen_at(datetime(2026, 6, 10, 10, 0, tzinfo=UTC)):  # noon in Prague
        now = _send(db, eva.id, idempotency_key="day")
    assert now.status == MessageStatus.DELIVERED
    assert now.fallbacks == []
    with clock.frozen_at(datetime(2026, 6, 10, 21, 30, tzinfo=UTC)):  # 23:30 in Prague
        held = _send(db, eva.id, idempotency_key="night")
        assert held.status == MessageStatus.QUEUED
        assert [(f["channel"], f["body_text"]) for f in held.fallbacks] == [("sms", "Ahoj Eva.")]
        clock.travel(timedelta(hours=8, minutes=31))
        run_jobs()
    requested = {
        e.subject_id: e.payload["fallbacks"] for e in _events(sessions, "message.requested")
    }
    assert requested == {now.id: [], held.id: ["sms"]}
    with sessions() as s:
        delivered = s.get(Message, held.id)
        assert delivered is not None
        assert (delivered.status, delivered.fallbacks) == (MessageStatus.DELIVERED, [])


def test_a_rolled_back_savepoint_takes_its_messages_out_of_the_caps_count(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    """A message the batch flushed joins the caps snapshot; when its savepoint is rolled
    back the message is gone, so it no longer counts (the snapshot is dropped and the
    counts are read from the database again)."""
    eva = _capped_customer(db, per_week=1)

    with (
        service.recipients_snapshot(db, [eva.id]),
        service.caps_snapshot(db, [eva.id], MessageClass.MARKETING),
    ):
        savepoint = db.begin_nested()
        undone = _batch_offer(db, eva.id, 1)
        db.flush()  # joins the snapshot: the cap of one is used
        assert undone.channel == Channel.EMAIL
        savepoint.rollback()
        kept = _batch_offer(db, eva.id, 2)
    db.commit()
    assert kept.channel == Channel.EMAIL
    assert kept.skipped == {}
    assert [m.id for m in _messages(sessions, eva.id)] == [kept.id]
