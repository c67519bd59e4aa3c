"""Set-up tutorials in the portal: steps advance and progress survives a new session, a step
locked until the service is active unlocks after `service.activated`, "it didn't work"
files a help request with its context, and nobody sees another customer's."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.care import service as care_service
from firstmile.care.models import HelpRequest, TutorialProgress
from firstmile.eventlog.models import Event
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.models import Service, ServiceStatus
from tests.conftest import RunJobs
from tests.factories import customers as customer_factories
from tests.factories.provisioning import AGENT, order
from tests.factories.web import csrf_of, sign_in_customer

pytestmark = pytest.mark.usefixtures("telco")
ROUTER = "/portal/tutorials/fibre-router"


def _customer_with(sessions: sessionmaker[Session], *codes: str, email: str, **item: object) -> str:
    """A registered customer whose order of `codes` is being provisioned (not active yet)."""
    with sessions() as db:
        customer = customer_factories.registered(
            db,
            contacts=[customer_factories.email(email), customer_factories.phone()],
            preferences={"language": "en", "time_zone": "Europe/Prague"},
        )
        provisioning_service.start(db, order(customer.id, *codes, **item), actor=AGENT)
        db.commit()
        return customer.id


@pytest.fixture
def eva(sessions: sessionmaker[Session]) -> str:
    return _customer_with(sessions, "fibre-300", email="eva@example.com")


@pytest.fixture
def jan(sessions: sessionmaker[Session]) -> str:
    return _customer_with(sessions, "fibre-300", email="jan@example.com")


def _done(client: TestClient, number: int, path: str = ROUTER) -> int:
    page = client.get(f"{path}?step={number}")
    answer = client.post(
        f"{path}/steps/{number}/done",
        data={"csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    return answer.status_code


def test_the_list_shows_only_the_tutorials_for_what_the_customer_has(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    page = client.get("/portal/tutorials")
    assert page.status_code == 200
    assert "Set up your fibre router" in page.text
    assert "Install your eSIM" not in page.text
    assert client.get("/portal/tutorials/mobile-esim").status_code == 404


def test_steps_advance_and_progress_survives_a_new_session(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    first = client.get(ROUTER)
    assert "Step 1 of 5" in first.text
    assert "Check what is in the box" in first.text
    assert f'src="{ROUTER}/images/box-contents.svg"' in first.text
    assert _done(client, 1) == 303
    assert _done(client, 2) == 303
    sign_in_customer(client, sessions, eva)  # a new browser session
    again = client.get(ROUTER)
    assert "Step 3 of 5" in again.text
    assert "2 of 5 steps done" in again.text
    with sessions() as db:
        row = db.scalars(select(TutorialProgress)).one()
    assert (row.customer_id, row.current_step, row.completed_steps) == (eva, 3, [1, 2])
    listing = client.get("/portal/tutorials")
    assert "Carry on at step 3" in listing.text


def test_the_locked_step_unlocks_when_the_service_is_activated(
    client: TestClient, sessions: sessionmaker[Session], eva: str, run_jobs: RunJobs
) -> None:
    sign_in_customer(client, sessions, eva)
    page = client.get(f"{ROUTER}?step=5")
    assert "Locked until your service is active" in page.text
    assert 'hx-trigger="every 5s"' in page.text
    assert f'action="{ROUTER}/steps/5/done"' not in page.text
    assert _done(client, 5) == 409  # no way round the lock
    status = f"{ROUTER}/steps/5/status"
    assert "hx-trigger" in client.get(status, headers={"HX-Request": "true"}).text
    run_jobs()  # the network simulator completes the service orders
    with sessions() as db:
        service = db.scalars(select(Service).where(Service.customer_id == eva)).one()
        activated = db.scalars(select(Event).where(Event.type == "service.activated")).all()
    assert service.status == ServiceStatus.ACTIVE
    assert [e.subject_id for e in activated] == [service.id]
    fragment = client.get(status, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "hx-trigger" not in fragment.text  # the polling stops
    assert f'action="{ROUTER}/steps/5/done"' in fragment.text
    for number in range(1, 6):
        assert _done(client, number) == 303
    finished = client.get(f"{ROUTER}?step=5&finished=true")
    assert "you have finished this guide" in finished.text
    with sessions() as db:
        completed = db.scalars(select(Event).where(Event.type == "tutorial.completed")).all()
    assert len(completed) == 1


def test_it_didnt_work_files_a_help_request_with_its_context(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    form = client.get(f"{ROUTER}/steps/3/help")
    assert form.status_code == 200
    assert "Firstmile Wi-Fi 6 router AX3000" in form.text
    sent = client.post(
        f"{ROUTER}/steps/3/help",
        data={"note": "The fibre light stays red.", "csrf_token": csrf_of(form)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    with sessions() as db:
        made = db.scalars(select(HelpRequest)).one()
        event = db.scalars(select(Event).where(Event.type == "help.requested")).one()
        service = db.scalars(select(Service).where(Service.customer_id == eva)).one()
        queue = care_service.open_help_requests(db)
        of_eva = care_service.help_requests_of(db, eva)
    assert sent.headers["location"] == f"/portal/help/{made.id}?sent=true"
    assert (made.customer_id, made.tutorial_code, made.step) == (eva, "fibre-router", 3)
    assert (made.device_model, made.service_id) == ("router-fm-ax3000", service.id)
    assert made.service_status == "pending_activation"
    assert made.note == "The fibre light stays red."
    assert made.status == "open"
    assert made.context["step_title"]["en"] == "Switch the router on"
    assert event.customer_id == eva
    assert event.payload["help_request_id"] == made.id
    assert event.payload["device_model"] == "router-fm-ax3000"
    assert "note" not in event.payload  # the customer's words stay out of the event log
    assert [r.id for r in queue] == [made.id] == [r.id for r in of_eva]
    confirmation = client.get(sent.headers["location"])
    assert "What happens next" in confirmation.text
    assert "The fibre light stays red." in confirmation.text


def test_a_too_long_note_is_422_with_the_fields_error(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    form = client.get(f"{ROUTER}/steps/2/help")
    answer = client.post(
        f"{ROUTER}/steps/2/help",
        data={"note": "x" * 2001, "csrf_token": csrf_of(form)},
    )
    assert answer.status_code == 422
    assert 'id="e-note"' in answer.text
    with sessions() as db:
        assert db.scalars(select(HelpRequest)).all() == []


def test_bad_step_numbers_are_refused(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    assert client.get(f"{ROUTER}?step=abc").status_code == 422
    assert client.get(f"{ROUTER}?step=9").status_code == 404
    assert _done(client, 1, path=ROUTER) == 303
    page = client.get(ROUTER)
    answer = client.post(f"{ROUTER}/steps/9/done", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 404


def test_another_customer_sees_neither_progress_nor_help_requests(
    client: TestClient, sessions: sessionmaker[Session], eva: str, jan: str
) -> None:
    sign_in_customer(client, sessions, eva)
    assert _done(client, 1) == 303
    with sessions() as db:
        made = care_service.request_help(
            db, eva, "fibre-router", 2, note="private words of Eva", actor=SYSTEM
        )
        db.commit()
    sign_in_customer(client, sessions, jan)
    page = client.get(ROUTER)
    assert "Step 1 of 5" in page.text
    assert "0 of 5 steps done" in page.text
    assert client.get(f"/portal/help/{made.id}").status_code == 404
    listing = client.get("/portal/help")
    assert "private words of Eva" not in listing.text
    assert made.id not in listing.text


def test_images_are_the_packs_drawings_only(
    client: TestClient, sessions: sessionmaker[Session], eva: str
) -> None:
    sign_in_customer(client, sessions, eva)
    drawing = client.get(f"{ROUTER}/images/router-back.svg")
    assert drawing.status_code == 200
    assert drawing.headers["content-type"] == "image/svg+xml"
    assert drawing.text.startswith("<svg")
    assert client.get(f"{ROUTER}/images/sim-card.svg").status_code == 404  # another guide's
    assert client.get(f"{ROUTER}/images/..%2Fpack.yaml").status_code == 404


def test_an_unsigned_order_already_shows_its_tutorials(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    from tests.factories import orders as order_factory

    with sessions() as db:
        placed = order_factory.order(
            db, {"offering": "mobile-10gb", "options": {"sim_type": "esim"}}
        )
    sign_in_customer(client, sessions, placed.customer_id)
    page = client.get("/portal/tutorials/mobile-esim?step=3")
    assert page.status_code == 200
    assert "Ordered: waiting for your signature" in page.text
    assert "Locked until your service is active" in page.text


def test_a_customer_with_nothing_yet_gets_friendly_empty_pages(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions() as db:
        nobody = customer_factories.registered(
            db, preferences={"language": "en", "time_zone": "Europe/Prague"}
        )
        db.commit()
    sign_in_customer(client, sessions, nobody.id)
    assert "There is no set-up guide for you yet." in client.get("/portal/tutorials").text
    assert "You have not asked for help yet." in client.get("/portal/help").text
    assert "No messages yet." in client.get("/portal/inbox").text
