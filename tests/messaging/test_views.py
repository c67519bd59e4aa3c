"""One-click unsubscribe (RFC 8058) and the marketing-preference page behind every
marketing message's links."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.customers import service as customers_service
from firstmile.kit.i18n import SUPPORTED_LOCALES, gettext_for
from firstmile.kit.settings import current
from firstmile.messaging import preferences, service
from firstmile.messaging.models import Channel, Message, MessageStatus
from firstmile.messaging.views import LABELS
from tests.conftest import RunJobs
from tests.factories.messaging import customer
from tests.messaging.peers import Inbox, email_over_local_smtp

OFFER = {"given_name": "Eva", "offer_name": "Mobil 30 GB", "monthly_price": "499 Kč"}
ALL_MARKETING = {("marketing", "email"): True, ("marketing", "sms"): True}


def _offer(db: Session, customer_id: str, key: str = "offer-1", **kw: Any) -> Message:
    message = service.send(
        db,
        customer_id=customer_id,
        purpose="upgrade_offer",
        data=OFFER,
        idempotency_key=key,
        actor=SYSTEM,
        **kw,
    )
    db.commit()
    return message


@pytest.mark.usefixtures("telco")
@pytest.mark.usefixtures("daytime")
def test_a_marketing_email_carries_one_click_unsubscribe_and_footer_links(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    eva = customer(db, language="cs", consents=ALL_MARKETING)
    message = _offer(db, eva.id, channel="email")
    url = preferences.unsubscribe_url(current(), eva.id, "email")
    assert message.unsubscribe_url == url
    assert message.body_html is not None
    assert f'href="{url}"' in message.body_html
    assert ">Odhlásit</a>" in message.body_html  # the footer, in the customer's language
    assert ">Spravovat předvolby</a>" in message.body_html
    inbox = Inbox()
    with email_over_local_smtp(inbox):
        run_jobs()
    [received] = inbox.messages()
    assert received["List-Unsubscribe"] == f"<{url}>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.usefixtures("telco")
def test_a_marketing_sms_carries_its_unsubscribe_link(db: Session) -> None:
    eva = customer(db, language="en", consents=ALL_MARKETING)
    message = _offer(db, eva.id, channel="sms")
    assert message.body_text.endswith(
        "Stop: " + preferences.unsubscribe_url(current(), eva.id, "sms")
    )


@pytest.mark.usefixtures("telco")
def test_transactional_messages_have_no_unsubscribe_link(db: Session) -> None:
    eva = customer(db, language="en")
    message = service.send(
        db,
        customer_id=eva.id,
        purpose="welcome",
        data={"given_name": "Eva"},
        idempotency_key="w",
        actor=SYSTEM,
    )
    assert message.unsubscribe_url is None
    assert message.body_html is not None
    assert "/preferences/" not in message.body_html


@pytest.mark.usefixtures("telco")
def test_one_click_unsubscribe_withdraws_marketing_on_that_channel_only(
    db: Session, sessions: sessionmaker[Session], client: TestClient
) -> None:
    eva = customer(db, language="en", consents=ALL_MARKETING)
    url = preferences.unsubscribe_url(current(), eva.id, "email")
    path = url.removeprefix(current().base_url)
    answer = client.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert "you will no longer receive offers by Email" in answer.text
    with sessions() as s:
        state = preferences.marketing_state(s, eva.id)
        assert state == {"email": False, "sms": True, "push": False, "inapp": False}
        [withdrawal] = [c for c in customers_service.consent_history(s, eva.id) if not c.granted]
        assert withdrawal.source == "message_link"
        assert withdrawal.actor == f"customer:{eva.id}"
    assert client.post(path).status_code == 200  # again: nothing more is recorded
    with sessions() as s:
        history = customers_service.consent_history(s, eva.id)
        assert sum(1 for c in history if not c.granted) == 1
    later = _offer(db, eva.id, key="offer-2")
    assert later.channel == Channel.SMS  # email is no longer allowed for marketing
    assert later.status == MessageStatus.QUEUED


@pytest.mark.usefixtures("telco")
def test_the_preference_page_is_in_the_customers_language_and_right_to_left_in_arabic(
    db: Session, client: TestClient
) -> None:
    eva = customer(db, language="ar", consents=ALL_MARKETING)
    page = client.get(
        preferences.preferences_url(current(), eva.id).removeprefix(current().base_url)
    )
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "تفضيلات الرسائل التسويقية" in page.text
    assert "Firstmile Telco s.r.o." in page.text
    forms = re.findall(r'action="[^"]*/(unsubscribe|subscribe)/(\w+)"', page.text)
    assert forms == [
        ("unsubscribe", "email"),
        ("unsubscribe", "sms"),
        ("subscribe", "push"),
        ("subscribe", "inapp"),
    ]
    # its address holds the customer's token: never framed by another site, never sent on
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.usefixtures("telco")
def test_the_page_subscribes_again(
    db: Session, sessions: sessionmaker[Session], client: TestClient
) -> None:
    eva = customer(db, language="sv")
    base = preferences.preferences_url(current(), eva.id).removeprefix(current().base_url)
    answer = client.post(f"{base}/subscribe/inapp")
    assert answer.status_code == 200
    assert "Sparat: du får erbjudanden via Meddelanden i appen." in answer.text
    with sessions() as s:
        assert preferences.marketing_state(s, eva.id)["inapp"] is True


@pytest.mark.usefixtures("telco")
@pytest.mark.parametrize("forge", ["token", "channel", "action"])
def test_a_forged_or_broken_link_changes_nothing(
    db: Session, sessions: sessionmaker[Session], client: TestClient, forge: str
) -> None:
    eva = customer(db, language="en", consents=ALL_MARKETING)
    token = preferences.token_for(current(), eva.id)
    other = customer(db, email="jan@example.com")
    paths = {
        "token": f"/preferences/{other.id}.{token.rpartition('.')[2]}/unsubscribe/email",
        "channel": f"/preferences/{token}/unsubscribe/fax",
        "action": f"/preferences/{token}/delete/email",
    }
    answer = client.post(paths[forge])
    assert answer.status_code == 404
    assert "This link is not valid" in answer.text
    with sessions() as s:
        assert preferences.marketing_state(s, eva.id)["email"] is True
        assert preferences.marketing_state(s, other.id)["email"] is False


def test_every_page_text_exists_in_every_language() -> None:
    texts = [
        *LABELS.values(),
        "Your marketing preferences",
        "Unsubscribe",
        "Subscribe",
        "Manage your preferences",
        "Receiving offers",
        "Not receiving offers",
        "This link is not valid. Open the link from your latest message, or sign in to the portal.",
    ]
    for locale in SUPPORTED_LOCALES:
        if locale == "en":
            continue
        catalog = gettext_for(locale)
        missing = [t for t in texts if catalog.gettext(t) == t and t != "SMS"]
        assert missing == [], locale
