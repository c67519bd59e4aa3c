"""Business customers (KYB): the persons behind the company, its identifiers, and the rule
that only an authorised signatory signs the business's contract."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.contracts import service as contracts_service
from firstmile.contracts.models import Signature
from firstmile.customers.models import Account, AccountKind
from firstmile.kit.db import new_id
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kyc import business
from firstmile.kyc.models import VerificationStatus
from firstmile.messaging import service as messaging_service
from tests.conftest import RunJobs
from tests.factories import contracts as contract_factories
from tests.factories import customers as make

Headers = dict[str, str]
OWNER = business.PartyCreate(
    roles=["beneficial_owner", "representative", "signatory"],
    given_name="Jan",
    family_name="Novák",
    ownership_percent=Decimal(60),
    email="jan.novak@example.com",
    phone="+420 602 123 456",
)
CLERK = business.PartyCreate(roles=["representative"], given_name="Petra", family_name="Malá")


def bakery(db: Session, **overrides: object):  # type: ignore[no-untyped-def]
    return make.registered(
        db,
        customer=make.organization(**overrides),
        accounts=[make.business_account()],
    )


@pytest.mark.usefixtures("telco")
def test_a_complete_business_is_approved(db: Session) -> None:
    company = bakery(db)
    business.add_party(db, company.id, OWNER, actor=SYSTEM)
    verification = business.verify(db, company.id, actor=SYSTEM)
    assert verification.status == VerificationStatus.APPROVED, verification.reasons
    assert verification.reasons == []


@pytest.mark.usefixtures("telco")
def test_missing_signatory_owner_and_a_bad_vat_go_to_review_or_reject(db: Session) -> None:
    company = bakery(db)
    company.vat_number = "CZ25596640"  # e.g. imported from an older system, never checked
    business.add_party(db, company.id, CLERK, actor=SYSTEM)
    verification = business.verify(db, company.id, actor=SYSTEM)
    fields = {r["field"] for r in verification.reasons}
    assert {"vat_number", "signatory", "beneficial_owner"} <= fields
    assert verification.status in (VerificationStatus.IN_REVIEW, VerificationStatus.REJECTED)


@pytest.mark.usefixtures("telco")
def test_parties_are_checked(db: Session) -> None:
    company = bakery(db)
    person = make.registered(db, contacts=[make.email("solo@example.com")])
    with pytest.raises(Conflict):
        business.add_party(db, person.id, OWNER, actor=SYSTEM)  # not a business
    no_share = business.PartyCreate(roles=["beneficial_owner"], given_name="A", family_name="B")
    with pytest.raises(InvalidInput) as caught:
        business.add_party(db, company.id, no_share, actor=SYSTEM)
    assert caught.value.field == "ownership_percent"
    unreachable = business.PartyCreate(roles=["signatory"], given_name="A", family_name="B")
    with pytest.raises(InvalidInput) as caught:
        business.add_party(db, company.id, unreachable, actor=SYSTEM)
    assert caught.value.field == "email"
    landline = business.PartyCreate(
        roles=["signatory"], given_name="A", family_name="B", phone="+420 224 123 456"
    )
    with pytest.raises(InvalidInput) as caught:
        business.add_party(db, company.id, landline, actor=SYSTEM)
    assert caught.value.field == "phone"
    party = business.add_party(db, company.id, OWNER, actor=SYSTEM)
    assert party.phone == "+420602123456"
    business.remove_party(db, company.id, party.id, actor=SYSTEM)
    assert business.parties(db, company.id) == []
    with pytest.raises(NotFound):
        business.remove_party(db, company.id, party.id, actor=SYSTEM)


def test_only_an_authorised_signatory_signs_the_business_contract(
    sessions: sessionmaker[Session], run_jobs: RunJobs, telco: str
) -> None:
    with sessions() as db:
        company = bakery(db)
        owner = business.add_party(db, company.id, OWNER, actor=SYSTEM)
        clerk = business.add_party(db, company.id, CLERK, actor=SYSTEM)
        account = db.query(Account).filter(Account.customer_id == company.id).one()
        assert account.kind == AccountKind.BUSINESS
        order = contract_factories.Order(company.id, account.id, contract_factories.snapshot())
        contract = contracts_service.prepare_contract(db, order, actor=SYSTEM)  # type: ignore[arg-type]
        db.commit()
        ids = (company.id, owner.id, clerk.id, contract.id)
    run_jobs()  # the contract PDF
    company_id, owner_id, clerk_id, contract_id = ids
    with sessions() as db:
        with pytest.raises(InvalidInput) as caught:
            contracts_service.request_signature(db, contract_id, channel="email", actor=SYSTEM)
        assert caught.value.field == "signatory_id"
        with pytest.raises(Conflict):
            contracts_service.request_signature(
                db, contract_id, channel="email", actor=SYSTEM, signatory_id=clerk_id
            )
        with pytest.raises(NotFound):
            contracts_service.request_signature(
                db, contract_id, channel="email", actor=SYSTEM, signatory_id=new_id()
            )
        request = contracts_service.request_signature(
            db, contract_id, channel="email", actor=SYSTEM, signatory_id=owner_id
        )
        assert request.masked_address.startswith("j")
        db.commit()
    run_jobs()
    with sessions() as db:
        [delivery] = messaging_service.simulated_deliveries(db, company_id, limit=1)
        assert delivery.recipient == "jan.novak@example.com"
        code = contract_factories.last_code(db, company_id)
        contracts_service.sign(db, contract_id, code=code, ip=None, user_agent=None, actor=SYSTEM)
        db.commit()
        signature = db.query(Signature).filter(Signature.contract_id == contract_id).one()
        assert signature.signer_name == "Jan Novák"


def test_kyb_through_the_api(
    telco: str, client: TestClient, agent: Headers, sessions: sessionmaker[Session]
) -> None:
    with sessions() as db:
        company = bakery(db)
        db.commit()
    body = {
        "roles": ["beneficial_owner", "signatory"],
        "given_name": "Jan",
        "family_name": "Novák",
        "ownership_percent": "60",
        "email": "jan.novak@example.com",
    }
    added = client.post(f"/api/customers/{company.id}/kyb/parties", json=body, headers=agent)
    assert added.status_code == 201, added.text
    assert [
        p["given_name"]
        for p in client.get(f"/api/customers/{company.id}/kyb/parties", headers=agent).json()
    ] == ["Jan"]
    bad = client.post(
        f"/api/customers/{company.id}/kyb/parties",
        json={**body, "ownership_percent": "120"},
        headers=agent,
    )
    assert bad.status_code == 422
    assert "ownership_percent" in bad.text
    verified = client.post(f"/api/customers/{company.id}/kyb/verification", headers=agent)
    assert verified.status_code == 201, verified.text
    assert verified.json()["status"] == "approved"


@pytest.mark.usefixtures("telco")
def test_every_person_behind_a_business_is_rescreened_after_a_list_load(db: Session) -> None:
    from firstmile.kyc import screening_link
    from firstmile.kyc.screening import service as screening
    from tests.kyc.screening.factories import entry

    company = bakery(db)
    business.add_party(db, company.id, OWNER, actor=SYSTEM)
    business.add_party(db, company.id, CLERK, actor=SYSTEM)
    assert business.verify(db, company.id, actor=SYSTEM).status == VerificationStatus.APPROVED
    loaded = screening.load_entries(db, "eu", "eu", [entry("EU.1", "Jan NOVAK")])
    [case] = screening_link.after_load(db, loaded, actor=SYSTEM)
    assert case.customer_id == company.id
    assert "EU.1" in case.reasons[0]["detail"]
    loaded = screening.load_entries(
        db, "eu", "eu", [entry("EU.1", "Jan NOVAK"), entry("EU.2", "Petra MALA")]
    )
    [case] = screening_link.after_load(db, loaded, actor=SYSTEM)  # the clerk, not the owner
    assert "EU.2" in case.reasons[0]["detail"]
