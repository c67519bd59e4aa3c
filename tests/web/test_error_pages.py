"""Error pages speak the visitor's language and tell them what to do, never the server's own
words ("index: Field required", "contract abc not found", "Method Not Allowed")."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from firstmile.web.pages import translator
from tests.factories.web import sign_in_customer, sign_in_staff
from tests.web.test_portal_plan import new_customer

LANGUAGES = ("en", "ja", "cs", "sv", "ar")
INTERNAL = ("Not Found", "Method Not Allowed", "Field required", "not found", "valid integer")


def _heading(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found, html
    return found.group(1).strip()


def _assert_page(html: str, language: str, title: str, message: str) -> None:
    _ = translator(language)
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    assert _heading(html) == _(title)
    assert _(message) in html
    for words in INTERNAL:
        assert words not in html, words


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_page_is_in_the_language_asked_for(client: TestClient, language: str) -> None:
    page = client.get(f"/portal/nonexistent?lang={language}")
    assert page.status_code == 404
    _assert_page(
        page.text,
        language,
        "We could not find this page",
        "The page or item you asked for does not exist or is no longer available.",
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_page_follows_the_browsers_language(client: TestClient, language: str) -> None:
    page = client.get("/backoffice/nonexistent", headers={"Accept-Language": f"{language};q=0.9"})
    assert page.status_code == 404
    assert _heading(page.text) == translator(language)("We could not find this page")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_opened_with_the_wrong_method_says_so_in_the_language(
    client: TestClient, language: str
) -> None:
    page = client.get(f"/portal/logout?lang={language}")  # signing out is a POST
    assert page.status_code == 405
    _assert_page(
        page.text,
        language,
        "This page cannot be opened this way",
        "Please use the buttons and links on our pages instead.",
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_without_its_token_is_refused_in_the_language(
    client: TestClient, language: str
) -> None:
    page = client.post(f"/portal/logout?lang={language}", follow_redirects=False)
    assert page.status_code == 403
    _assert_page(
        page.text,
        language,
        "You cannot open this page",
        "This form has expired. Reload the page and try again.",
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_malformed_link_shows_no_validation_detail(client: TestClient, language: str) -> None:
    page = client.get(f"/portal/signup/business?lang={language}")  # the form's index is missing
    assert page.status_code == 422
    _assert_page(
        page.text,
        language,
        "Please check what you entered",
        "The link or the form is not valid. Go back and try again.",
    )
    assert "index:" not in page.text


@pytest.mark.parametrize(
    ("path", "status", "title", "message"),
    [
        (
            "/portal/tutorials/mobile-esim/steps/abc/help",
            422,
            "Please check what you entered",
            "The link or the form is not valid. Go back and try again.",
        ),
        (
            "/portal/contract/abc",
            404,
            "We could not find this page",
            "The page or item you asked for does not exist or is no longer available.",
        ),
    ],
)
@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_customers_error_page_hides_the_internal_message(
    client: TestClient,
    sessions: sessionmaker[Session],
    telco: str,
    language: str,
    path: str,
    status: int,
    title: str,
    message: str,
) -> None:
    customer_id, _account = new_customer(sessions)
    sign_in_customer(client, sessions, customer_id)
    page = client.get(f"{path}?lang={language}")
    assert page.status_code == status
    _assert_page(page.text, language, title, message)
    assert "abc" not in page.text.split("<main", 1)[1]


@pytest.mark.parametrize("language", ["en", "cs"])
def test_staff_without_the_role_are_told_why_in_their_language(
    client: TestClient, sessions: sessionmaker[Session], language: str
) -> None:
    sign_in_staff(client, sessions, role="agent")
    page = client.get(f"/backoffice/journeys?lang={language}")
    assert page.status_code == 403
    _assert_page(
        page.text,
        language,
        "You cannot open this page",
        "Your role does not give access to this page.",
    )
    assert "supervisor role" not in page.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invalid_preferences_link_is_in_the_language_asked_for(
    client: TestClient, language: str
) -> None:
    _ = translator(language)
    expected = _(
        "This link is not valid. Open the link from your latest message, or sign in to the portal."
    )
    asked = client.get(f"/preferences/not-a-token?lang={language}")
    browser = client.get("/preferences/not-a-token", headers={"Accept-Language": language})
    for page in (asked, browser):
        assert page.status_code == 404
        assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in page.text
        assert expected in page.text
