"""Page-test helpers: CSRF tokens from pages, signed-in customers and staff users."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth import sessions as web_sessions
from firstmile.auth import staff as staff_service
from firstmile.auth.models import StaffUser
from firstmile.auth.scopes import SYSTEM
from firstmile.web.pages import SESSION_COOKIES

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: Response | str) -> str:
    text = page if isinstance(page, str) else page.text
    found = _TOKEN.search(text)
    assert found, "the page has no CSRF field"
    return found.group(1)


def post_form(client: TestClient, path: str, data: dict[str, Any], *, via: str) -> Response:
    """POST a form as a browser would: with the CSRF token of the page at `via`."""
    token = csrf_of(client.get(via))
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def sign_in_customer(client: TestClient, sessions: sessionmaker[Session], customer_id: str) -> None:
    """A portal session for the customer, as the code sign-in would leave it."""
    client.cookies.clear()
    with sessions() as db:
        started = web_sessions.start(
            db, kind=web_sessions.CUSTOMER, subject_id=customer_id, ip="test", user_agent="test"
        )
        db.commit()
    client.cookies.set(SESSION_COOKIES[web_sessions.CUSTOMER], started.secret)


def make_staff(
    sessions: sessionmaker[Session], *, role: str = "agent", email: str = "agent@example.com"
) -> staff_service.NewStaff:
    with sessions() as db:
        made = staff_service.create_staff(
            db, email=email, name=f"Test {role}", role=role, actor=SYSTEM
        )
        db.commit()
        db.expunge(made.user)
    return made


def sign_in_staff(
    client: TestClient, sessions: sessionmaker[Session], *, role: str = "agent"
) -> StaffUser:
    """A full back-office session (password and second factor done) for a new user."""
    client.cookies.clear()
    made = make_staff(sessions, role=role, email=f"{role}@example.com")
    with sessions() as db:
        started = web_sessions.start(
            db, kind=web_sessions.STAFF, subject_id=made.user.id, ip="test", user_agent="test"
        )
        db.commit()
    client.cookies.set(SESSION_COOKIES[web_sessions.STAFF], started.secret)
    return made.user
