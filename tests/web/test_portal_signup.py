"""Portal sign-up (a person, or a company with several accounts, in one registration), the
contact verification page, and booking an appointment instead (book, move, cancel)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.appointments.models import Booking, BookingStatus, Slot
from firstmile.customers.models import Account, ContactMedium, Customer
from firstmile.eventlog.models import Event
from firstmile.kit.time import utcnow
from firstmile.kyc.models import BusinessParty
from firstmile.web.locale import Formats
from firstmile.web.pages import translator
from tests.conftest import RunJobs
from tests.factories import appointments as appointment_factories
from tests.factories import customers as customer_factories
from tests.factories.contracts import last_code
from tests.factories.web import csrf_of, post_form, sign_in_customer

pytestmark = pytest.mark.usefixtures("telco")


def person_form(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "individual",
        "given_name": "Eva",
        "family_name": "Nováková",
        "birth_date": "1985-03-04",
        "email": "eva.novakova@example.com",
        "phone": "+420 601 123 456",
        "street": "Vinohradská",
        "house_number": "2828/151",
        "postcode": "130 00",
        "city": "Praha",
        "language": "cs",
        "channels": ["email", "sms"],
        "service_consent": "1",
        "residential": "1",
    } | overrides


def _sign_up(client: TestClient, data: dict[str, Any]) -> Any:
    return post_form(client, "/portal/signup", data, via="/portal/signup")


def _count(db: Session, model: type[Any]) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _events(db: Session, event_type: str) -> list[Event]:
    return list(db.scalars(select(Event).where(Event.type == event_type)))


def test_an_individual_signs_up_and_is_signed_in(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    answer = _sign_up(client, person_form())
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal"
    assert "fm_portal" in client.cookies
    with sessions() as db:
        customer = db.scalars(select(Customer)).one()
        assert (customer.given_name, customer.family_name) == ("Eva", "Nováková")
        assert str(customer.birth_date) == "1985-03-04"
        assert (customer.language, customer.time_zone) == ("cs", "Europe/Prague")
        accounts = list(db.scalars(select(Account).where(Account.customer_id == customer.id)))
        assert [a.kind for a in accounts] == ["residential"]
        [registered] = _events(db, "customer.registered")
        assert registered.customer_id == customer.id
        assert registered.actor == "portal:signup"
        assert _events(db, "portal.login")[0].customer_id == customer.id
        assert _events(db, "contact.verification_requested")
    assert client.get("/portal/verify").status_code == 200  # the session is real


def test_marketing_consent_is_unchecked_by_default_and_only_recorded_when_ticked(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = client.get("/portal/signup")
    box = re.search(r'<input type="checkbox" id="f-marketing"[^>]*>', page.text)
    assert box is not None
    assert "checked" not in box.group(0)
    assert _sign_up(client, person_form()).status_code == 303
    with sessions() as db:
        purposes = {e.payload["purpose"] for e in _events(db, "consent.granted")}
    assert purposes == {"service"}


def test_the_emailed_code_verifies_the_address(
    client: TestClient, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    assert _sign_up(client, person_form()).status_code == 303
    run_jobs()
    with sessions() as db:
        customer = db.scalars(select(Customer)).one()
        code = last_code(db, customer.id)
    page = client.get("/portal/verify")
    assert "eva.novakova@example.com" in page.text
    wrong = "000000" if code != "000000" else "111111"
    refused = post_form(
        client, "/portal/verify", _code_form(page.text, wrong), via="/portal/verify"
    )
    assert refused.status_code == 422
    assert 'id="e-code"' in refused.text
    done = post_form(client, "/portal/verify", _code_form(page.text, code), via="/portal/verify")
    assert done.status_code == 200, done.text
    with sessions() as db:
        email = db.scalars(select(ContactMedium).where(ContactMedium.kind == "email")).one()
        assert email.verified_at is not None


def _code_form(page: str, code: str) -> dict[str, str]:
    found = re.search(r'name="medium_id" value="([^"]+)"', page)
    assert found is not None
    return {"medium_id": found.group(1), "code": code}


def test_one_address_registers_a_few_customers_a_day_and_one_browser_a_few_an_hour(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    """Each sign-up creates a customer and sends a code to the address typed: the same
    email (however spelt) takes PER_CONTACT_PER_DAY sign-ups; one browser address takes
    PER_BROWSER_ADDRESS_PER_HOUR, whatever the addresses."""
    from firstmile.web.portal.limits import PER_BROWSER_ADDRESS_PER_HOUR, PER_CONTACT_PER_DAY

    spellings = [
        "victim@example.com",
        " Victim@Example.com",
        "VICTIM@example.com",
        "victim@example.com",
    ]
    answers = []
    for i, email in enumerate(spellings[: PER_CONTACT_PER_DAY + 1]):
        client.cookies.clear()
        answers.append(_sign_up(client, person_form(email=email, phone=f"+420 601 000 {i:03d}")))
    assert [a.status_code for a in answers] == [303] * PER_CONTACT_PER_DAY + [429]
    with sessions() as db:
        assert _count(db, Customer) == PER_CONTACT_PER_DAY
    for i in range(PER_CONTACT_PER_DAY, PER_BROWSER_ADDRESS_PER_HOUR):
        client.cookies.clear()
        form = person_form(email=f"n{i}@example.com", phone=f"+420 601 000 {i:03d}")
        assert _sign_up(client, form).status_code == 303
    client.cookies.clear()
    refused = _sign_up(client, person_form(email="last@example.com", phone="+420 601 000 999"))
    assert refused.status_code == 429
    with sessions() as db:
        assert _count(db, Customer) == PER_BROWSER_ADDRESS_PER_HOUR


def test_a_new_code_can_be_asked_for(client: TestClient, sessions: sessionmaker[Session]) -> None:
    assert _sign_up(client, person_form()).status_code == 303
    page = client.get("/portal/verify")
    medium_id = _code_form(page.text, "")["medium_id"]
    sent = post_form(client, "/portal/verify/send", {"medium_id": medium_id}, via="/portal/verify")
    assert sent.status_code == 200
    with sessions() as db:
        assert len(_events(db, "contact.verification_requested")) == 2


def test_a_company_opens_two_business_accounts_and_a_residential_one_in_one_go(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    form = person_form(
        kind="organization",
        business_0_legal_name="Pekárna Novák s.r.o.",
        business_0_registration_number=customer_factories.VALID_CZ_ICO,
        business_0_vat_number=customer_factories.VALID_CZ_VAT,
        business_1_legal_name="Kavárna Nová s.r.o.",
        business_1_registration_number="27082440",
        business_1_vat_number="CZ27082440",
    )
    answer = _sign_up(client, form)
    assert answer.status_code == 303, answer.text
    with sessions() as db:
        customer = db.scalars(select(Customer)).one()
        assert (customer.kind, customer.legal_name) == ("organization", "Pekárna Novák s.r.o.")
        accounts = list(db.scalars(select(Account).where(Account.customer_id == customer.id)))
        assert sorted(a.kind for a in accounts) == ["business", "business", "residential"]
        companies = {a.legal_name: a.vat_number for a in accounts if a.kind == "business"}
        assert companies == {
            "Pekárna Novák s.r.o.": "CZ25123891",
            "Kavárna Nová s.r.o.": "CZ27082440",
        }
        [registered] = _events(db, "customer.registered")
        assert sorted(registered.payload["account_ids"]) == sorted(a.id for a in accounts)
        party = db.scalars(select(BusinessParty)).one()
        assert (party.full_name, sorted(party.roles)) == (
            "Eva Nováková",
            ["representative", "signatory"],
        )


def test_a_person_may_hold_business_accounts_for_their_companies(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    form = person_form(
        residential="",
        business_0_legal_name="Pekárna Novák s.r.o.",
        business_0_registration_number=customer_factories.VALID_CZ_ICO,
    )
    form.pop("residential")
    assert _sign_up(client, form).status_code == 303
    with sessions() as db:
        [account] = db.scalars(select(Account)).all()
        assert (account.kind, account.registration_number) == ("business", "25123891")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "eva@@example"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"postcode": ""}, "postcode"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"service_consent": ""}, "service_consent"),
        ({"residential": ""}, "accounts"),
        (
            {"business_1_legal_name": "Kavárna s.r.o.", "business_1_vat_number": "CZ25123890"},
            "business_1_vat_number",
        ),
        (
            {"business_0_legal_name": "", "business_0_vat_number": "CZ25123891"},
            "business_0_legal_name",
        ),
    ],
)
def test_a_malformed_field_is_shown_with_its_error_and_the_values_kept(
    client: TestClient, sessions: sessionmaker[Session], overrides: dict[str, str], field: str
) -> None:
    form = {k: v for k, v in person_form(**overrides).items() if v != ""}
    answer = _sign_up(client, form)
    assert answer.status_code == 422, answer.text
    assert f'id="e-{field}"' in answer.text
    assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', answer.text) or (
        field in ("accounts", "service_consent")
    )
    assert 'value="Vinohradská"' in answer.text
    assert 'value="Nováková"' in answer.text
    assert "fm_portal" not in client.cookies
    with sessions() as db:
        assert _count(db, Customer) == 0


def test_another_business_is_added_without_javascript_and_by_htmx(client: TestClient) -> None:
    form = person_form(business_0_legal_name="Pekárna Novák s.r.o.", add_business="1")
    more = _sign_up(client, form)
    assert more.status_code == 200
    assert 'name="business_1_legal_name"' in more.text
    assert 'value="Pekárna Novák s.r.o."' in more.text
    fragment = client.get("/portal/signup/business?index=2", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'name="business_2_vat_number"' in fragment.text
    assert "add_business" not in fragment.text  # three businesses at most
    assert client.get("/portal/signup/business?index=3").status_code == 422


# --- appointments -----------------------------------------------------------------------


def _slots(sessions: sessionmaker[Session], count: int = 2) -> list[str]:
    with sessions() as db:
        calendar = appointment_factories.calendar(db, languages=["en", "cs"])
        start = utcnow().replace(microsecond=0, second=0) + timedelta(days=2)
        ids = [
            appointment_factories.slot(db, calendar, starts_at=start + timedelta(hours=i)).id
            for i in range(count)
        ]
        db.commit()
    return ids


def _booking_form(slot_id: str, **overrides: str) -> dict[str, str]:
    return {
        "calendar": "sales-test",
        "slot_id": slot_id,
        "given_name": "Jan",
        "family_name": "Dvořák",
        "email": "jan.dvorak@example.com",
        "phone": "",
        "language": "en",
        "note": "fibre for a flat",
    } | overrides


def test_booking_rescheduling_and_cancelling_an_appointment(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    first, second = _slots(sessions)
    page = client.get("/portal/appointment?calendar=sales-test")
    assert page.status_code == 200
    assert f'value="{first}"' in page.text
    booked = post_form(client, "/portal/appointment", _booking_form(first), via=page.url.path)
    assert booked.status_code == 303, booked.text
    url = booked.headers["location"]
    booking_id = url.rsplit("/", 1)[1]
    shown = client.get(url)
    assert shown.status_code == 200
    with sessions() as db:
        booking = db.get_one(Booking, booking_id)
        slot = db.get_one(Slot, first)
        customer = db.get_one(Customer, booking.customer_id)
        assert (customer.registered_via, booking.purpose) == ("appointment", "registration")
    assert Formats("en", "Europe/Prague").datetime(slot.starts_at, "long") in shown.text
    moved = post_form(client, f"{url}/reschedule", {"slot_id": second}, via=url)
    assert moved.status_code == 200, moved.text
    cancelled = post_form(client, f"{url}/cancel", {"reason": "found another way"}, via=url)
    assert cancelled.status_code == 200
    with sessions() as db:
        booking = db.get_one(Booking, booking_id)
        assert (booking.slot_id, booking.status) == (second, BookingStatus.CANCELLED)
        assert booking.cancel_reason == "found another way"
        assert [db.get_one(Slot, s).booked for s in (first, second)] == [0, 0]
        types = {e.type for e in db.scalars(select(Event).where(Event.subject_id == booking_id))}
        assert types == {"appointment.booked", "appointment.rescheduled", "appointment.cancelled"}


def test_a_taken_slot_is_refused_with_409_and_the_form_kept(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    [slot_id] = _slots(sessions, 1)
    with sessions() as db:
        appointment_factories.booking(db, db.get_one(Slot, slot_id))
        db.commit()
    answer = post_form(
        client, "/portal/appointment", _booking_form(slot_id), via="/portal/appointment"
    )
    assert answer.status_code == 409
    assert "just taken" in answer.text
    assert 'value="Dvořák"' in answer.text
    assert "fm_portal" not in client.cookies
    with sessions() as db:
        assert _count(db, Customer) == 1  # only the one who booked first
        assert db.get_one(Slot, slot_id).booked == 1


def test_a_booking_without_a_contact_names_the_field(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    [slot_id] = _slots(sessions, 1)
    form = _booking_form(slot_id, email="", phone="")
    answer = post_form(client, "/portal/appointment", form, via="/portal/appointment")
    assert answer.status_code == 422
    assert 'id="e-email"' in answer.text
    bad = post_form(
        client, "/portal/appointment", _booking_form(slot_id, email="x@"), via="/portal/appointment"
    )
    assert bad.status_code == 422
    assert 'id="e-email"' in bad.text


def test_a_signed_in_customer_books_a_consultation(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    [slot_id] = _slots(sessions, 1)
    customer_id = _registered(sessions)
    sign_in_customer(client, sessions, customer_id)
    page = client.get("/portal/appointment")
    assert 'name="given_name"' not in page.text  # we know who they are
    form = {"calendar": "sales-test", "slot_id": slot_id, "note": ""}
    booked = post_form(client, "/portal/appointment", form, via="/portal/appointment")
    assert booked.status_code == 303, booked.text
    with sessions() as db:
        booking = db.scalars(select(Booking)).one()
        assert (booking.customer_id, booking.purpose) == (customer_id, "consultation")
        assert _count(db, Customer) == 1
    listed = client.get("/portal/appointment")
    assert f"/portal/appointment/{booking.id}" in listed.text


@pytest.mark.parametrize("language", ["cs", "ja", "sv", "ar"])
def test_the_appointment_page_speaks_the_signed_in_customers_language(
    client: TestClient, sessions: sessionmaker[Session], language: str
) -> None:
    customer_id = _registered(sessions)
    with sessions() as db:
        db.get_one(Customer, customer_id).language = language
        db.commit()
    sign_in_customer(client, sessions, customer_id)
    _ = translator(language)
    page = client.get("/portal/appointment")
    assert f'<html lang="{language}"' in page.text
    assert f"<h1>{escape(_('Book an appointment'))}</h1>" in page.text
    refused = post_form(client, "/portal/appointment", {"slot_id": ""}, via="/portal/appointment")
    assert refused.status_code == 422
    assert f'<html lang="{language}"' in refused.text
    assert str(escape(_("Choose a time."))) in refused.text
    assert '<html lang="en"' in client.get("/portal/appointment?lang=en").text  # asked for


def _registered(sessions: sessionmaker[Session]) -> str:
    with sessions() as db:
        customer = customer_factories.registered(db)
        db.commit()
        return customer.id


def test_another_customer_cannot_see_or_change_a_booking(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    [slot_id] = _slots(sessions, 1)
    with sessions() as db:
        booking = appointment_factories.booking(db, db.get_one(Slot, slot_id))
        other = customer_factories.registered(db)
        db.commit()
        booking_id, other_id = booking.id, other.id
    sign_in_customer(client, sessions, other_id)
    url = f"/portal/appointment/{booking_id}"
    assert client.get(url).status_code == 404
    token = csrf_of(client.get("/portal/appointment"))
    refused = client.post(f"{url}/cancel", data={"csrf_token": token, "reason": "x"})
    assert refused.status_code == 404
    with sessions() as db:
        assert db.get_one(Booking, booking_id).status == BookingStatus.BOOKED


def test_registration_appointments_count_against_the_same_limits(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    from firstmile.web.portal.limits import PER_CONTACT_PER_DAY

    slots = _slots(sessions, PER_CONTACT_PER_DAY + 1)
    answers = []
    for slot_id in slots:
        client.cookies.clear()
        form = _booking_form(slot_id, email="Jan.Dvorak@example.com")
        answers.append(post_form(client, "/portal/appointment", form, via="/portal/appointment"))
    assert [a.status_code for a in answers] == [303] * PER_CONTACT_PER_DAY + [429]
    with sessions() as db:
        assert _count(db, Booking) == PER_CONTACT_PER_DAY
