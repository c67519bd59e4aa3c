"""Sign-in to the portal (one-time code) and to the back office (password + TOTP)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth import staff as staff_service
from firstmile.auth.models import StaffUser
from firstmile.auth.scopes import SYSTEM
from firstmile.customers.models import Customer
from firstmile.eventlog.models import Event
from firstmile.kit import time as clock
from firstmile.kit.otp import OneTimeCode
from tests.conftest import RunJobs
from tests.factories import customers as customer_factories
from tests.factories.contracts import last_code
from tests.factories.web import csrf_of, make_staff, post_form, sign_in_customer


def _registered(sessions: sessionmaker[Session], **overrides: object) -> str:
    with sessions() as db:
        customer = customer_factories.registered(db, **overrides)
        db.commit()
        return customer.id


def test_customer_signs_in_with_an_emailed_code(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    customer_id = _registered(sessions)
    sent = post_form(
        client, "/portal/login", {"identifier": "Eva.Novakova@example.com"}, via="/portal/login"
    )
    assert sent.status_code == 200
    assert "by email" in sent.text
    run_jobs()
    with sessions() as db:
        code = last_code(db, customer_id)
    signed = client.post(
        "/portal/login/code",
        data={"code": code, "next": "/portal/inbox", "csrf_token": csrf_of(sent)},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/portal/inbox"
    assert "fm_portal" in client.cookies
    with sessions() as db:
        types = list(db.scalars(select(Event.type).where(Event.customer_id == customer_id)))
    assert "portal.login" in types
    assert "portal.first_login" in types


def test_unknown_address_gets_the_same_answer_and_no_code_works(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    _registered(sessions)
    sent = post_form(
        client, "/portal/login", {"identifier": "nobody@example.com"}, via="/portal/login"
    )
    assert sent.status_code == 200
    assert "by email" in sent.text
    wrong = client.post("/portal/login/code", data={"code": "123456", "csrf_token": csrf_of(sent)})
    assert wrong.status_code == 422
    assert "fm_portal" not in client.cookies


def test_wrong_code_is_refused_with_the_field_named(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    _registered(sessions)
    sent = post_form(
        client, "/portal/login", {"identifier": "eva.novakova@example.com"}, via="/portal/login"
    )
    wrong = client.post("/portal/login/code", data={"code": "000000", "csrf_token": csrf_of(sent)})
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text
    assert 'id="e-code"' in wrong.text


def test_login_codes_are_rate_limited_per_customer(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    customer_id = _registered(sessions)
    for _ in range(7):
        post_form(
            client, "/portal/login", {"identifier": "eva.novakova@example.com"}, via="/portal/login"
        )
    run_jobs()
    with sessions() as db:
        sent = db.scalars(
            select(Event).where(Event.customer_id == customer_id, Event.type == "message.requested")
        ).all()
    assert len(sent) == 5  # otp_max_per_hour


def test_a_form_without_the_csrf_token_is_refused(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    client.get("/portal/login")
    refused = client.post("/portal/login", data={"identifier": "eva.novakova@example.com"})
    assert refused.status_code == 403
    forged = client.post(
        "/portal/login", data={"identifier": "x@example.com", "csrf_token": "forged"}
    )
    assert forged.status_code == 403


def test_pages_need_a_session_and_sign_out_ends_it(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    customer_id = _registered(sessions)
    client.cookies.clear()
    anonymous = client.get("/portal/inbox", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/portal/login?next=")
    sign_in_customer(client, sessions, customer_id)
    page = client.get("/portal/login", follow_redirects=False)
    assert page.status_code == 303  # already signed in
    out = post_form(client, "/portal/logout", {}, via="/portal/login?x=1")
    assert out.status_code == 303


def test_session_expires_when_idle(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    customer_id = _registered(sessions)
    sign_in_customer(client, sessions, customer_id)
    assert client.get("/portal/login", follow_redirects=False).status_code == 303
    clock.travel(timedelta(minutes=31))
    assert client.get("/portal/login", follow_redirects=False).status_code == 200


def test_cookies_are_httponly_and_secure_behind_https(
    client: TestClient, sessions: sessionmaker[Session], telco: str, settings: object
) -> None:
    from firstmile.kit.settings import configure, current

    configure(current().model_copy(update={"base_url": "https://portal.example"}))
    page = client.get("/portal/login")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=strict" in cookie


def test_pages_follow_the_language_switch_and_arabic_is_right_to_left(
    client: TestClient, telco: str
) -> None:
    page = client.get("/portal/login?lang=ar")
    assert 'dir="rtl"' in page.text
    assert 'lang="ar"' in page.text
    again = client.get("/portal/login")  # remembered
    assert 'dir="rtl"' in again.text
    japanese = client.get("/portal/login", headers={"Accept-Language": "ja"}, cookies={})
    assert 'lang="ja"' in japanese.text or 'lang="ar"' in japanese.text


def test_staff_signs_in_with_password_then_totp(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    made = make_staff(sessions, role="agent")
    client.cookies.clear()
    first = post_form(
        client,
        "/backoffice/login",
        {"email": made.user.email, "password": made.password},
        via="/backoffice/login",
    )
    assert 'action="/backoffice/login/totp"' in first.text
    with sessions() as db:
        user = db.get(StaffUser, made.user.id)
        assert user is not None
        code = staff_service.current_code(user)
    done = client.post(
        "/backoffice/login/totp",
        data={"code": code, "csrf_token": csrf_of(first)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    # the same code cannot sign in twice
    with sessions() as db:
        user = db.get(StaffUser, made.user.id)
        assert user is not None
        assert not staff_service.check_totp(db, user, code)


def test_wrong_password_counts_and_locks(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    made = make_staff(sessions, role="agent")
    client.cookies.clear()
    for _ in range(5):
        page = post_form(
            client,
            "/backoffice/login",
            {"email": made.user.email, "password": "wrong password!"},
            via="/backoffice/login",
        )
        assert 'action="/backoffice/login/totp"' not in page.text

    def right_password() -> str:
        return post_form(
            client,
            "/backoffice/login",
            {"email": made.user.email, "password": made.password},
            via="/backoffice/login",
        ).text

    unknown = post_form(
        client,
        "/backoffice/login",
        {"email": "nobody@example.com", "password": made.password},
        via="/backoffice/login",
    )
    locked = right_password()  # while locked, even the right password gets the same page
    assert 'action="/backoffice/login/totp"' not in locked
    assert "sign-in pauses for 15 minutes" in locked  # said to everyone, locked or not
    assert _without_tokens(locked, made.user.email) == _without_tokens(
        unknown.text, "nobody@example.com"
    )
    clock.travel(timedelta(minutes=16))
    assert 'action="/backoffice/login/totp"' in right_password()


def _without_tokens(page: str, email: str) -> str:
    """The page without what differs by request: its CSRF token and the email typed."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page).replace(email, "EMAIL")


def test_a_disabled_staff_account_answers_as_an_unknown_email(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    made = make_staff(sessions, role="agent")
    with sessions() as db:
        staff_service.deactivate_staff(db, made.user.id, actor=SYSTEM)
        db.commit()
    client.cookies.clear()
    pages = [
        post_form(
            client,
            "/backoffice/login",
            {"email": email, "password": made.password},
            via="/backoffice/login",
        )
        for email in (made.user.email, "nobody@example.com")
    ]
    assert [p.status_code for p in pages] == [200, 200]
    assert _without_tokens(pages[0].text, made.user.email) == _without_tokens(
        pages[1].text, "nobody@example.com"
    )


def test_a_pending_staff_session_opens_no_page(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    made = make_staff(sessions, role="admin")
    client.cookies.clear()
    post_form(
        client,
        "/backoffice/login",
        {"email": made.user.email, "password": made.password},
        via="/backoffice/login",
    )
    page = client.get("/backoffice/customers", follow_redirects=False)
    assert page.status_code == 303


def test_unknown_page_is_an_html_404(client: TestClient) -> None:
    page = client.get("/portal/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


def test_code_requests_are_rate_limited_per_browser_address(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    from firstmile.web.portal.login import IP_LIMIT_PER_HOUR

    for i in range(IP_LIMIT_PER_HOUR):
        page = post_form(
            client, "/portal/login", {"identifier": f"n{i}@example.com"}, via="/portal/login"
        )
        assert page.status_code == 200
    refused = post_form(
        client, "/portal/login", {"identifier": "last@example.com"}, via="/portal/login"
    )
    assert refused.status_code == 429


def _signed_up_with(client: TestClient, email: str) -> None:
    """Someone else, anonymous, signs up in the portal with this email address."""
    client.cookies.clear()
    form = {
        "kind": "individual",
        "given_name": "Mallory",
        "family_name": "Other",
        "birth_date": "1980-01-01",
        "email": email,
        "phone": "+420 601 999 999",
        "language": "en",
        "street": "Vinohradska",
        "house_number": "1",
        "postcode": "130 00",
        "city": "Praha",
        "channels": ["email"],
        "service_consent": "1",
        "residential": "1",
    }
    assert post_form(client, "/portal/signup", form, via="/portal/signup").status_code == 303
    client.cookies.clear()


def _login_codes(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as db:
        return list(
            db.scalars(select(OneTimeCode.subject_id).where(OneTimeCode.purpose == "portal_login"))
        )


def test_an_address_someone_else_typed_into_a_signup_opens_no_account(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    """Two customers hold the address and neither proved it: a code would open one to the
    other, so none is sent (and the answer looks the same)."""
    _registered(sessions)
    _signed_up_with(client, "eva.novakova@example.com")
    sent = post_form(
        client, "/portal/login", {"identifier": "eva.novakova@example.com"}, via="/portal/login"
    )
    assert sent.status_code == 200
    assert "by email" in sent.text
    assert _login_codes(sessions) == []


def test_the_code_goes_to_the_customer_who_verified_the_address(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    victim = _registered(sessions)
    with sessions() as db:
        customer_factories.medium(
            db, db.get(Customer, victim), "email"
        ).verified_at = clock.utcnow()
        db.commit()
    _signed_up_with(client, "eva.novakova@example.com")
    sent = post_form(
        client, "/portal/login", {"identifier": "eva.novakova@example.com"}, via="/portal/login"
    )
    assert _login_codes(sessions) == [victim]
    run_jobs()
    with sessions() as db:
        code = last_code(db, victim)
    signed = client.post("/portal/login/code", data={"code": code, "csrf_token": csrf_of(sent)})
    assert signed.status_code == 200
    assert "Mallory" not in client.get("/portal/preferences").text


def test_signing_in_with_a_code_verifies_the_address_and_the_ticket_names_no_customer(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    customer_id = _registered(sessions)
    unknown = post_form(
        client, "/portal/login", {"identifier": "nobody@example.com"}, via="/portal/login"
    )
    sent = post_form(
        client, "/portal/login", {"identifier": "eva.novakova@example.com"}, via="/portal/login"
    )
    tickets = [page.cookies["fm_login"] for page in (unknown, sent)]
    assert all(customer_id not in t and t.count("|") == 2 for t in tickets)
    run_jobs()
    with sessions() as db:
        code = last_code(db, customer_id)
    client.post("/portal/login/code", data={"code": code, "csrf_token": csrf_of(sent)})
    with sessions() as db:
        email = customer_factories.medium(db, db.get(Customer, customer_id), "email")
        assert email.verified_at is not None
        verified = db.scalars(
            select(Event.payload).where(
                Event.type == "contact.verified", Event.subject_id == email.id
            )
        ).all()
    assert [p["method"] for p in verified] == ["sign_in_code"]
    # now proven, a later signup with the same address changes nothing for its owner
    _signed_up_with(client, "eva.novakova@example.com")
    post_form(
        client, "/portal/login", {"identifier": "eva.novakova@example.com"}, via="/portal/login"
    )
    assert _login_codes(sessions)[-1] == customer_id
