"""Staff accounts for admins: a new user with their one-time password and authenticator
set-up (a QR code drawn on the server), who can then sign in; deactivation, audited."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth import staff as staff_service
from firstmile.eventlog.models import Event
from firstmile.kit.time import utcnow
from tests.factories.web import csrf_of, make_staff, post_form, sign_in_staff

NEW = {"name": "Jana Dvořáková", "email": "Jana@Example.com", "role": "supervisor"}


def _created(text: str) -> tuple[str, str]:
    password = re.search(r'<code class="secret ltr-value">([^<]+)</code>', text)
    uri = re.search(r'<code class="secret ltr-value">(otpauth://[^<]+)</code>', text)
    assert password
    assert uri
    return html.unescape(password.group(1)), html.unescape(uri.group(1))


def test_an_admin_creates_a_user_who_can_then_sign_in(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    admin = sign_in_staff(client, sessions, role="admin")
    made = post_form(client, "/backoffice/staff", NEW, via="/backoffice/staff")
    assert made.status_code == 200
    password, uri = _created(made.text)
    assert uri.startswith("otpauth://totp/firstmile:jana%40example.com?")
    qr = re.search(r'<img class="qr" src="data:image/svg\+xml[^,]*,([^"]+)"', made.text)
    assert qr is not None
    assert unquote(html.unescape(qr.group(1))).startswith("<svg")
    with sessions() as db:
        user = staff_service.find_by_email(db, "jana@example.com")
        assert user is not None
        assert user.role == "supervisor"
        [event] = db.scalars(
            select(Event).where(Event.type == "staff.created", Event.subject_id == user.id)
        ).all()
    assert event.actor == f"staff:{admin.id}"
    listed = client.get("/backoffice/staff")
    assert "jana@example.com" in listed.text
    client.cookies.clear()  # the new user signs in with what the page showed
    step = post_form(
        client,
        "/backoffice/login",
        {"email": "jana@example.com", "password": password},
        via="/backoffice/login",
    )
    code = pyotp.parse_uri(uri).at(utcnow())  # the platform's clock, as the server checks it
    signed = client.post(
        "/backoffice/login/totp",
        data={"code": code, "csrf_token": csrf_of(step)},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert client.get("/backoffice/journeys").status_code == 200  # a supervisor now


def test_a_bad_or_taken_address_is_shown_on_the_form(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    sign_in_staff(client, sessions, role="admin")
    bad = post_form(client, "/backoffice/staff", NEW | {"email": "nobody"}, via="/backoffice/staff")
    assert bad.status_code == 422
    assert 'id="e-email"' in bad.text
    assert 'value="Jana Dvořáková"' in bad.text  # what was typed stays
    taken = post_form(
        client, "/backoffice/staff", NEW | {"email": "admin@example.com"}, via="/backoffice/staff"
    )
    assert taken.status_code == 409
    assert 'id="e-email"' in taken.text


def test_deactivation_ends_the_users_sessions_and_is_audited(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    agent = make_staff(sessions, role="agent", email="leaving@example.com")
    admin = sign_in_staff(client, sessions, role="admin")
    listed = client.get("/backoffice/staff")
    assert f'action="/backoffice/staff/{agent.user.id}/deactivate"' in listed.text
    assert f'action="/backoffice/staff/{admin.id}/deactivate"' not in listed.text
    done = post_form(
        client, f"/backoffice/staff/{agent.user.id}/deactivate", {}, via="/backoffice/staff"
    )
    assert done.status_code == 303
    with sessions() as db:
        user = staff_service.get_staff(db, agent.user.id)
        assert not user.active
        [event] = db.scalars(select(Event).where(Event.type == "staff.deactivated")).all()
    assert (event.actor, event.subject_id) == (f"staff:{admin.id}", agent.user.id)
    refused = post_form(
        client, f"/backoffice/staff/{agent.user.id}/deactivate", {}, via="/backoffice/staff"
    )
    assert refused.status_code == 409
    myself = post_form(
        client, f"/backoffice/staff/{admin.id}/deactivate", {}, via="/backoffice/staff"
    )
    assert myself.status_code == 409


def test_a_deactivated_user_is_signed_out(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    agent = sign_in_staff(client, sessions, role="agent")
    assert client.get("/backoffice").status_code == 200
    with sessions() as db:
        admin = make_staff(sessions, role="admin", email="boss@example.com")
        staff_service.deactivate_staff(db, agent.id, actor=staff_service.actor_of(admin.user))
        db.commit()
    answer = client.get("/backoffice", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/backoffice/login")
