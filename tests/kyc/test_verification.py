"""A customer's identity verification: checks, the risk decision, the review queue, the
encrypted evidence and its retention, through the service and the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog.models import Event
from firstmile.kit import time as clock
from firstmile.kit.errors import Conflict, InvalidInput
from firstmile.kyc import service
from firstmile.kyc.models import KycDocument, VerificationStatus
from tests.conftest import RunJobs
from tests.factories import customers as make
from tests.kyc.factories import td3

Headers = dict[str, str]
IMAGE = b"\x89PNG\r\n\x1a\n" + b"passport photo page" * 50


def eva_passport(**overrides: Any) -> list[str]:
    fields: dict[str, Any] = {
        "state": "CZE",
        "nationality": "CZE",
        "name": "NOVAKOVA<<EVA",
        "number": "40123456",
        "birth": "850304",
        "expiry": "341231",
    }
    return td3(**(fields | overrides))


EVA = service.Typed(
    surname="Nováková", given_names="Eva", birth_date=date(1985, 3, 4), document_number="40123456"
)


def submitted(
    db: Session, customer_id: str, typed: service.Typed = EVA, lines: list[str] | None = None
):  # type: ignore[no-untyped-def]
    verification = service.start(db, customer_id, actor=SYSTEM)
    service.upload(
        db,
        verification.id,
        kind="document_front",
        content_type="image/png",
        data=IMAGE,
        actor=SYSTEM,
    )
    return service.submit(db, verification.id, typed, lines or eva_passport(), actor=SYSTEM)


def types(db: Session, customer_id: str) -> list[str]:
    return list(
        db.scalars(
            select(Event.type)
            .where(Event.customer_id == customer_id, Event.type.like("kyc.%"))
            .order_by(Event.seq)
        )
    )


@pytest.mark.usefixtures("telco")
def test_matching_document_is_approved_by_the_rules(db: Session) -> None:
    eva = make.registered(db)
    verification = submitted(db, eva.id)
    assert verification.status == VerificationStatus.APPROVED
    assert (verification.outcome, verification.score, verification.reasons) == ("approve", 0, [])
    assert types(db, eva.id) == ["kyc.started", "kyc.documents_submitted", "kyc.approved"]
    assert {c["name"] for c in verification.checks} >= {
        "document_number_check_digit",
        "not_expired",
        "adult",
        "matches_typed_surname",
    }


@pytest.mark.usefixtures("telco")
def test_document_images_are_encrypted_and_every_look_is_audited(db: Session) -> None:
    eva = make.registered(db)
    verification = submitted(db, eva.id)
    [document] = service.documents(db, verification.id)
    assert document.sealed is not None
    assert IMAGE not in document.sealed
    agent = SYSTEM
    image, content_type = service.document_image(db, document.id, actor=agent)
    assert (image, content_type) == (IMAGE, "image/png")
    assert [a.action for a in service.audit_trail(db, verification.id)] == [
        "document_uploaded",
        "document_viewed",
    ]


@pytest.mark.usefixtures("telco")
def test_a_mismatch_opens_a_review_case_that_can_ask_for_more(db: Session) -> None:
    eva = make.registered(db)
    typo = service.Typed(
        surname="Novak", given_names="Eva", birth_date=date(1985, 3, 4), document_number="40123456"
    )
    verification = submitted(db, eva.id, typo)
    assert verification.status == VerificationStatus.IN_REVIEW
    assert [r["rule"] for r in verification.reasons] == ["data_mismatch"]
    assert verification.reasons[0]["field"] == "surname"
    assert verification.sla_due_at is not None
    assert [v.id for v in service.queue(db)] == [verification.id]
    service.assign(db, verification.id, "token:reviewer", actor=SYSTEM)
    service.request_info(
        db, verification.id, actor=SYSTEM, note="type your surname as in the passport"
    )
    assert verification.status == VerificationStatus.INFO_REQUESTED
    again = service.submit(db, verification.id, EVA, eva_passport(), actor=SYSTEM)
    assert again.status == VerificationStatus.APPROVED
    assert again.submissions == 2
    assert types(db, eva.id) == [
        "kyc.started",
        "kyc.documents_submitted",
        "kyc.review_opened",
        "kyc.case_assigned",
        "kyc.info_requested",
        "kyc.documents_submitted",
        "kyc.approved",
    ]
    with pytest.raises(Conflict):
        service.approve(db, verification.id, actor=SYSTEM, note="twice")


@pytest.mark.usefixtures("telco")
def test_an_onboarding_step_does_not_ask_a_verified_customer_again(db: Session) -> None:
    from firstmile.journeys import actions

    eva = make.registered(db)
    approved = submitted(db, eva.id)
    assert approved.status == VerificationStatus.APPROVED
    result = actions.start_kyc(db, eva.id, {})
    assert result == {"verification_id": approved.id, "status": "approved"}
    # an explicit new check (an agent's) still starts one
    fresh = service.start(db, eva.id, actor=SYSTEM)
    assert fresh.id != approved.id
    assert fresh.status == VerificationStatus.AWAITING_DOCUMENTS


@pytest.mark.usefixtures("telco")
def test_expired_document_and_minor_are_rejected_whatever_else(db: Session) -> None:
    eva = make.registered(db)
    expired = submitted(db, eva.id, lines=eva_passport(expiry="240101"))
    assert expired.status == VerificationStatus.REJECTED
    assert "document_expired" in {r["rule"] for r in expired.reasons}
    assert any("expired on 2024-01-01" in r["detail"] for r in expired.reasons)
    young = make.registered(db, contacts=[make.email("kid@example.com")])
    minor = service.Typed(
        surname="Nováková",
        given_names="Eva",
        birth_date=date(2015, 3, 4),
        document_number="40123456",
    )
    rejected = submitted(db, young.id, minor, eva_passport(birth="150304"))
    assert rejected.status == VerificationStatus.REJECTED
    assert "minor" in {r["rule"] for r in rejected.reasons}


@pytest.mark.usefixtures("telco")
def test_a_wrong_check_digit_is_named(db: Session) -> None:
    eva = make.registered(db)
    broken = eva_passport(checks={"birth_date": "0"})
    verification = submitted(db, eva.id, lines=broken)
    reason = next(r for r in verification.reasons if r["field"] == "birth_date_check_digit")
    assert reason["rule"] == "document_invalid"
    assert "check digit" in reason["detail"]


@pytest.mark.usefixtures("telco")
def test_the_same_document_for_another_customer_is_velocity(db: Session) -> None:
    eva = make.registered(db)
    submitted(db, eva.id)
    other = make.registered(db, contacts=[make.email("someone@example.com")])
    verification = submitted(db, other.id)
    assert verification.status == VerificationStatus.IN_REVIEW
    assert {r["rule"] for r in verification.reasons} == {"velocity"}


@pytest.mark.usefixtures("telco")
def test_disposable_email_is_a_reason(db: Session) -> None:
    eva = make.registered(db, contacts=[make.email("eva@mailinator.com")])
    verification = submitted(db, eva.id)
    assert verification.status == VerificationStatus.IN_REVIEW
    assert {r["rule"] for r in verification.reasons} == {"disposable_email"}


@pytest.mark.usefixtures("telco")
def test_submission_needs_an_image_and_an_open_verification(db: Session) -> None:
    eva = make.registered(db)
    verification = service.start(db, eva.id, actor=SYSTEM)
    assert service.start(db, eva.id, actor=SYSTEM).id == verification.id  # one open at a time
    with pytest.raises(InvalidInput) as caught:
        service.submit(db, verification.id, EVA, eva_passport(), actor=SYSTEM)
    assert caught.value.field == "documents"
    with pytest.raises(InvalidInput) as caught:
        service.upload(
            db,
            verification.id,
            kind="document_front",
            content_type="text/html",
            data=b"x",
            actor=SYSTEM,
        )
    assert caught.value.field == "content_type"
    submitted(db, eva.id)
    with pytest.raises(Conflict):
        service.upload(
            db, verification.id, kind="selfie", content_type="image/png", data=IMAGE, actor=SYSTEM
        )


@pytest.mark.usefixtures("telco")
def test_images_are_erased_after_their_retention(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    eva = make.registered(db)
    verification = submitted(db, eva.id)
    db.commit()
    clock.travel(timedelta(days=91))
    run_jobs()
    with sessions() as s:
        [document] = s.scalars(select(KycDocument)).all()
        assert document.sealed is None
        assert document.purged_at is not None
        with pytest.raises(Conflict):
            service.document_image(s, document.id, actor=SYSTEM)
        assert "kyc.documents_purged" in types(s, eva.id)
        assert service.get_verification(s, verification.id).status == VerificationStatus.APPROVED


def test_review_through_the_api(
    telco: str, client: TestClient, agent: Headers, db: Session
) -> None:
    eva = make.registered(db)
    db.commit()
    started = client.post(f"/api/customers/{eva.id}/kyc", headers=agent)
    assert started.status_code == 201, started.text
    vid = started.json()["id"]
    uploaded = client.post(
        f"/api/kyc/verifications/{vid}/documents",
        files={"file": ("passport.png", IMAGE, "image/png")},
        data={"kind": "document_front"},
        headers=agent,
    )
    assert uploaded.status_code == 201, uploaded.text
    body = {
        "surname": "Novak",
        "given_names": "Eva",
        "birth_date": "1985-03-04",
        "document_number": "40123456",
        "mrz": eva_passport(),
    }
    answer = client.post(f"/api/kyc/verifications/{vid}/submission", json=body, headers=agent)
    assert answer.json()["status"] == "in_review"
    assert [c["id"] for c in client.get("/api/kyc/review-cases", headers=agent).json()] == [vid]
    case = client.get(f"/api/kyc/verifications/{vid}", headers=agent).json()
    assert case["typed"]["surname"] == "Novak"
    image = client.get(f"/api/kyc/documents/{case['documents'][0]['id']}", headers=agent)
    assert image.content == IMAGE
    assert image.headers["cache-control"] == "no-store"
    approved = client.post(
        f"/api/kyc/verifications/{vid}/approve", json={"note": "typo, same person"}, headers=agent
    )
    assert approved.json()["status"] == "approved"
    audit = client.get(f"/api/kyc/verifications/{vid}", headers=agent).json()["audit"]
    assert [a["action"] for a in audit] == [
        "document_uploaded",
        "viewed",
        "document_viewed",
        "approved",
        "viewed",
    ]
    assert (
        client.post(
            f"/api/kyc/verifications/{vid}/reject", json={"note": "x"}, headers=agent
        ).status_code
        == 409
    )
    assert client.get("/api/kyc/documents/nope", headers=agent).status_code == 404
    assert client.get("/api/kyc/review-cases").status_code == 401
    bad = client.post(
        f"/api/kyc/verifications/{vid}/submission",
        json={**body, "birth_date": "1985-13-01"},
        headers=agent,
    )
    assert bad.status_code == 422


def test_checks_on_their_own(telco: str, client: TestClient, agent: Headers) -> None:
    checked = client.post(
        "/api/kyc/checks/mrz", json={"lines": eva_passport(), "surname": "Nováková"}, headers=agent
    ).json()
    assert checked["valid"] is True
    assert checked["comparison"]["matches"] is True
    iban = client.post(
        "/api/kyc/checks/identifier",
        json={"kind": "iban", "value": "CZ65 0800 0000 1920 0014 5399"},
        headers=agent,
    ).json()
    assert (iban["valid"], iban["normalised"]) == (True, "CZ6508000000192000145399")
    bad = client.post(
        "/api/kyc/checks/identifier", json={"kind": "shoe_size", "value": "42"}, headers=agent
    )
    assert bad.status_code == 422
    assert "kind" in bad.text


@pytest.mark.usefixtures("telco")
def test_a_sanctions_list_hit_sends_the_verification_to_review(db: Session) -> None:
    from firstmile.kyc.screening import service as screening
    from tests.kyc.screening.factories import entry

    screening.load_entries(db, "ofac", "ofac", [entry("7531", "NOVAKOVA, Eva")])
    eva = make.registered(db)
    verification = submitted(db, eva.id)
    assert verification.status == VerificationStatus.IN_REVIEW
    [reason] = verification.reasons
    assert reason["rule"] == "screening_hit"
    assert "OFAC 7531" in reason["detail"]
    [hit] = screening.hits_of(db, eva.id)
    screening.mark_false_positive(db, hit.id, SYSTEM, "different person: other birth date")
    service.request_info(db, verification.id, actor=SYSTEM, note="confirm your birth date")
    again = service.submit(db, verification.id, EVA, eva_passport(), actor=SYSTEM)
    assert again.status == VerificationStatus.APPROVED  # the decided hit does not come back


@pytest.mark.usefixtures("telco")
def test_a_list_reload_rescreens_customers_and_opens_review_cases(db: Session) -> None:
    from firstmile.kyc import screening_link
    from firstmile.kyc.screening import service as screening
    from tests.kyc.screening.factories import entry

    screening.load_entries(db, "un", "un", [entry("QDi.1", "Omar Yusuf al-Rashidi")])
    eva = make.registered(db)
    assert submitted(db, eva.id).status == VerificationStatus.APPROVED
    loaded = screening.load_entries(
        db, "un", "un", [entry("QDi.1", "Omar Yusuf al-Rashidi"), entry("QDi.2", "Eva NOVAKOVA")]
    )
    [case] = screening_link.after_load(db, loaded, actor=SYSTEM)
    assert (case.customer_id, case.status) == (eva.id, VerificationStatus.IN_REVIEW)
    assert "QDi.2" in case.reasons[0]["detail"]
    assert [v.id for v in service.queue(db)] == [case.id]
    again = screening.load_entries(
        db, "un", "un", [entry("QDi.1", "Omar Yusuf al-Rashidi"), entry("QDi.2", "Eva NOVAKOVA")]
    )
    assert screening_link.after_load(db, again, actor=SYSTEM) == []  # nothing new


@pytest.mark.usefixtures("telco")
def test_an_address_abroad_is_a_reason(db: Session) -> None:
    abroad = {
        "kind": "postal",
        "address": {
            "street": "Drottninggatan",
            "house_number": "12",
            "postcode": "111 51",
            "city": "Stockholm",
            "country": "SE",
        },
    }
    eva = make.registered(db, contacts=[make.email(), make.phone(), abroad])
    verification = submitted(db, eva.id)
    [reason] = verification.reasons
    assert (reason["rule"], reason["field"]) == ("outside_service_area", "address.country")
    assert "operator serves CZ" in reason["detail"]


@pytest.mark.usefixtures("telco")
def test_the_same_iban_at_other_customers_is_velocity(db: Session) -> None:
    from firstmile.billing.models import BillingAccount, PaymentMethod
    from firstmile.customers.models import Account

    iban = "CZ6508000000192000145399"
    people = [make.registered(db, contacts=[make.email(f"p{i}@example.com")]) for i in range(3)]
    for person in people:
        account = db.scalar(select(Account).where(Account.customer_id == person.id))
        assert account is not None
        billing = BillingAccount(
            account_id=account.id,
            customer_id=person.id,
            status="active",
            cycle_day=1,
            paperless=False,
            bill_delivery="postal",
            bill_language="cs",
            currency="CZK",
            created_by="system:test",
            updated_by="system:test",
        )
        db.add(billing)
        db.flush()
        db.add(
            PaymentMethod(
                billing_account_id=billing.id,
                kind="sepa_direct_debit",
                holder_name="X",
                iban=iban,
                added_by="system:test",
            )
        )
    db.flush()
    verification = submitted(db, people[0].id)
    reason = next(r for r in verification.reasons if r["field"] == "iban")
    assert reason["rule"] == "velocity"
    assert "2 other customers" in reason["detail"]
    assert iban not in reason["detail"]  # masked


@pytest.mark.usefixtures("telco")
def test_details_are_blanked_after_their_retention(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    eva = make.registered(db)
    verification = submitted(db, eva.id)
    db.commit()
    clock.travel(timedelta(days=1826))
    run_jobs()
    with sessions() as s:
        kept = service.get_verification(s, verification.id)
        assert (kept.typed, kept.document, kept.checks) == ({}, {}, [])
        assert kept.status == VerificationStatus.APPROVED
        assert kept.details_purged_at is not None
        assert "kyc.details_purged" in types(s, eva.id)


@pytest.mark.usefixtures("telco")
def test_an_undecided_case_is_overdue_when_its_sla_passes(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    typo = service.Typed(
        surname="Novak", given_names="Eva", birth_date=date(1985, 3, 4), document_number="40123456"
    )
    late = make.registered(db)
    decided = make.registered(db, contacts=[make.email("other@example.com")])
    submitted(db, late.id, typo)
    on_time = submitted(db, decided.id, typo)
    service.approve(db, on_time.id, actor=SYSTEM, note="typo")
    db.commit()
    clock.travel(timedelta(hours=23))
    run_jobs()
    with sessions() as s:
        assert "kyc.review_overdue" not in types(s, late.id)
    clock.travel(timedelta(hours=2))
    run_jobs()
    with sessions() as s:
        assert types(s, late.id).count("kyc.review_overdue") == 1
        assert "kyc.review_overdue" not in types(s, decided.id)
