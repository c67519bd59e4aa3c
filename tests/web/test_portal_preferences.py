"""Preferences: channel order (buttons, no JavaScript), quiet hours, language and consents
persist through the customers service; a withdrawn consent is honoured by senders; bad
input is 422 with the field's error."""

from __future__ import annotations

from datetime import time

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.customers import service as customers_service
from firstmile.customers.models import Consent, Customer
from firstmile.eventlog.models import Event
from tests.factories import customers as customer_factories
from tests.factories.web import post_form, sign_in_customer

pytestmark = pytest.mark.usefixtures("telco")
PAGE = "/portal/preferences"


@pytest.fixture
def eva(sessions: sessionmaker[Session]) -> str:
    with sessions() as db:
        customer = customer_factories.registered(
            db,
            preferences={
                "language": "en",
                "time_zone": "Europe/Prague",
                "preferred_channels": ["email", "sms"],
            },
            consents=[{"purpose": "marketing", "channel": "email", "granted": True}],
        )
        db.commit()
        return customer.id


def _post(client: TestClient, path: str, data: dict[str, str]) -> Response:
    return post_form(client, f"{PAGE}{path}", data, via=PAGE)


def _customer(sessions: sessionmaker[Session], customer_id: str) -> Customer:
    with sessions() as db:
        found = db.get(Customer, customer_id)
        assert found is not None
        return found


def test_the_page_shows_the_channels_in_the_customers_order(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    page = client.get(PAGE)
    assert page.status_code == 200
    positions = [page.text.index(f'value="{c}:up"') for c in ("email", "sms", "push", "inapp")]
    assert positions == sorted(positions)
    assert "our standard quiet hours, 21:00 to 08:00" in page.text


def test_moving_a_channel_up_and_down_persists(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    moved = _post(client, "/channels", {"move": "inapp:up"})
    assert moved.status_code == 303
    assert _customer(sessions, eva).preferred_channels == ["email", "sms", "inapp", "push"]
    _post(client, "/channels", {"move": "email:down"})
    assert _customer(sessions, eva).preferred_channels == ["sms", "email", "inapp", "push"]
    page = client.get(PAGE)
    assert page.text.index('value="sms:up"') < page.text.index('value="email:up"')


def test_withdrawing_consent_is_recorded_and_honoured(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    with sessions() as db:
        assert customers_service.may_contact(db, eva, purpose="marketing", channel="email")
    answer = _post(
        client, "/consents", {"purpose": "marketing", "channel": "email", "granted": "no"}
    )
    assert answer.status_code == 303
    with sessions() as db:
        assert not customers_service.may_contact(db, eva, purpose="marketing", channel="email")
        latest = db.scalars(
            select(Consent).where(Consent.customer_id == eva).order_by(Consent.version.desc())
        ).first()
        withdrawn = db.scalars(select(Event).where(Event.type == "consent.withdrawn")).all()
    assert latest is not None
    assert (latest.granted, latest.source) == (False, "web_form")
    assert len(withdrawn) == 1
    _post(client, "/consents", {"purpose": "service", "channel": "push", "granted": "no"})
    with sessions() as db:
        assert not customers_service.may_contact(db, eva, purpose="service", channel="push")


def test_the_last_channel_for_sign_in_codes_cannot_be_withdrawn(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    ok = _post(client, "/consents", {"purpose": "service", "channel": "sms", "granted": "no"})
    assert ok.status_code == 303
    refused = _post(
        client, "/consents", {"purpose": "service", "channel": "email", "granted": "no"}
    )
    assert refused.status_code == 422
    assert "keep at least one of them" in refused.text
    with sessions() as db:
        assert customers_service.may_contact(db, eva, purpose="service", channel="email")


def test_a_language_change_persists_and_the_page_follows(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    answer = _post(client, "/language", {"language": "sv"})
    assert answer.status_code == 303
    assert _customer(sessions, eva).language == "sv"
    assert '<html lang="sv"' in client.get(PAGE).text


def test_quiet_hours_are_stored_on_the_customer_and_can_be_cleared(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    answer = _post(client, "/quiet-hours", {"start": "22:30", "end": "06:45"})
    assert answer.status_code == 303
    stored = _customer(sessions, eva)
    assert (stored.quiet_hours_start, stored.quiet_hours_end) == (time(22, 30), time(6, 45))
    assert "Your quiet hours: 22:30 to 06:45." in client.get(PAGE).text
    _post(client, "/quiet-hours", {"clear": "1"})
    stored = _customer(sessions, eva)
    assert (stored.quiet_hours_start, stored.quiet_hours_end) == (None, None)


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/quiet-hours", {"start": "25:00", "end": "06:00"}, "start"),
        ("/quiet-hours", {"start": "22:00", "end": ""}, "end"),
        ("/quiet-hours", {"start": "22:00", "end": "22:00"}, "end"),
        ("/language", {"language": "xx"}, "language"),
    ],
)
def test_bad_input_is_422_with_the_fields_error(
    client: TestClient,
    sessions: sessionmaker[Session],
    eva: str,
    path: str,
    data: dict[str, str],
    field: str,
) -> None:
    sign_in_customer(client, sessions, eva)
    answer = _post(client, path, data)
    assert answer.status_code == 422
    assert f'id="e-{field}"' in answer.text
    stored = _customer(sessions, eva)
    assert (stored.language, stored.quiet_hours_start) == ("en", None)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/channels", {"move": "fax:up"}),
        ("/channels", {"move": "sms:sideways"}),
        ("/consents", {"purpose": "gossip", "channel": "email", "granted": "no"}),
        ("/consents", {"purpose": "marketing", "channel": "email", "granted": "maybe"}),
    ],
)
def test_bad_choices_are_422(
    client: TestClient, sessions: sessionmaker[Session], eva: str, path: str, data: dict[str, str]
) -> None:
    sign_in_customer(client, sessions, eva)
    answer = _post(client, path, data)
    assert answer.status_code == 422
    assert 'class="field-error"' in answer.text
    assert _customer(sessions, eva).preferred_channels == ["email", "sms"]


def test_a_post_without_the_form_token_changes_nothing(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    answer = client.post(f"{PAGE}/language", data={"language": "ja"})
    assert answer.status_code == 403
    assert _customer(sessions, eva).language == "en"
