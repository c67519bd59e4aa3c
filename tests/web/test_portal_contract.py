"""/portal/contract: reading the contract, signing it with a one-time code, the sealed PDF,
and that a customer never reaches another customer's contract, order, PDF or activation."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from firstmile.contracts import service as contracts_service
from firstmile.contracts.models import ContractStatus
from firstmile.kit.settings import current as current_settings
from firstmile.orders import service as orders_service
from firstmile.orders.models import OrderStatus
from firstmile.provisioning import service as provisioning_service
from tests.conftest import RunJobs
from tests.factories.contracts import last_code
from tests.factories.web import csrf_of, sign_in_customer
from tests.web.test_portal_plan import active, place


def test_contract_page_shows_terms_prices_and_the_cooling_off_notice(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    placed = place(sessions, run_jobs, {"offering": "fibre-300"})
    sign_in_customer(client, sessions, placed.customer_id)
    page = client.get(f"/portal/contract/{placed.contract_id}")
    assert page.status_code == 200
    assert 'data-status="ready"' in page.text
    for text in (
        "Minimum term: 12 months",
        "Notice period: 30 days",
        "Installation by a technician",
        "Free installation",
        "within 14 days of signing it",
        f"/portal/contract/{placed.contract_id}/document",
        "Send me a code",
    ):
        assert text in page.text, text
    listed = client.get("/portal/contract")
    assert f"/portal/contract/{placed.contract_id}" in listed.text
    pdf = client.get(f"/portal/contract/{placed.contract_id}/document")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_signing_with_the_code_the_customer_received(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    placed = place(sessions, run_jobs)
    sign_in_customer(client, sessions, placed.customer_id)
    path = f"/portal/contract/{placed.contract_id}"
    page = client.get(path)
    sent = client.post(
        f"{path}/code",
        data={"channel": "email", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    run_jobs()  # the code goes out
    page = client.get(path)
    assert "We sent a code to e***@example.com" in page.text
    wrong = client.post(
        f"{path}/sign", data={"code": "000000", "csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert wrong.status_code == 422
    assert 'id="e-code"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    with sessions() as db:
        code = last_code(db, placed.customer_id)
        assert contracts_service.get_contract(db, placed.contract_id).status == "ready"
    signed = client.post(
        f"{path}/sign", data={"code": code, "csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert signed.status_code == 303
    with sessions() as db:
        contract = contracts_service.get_contract(db, placed.contract_id)
        assert contract.status == ContractStatus.SIGNED
        assert orders_service.get_order(db, placed.order_id).status == OrderStatus.IN_PROGRESS
        signature = contracts_service.get_signature(db, contract.id)
        assert signature.actor == f"customer:{placed.customer_id}"
    assert "Thank you: your contract is signed." in client.get(signed.headers["location"]).text

    run_jobs()  # the operator's seal
    with sessions() as db:
        sealed = contracts_service.document(db, placed.contract_id)
        assert contracts_service.get_contract(db, placed.contract_id).status == "sealed"
    pdf = client.get(f"{path}/document")
    assert pdf.status_code == 200
    assert pdf.content == sealed
    assert "signed.pdf" in pdf.headers["content-disposition"]


def test_the_code_is_refused_after_too_many_wrong_attempts(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    placed = place(sessions, run_jobs)
    sign_in_customer(client, sessions, placed.customer_id)
    path = f"/portal/contract/{placed.contract_id}"
    token = csrf_of(client.get(path))
    client.post(f"{path}/code", data={"channel": "sms", "csrf_token": token})
    statuses = [
        client.post(f"{path}/sign", data={"code": "000000", "csrf_token": token}).status_code
        for _ in range(current_settings().otp_max_attempts + 1)
    ]
    assert statuses[0] == 422
    assert statuses[-1] == 409  # the service stopped counting: a new code is needed
    run_jobs()
    with sessions() as db:
        code = last_code(db, placed.customer_id)
    late = client.post(f"{path}/sign", data={"code": code, "csrf_token": token})
    assert late.status_code == 409
    assert "This code can no longer be used." in late.text


def test_another_customer_reaches_nothing_of_it(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    a = active(sessions, run_jobs, email="a@example.com")
    b = place(sessions, run_jobs, email="b@example.com")
    with sessions() as db:
        (service,) = provisioning_service.services(db, order_id=a.order_id)
    sign_in_customer(client, sessions, b.customer_id)
    for path in (
        f"/portal/contract/{a.contract_id}",
        f"/portal/contract/{a.contract_id}/document",
        f"/portal/activation?order={a.order_id}",
        f"/portal/plan?quote={a.quote_id}",
        f"/portal/activation/services/{service.id}/esim",
        f"/portal/activation/services/{service.id}/esim.png",
    ):
        answer = client.get(path, headers={"hx-request": "true"} if "activation" in path else {})
        assert answer.status_code == 404, path
        assert a.customer_id not in answer.text
    token = csrf_of(client.get(f"/portal/contract/{b.contract_id}"))
    for path, data in (
        (f"/portal/contract/{a.contract_id}/code", {"channel": "email"}),
        (f"/portal/contract/{a.contract_id}/sign", {"code": "123456"}),
        (f"/portal/plan/cart/{a.quote_id}/order", {}),
        (f"/portal/activation/services/{service.id}/self-activate", {"activation_code": "1"}),
    ):
        answer = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 404, path
    # and B's own pages do not list A's contract
    assert a.contract_id not in client.get("/portal/contract").text
