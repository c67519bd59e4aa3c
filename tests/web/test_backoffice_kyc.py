"""The identity review queue in the back office: the queue, a case with its evidence, the
decisions through the pages, the document images for staff only."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog.models import Event
from firstmile.kyc import service as kyc_service
from firstmile.kyc.models import VerificationStatus
from firstmile.kyc.screening import service as screening
from firstmile.kyc.screening.models import HitStatus
from firstmile.web.locale import Formats
from firstmile.web.pages import translator
from tests.factories import customers as customer_factories
from tests.factories.web import csrf_of, post_form, sign_in_staff
from tests.kyc.factories import td3
from tests.kyc.screening.factories import entry

IMAGE = b"\x89PNG\r\n\x1a\n" + b"passport photo page" * 50
TYPO = kyc_service.Typed(
    surname="Novak", given_names="Eva", birth_date=date(1985, 3, 4), document_number="40123456"
)
PASSPORT = td3(
    state="CZE",
    nationality="CZE",
    name="NOVAKOVA<<EVA",
    number="40123456",
    birth="850304",
    expiry="341231",
)


def _case_in_review(sessions: sessionmaker[Session]) -> tuple[str, str, str]:
    """A customer whose typed surname differs from the passport: a case for a reviewer."""
    with sessions() as db:
        customer = customer_factories.registered(db)
        verification = kyc_service.start(db, customer.id, actor=SYSTEM)
        document = kyc_service.upload(
            db,
            verification.id,
            kind="document_front",
            content_type="image/png",
            data=IMAGE,
            actor=SYSTEM,
        )
        kyc_service.submit(db, verification.id, TYPO, PASSPORT, actor=SYSTEM)
        assert verification.status == VerificationStatus.IN_REVIEW
        db.commit()
        return customer.id, verification.id, document.id


def test_the_queue_lists_a_case_and_approving_it_records_the_staff_user(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    customer_id, case_id, _document_id = _case_in_review(sessions)
    user = sign_in_staff(client, sessions, role="agent")
    queue = client.get("/backoffice/kyc")
    assert queue.status_code == 200
    assert f"/backoffice/kyc/{case_id}" in queue.text
    assert "Eva Nováková" in queue.text
    case = client.get(f"/backoffice/kyc/{case_id}")
    assert case.status_code == 200
    assert "Novak" in case.text
    assert "NOVAKOVA" in case.text
    approved = client.post(
        f"/backoffice/kyc/{case_id}/approve",
        data={"note": "surname typed without its suffix", "csrf_token": csrf_of(case)},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert approved.headers["location"] == "/backoffice/kyc?done=approved"
    after = client.get(approved.headers["location"])
    assert "The case was approved." in after.text
    assert f"/backoffice/kyc/{case_id}" not in after.text
    with sessions() as db:
        verification = kyc_service.get_verification(db, case_id)
        assert verification.status == VerificationStatus.APPROVED
        assert verification.decided_by == f"staff:{user.id}"
        [event] = db.scalars(
            select(Event).where(Event.customer_id == customer_id, Event.type == "kyc.approved")
        ).all()
        assert event.actor == f"staff:{user.id}"
        actions = [a.action for a in kyc_service.audit_trail(db, case_id)]
    assert actions[-2:] == ["viewed", "approved"]


def test_a_rejection_needs_a_reason(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    _customer_id, case_id, _document_id = _case_in_review(sessions)
    sign_in_staff(client, sessions)
    refused = post_form(
        client,
        f"/backoffice/kyc/{case_id}/reject",
        {"note": "  "},
        via=f"/backoffice/kyc/{case_id}",
    )
    assert refused.status_code == 422
    assert 'id="e-reject-note"' in refused.text
    with sessions() as db:
        assert kyc_service.get_verification(db, case_id).status == VerificationStatus.IN_REVIEW


def test_asking_for_documents_sends_the_case_back_to_the_customer(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    _customer_id, case_id, _document_id = _case_in_review(sessions)
    sign_in_staff(client, sessions)
    asked = post_form(
        client,
        f"/backoffice/kyc/{case_id}/request-info",
        {"note": "a photo of the back of the card"},
        via=f"/backoffice/kyc/{case_id}",
    )
    assert asked.status_code == 303
    with sessions() as db:
        verification = kyc_service.get_verification(db, case_id)
    assert verification.status == VerificationStatus.INFO_REQUESTED
    assert verification.decision_note == "a photo of the back of the card"


def test_document_images_are_served_to_staff_only_and_each_look_is_audited(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    _customer_id, case_id, document_id = _case_in_review(sessions)
    anonymous = client.get(f"/backoffice/kyc/documents/{document_id}", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/backoffice/login")
    user = sign_in_staff(client, sessions)
    case = client.get(f"/backoffice/kyc/{case_id}")
    assert f'src="/backoffice/kyc/documents/{document_id}"' in case.text
    image = client.get(f"/backoffice/kyc/documents/{document_id}")
    assert image.status_code == 200
    assert image.content == IMAGE
    assert image.headers["content-type"] == "image/png"
    with sessions() as db:
        [look] = [a for a in kyc_service.audit_trail(db, case_id) if a.action == "document_viewed"]
    assert look.actor == f"staff:{user.id}"


def test_a_screening_hit_is_marked_false_positive_with_a_reason(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    with sessions() as db:
        screening.load_entries(db, "ofac", "ofac", [entry("7531", "NOVAKOVA, Eva")])
        customer = customer_factories.registered(db)
        verification = kyc_service.start(db, customer.id, actor=SYSTEM)
        kyc_service.upload(
            db,
            verification.id,
            kind="document_front",
            content_type="image/png",
            data=IMAGE,
            actor=SYSTEM,
        )
        matching = kyc_service.Typed(
            surname="Nováková",
            given_names="Eva",
            birth_date=date(1985, 3, 4),
            document_number="40123456",
        )
        kyc_service.submit(db, verification.id, matching, PASSPORT, actor=SYSTEM)
        [hit] = screening.hits_of(db, customer.id)
        db.commit()
        case_id, hit_id = verification.id, hit.id
    user = sign_in_staff(client, sessions)
    case = f"/backoffice/kyc/{case_id}"
    shown = client.get(case)
    assert "OFAC 7531" in shown.text
    path = f"{case}/hits/{hit_id}"
    refused = post_form(client, path, {"decision": "false_positive", "note": ""}, via=case)
    assert refused.status_code == 422
    assert f'id="e-hit-{hit_id}"' in refused.text
    done = post_form(
        client, path, {"decision": "false_positive", "note": "born in another year"}, via=case
    )
    assert done.status_code == 303
    with sessions() as db:
        decided = screening.get_hit(db, hit_id)
    assert (decided.status, decided.decided_by) == (HitStatus.FALSE_POSITIVE, f"staff:{user.id}")
    again = post_form(client, path, {"decision": "confirm", "note": "on second look"}, via=case)
    assert again.status_code == 409


@pytest.mark.parametrize("language", ["en", "ja", "cs", "sv", "ar"])
def test_a_case_names_its_checks_documents_and_audit_in_the_reviewers_language(
    client: TestClient, sessions: sessionmaker[Session], telco: str, language: str
) -> None:
    _customer_id, case_id, document_id = _case_in_review(sessions)
    sign_in_staff(client, sessions, role="agent")
    client.get(f"/backoffice/kyc/documents/{document_id}")  # audited as document_viewed
    page = client.get(f"/backoffice/kyc/{case_id}?lang={language}").text
    _ = translator(language)
    fmt = Formats(language)
    for words in (
        "Check digit of the date of birth",  # birth_date_check_digit
        "Typed surname matches",  # matches_typed_surname
        "Passport",  # the document type read from the zone
        "Front of the document",  # the image's kind
        "Image uploaded",
        "Image viewed",
        "Case opened",
    ):
        assert escape(_(words)) in page, words
    for code in ("birth_date_check_digit", "matches_typed_surname", "document_viewed"):
        assert f"<code>{code}</code>" not in page
    assert f"<td>{fmt.date(date(1985, 3, 4))}</td>" in page  # typed and read, formatted
    assert f"<dd>{fmt.date(date(2034, 12, 31))}</dd>" in page  # the expiry date
    assert "<dd>passport</dd>" not in page
    assert "document_front ·" not in page
