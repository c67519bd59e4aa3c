"""The portal inbox: the in-app messages, opening one is the read receipt, content is shown
as text, and nobody opens another customer's message."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog.models import Event
from firstmile.messaging import service as messaging_service
from firstmile.messaging.models import InboxItem, Message, MessageStatus
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message_template
from tests.factories.web import sign_in_customer

TEXTS = {
    "en": {
        "subject": "Your router is on its way",
        "body": "Hello {{ name }},\n\nit arrives tomorrow.\n\n{{ extra }}",
    }
}


def _inbox_template(db: Session, link: str) -> None:
    row = message_template(db, "router_sent", TEXTS, channels=("inapp",))
    channels = dict(row.content["channels"])
    channels["inapp"] = {**channels["inapp"], "link": link}
    row.content = {**row.content, "channels": channels}
    db.commit()


def _deliver(db: Session, run_jobs: RunJobs, customer_id: str, **data: Any) -> InboxItem:
    messaging_service.send(
        db,
        customer_id=customer_id,
        purpose="router_sent",
        data={"name": "Eva", "extra": "", "target": "/portal/tutorials", **data},
        idempotency_key=f"router-{customer_id}-{len(data)}",
        actor=SYSTEM,
    )
    db.commit()
    run_jobs()
    item = db.scalars(select(InboxItem).where(InboxItem.customer_id == customer_id)).one()
    db.commit()
    return item


def test_the_inbox_lists_messages_and_opening_one_is_the_read_receipt(
    client: TestClient, db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    _inbox_template(db, "{{ target }}")
    eva = customer(db, language="en", preferred=["inapp"])
    item = _deliver(db, run_jobs, eva.id)
    sign_in_customer(client, sessions, eva.id)
    listing = client.get("/portal/inbox")
    assert listing.status_code == 200
    assert "Your router is on its way" in listing.text
    assert "1 unread" in listing.text
    opened = client.get(f"/portal/inbox/{item.id}")
    assert opened.status_code == 200
    assert '<p class="user-text">it arrives tomorrow.</p>' in opened.text
    assert 'href="/portal/tutorials"' in opened.text
    client.get(f"/portal/inbox/{item.id}")  # a second look is not a second receipt
    with sessions() as s:
        read = s.get(InboxItem, item.id)
        message = s.get(Message, item.message_id)
        receipts = s.scalars(select(Event).where(Event.type == "message.opened")).all()
    assert read is not None
    assert read.read_at is not None
    assert message is not None
    assert message.status == MessageStatus.OPENED
    assert len(receipts) == 1
    assert "You have read everything." in client.get("/portal/inbox").text


def test_content_is_shown_as_text_and_unsafe_links_are_dropped(
    client: TestClient, db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    _inbox_template(db, "{{ target }}")
    eva = customer(db, language="en", preferred=["inapp"])
    item = _deliver(
        db,
        run_jobs,
        eva.id,
        extra='<script>alert("x")</script><b>bold</b>',
        target="javascript:alert(1)",
    )
    sign_in_customer(client, sessions, eva.id)
    page = client.get(f"/portal/inbox/{item.id}")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page.text
    assert "javascript:" not in page.text


def test_another_customers_message_is_not_found_and_stays_unread(
    client: TestClient, db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    _inbox_template(db, "/portal/billing")
    eva = customer(db, language="en", preferred=["inapp"])
    jan = customer(db, language="en", email="jan@example.com", phone="+420601999888")
    item = _deliver(db, run_jobs, eva.id)
    sign_in_customer(client, sessions, jan.id)
    assert client.get(f"/portal/inbox/{item.id}").status_code == 404
    assert "Your router is on its way" not in client.get("/portal/inbox").text
    with sessions() as s:
        still = s.get(InboxItem, item.id)
    assert still is not None
    assert still.read_at is None
