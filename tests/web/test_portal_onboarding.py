"""/portal: the onboarding tracker (its pure rules first, then the page), the live activation
fragment, and the payment set-up."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from firstmile.billing import service as billing_service
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.adapters import simulator
from firstmile.web.portal.onboarding import (
    ALL_SET,
    BLOCKED,
    CURRENT,
    DONE,
    TODO,
    Facts,
    ServiceFacts,
    Tracker,
    track,
)
from tests.conftest import RunJobs
from tests.factories import billing as billing_factories
from tests.factories import customers as customer_factories
from tests.factories.web import csrf_of, post_form, sign_in_customer
from tests.web.test_portal_plan import active, place, set_up_billing, sign

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _states(tracker: Tracker) -> dict[str, str]:
    return {s.code: s.state for p in tracker.phases for s in p.steps}


def _signed(**overrides: object) -> Facts:
    values: dict[str, object] = {
        "now": NOW,
        "contact_verified": True,
        "kyc_status": "approved",
        "order_id": "o1",
        "contract_id": "c1",
        "contract_status": "sealed",
        "billing_account": True,
        "payment_method": True,
    }
    return Facts(**{**values, **overrides})  # type: ignore[arg-type]


# --- the pure rules ------------------------------------------------------------------------


def test_a_new_customer_first_confirms_a_contact() -> None:
    tracker = track(Facts(now=NOW))
    assert tracker.next.href == "/portal/verify"
    assert tracker.next.by_you
    states = _states(tracker)
    assert states["contact"] == CURRENT
    assert states["identity"] == TODO  # asked for after the order
    assert states["plan"] == CURRENT
    assert states["contract"] == TODO
    assert [p.state for p in tracker.phases] == [CURRENT, TODO, TODO]
    assert "/portal/plan" in [a.href for a in tracker.also]


def test_with_a_verified_contact_the_plan_comes_next_or_the_open_quote() -> None:
    assert track(Facts(now=NOW, contact_verified=True)).next.href == "/portal/plan"
    quoted = track(Facts(now=NOW, contact_verified=True, open_quote_id="q1"))
    assert quoted.next.href == "/portal/plan?quote=q1"
    assert quoted.next.text.message.startswith("Your quote is ready")


def test_signing_comes_before_what_we_are_doing() -> None:
    due = NOW + timedelta(hours=20)
    facts = _signed(
        kyc_status="in_review", kyc_review_due=due, contract_status="ready", payment_method=False
    )
    tracker = track(facts)
    assert tracker.next.href == "/portal/contract/c1"
    also = {a.text.message: a for a in tracker.also}
    review = next(a for m, a in also.items() if m.startswith("Your identity documents"))
    assert review.text.values == {"hours": 24, "date": due, "time": due}
    assert not review.by_you
    assert any(a.href == "/portal/payment" for a in tracker.also)
    assert _states(tracker)["activation"] == TODO


def test_the_technician_visit_and_the_payment_set_up() -> None:
    visit = NOW + timedelta(days=3)
    fibre = ServiceFacts("s1", "broadband", "pending_activation", technician="required")
    unbooked = track(
        _signed(services=(fibre,), payment_method=False, first_bill_on=date(2026, 4, 1))
    )
    assert unbooked.next.href == "/portal/payment"
    assert unbooked.next.text.values == {"date": date(2026, 4, 1)}
    assert unbooked.also[0].text.message.startswith("We are booking your technician visit")
    booked = track(_signed(services=(replace(fibre, visit_at=visit),)))
    assert booked.next.text.message == "Your technician visits on {date} at {time}."
    assert booked.next.text.values == {"date": visit, "time": visit}
    assert _states(booked)["billing"] == DONE


@pytest.mark.parametrize(
    ("service", "starts"),
    [
        (ServiceFacts("s", "mobile", "pending_activation", sim_type="physical"), "Your SIM is"),
        (ServiceFacts("s", "mobile", "pending_activation", sim_type="esim"), "Your eSIM is"),
        (ServiceFacts("s", "electricity", "pending_activation"), "We are arranging the switch"),
        (
            ServiceFacts("s", "electricity", "pending_activation", switch_date=date(2026, 4, 1)),
            "Your supply starts on",
        ),
    ],
)
def test_what_the_network_is_doing_is_said_per_kind(service: ServiceFacts, starts: str) -> None:
    tracker = track(_signed(services=(service,)))
    assert tracker.next.text.message.startswith(starts)
    assert not tracker.next.by_you
    assert tracker.next.href == "/portal/activation"


def test_a_delayed_activation_is_said_first() -> None:
    ok = ServiceFacts("a", "mobile", "pending_activation", sim_type="esim")
    late = ServiceFacts("b", "broadband", "pending_activation", delayed=True)
    tracker = track(_signed(services=(ok, late)))
    assert tracker.next.text.message.startswith("Your activation takes longer than expected")


def test_after_activation_the_customer_finishes_the_set_up() -> None:
    sim = ServiceFacts("s", "mobile", "awaiting_self_activation", sim_type="physical")
    tracker = track(_signed(services=(sim,)))
    assert _states(tracker)["activation"] == DONE
    assert _states(tracker)["setup"] == CURRENT
    assert tracker.next.by_you
    assert tracker.next.href == "/portal/activation"
    esim = ServiceFacts("e", "mobile", "active", sim_type="esim")
    assert track(_signed(services=(esim,), activated_at=NOW)).next.text.message.startswith(
        "Install your eSIM"
    )


def test_the_next_check_in_date_comes_from_the_journey_or_the_activation() -> None:
    live = (ServiceFacts("s", "mobile", "active", sim_type="esim", esim_code_issued=True),)
    day1 = NOW - timedelta(days=1)
    fallback = track(_signed(services=live, activated_at=day1))
    assert fallback.next.text.values == {"date": day1 + timedelta(days=3)}
    assert fallback.also == ()  # one milestone at a time
    assert [p.state for p in fallback.phases] == [DONE, CURRENT, TODO]
    assert (_states(fallback)["day3"], _states(fallback)["day14"]) == (CURRENT, TODO)
    due = NOW + timedelta(days=9)
    journey = track(
        _signed(
            services=live,
            activated_at=day1,
            journey_steps=frozenset({"activated", "setup_help", "day3_done", "wait_day14"}),
            journey_step="wait_day14",
            journey_due_at=due,
            journey_running=True,
        )
    )
    assert journey.next.text.message == "We'll check in again around {date}."
    assert journey.next.text.values == {"date": due}
    assert _states(journey)["day3"] == DONE


def test_a_rejected_identity_blocks_and_says_whom_to_call() -> None:
    tracker = track(_signed(kyc_status="rejected", support="+420 800 123 456"))
    assert _states(tracker)["identity"] == BLOCKED
    assert tracker.next.text.values == {"support": "+420 800 123 456"}


def test_when_the_journey_is_over_the_customer_is_all_set() -> None:
    live = (ServiceFacts("s", "tv", "active"),)
    steps = frozenset(
        {"day3_done", "day14_done", "first_bill_explained", "nps_survey", "loyalty_done"}
    )
    tracker = track(_signed(services=live, activated_at=NOW, journey_steps=steps))
    assert tracker.next == ALL_SET
    assert all(p.state == DONE for p in tracker.phases)


# --- the page ------------------------------------------------------------------------------


def test_the_page_needs_a_signed_in_customer(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    answer = client.get("/portal", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/portal/login")


def test_page_for_a_new_customer(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    with sessions() as db:
        customer = customer_factories.registered(db)
        db.commit()
        customer_id = customer.id
    sign_in_customer(client, sessions, customer_id)
    page = client.get("/portal")
    assert page.status_code == 200
    assert 'class="tracker"' in page.text
    # in the customer's language (Czech), as every text of the page
    assert "Potvrďte svůj e-mail nebo mobilní číslo kódem" in page.text
    assert "Confirm your email address or mobile number" in client.get("/portal?lang=en").text
    assert 'data-step="contact" data-state="current"' in page.text
    assert 'data-step="activation" data-state="todo"' in page.text
    assert 'id="activation"' not in page.text  # nothing is being activated


def test_page_for_an_active_customer(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    placed = active(sessions, run_jobs)
    set_up_billing(sessions, placed)
    sign_in_customer(client, sessions, placed.customer_id)
    page = client.get("/portal")
    assert page.status_code == 200
    for step in ("contact", "plan", "contract", "activation", "billing"):
        assert f'data-step="{step}" data-state="done"' in page.text, step
    assert 'data-step="setup" data-state="current"' in page.text
    assert "Install your eSIM: scan its QR code with your phone." in page.text
    assert "All your services are active." in page.text
    assert 'hx-trigger="every 5s"' not in page.text


# --- the activation fragment -------------------------------------------------------------------


def test_the_activation_fragment_polls_until_all_is_active(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    placed = place(sessions, run_jobs, {"offering": "mobile-10gb", "options": {"sim_type": "esim"}})
    sign_in_customer(client, sessions, placed.customer_id)
    waiting = client.get("/portal/activation", headers={"hx-request": "true"})
    assert waiting.status_code == 200
    assert "Activation starts as soon as you have signed your contract." in waiting.text
    assert "hx-trigger" not in waiting.text
    sign(sessions, run_jobs, placed)  # provisioning has started, the network not answered
    polling = client.get("/portal/activation", headers={"hx-request": "true"})
    assert 'hx-trigger="every 5s"' in polling.text
    assert "<html" not in polling.text  # the fragment only
    assert 'id="activation"' in client.get("/portal").text
    run_jobs()
    done = client.get(f"/portal/activation?order={placed.order_id}", headers={"hx-request": "true"})
    assert "hx-trigger" not in done.text
    assert "All your services are active." in done.text
    assert "/portal/activation/services/" in done.text  # the eSIM's QR code
    with sessions() as db:
        (service,) = provisioning_service.services(db, order_id=placed.order_id)
    qr = client.get(f"/portal/activation/services/{service.id}/esim.png")
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/png"
    esim = client.get(f"/portal/activation/services/{service.id}/esim")
    assert "LPA:1$" in esim.text


def test_a_physical_sim_is_activated_with_the_code_on_its_card(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    placed = active(
        sessions, run_jobs, {"offering": "mobile-10gb", "options": {"sim_type": "physical"}}
    )
    sign_in_customer(client, sessions, placed.customer_id)
    page = client.get("/portal/activation")
    assert "Activation code printed on your SIM card" in page.text
    assert "hx-trigger" not in page.text  # waiting for the customer: no polling
    with sessions() as db:
        (service,) = provisioning_service.services(db, order_id=placed.order_id)
        (step,) = provisioning_service.service_orders(db, placed.order_id)
        code = simulator.printed_carrier_code(db, step.id)
    path = f"/portal/activation/services/{service.id}/self-activate"
    wrong = client.post(path, data={"activation_code": "00000000", "csrf_token": csrf_of(page)})
    assert wrong.status_code == 422
    assert f'id="e-code-{service.id}"' in wrong.text
    right = post_form(client, path, {"activation_code": code}, via="/portal/activation")
    assert right.status_code == 303
    with sessions() as db:
        assert provisioning_service.service(db, service.id).status == "active"


# --- payment set-up ------------------------------------------------------------------------------


def test_payment_set_up_with_a_valid_iban(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    placed = place(sessions, run_jobs)
    sign_in_customer(client, sessions, placed.customer_id)
    page = client.get("/portal/payment")
    assert page.status_code == 200
    # before anything is set up, the first bill of the order is told with the defaults
    assert "Your first bill is issued on" in page.text
    assert "Otherwise please pay each bill by bank transfer" in page.text
    data = {
        "account_id": placed.account_id,
        "kind": "sepa_direct_debit",
        "holder_name": "Eva Nováková",
        "iban": billing_factories.IBAN_CZ,
        "bic": billing_factories.BIC_CZ,
        "mandate": "1",
    }
    saved = post_form(client, "/portal/payment/methods", data, via="/portal/payment")
    assert saved.status_code == 303
    again = post_form(client, "/portal/payment/methods", data, via="/portal/payment")
    assert again.status_code == 303  # sent twice (a double click): still one mandate
    with sessions() as db:
        (billing,) = billing_service.find_billing_accounts(db, account_id=placed.account_id)
        (method,) = billing_service.payment_methods(db, billing.id)
        assert method.iban == billing_factories.IBAN_CZ.replace(" ", "")
        assert method.mandate_reference
        assert method.is_default
    page = client.get("/portal/payment")
    assert "We collect each bill by SEPA direct debit from" in page.text
    assert "Your first bill is issued on" in page.text
    assert billing_factories.IBAN_CZ.replace(" ", "") not in page.text  # masked only
    settings = post_form(
        client,
        "/portal/payment/settings",
        {
            "account_id": placed.account_id,
            "cycle_day": "15",
            "paperless": "1",
            "bill_language": "cs",
        },
        via="/portal/payment",
    )
    assert settings.status_code == 303
    with sessions() as db:
        billing = billing_service.get_billing_account(db, billing.id)
        assert (billing.cycle_day, billing.bill_language) == (15, "cs")


def test_an_invalid_iban_is_refused_on_its_field(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    placed = place(sessions, run_jobs)
    sign_in_customer(client, sessions, placed.customer_id)
    data = {
        "account_id": placed.account_id,
        "kind": "sepa_direct_debit",
        "holder_name": "Eva Nováková",
        "iban": "CZ65 0800 0000 1920 0014 5398",
        "mandate": "1",
    }
    refused = post_form(client, "/portal/payment/methods", data, via="/portal/payment")
    assert refused.status_code == 422
    assert 'id="e-iban"' in refused.text
    assert "This IBAN is not valid." in refused.text
    no_mandate = post_form(
        client,
        "/portal/payment/methods",
        {**data, "iban": billing_factories.IBAN_CZ, "mandate": ""},
        via="/portal/payment",
    )
    assert no_mandate.status_code == 422
    assert 'id="e-mandate"' in no_mandate.text
    with sessions() as db:  # nothing of the refused requests was kept
        assert billing_service.find_billing_accounts(db, account_id=placed.account_id) == []


def test_every_page_renders_in_every_language(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    placed = active(sessions, run_jobs)
    sign_in_customer(client, sessions, placed.customer_id)
    pages = (
        "/portal",
        f"/portal/plan?quote={placed.quote_id}",
        "/portal/plan",
        "/portal/contract",
        f"/portal/contract/{placed.contract_id}",
        "/portal/activation",
        "/portal/payment",
    )
    for lang in ("en", "ja", "cs", "sv", "ar"):
        for path in pages:
            sep = "&" if "?" in path else "?"
            page = client.get(f"{path}{sep}lang={lang}")
            assert page.status_code == 200, (lang, path)
            assert f'lang="{lang}"' in page.text
    assert 'dir="rtl"' in client.get("/portal?lang=ar").text
    japanese = client.get("/portal?lang=ja").text
    assert "eSIMをインストール：スマートフォンでQRコードを読み取ってください。" in japanese
