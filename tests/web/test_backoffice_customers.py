"""Customer search and the customer 360: a customer's orders, timeline and journeys on one
page; a supervisor moves or ends a journey instance (audited), an agent cannot."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.billing import service as billing_service
from firstmile.billing.schemas import BillingAccountCreate, SepaDirectDebitCreate
from firstmile.contracts import service as contracts_service
from firstmile.customers import service as customers_service
from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.journeys import service as journeys_service
from firstmile.journeys.models import JourneyInstance
from firstmile.web.backoffice import event_labels
from firstmile.web.pages import translator
from tests.conftest import RunJobs
from tests.factories import billing as billing_factories
from tests.factories import customers as customer_factories
from tests.factories import orders as order_factories
from tests.factories.web import csrf_of, post_form, sign_in_staff


def _ordered(sessions: sessionmaker[Session], run_jobs: RunJobs) -> tuple[str, str]:
    """A customer who ordered (the onboarding journey has started for them)."""
    with sessions() as db:
        order = order_factories.order(db)
        ids = order.customer_id, order.id
    run_jobs()
    return ids


def _instance(sessions: sessionmaker[Session], customer_id: str) -> JourneyInstance:
    with sessions() as db:
        [instance] = journeys_service.instances_of_customer(db, customer_id)
        return instance


def test_search_finds_by_name_and_email_and_names_a_bad_phone(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    with sessions() as db:
        customer = customer_factories.registered(db)
        customer_factories.registered(
            db,
            customer=customer_factories.person(given_name="Jan", family_name="Svoboda"),
            contacts=[customer_factories.email("jan@example.com")],
        )
        db.commit()
        eva = customer.id
    sign_in_staff(client, sessions)
    by_name = client.get("/backoffice/customers", params={"q": "nováK"})
    assert f"/backoffice/customers/{eva}" in by_name.text
    assert "Svoboda" not in by_name.text
    by_email = client.get("/backoffice/customers", params={"q": "EVA.novakova@example.com"})
    assert f"/backoffice/customers/{eva}" in by_email.text
    bad = client.get("/backoffice/customers", params={"q": "+42"})
    assert bad.status_code == 422
    assert 'id="e-q"' in bad.text


def test_the_customer_page_shows_orders_timeline_and_journeys(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    customer_id, order_id = _ordered(sessions, run_jobs)
    with sessions() as db:
        first_event = db.scalars(
            select(Event.type).where(Event.customer_id == customer_id).order_by(Event.seq)
        ).first()
    sign_in_staff(client, sessions)
    page = client.get(f"/backoffice/customers/{customer_id}")
    assert page.status_code == 200
    assert f'title="{order_id}"' in page.text  # the order, under its short number
    timeline = page.text.split('id="timeline"')[1]
    assert "<td>Order placed</td>" in timeline  # event types in words
    assert f"<td>{event_labels.event_types(translator('en'))[str(first_event)]}</td>" in timeline
    assert "Telco onboarding" in page.text  # where the journey stands
    assert 'action="/backoffice/journey-instances/' not in page.text  # agents do not steer
    with sessions() as db:
        [contract] = contracts_service.contracts_for(db, customer_id=customer_id)
    link = f"/backoffice/contracts/{contract.id}/document"
    assert f'href="{link}"' in page.text
    pdf = client.get(link)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/backoffice/customers/no-such-customer").status_code == 404


def _timeline_rows(html: str) -> int:
    return html.split('id="timeline"')[1].count("<tr><td>")


def test_the_timeline_is_paged(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    with sessions() as db:
        customer = customer_factories.registered(db)
        for _ in range(60):
            eventlog_service.record(
                db, "portal.login", actor=f"customer:{customer.id}", customer_id=customer.id
            )
        db.commit()
        customer_id = customer.id
        seqs = list(
            db.scalars(
                select(Event.seq).where(Event.customer_id == customer_id).order_by(Event.seq)
            )
        )
    sign_in_staff(client, sessions)
    first = client.get(f"/backoffice/customers/{customer_id}")
    assert _timeline_rows(first.text) == 50
    later_link = f"/backoffice/customers/{customer_id}?after={seqs[49]}#timeline"
    assert f'href="{later_link}"' in first.text
    later = client.get(later_link)
    assert _timeline_rows(later.text) == len(seqs) - 50
    assert "?after=" not in later.text.split('id="timeline"')[1]  # the last page


def test_a_supervisor_moves_a_journey_instance_and_the_move_is_audited(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    customer_id, _order_id = _ordered(sessions, run_jobs)
    instance = _instance(sessions, customer_id)
    path = f"/backoffice/journey-instances/{instance.id}/move"
    sign_in_staff(client, sessions, role="agent")
    page = f"/backoffice/customers/{customer_id}"
    assert (
        post_form(client, path, {"step": "wait_signature", "reason": "x"}, via=page).status_code
        == 403
    )
    user = sign_in_staff(client, sessions, role="supervisor")
    shown = client.get(page)
    assert f'action="{path}"' in shown.text
    refused = client.post(
        path, data={"step": "wait_signature", "reason": "", "csrf_token": csrf_of(shown)}
    )
    assert refused.status_code == 422
    assert f'id="e-move-{instance.id}"' in refused.text
    moved = client.post(
        path,
        data={
            "step": "wait_signature",
            "reason": "documents checked by phone",
            "csrf_token": csrf_of(shown),
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert moved.headers["location"].startswith(f"/backoffice/customers/{customer_id}?done=moved")
    assert _instance(sessions, customer_id).step == "wait_signature"
    with sessions() as db:
        [event] = db.scalars(select(Event).where(Event.type == "journey.moved")).all()
    assert event.actor == f"staff:{user.id}"
    assert event.payload["reason"] == "documents checked by phone"


def test_a_supervisor_ends_a_journey_instance(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    customer_id, _order_id = _ordered(sessions, run_jobs)
    instance = _instance(sessions, customer_id)
    sign_in_staff(client, sessions, role="supervisor")
    ended = post_form(
        client,
        f"/backoffice/journey-instances/{instance.id}/end",
        {"reason": "the customer asked us to stop"},
        via=f"/backoffice/customers/{customer_id}",
    )
    assert ended.status_code == 303
    assert _instance(sessions, customer_id).status == "exited"


def test_billing_shows_the_iban_masked_and_the_verified_contacts(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    with sessions() as db:
        customer = customer_factories.registered(db)
        [account] = customers_service.accounts_of(db, customer.id)
        billing = billing_service.create_billing_account(
            db,
            BillingAccountCreate.model_validate(billing_factories.billing_account_body(account.id)),
            actor=SYSTEM,
        )
        billing_service.add_payment_method(
            db,
            billing.id,
            SepaDirectDebitCreate.model_validate(billing_factories.sepa_body()),
            actor=SYSTEM,
        )
        db.commit()
        customer_id = customer.id
    sign_in_staff(client, sessions)
    page = client.get(f"/backoffice/customers/{customer_id}")
    assert "CZ65 **** **** **** **** 5399" in page.text
    assert "0800 0000 1920" not in page.text
    assert "CZ6508000000192000145399" not in page.text
    assert "eva.novakova@example.com" in page.text
    assert "Not verified" in page.text
