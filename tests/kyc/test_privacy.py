"""Data-subject rights: the export of everything held about a customer, and erasure with
legal holds, through the service and the API."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.contracts import service as contracts_service
from firstmile.contracts.models import Contract
from firstmile.customers.models import ContactMedium, Customer
from firstmile.eventlog.models import Event
from firstmile.kit.errors import Conflict, NotFound
from firstmile.kyc import privacy, service
from firstmile.kyc.models import KycDocument, Verification
from tests.factories import contracts as contract_factories
from tests.factories import customers as make
from tests.kyc.test_verification import EVA, IMAGE, submitted

Headers = dict[str, str]


@pytest.mark.usefixtures("telco")
def test_the_export_holds_every_table_about_the_customer(db: Session) -> None:
    eva = make.registered(db)
    verification = submitted(db, eva.id)
    exported = privacy.export_subject(db, eva.id, actor=SYSTEM)
    tables = exported["tables"]
    assert tables["customers"][0]["given_name"] == "Eva"
    assert {m["kind"] for m in tables["contact_media"]} >= {"email", "phone"}
    assert tables["accounts"]
    assert tables["kyc_verifications"][0]["id"] == verification.id
    assert tables["kyc_verifications"][0]["typed"]["surname"] == EVA.surname
    [document] = tables["kyc_documents"]
    assert base64.b64decode(document["sealed"]["base64"]) == IMAGE  # decrypted for its owner
    assert [a["action"] for a in tables["kyc_audit"]] == ["document_uploaded"]
    assert "events" in tables
    audited = db.scalars(select(Event).where(Event.type == "privacy.data_exported")).all()
    assert [e.customer_id for e in audited] == [eva.id]
    with pytest.raises(NotFound):
        privacy.export_subject(db, "nobody", actor=SYSTEM)


@pytest.mark.usefixtures("telco")
def test_erasure_without_a_contract_leaves_no_personal_data(db: Session) -> None:
    eva = make.registered(db)
    submitted(db, eva.id)
    answer = privacy.erase_subject(db, eva.id, actor=SYSTEM, reason="request 2026-117")
    assert "identity verification details" in answer["erased"]
    assert [h["data"] for h in answer["held"]] == ["event log"]
    customer = db.get(Customer, eva.id)
    assert customer is not None
    assert (customer.given_name, customer.family_name, customer.birth_date) == (None, None, None)
    assert db.scalars(select(ContactMedium).where(ContactMedium.customer_id == eva.id)).all() == []
    [document] = db.scalars(select(KycDocument)).all()
    assert document.sealed is None
    [verification] = db.scalars(select(Verification)).all()
    assert verification.typed == {}
    assert verification.status == "approved"  # the verdict stays, the details are gone
    erased = db.scalars(select(Event).where(Event.type == "privacy.data_erased")).one()
    assert erased.payload["reason"] == "request 2026-117"


@pytest.mark.usefixtures("telco")
def test_a_signed_contract_holds_what_the_law_requires(db: Session) -> None:
    order = contract_factories.order(db)
    contract = contracts_service.prepare_contract(db, order, actor=SYSTEM)  # type: ignore[arg-type]
    db.execute(update(Contract).where(Contract.id == contract.id).values(status="signed"))
    verification = submitted(db, order.customer_id)
    answer = privacy.erase_subject(db, order.customer_id, actor=SYSTEM, reason="request")
    assert {h["data"] for h in answer["held"]} >= {
        "contracts, orders, products, billing accounts",
        "identity verification results",
    }
    assert db.get(Contract, contract.id) is not None
    db.refresh(verification)
    assert verification.typed["surname"] == EVA.surname  # kept for AML record keeping
    [document] = service.documents(db, verification.id)
    assert document.sealed is None  # the image goes anyway


def test_erasure_refuses_a_customer_with_a_live_service(db: Session, telco: str) -> None:
    from firstmile.orders.models import Product

    eva = make.registered(db)
    live = db.scalar(select(Product.id).limit(1))
    assert live is None  # nothing live yet: erasure is allowed
    order = contract_factories.order(db)
    db.add(
        Product(
            customer_id=order.customer_id,
            account_id=order.account_id,
            order_id=_real_order(db, order.customer_id, order.account_id),
            offering_code="mobile-10gb",
            kind="mobile",
            status="active",
            name={"en": "Mobile 10 GB"},
            quote_item=0,
            features={},
        )
    )
    db.flush()
    with pytest.raises(Conflict):
        privacy.erase_subject(db, order.customer_id, actor=SYSTEM, reason="request")
    privacy.erase_subject(db, eva.id, actor=SYSTEM, reason="request")


def _real_order(db: Session, customer_id: str, account_id: str) -> str:
    from decimal import Decimal

    from firstmile.orders.models import Order

    row = Order(
        customer_id=customer_id,
        account_id=account_id,
        kind="new",
        status="completed",
        snapshot={},
        currency="CZK",
        one_time_gross=Decimal(0),
        monthly_gross=Decimal(0),
        placed_by="system:test",
    )
    db.add(row)
    db.flush()
    return row.id


def test_privacy_api_is_for_admins(
    telco: str, client: TestClient, admin: Headers, agent: Headers, sessions: sessionmaker[Session]
) -> None:
    with sessions() as db:
        eva = make.registered(db)
        db.commit()
    assert client.get(f"/api/customers/{eva.id}/personal-data", headers=agent).status_code == 403
    exported = client.get(f"/api/customers/{eva.id}/personal-data", headers=admin)
    assert exported.status_code == 200
    assert exported.json()["tables"]["customers"][0]["id"] == eva.id
    erased = client.post(
        f"/api/customers/{eva.id}/erasure", json={"reason": "ticket 7"}, headers=admin
    )
    assert erased.status_code == 200, erased.text
    assert (
        client.post(f"/api/customers/{eva.id}/erasure", json={}, headers=admin).status_code == 422
    )
    assert client.get("/api/customers/nope/personal-data", headers=admin).status_code == 404
