"""An identity review words the checks' findings and the risk reasons in the reviewer's
language, from the codes and values the kyc domain keeps; a row stored before findings had
codes shows its stored English, marked as English."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit.time import utcnow
from firstmile.kyc import service as kyc_service
from firstmile.web.backoffice import kyc_findings
from firstmile.web.locale import Formats
from firstmile.web.pages import translator
from tests.factories.web import sign_in_staff
from tests.web.test_backoffice_kyc import _case_in_review

LANGUAGES = ["en", "ja", "cs", "sv", "ar"]


def _fixed_part(language: str, text: str) -> str:
    """The words of a translated text before its first value."""
    return str(escape(translator(language)(text).split("{", 1)[0]))


@pytest.mark.parametrize("language", LANGUAGES)
def test_findings_and_reasons_are_worded_in_the_reviewers_language(
    client: TestClient, sessions: sessionmaker[Session], telco: str, language: str
) -> None:
    _customer_id, case_id, _document_id = _case_in_review(sessions)
    sign_in_staff(client, sessions, role="agent")
    page = client.get(f"/backoffice/kyc/{case_id}?lang={language}").text
    fmt = Formats(language)
    # the surname typed differs from the zone: a reason, and a failed check
    mismatch = _fixed_part(language, "Does not match: the zone has {mrz}, typed is {typed}")
    assert page.count(mismatch) == 2
    assert '<bdi dir="ltr">NOVAKOVA</bdi>' in page
    # passed checks, their dates formatted for the locale
    today = fmt.date(utcnow().date())
    assert f'<bdi dir="ltr">{today}</bdi>' in page
    assert _fixed_part(language, "Expires on {expiry_date}") in page
    assert f'<bdi dir="ltr">{fmt.date(date(2034, 12, 31))}</bdi>' in page
    # no English sentence from the kyc domain is left, nor marked as English
    for english in ("surname does not match", "years old on", "date of expiry 2034", "matches ("):
        assert english not in page
    assert '<td lang="en"' not in page
    assert '<span class="muted" lang="en"' not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_row_stored_without_codes_shows_its_english_marked_as_english(
    client: TestClient, sessions: sessionmaker[Session], telco: str, language: str
) -> None:
    _customer_id, case_id, _document_id = _case_in_review(sessions)
    with sessions() as db:
        verification = kyc_service.get_verification(db, case_id)
        verification.checks = [
            {"name": "adult", "ok": True, "message": "holder is 36 years old on 2026-12-01"}
        ]
        verification.reasons = [
            {
                "rule": "velocity",
                "weight": 40,
                "detail": "the same phone is used by 5 other customers",
                "field": "phone",
            },
            {"rule": "minor", "weight": 100},  # details purged: no words left
        ]
        db.commit()
    sign_in_staff(client, sessions, role="agent")
    page = client.get(f"/backoffice/kyc/{case_id}?lang={language}")
    assert page.status_code == 200
    assert '<td lang="en" dir="ltr">holder is 36 years old on 2026-12-01</td>' in page.text
    assert (
        '<span class="muted" lang="en" dir="ltr">the same phone is used by 5 other customers'
        in page.text
    )
    assert str(escape(translator(language)("Under age"))) in page.text


def test_a_finding_without_a_known_code_is_left_to_its_english() -> None:
    _ = translator("cs")
    texts = kyc_findings.finding_texts(_)
    fmt = Formats("cs")
    assert kyc_findings.finding_text({"message": "holder is 36"}, texts, fmt) is None
    assert kyc_findings.finding_text({"code": "mrz.new_check", "params": {}}, texts, fmt) is None
    # a stored value the text no longer names
    assert kyc_findings.finding_text({"code": "mrz.adult.ok", "params": {}}, texts, fmt) is None


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", 'Age <bdi dir="ltr">36</bdi> on <bdi dir="ltr">Dec 1, 2026</bdi>'),
        ("cs", 'Věk k <bdi dir="ltr">1. 12. 2026</bdi>: <bdi dir="ltr">36</bdi>'),
        ("sv", 'Ålder den <bdi dir="ltr">1 dec. 2026</bdi>: <bdi dir="ltr">36</bdi>'),
    ],
)
def test_a_finding_is_filled_with_values_formatted_for_the_locale(
    language: str, shown: str
) -> None:
    entry = {"code": "mrz.adult.ok", "params": {"years": 36, "on_date": "2026-12-01"}}
    texts = kyc_findings.finding_texts(translator(language))
    assert str(kyc_findings.finding_text(entry, texts, Formats(language))) == shown


def test_country_codes_are_named_in_the_page_language() -> None:
    entry = {
        "code": "finding.outside_service_area",
        "params": {"address_country": "DE", "served_country": "CZ"},
    }
    texts = kyc_findings.finding_texts(translator("cs"))
    text = str(kyc_findings.finding_text(entry, texts, Formats("cs")))
    assert "Německo" in text
    assert "Česko" in text
