"""Who may open which back-office page: sign-in first, then the role (agent < supervisor <
admin); and the start page counts what waits in each queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit import time as clock
from firstmile.kit.time import utcnow
from tests.factories import appointments as appointment_factories
from tests.factories.web import sign_in_staff

AGENT_PAGES = [
    "/backoffice",
    "/backoffice/kyc",
    "/backoffice/fallout",
    "/backoffice/calendars",
    "/backoffice/customers",
]
SUPERVISOR_PAGES = ["/backoffice/journeys", "/backoffice/templates"]
ADMIN_PAGES = ["/backoffice/staff"]
MIDDAY_IN_PRAGUE = datetime(2030, 3, 12, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize("path", AGENT_PAGES + SUPERVISOR_PAGES + ADMIN_PAGES)
def test_without_a_session_every_page_sends_to_the_sign_in(
    client: TestClient, sessions: sessionmaker[Session], telco: str, path: str
) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/backoffice/login?next=")


def test_a_post_without_a_session_is_refused(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    login = client.get("/backoffice/login")
    token = login.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        "/backoffice/staff",
        data={"csrf_token": token, "email": "x@example.com", "name": "X"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/backoffice/login")


def test_an_agent_opens_the_queues_but_not_journeys_templates_or_staff(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    sign_in_staff(client, sessions, role="agent")
    for path in AGENT_PAGES:
        assert client.get(path).status_code == 200, path
    for path in SUPERVISOR_PAGES + ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    home = client.get("/backoffice")
    assert 'href="/backoffice/journeys"' not in home.text
    assert 'href="/backoffice/staff"' not in home.text


def test_a_supervisor_opens_journeys_and_templates_but_not_staff(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    sign_in_staff(client, sessions, role="supervisor")
    for path in AGENT_PAGES + SUPERVISOR_PAGES:
        assert client.get(path).status_code == 200, path
    assert client.get("/backoffice/staff").status_code == 403


def test_an_admin_opens_every_page(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    sign_in_staff(client, sessions, role="admin")
    for path in AGENT_PAGES + SUPERVISOR_PAGES + ADMIN_PAGES:
        assert client.get(path).status_code == 200, path
    assert 'href="/backoffice/staff"' in client.get("/backoffice").text


def test_the_start_page_counts_todays_appointments(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    clock.travel(MIDDAY_IN_PRAGUE - utcnow())  # today has hours left in the operator's zone
    with sessions() as db:
        calendar = appointment_factories.calendar(db, capacity=3)
        soon = utcnow().replace(microsecond=0) + timedelta(minutes=5)
        today = appointment_factories.slot(db, calendar, starts_at=soon)
        later = appointment_factories.slot(db, calendar, starts_at=soon + timedelta(days=3))
        for slot in (today, today, later):
            appointment_factories.booking(db, slot)
        db.commit()
    sign_in_staff(client, sessions)
    home = client.get("/backoffice")
    counts = home.text.split('class="big-number">')[1:]
    assert [c.split("<")[0] for c in counts] == ["0", "0", "2"]
