from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog.models import Event
from firstmile.kit import jobs
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import travel
from firstmile.messaging import service
from firstmile.messaging.channels import adapters
from firstmile.messaging.channels.base import (
    DeliveryResult,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from firstmile.messaging.models import (
    REDACTED,
    Channel,
    DeliveryReference,
    Message,
    MessageStatus,
    SimulatedDelivery,
)
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message_template
from tests.messaging.peers import Inbox, email_over_local_smtp

MARKETING_TEXTS = {"en": {"subject": "Hello {{ name }}", "body": "An offer for {{ name }}."}}


@pytest.fixture(autouse=True)
def _templates(db: Session) -> None:
    message_template(db, "contract_signature_code")
    message_template(db, "contact_verification")
    message_template(db, "offer", MARKETING_TEXTS, klass="marketing")


def _send(db: Session, customer_id: str, **overrides: Any) -> Message:
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "purpose": "contract_signature_code",
        "channel": "email",
        "data": {"code": "482915"},
        "idempotency_key": "sig-1",
        "actor": SYSTEM,
    }
    values.update(overrides)
    message = service.send(db, **values)
    db.commit()
    return message


def _count(db: Session, model: type[Any], *where: Any) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _events(db: Session, event_type: str) -> list[Event]:
    return list(db.scalars(select(Event).where(Event.type == event_type).order_by(Event.seq)))


def _reload(sessions: sessionmaker[Session], message_id: str) -> Message:
    with sessions() as s:
        row = s.get(Message, message_id)
        assert row is not None
        return row


def test_send_renders_in_the_customer_language_and_queues_delivery(db: Session) -> None:
    eva = customer(db, language="cs")
    message = _send(db, eva.id)
    assert message.status == MessageStatus.QUEUED
    assert message.locale == "cs"
    assert message.subject == "Váš podpisový kód"
    assert message.body_text == "Váš kód je 482915."
    assert message.recipient == "eva@example.com"
    assert message.requested_by == SYSTEM.ref
    job = db.scalar(select(jobs.Job).where(jobs.Job.key == f"messaging.deliver:{message.id}"))
    assert job is not None
    assert job.args == {"message_id": message.id}


def test_locale_falls_back_from_region_to_language(db: Session) -> None:
    message = _send(db, customer(db, language="sv-FI").id)
    assert message.locale == "sv"


def test_locale_falls_back_to_english(db: Session) -> None:
    message = _send(db, customer(db, language="de").id)
    assert message.locale == "en"
    assert message.body_text == "Your code is 482915."


def test_right_to_left_text_is_kept_as_written(db: Session) -> None:
    message = _send(db, customer(db, language="ar").id)
    assert message.body_text == "رمزك هو 482915."


def test_requested_event_carries_no_body_or_code(db: Session) -> None:
    eva = customer(db)
    message = _send(db, eva.id)
    [event] = _events(db, "message.requested")
    assert event.customer_id == eva.id
    assert event.subject_id == message.id
    assert "482915" not in json.dumps(event.payload)
    assert event.payload["channel"] == "email"


def test_same_idempotency_key_returns_the_first_message_and_changes_nothing(
    db: Session,
) -> None:
    eva = customer(db)
    first = _send(db, eva.id)
    again = _send(db, eva.id, data={"code": "000000"})
    assert again.id == first.id
    assert again.body_text == "Váš kód je 482915."
    assert _count(db, Message) == 1
    assert _count(db, jobs.Job) == 1
    assert len(_events(db, "message.requested")) == 1


def test_same_key_for_another_customer_is_a_conflict(db: Session) -> None:
    _send(db, customer(db).id)
    other = customer(db, email="jan@example.com")
    with pytest.raises(Conflict):
        _send(db, other.id)


def test_without_consent_the_message_is_suppressed_and_not_delivered(db: Session) -> None:
    eva = customer(db, consents={("service", "email"): False})
    message = _send(db, eva.id)
    assert message.status == MessageStatus.SUPPRESSED
    assert _count(db, jobs.Job) == 0
    [event] = _events(db, "message.suppressed")
    assert event.payload["reason"] == "no_consent"


def test_marketing_needs_marketing_consent(db: Session) -> None:
    eva = customer(db)  # service consent only
    message = _send(db, eva.id, data={"name": "Eva"}, purpose="offer")
    assert message.status == MessageStatus.SUPPRESSED


def test_marketing_with_consent_is_queued_and_not_sensitive(db: Session) -> None:
    eva = customer(db, consents={("marketing", "email"): True})
    message = _send(db, eva.id, data={"name": "Eva"}, purpose="offer")
    assert message.status == MessageStatus.QUEUED
    assert message.sensitive is False
    assert message.subject == "Hello Eva"


def test_caller_may_name_the_recipient(db: Session) -> None:
    eva = customer(db)
    message = _send(db, eva.id, recipient="new@example.com", purpose="contact_verification")
    assert message.recipient == "new@example.com"


def test_without_a_verified_address_the_channel_is_refused(db: Session) -> None:
    eva = customer(db, phone=None)
    with pytest.raises(InvalidInput) as caught:
        _send(db, eva.id, channel="sms")
    assert caught.value.field == "channel"
    assert _count(db, Message) == 0


def test_missing_data_names_the_data_field(db: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        _send(db, customer(db).id, data={})
    assert caught.value.field == "data"


def test_broken_template_names_the_text(db: Session) -> None:
    message_template(db, "broken", {"en": {"subject": "x", "body": "{% if %}"}})
    with pytest.raises(InvalidInput) as caught:
        _send(db, customer(db, language="en").id, purpose="broken")
    assert caught.value.field == "email.text.en"


def test_templates_run_in_a_sandbox(db: Session) -> None:
    texts = {"en": {"subject": "x", "body": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}}
    message_template(db, "escape", texts)
    with pytest.raises(InvalidInput):
        _send(db, customer(db, language="en").id, purpose="escape")
    assert _count(db, Message) == 0


def test_a_message_records_the_template_version_it_was_made_from(db: Session) -> None:
    changed = {"en": {"subject": "New", "body": "Your new code: {{ code }}."}}
    message_template(db, "contract_signature_code", changed)
    message = _send(db, customer(db, language="en").id)
    assert message.template_version == 2
    assert message.body_text == "Your new code: 482915."


def test_the_email_html_is_laid_out_right_to_left_for_arabic(db: Session) -> None:
    message = _send(db, customer(db, language="ar").id)
    assert message.body_html is not None
    assert '<html lang="ar" dir="rtl">' in message.body_html
    assert "<p>رمزك هو 482915.</p>" in message.body_html
    assert "Test Operator s.r.o." in message.body_html
    czech = _send(db, customer(db, email="jan@example.com").id, idempotency_key="sig-2")
    assert czech.body_html is not None
    assert '<html lang="cs" dir="ltr">' in czech.body_html


def test_data_is_escaped_in_the_email_html(db: Session) -> None:
    message_template(db, "hello", {"en": {"subject": "Hi", "body": "Hi {{ name }}"}})
    message = _send(
        db,
        customer(db, language="en").id,
        purpose="hello",
        data={"name": "<script>x</script>"},
    )
    assert message.body_html is not None
    assert "<script>" not in message.body_html
    assert "&lt;script&gt;x&lt;/script&gt;" in message.body_html
    assert message.body_text == "Hi <script>x</script>"  # the plain part stays plain


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"purpose": ""}, "purpose"),
        ({"purpose": "no_such_purpose"}, "purpose"),
    ],
)
def test_bad_input_names_the_field(db: Session, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _send(db, customer(db).id, **overrides)
    assert caught.value.field == field


def test_unknown_customer_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound):
        _send(db, "no-such-customer")


def test_delivery_job_sends_through_the_simulator_and_redacts_the_code(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    message = _send(db, customer(db).id)
    assert run_jobs() == 1
    sent = _reload(sessions, message.id)
    assert sent.status == MessageStatus.SENT
    assert sent.sent_at is not None
    assert sent.attempts == 1
    assert sent.body_text == REDACTED
    assert sent.provider_message_id == f"simulated-{message.id}"
    with sessions() as s:
        delivery = s.scalar(select(SimulatedDelivery))
        assert delivery is not None
        assert delivery.body_text == "Váš kód je 482915."
        assert [e.payload["adapter"] for e in _events(s, "message.sent")] == ["simulator"]
        assert _count(s, DeliveryReference) == 0  # no receipts come back: nothing to find by


def test_a_job_that_runs_twice_delivers_once(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    message = _send(db, customer(db).id)
    run_jobs()
    with sessions() as s:  # the same job comes round again (e.g. a worker lost its claim)
        job = s.scalar(select(jobs.Job))
        assert job is not None
        job.status = jobs.JobStatus.QUEUED
        s.commit()
    assert run_jobs() == 1
    with sessions() as s:
        assert _count(s, SimulatedDelivery, SimulatedDelivery.message_id == message.id) == 1
        assert len(_events(s, "message.sent")) == 1


class Scripted:
    """An adapter that fails as scripted, then accepts."""

    name = "scripted"

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.delivered: list[str] = []

    def deliver(self, message: Message) -> DeliveryResult:
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(message.id)
        return DeliveryResult(provider_message_id="p-1")


def test_temporary_failure_is_retried_with_backoff(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    message = _send(db, customer(db).id)
    adapter = Scripted(TemporaryDeliveryError("451 later"))
    with adapters.overridden(Channel.EMAIL, adapter):
        run_jobs()
        assert _reload(sessions, message.id).status == MessageStatus.QUEUED
        assert run_jobs() == 0  # not due yet: backing off
        travel(timedelta(seconds=3))
        run_jobs()
    sent = _reload(sessions, message.id)
    assert sent.status == MessageStatus.SENT
    assert sent.attempts == 2
    assert adapter.delivered == [message.id]


def test_permanent_failure_marks_the_message_failed(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    message = _send(db, customer(db).id)
    with adapters.overridden(Channel.EMAIL, Scripted(PermanentDeliveryError("550 no user"))):
        run_jobs()
    failed = _reload(sessions, message.id)
    assert failed.status == MessageStatus.FAILED
    assert failed.error == "550 no user"
    assert failed.body_text == REDACTED
    with sessions() as s:
        [event] = _events(s, "message.failed")
        assert event.payload["reason"] == "permanent"
        job = s.scalar(select(jobs.Job))
        assert job is not None
        assert job.status == jobs.JobStatus.DONE


def test_message_fails_when_the_retries_run_out(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    message = _send(db, customer(db).id)
    always = Scripted(*[TemporaryDeliveryError("timeout")] * 20)
    with adapters.overridden(Channel.EMAIL, always):
        for _ in range(10):
            run_jobs()
            travel(timedelta(hours=1))
    failed = _reload(sessions, message.id)
    assert failed.status == MessageStatus.FAILED
    assert failed.attempts == 8
    with sessions() as s:
        [event] = _events(s, "message.failed")
        assert event.payload["reason"] == "retries_exhausted"


def test_delivery_over_smtp_end_to_end(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    message = _send(db, customer(db).id)
    inbox = Inbox()
    with email_over_local_smtp(inbox):
        run_jobs()
    [received] = inbox.messages()
    assert received["Message-ID"] == f"<{message.id}@operator.example>"
    assert _reload(sessions, message.id).provider_message_id == received["Message-ID"]
    with sessions() as s:  # a bounce names the Message-ID: the message is found by it
        [reference] = s.scalars(select(DeliveryReference)).all()
        assert (reference.adapter, reference.reference) == ("smtp", received["Message-ID"])
        assert reference.message_id == message.id


def test_a_batch_of_emails_goes_over_several_connections_and_a_refused_one_is_retried(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    people = [customer(db, email=f"p{i}@example.com") for i in range(6)]
    messages = [
        _send(db, person.id, idempotency_key=f"batch-{i}") for i, person in enumerate(people)
    ]
    inbox = Inbox(refuse={"p3@example.com": "451 try again later"})
    with email_over_local_smtp(inbox, connections=3):
        run_jobs()
    received = sorted(str(m["Message-ID"]) for m in inbox.messages())
    sent = [m for i, m in enumerate(messages) if i != 3]
    assert received == sorted(f"<{m.id}@operator.example>" for m in sent)
    with sessions() as s:
        statuses = {m.id: s.get(Message, m.id).status for m in messages}  # type: ignore[union-attr]
        job = s.scalar(
            select(jobs.Job).where(jobs.Job.key == f"messaging.deliver:{messages[3].id}")
        )
        references = set(s.scalars(select(DeliveryReference.message_id)))
    assert statuses == {
        m.id: MessageStatus.QUEUED if i == 3 else MessageStatus.SENT for i, m in enumerate(messages)
    }
    assert job is not None
    assert (job.status, job.attempts) == (jobs.JobStatus.QUEUED, 1)
    assert "451" in (job.last_error or "")
    assert references == {m.id for m in sent}


def test_concurrent_sends_with_one_key_store_one_message(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    eva_id = customer(db).id
    first = sessions()
    mine = service.send(
        first,
        customer_id=eva_id,
        purpose="contract_signature_code",
        channel="email",
        data={"code": "482915"},
        idempotency_key="race",
        actor=SYSTEM,
    )
    theirs: list[str] = []

    def other_request() -> None:
        with sessions() as s:
            theirs.append(_send(s, eva_id, idempotency_key="race").id)

    thread = threading.Thread(target=other_request)
    thread.start()
    time.sleep(0.3)  # the other request is now waiting on our uncommitted row (or lock)
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert theirs == [mine.id]
    assert _count(db, Message) == 1


def test_messages_handed_to_the_inbox_and_queued_ones_are_stored_by_one_insert(
    db: Session,
) -> None:
    """A batch mixing messages handed to the inbox at once (sent, with their attempt) and
    messages queued for email sets the same columns on both, so the ORM writes them with
    one INSERT statement (alternating column sets made one statement per message)."""
    message_template(db, "notice", channels=("inapp", "email"))
    people = [
        customer(db, email=f"p{i}@example.com", preferred=["inapp", "email"][:: 1 - 2 * (i % 2)])
        for i in range(6)
    ]
    inserts: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("INSERT INTO messages"):
            inserts.append(statement)

    _send(db, people[0].id)  # the session's reference data read (and flushed) beforehand
    sa_event.listen(db.get_bind(), "before_cursor_execute", seen)
    try:
        # as a campaign batch sends: its recipients read beforehand, nothing queried per send
        with service.recipients_snapshot(db, [person.id for person in people]):
            for i, person in enumerate(people):
                service.send(
                    db,
                    customer_id=person.id,
                    purpose="notice",
                    data={"code": "1"},
                    idempotency_key=f"mixed-{i}",
                    actor=SYSTEM,
                    new_key=True,
                )
            db.flush()
    finally:
        sa_event.remove(db.get_bind(), "before_cursor_execute", seen)
    db.commit()
    statuses = sorted(str(m.status) for m in db.scalars(select(Message)))
    assert statuses == ["delivered"] * 3 + ["queued"] * 4
    assert len(inserts) == 1
