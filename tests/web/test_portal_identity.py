"""The portal's identity step: a person's document check (KYC), a company's business check
(KYB), the status that polls while a review is pending, and nobody else's data."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog.models import Event
from firstmile.kyc import service as kyc_service
from firstmile.kyc.models import BusinessParty, KycDocument, Verification, VerificationStatus
from firstmile.web.pages import translator
from tests.factories import customers as customer_factories
from tests.factories.web import csrf_of, post_form
from tests.factories.web import sign_in_customer as sign_in
from tests.kyc.factories import td3

pytestmark = pytest.mark.usefixtures("telco")
IMAGE = b"\x89PNG\r\n\x1a\n" + b"passport photo page" * 50
PASSPORT = td3(
    state="CZE",
    nationality="CZE",
    name="NOVAKOVA<<EVA",
    number="40123456",
    birth="850304",
    expiry="341231",
)


def sign_in_customer(client: TestClient, sessions: sessionmaker[Session], customer_id: str) -> None:
    """Signed in, the pages in English (the factory's customers speak Czech)."""
    sign_in(client, sessions, customer_id)
    client.cookies.set("fm_lang", "en")


def details(**overrides: str) -> dict[str, str]:
    return {
        "document_type": "passport",
        "surname": "Nováková",
        "given_names": "Eva",
        "birth_date": "1985-03-04",
        "nationality": "CZ",
        "document_number": "40123456",
        "expiry_date": "2034-12-31",
        "mrz": "\n".join(PASSPORT),
    } | overrides


def _customer(sessions: sessionmaker[Session], **overrides: Any) -> str:
    with sessions() as db:
        customer = customer_factories.registered(db, **overrides)
        db.commit()
        return customer.id


def _submit(
    client: TestClient,
    data: dict[str, str],
    *,
    path: str = "/portal/identity/submission",
    image: tuple[str, bytes, str] | None = ("front.png", IMAGE, "image/png"),
) -> Response:
    token = csrf_of(client.get("/portal/identity"))
    files = {"document_front": image} if image is not None else None
    return client.post(path, data=data | {"csrf_token": token}, files=files, follow_redirects=False)


def _verification(sessions: sessionmaker[Session], customer_id: str) -> Verification:
    with sessions() as db:
        return db.scalars(select(Verification).where(Verification.customer_id == customer_id)).one()


def test_typed_details_and_a_document_move_the_status_to_verified(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    eva = _customer(sessions)
    sign_in_customer(client, sessions, eva)
    page = client.get("/portal/identity")
    assert page.status_code == 200
    assert "Not started" in page.text
    assert 'enctype="multipart/form-data"' in page.text
    answer = _submit(client, details())
    assert answer.status_code == 303, answer.text
    verification = _verification(sessions, eva)
    assert verification.status == VerificationStatus.APPROVED
    with sessions() as db:
        types = list(
            db.scalars(select(Event.type).where(Event.customer_id == eva, Event.type.like("kyc.%")))
        )
        [document] = db.scalars(select(KycDocument)).all()
    assert types == ["kyc.started", "kyc.documents_submitted", "kyc.approved"]
    assert (document.kind, document.content_type, document.size_bytes) == (
        "document_front",
        "image/png",
        len(IMAGE),
    )
    shown = client.get("/portal/identity")
    assert "Verified" in shown.text
    assert 'name="mrz"' not in shown.text  # nothing more to send


def test_a_mismatch_waits_for_review_and_the_status_polls(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    eva = _customer(sessions)
    sign_in_customer(client, sessions, eva)
    assert _submit(client, details(surname="Novak")).status_code == 303
    verification = _verification(sessions, eva)
    assert verification.status == VerificationStatus.IN_REVIEW
    page = client.get("/portal/identity")
    status_url = f"/portal/identity/verifications/{verification.id}/status"
    assert f'hx-get="{status_url}"' in page.text
    assert 'hx-trigger="every 10s"' in page.text
    assert "usually within 24 hours" in page.text
    fragment = client.get(status_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Under review" in fragment.text
    assert "<html" not in fragment.text
    with sessions() as db:
        kyc_service.approve(db, verification.id, actor=SYSTEM, note="typo in the surname")
        db.commit()
    decided = client.get(status_url, headers={"HX-Request": "true"})
    assert "Verified" in decided.text
    assert "hx-trigger" not in decided.text  # the polling stops


def test_a_check_sent_back_takes_a_new_submission(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    eva = _customer(sessions)
    sign_in_customer(client, sessions, eva)
    assert _submit(client, details(surname="Novak")).status_code == 303
    verification = _verification(sessions, eva)
    with sessions() as db:
        kyc_service.request_info(db, verification.id, actor=SYSTEM, note="surname as printed")
        db.commit()
    page = client.get("/portal/identity")
    assert "surname as printed" in page.text
    path = f"/portal/identity/verifications/{verification.id}/submission"
    assert f'action="{path}"' in page.text
    assert _submit(client, details(), path=path).status_code == 303
    again = _verification(sessions, eva)
    assert (again.status, again.submissions) == (VerificationStatus.APPROVED, 2)


@pytest.mark.parametrize(
    ("data", "image", "field"),
    [
        (details(), ("id.txt", b"just some text", "image/png"), "document_front"),
        (details(), ("big.png", IMAGE + b"0" * (10 * 1024 * 1024), "image/png"), "document_front"),
        (details(), None, "document_front"),
        (details(mrz="P<CZENOVAKOVA<<EVA"), ("front.png", IMAGE, "image/png"), "mrz"),
        (details(expiry_date="2020-01-01"), ("front.png", IMAGE, "image/png"), "expiry_date"),
        (details(nationality="SK"), ("front.png", IMAGE, "image/png"), "nationality"),
        (details(document_type="id_card"), ("front.png", IMAGE, "image/png"), "document_type"),
        (details(surname=""), ("front.png", IMAGE, "image/png"), "surname"),
    ],
)
def test_bad_details_or_files_are_shown_with_the_field_named(
    client: TestClient,
    sessions: sessionmaker[Session],
    data: dict[str, str],
    image: tuple[str, bytes, str] | None,
    field: str,
) -> None:
    eva = _customer(sessions)
    sign_in_customer(client, sessions, eva)
    answer = _submit(client, data, image=image)
    assert answer.status_code == 422
    assert f'id="e-{field}"' in answer.text
    assert 'value="40123456"' in answer.text  # what was typed stays
    with sessions() as db:
        assert db.scalars(select(Verification)).all() == []


def test_another_customer_cannot_see_or_change_the_identity_data(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    eva = _customer(sessions)
    jan = _customer(sessions, contacts=[customer_factories.email("jan@example.com")])
    with sessions() as db:
        started = kyc_service.start(db, eva, actor=SYSTEM)
        db.commit()
        eva_check = started.id
    sign_in_customer(client, sessions, jan)
    status_url = f"/portal/identity/verifications/{eva_check}/status"
    assert client.get(status_url).status_code == 404
    path = f"/portal/identity/verifications/{eva_check}/submission"
    assert _submit(client, details(), path=path).status_code == 404
    own_page = client.get("/portal/identity")
    assert eva_check not in own_page.text
    with sessions() as db:
        assert db.get_one(Verification, eva_check).submissions == 0
        assert db.scalars(select(KycDocument)).all() == []


# --- a business -------------------------------------------------------------------------


def _company(sessions: sessionmaker[Session]) -> str:
    return _customer(
        sessions,
        customer=customer_factories.organization(),
        accounts=[{"kind": "business"}, {"kind": "business"}],
    )


def test_a_company_records_its_people_and_gets_one_business_check(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    company = _company(sessions)
    sign_in_customer(client, sessions, company)
    page = client.get("/portal/identity")
    assert "The people behind your company" in page.text
    assert 'name="mrz"' not in page.text  # a company has no passport
    owner = {
        "roles": ["representative", "beneficial_owner", "signatory"],
        "given_name": "Petr",
        "family_name": "Novák",
        "birth_date": "1970-05-06",
        "nationality": "CZ",
        "ownership_percent": "100",
        "email": "petr@example.com",
    }
    added = post_form(client, "/portal/identity/parties", owner, via="/portal/identity")
    assert added.status_code == 303, added.text
    checked = post_form(client, "/portal/identity/business", {}, via="/portal/identity")
    assert checked.status_code == 303, checked.text
    [verification] = _verifications(sessions, company)
    assert verification.status == VerificationStatus.APPROVED
    assert "business" in verification.typed
    assert "Verified" in client.get("/portal/identity").text
    again = post_form(client, "/portal/identity/business", {}, via="/portal/identity")
    assert again.status_code == 409
    assert len(_verifications(sessions, company)) == 1  # one per business, not per account


def _verifications(sessions: sessionmaker[Session], customer_id: str) -> list[Verification]:
    with sessions() as db:
        return list(db.scalars(select(Verification).where(Verification.customer_id == customer_id)))


def test_a_beneficial_owner_without_a_share_names_the_field(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    sign_in_customer(client, sessions, _company(sessions))
    owner = {"roles": ["beneficial_owner"], "given_name": "Petr", "family_name": "Novák"}
    answer = post_form(client, "/portal/identity/parties", owner, via="/portal/identity")
    assert answer.status_code == 422
    assert 'id="e-ownership_percent"' in answer.text
    assert 'value="Petr"' in answer.text


def test_another_customer_cannot_remove_a_companys_people(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    company = _company(sessions)
    sign_in_customer(client, sessions, company)
    person = {"roles": ["signatory"], "given_name": "Petr", "family_name": "Novák"}
    added = post_form(
        client,
        "/portal/identity/parties",
        person | {"email": "petr@example.com"},
        via="/portal/identity",
    )
    assert added.status_code == 303
    with sessions() as db:
        party_id = db.scalars(select(BusinessParty.id)).one()
    sign_in_customer(client, sessions, _customer(sessions))
    url = f"/portal/identity/parties/{party_id}/remove"
    assert post_form(client, url, {}, via="/portal/identity").status_code == 404
    with sessions() as db:
        assert db.get_one(BusinessParty, party_id).removed_at is None


@pytest.mark.parametrize("language", ["en", "ja", "cs", "sv", "ar"])
def test_a_mistyped_machine_readable_zone_is_explained_in_the_customers_language(
    client: TestClient, sessions: sessionmaker[Session], language: str
) -> None:
    eva = _customer(sessions)
    sign_in(client, sessions, eva)
    client.cookies.set("fm_lang", language)
    answer = _submit(client, details(mrz="P<CZENOVAKOVA<<EVA"))
    assert answer.status_code == 422
    expected = translator(language)(
        "Type the machine-readable zone exactly: 2 lines of 44 characters in a passport, "
        "3 lines of 30 in an identity card, with every < sign."
    )
    assert f'<p class="field-error" id="e-mrz">{escape(expected)}</p>' in answer.text
    if language != "en":
        assert "Type the machine-readable zone exactly" not in answer.text
