"""Template previews for supervisors: an email in a sandboxed frame (right to left in
Arabic), its text part, an SMS with its encoding, segments and cost."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories.web import sign_in_staff

SRCDOC = re.compile(r'<iframe class="email-preview" sandbox srcdoc="([^"]*)"')


def test_the_list_shows_the_packs_templates(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    sign_in_staff(client, sessions, role="supervisor")
    listed = client.get("/backoffice/templates")
    assert listed.status_code == 200
    assert 'href="/backoffice/templates/order_received"' in listed.text
    assert 'href="/backoffice/templates/order_received?channel=sms"' in listed.text


def test_an_arabic_email_preview_is_right_to_left_in_a_sandboxed_frame(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    sign_in_staff(client, sessions, role="supervisor")
    page = client.get(
        "/backoffice/templates/order_received", params={"channel": "email", "locale": "ar"}
    )
    assert page.status_code == 200
    [escaped] = SRCDOC.findall(page.text)
    document = html.unescape(escaped)
    assert '<html lang="ar" dir="rtl">' in document
    assert "<script" not in document.lower()
    assert 'dir="rtl" lang="ar"' in page.text  # the text part, too
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" in policy.split("script-src")[0]


def test_an_sms_preview_has_encoding_segments_and_cost(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    sign_in_staff(client, sessions, role="supervisor")
    czech = client.get(
        "/backoffice/templates/order_received", params={"channel": "sms", "locale": "cs"}
    )
    assert czech.status_code == 200
    assert "email-preview" not in czech.text
    facts = czech.text.split("<h3>SMS</h3>")[1]
    assert re.search(r"<dd>(GSM-7|UCS-2)</dd>", facts)
    assert "CZK" in facts  # the pack's price per segment
    arabic = client.get(
        "/backoffice/templates/order_received", params={"channel": "sms", "locale": "ar"}
    )
    assert "<dd>UCS-2</dd>" in arabic.text


def test_a_channel_the_template_lacks_is_named(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    sign_in_staff(client, sessions, role="supervisor")
    wrong = client.get("/backoffice/templates/order_received", params={"channel": "push"})
    assert wrong.status_code == 422
    assert 'id="e-channel"' in wrong.text
    unknown = client.get("/backoffice/templates/order_received", params={"locale": "xx"})
    assert unknown.status_code == 422
    assert 'id="e-locale"' in unknown.text
    assert client.get("/backoffice/templates/no_such_purpose").status_code == 404
