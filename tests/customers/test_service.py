from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum import luhn

from firstmile.auth.scopes import SYSTEM
from firstmile.customers import service
from firstmile.customers.models import (
    Account,
    AccountStatus,
    ContactMedium,
    Customer,
    CustomerStatus,
    PhoneType,
)
from firstmile.customers.schemas import (
    AccountCreate,
    ConsentCreate,
    ContactMediumCreate,
    ContactMediumUpdate,
    CustomerUpdate,
    RegistrationCreate,
)
from firstmile.customers.service import accounts as accounts_module
from firstmile.customers.service import verification
from firstmile.eventlog.models import Event
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from tests.factories import customers as make


def _events(db: Session, event_type: str) -> list[Event]:
    return list(db.scalars(select(Event).where(Event.type == event_type).order_by(Event.seq)))


def _consent(db: Session, customer: Customer, purpose: str, channel: str, granted: bool) -> None:
    data = ConsentCreate.model_validate(
        {"purpose": purpose, "channel": channel, "granted": granted}
    )
    service.change_consent(db, customer.id, data, actor=SYSTEM)


def test_register_normalises_contacts_and_prefers_the_first_of_each_kind(db: Session) -> None:
    customer = make.registered(
        db, contacts=[make.email("Eva@Example.COM"), make.phone("601 123 456"), make.postal()]
    )
    media = {m.kind: m for m in service.media_of(db, customer.id)}
    assert media["email"].value == "Eva@example.com"
    assert media["phone"].value == "+420601123456"
    assert media["phone"].phone_type == PhoneType.MOBILE
    assert media["postal"].city == "Praha"
    assert all(m.preferred and m.verified_at is None for m in media.values())


def test_register_opens_several_accounts_of_both_kinds_in_one_call(db: Session) -> None:
    customer = make.registered(
        db,
        accounts=[{"kind": "residential"}, make.business_account(), {"kind": "residential"}],
    )
    accounts = service.accounts_of(db, customer.id)
    assert sorted(a.kind for a in accounts) == ["business", "residential", "residential"]
    assert all(len(a.number) == 10 and luhn.is_valid(a.number) for a in accounts)
    assert len({a.number for a in accounts}) == 3
    business = next(a for a in accounts if a.kind == "business")
    assert (business.vat_number, business.registration_number) == ("CZ25123891", "25123891")
    assert len(_events(db, "account.opened")) == 3


def test_registered_event_names_accounts_but_no_personal_data(db: Session) -> None:
    customer = make.registered(db)
    [registered] = _events(db, "customer.registered")
    assert registered.payload["account_ids"] == [a.id for a in service.accounts_of(db, customer.id)]
    assert registered.payload["contact_media"] == {"email": 1, "phone": 1, "postal": 1}
    every_payload = json.dumps([e.payload for e in db.scalars(select(Event))])
    assert "example.com" not in every_payload
    assert "601123456" not in every_payload
    assert "Vinohradská" not in every_payload


def test_organisation_business_account_takes_the_organisations_company(db: Session) -> None:
    customer = make.registered(
        db, customer=make.organization(), accounts=[{"kind": "business"}], contacts=[]
    )
    [account] = service.accounts_of(db, customer.id)
    assert account.legal_name == "Pekárna Novák s.r.o."
    assert account.vat_number == "CZ25123891"


def test_business_account_of_an_individual_needs_a_company(db: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        make.registered(db, accounts=[{"kind": "residential"}, {"kind": "business"}])
    assert caught.value.field == "accounts.1.company"


def test_bad_input_writes_nothing(db: Session) -> None:
    bad = make.business_account()
    bad["company"]["vat_number"] = "CZ25123890"
    with pytest.raises(InvalidInput) as caught:
        make.registered(db, accounts=[{"kind": "residential"}, bad])
    assert caught.value.field == "accounts.1.company.vat_number"
    assert "check digit does not match" in caught.value.message
    assert db.scalar(select(func.count()).select_from(Customer)) == 0
    assert db.scalar(select(func.count()).select_from(ContactMedium)) == 0


def test_organisation_needs_a_valid_registration_number(db: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        make.registered(db, customer=make.organization(registration_number="25123890"))
    assert caught.value.field == "customer.registration_number"


def test_two_preferred_contacts_of_one_kind_are_refused(db: Session) -> None:
    contacts = [make.email(preferred=True), make.email("b@example.com", preferred=True)]
    with pytest.raises(InvalidInput) as caught:
        make.registered(db, contacts=contacts)
    assert caught.value.field == "contacts.1.preferred"


def test_same_contact_twice_is_refused(db: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        make.registered(db, contacts=[make.phone("+420601123456"), make.phone("601 123 456")])
    assert caught.value.field == "contacts.1.value"


def test_duplicate_consent_in_one_request_is_refused(db: Session) -> None:
    consent = {"purpose": "marketing", "channel": "email", "granted": True}
    with pytest.raises(InvalidInput) as caught:
        make.registered(db, consents=[consent, consent])
    assert caught.value.field == "consents.1"


def test_marketing_needs_an_explicit_grant(db: Session) -> None:
    customer = make.registered(db)
    assert not service.may_contact(db, customer.id, purpose="marketing", channel="email")
    _consent(db, customer, "marketing", "email", True)
    assert service.may_contact(db, customer.id, purpose="marketing", channel="email")
    assert not service.may_contact(db, customer.id, purpose="marketing", channel="sms")


def test_withdrawn_marketing_consent_is_honoured(db: Session) -> None:
    customer = make.registered(
        db, consents=[{"purpose": "marketing", "channel": "email", "granted": True}]
    )
    _consent(db, customer, "marketing", "email", False)
    assert not service.may_contact(db, customer.id, purpose="marketing", channel="email")
    assert [e.payload["channel"] for e in _events(db, "consent.withdrawn")] == ["email"]


def test_service_messages_allowed_until_withdrawn_on_that_channel(db: Session) -> None:
    customer = make.registered(db)
    assert service.may_contact(db, customer.id, purpose="service", channel="sms")
    _consent(db, customer, "service", "sms", False)
    assert not service.may_contact(db, customer.id, purpose="service", channel="sms")
    assert service.may_contact(db, customer.id, purpose="service", channel="email")
    _consent(db, customer, "service", "sms", True)
    assert service.may_contact(db, customer.id, purpose="service", channel="sms")


def test_may_contact_rejects_unknown_purpose(db: Session) -> None:
    customer = make.registered(db)
    with pytest.raises(InvalidInput) as caught:
        service.may_contact(db, customer.id, purpose="spam", channel="email")
    assert caught.value.field == "purpose"


def test_consent_history_is_append_only_and_current_is_latest(db: Session) -> None:
    customer = make.registered(db)
    for granted in (True, False, True):
        _consent(db, customer, "marketing", "post", granted)
    history = service.consent_history(db, customer.id)
    assert [(c.version, c.granted) for c in history] == [(1, True), (2, False), (3, True)]
    [current] = service.current_consents(db, customer.id)
    assert (current.version, current.granted) == (3, True)


def test_contact_for_returns_only_verified_addresses(db: Session) -> None:
    customer = make.registered(db)
    assert service.contact_for(db, customer.id, "email") is None
    email = make.medium(db, customer, "email")
    verification.verify_in_person(db, customer.id, email.id, reason="shown ID", actor=SYSTEM)
    assert service.contact_for(db, customer.id, "email") == "eva.novakova@example.com"
    assert service.contact_for(db, customer.id, "push") is None


def test_sms_goes_only_to_a_mobile_number(db: Session) -> None:
    customer = make.registered(db, contacts=[make.phone("+46 8 123 456 78")])
    fixed = make.medium(db, customer, "phone")
    verification.verify_in_person(db, customer.id, fixed.id, reason="called back", actor=SYSTEM)
    assert service.contact_for(db, customer.id, "sms") is None
    assert service.contact_for(db, customer.id, "phone") == "+46812345678"


def test_postal_address_is_structured(db: Session) -> None:
    customer = make.registered(db)
    address = service.postal_address(db, customer.id)
    assert address is not None
    assert (address.street, address.house_number, address.postcode, address.country) == (
        "Vinohradská",
        "2828/151",
        "130 00",
        "CZ",
    )


def test_new_value_must_be_verified_again(db: Session) -> None:
    customer = make.registered(db)
    email = make.medium(db, customer, "email")
    verification.verify_in_person(db, customer.id, email.id, reason="shown ID", actor=SYSTEM)
    update = ContactMediumUpdate(value="eva@example.org")
    changed = service.update_contact(db, customer.id, email.id, update, actor=SYSTEM)
    assert (changed.value, changed.verified_at) == ("eva@example.org", None)
    assert service.contact_for(db, customer.id, "email") is None


def test_preferring_a_medium_unprefers_the_others(db: Session) -> None:
    customer = make.registered(db)
    data = ContactMediumCreate.model_validate(make.email("b@example.com"))
    second = service.add_contact(db, customer.id, data, actor=SYSTEM)
    assert not second.preferred
    service.update_contact(
        db, customer.id, second.id, ContactMediumUpdate(preferred=True), actor=SYSTEM
    )
    preferred = [m.value for m in service.media_of(db, customer.id) if m.preferred]
    assert "b@example.com" in preferred
    assert "eva.novakova@example.com" not in preferred


def test_removing_the_preferred_medium_promotes_another(db: Session) -> None:
    customer = make.registered(db, contacts=[make.email(), make.email("b@example.com")])
    first = make.medium(db, customer, "email")
    service.remove_contact(db, customer.id, first.id, actor=SYSTEM)
    [left] = service.media_of(db, customer.id)
    assert (left.value, left.preferred) == ("b@example.com", True)
    assert _events(db, "contact.removed")[0].subject_id == first.id


def test_adding_a_contact_the_customer_has_is_a_conflict(db: Session) -> None:
    customer = make.registered(db)
    data = ContactMediumCreate.model_validate(make.phone())
    with pytest.raises(Conflict):
        service.add_contact(db, customer.id, data, actor=SYSTEM)


def test_update_records_only_changed_fields(db: Session) -> None:
    customer = make.registered(db)
    data = CustomerUpdate(language="cs", time_zone="Asia/Tokyo")
    service.update_customer(db, customer.id, data, actor=SYSTEM)
    [updated] = _events(db, "customer.updated")
    assert updated.payload["fields"] == ["time_zone"]


def test_activate_account_makes_account_and_customer_active_once(db: Session) -> None:
    customer = make.registered(db)
    [account] = service.accounts_of(db, customer.id)
    service.activate_account(db, account.id, actor=SYSTEM)
    service.activate_account(db, account.id, actor=SYSTEM)
    assert service.get_account(db, account.id).status == AccountStatus.ACTIVE
    assert service.get_customer(db, customer.id).status == CustomerStatus.ACTIVE
    assert len(_events(db, "account.activated")) == 1


def test_activate_unknown_account_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound):
        service.activate_account(db, "nope", actor=SYSTEM)


def test_open_accounts_opens_several_for_an_existing_customer(db: Session) -> None:
    customer = make.registered(db)
    wanted = [
        AccountCreate.model_validate({"kind": "residential", "name": "Chata"}),
        AccountCreate.model_validate(make.business_account()),
    ]
    opened = service.open_accounts(db, customer.id, wanted, actor=SYSTEM)
    assert [a.name for a in opened] == ["Chata", "Pekárna Novák s.r.o."]
    assert len(service.accounts_of(db, customer.id)) == 3


def test_open_accounts_refuses_a_business_account_without_company(db: Session) -> None:
    customer = make.registered(db)
    wanted = [AccountCreate.model_validate({"kind": "business"})]
    with pytest.raises(InvalidInput) as caught:
        service.open_accounts(db, customer.id, wanted, actor=SYSTEM)
    assert caught.value.field == "accounts.0.company"


def test_open_accounts_for_unknown_customer_is_not_found(db: Session) -> None:
    wanted = [AccountCreate.model_validate({"kind": "residential"})]
    with pytest.raises(NotFound):
        service.open_accounts(db, "nope", wanted, actor=SYSTEM)


def test_account_number_clash_is_retried(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = make.registered(db)
    [existing] = service.accounts_of(db, taken.id)
    numbers = iter([existing.number, "1234567897"])
    monkeypatch.setattr(accounts_module, "new_account_number", lambda: next(numbers))
    monkeypatch.setattr(accounts_module.repo, "account_number_taken", lambda _db, _n: False)
    customer = make.registered(db, customer=make.person(given_name="Jan"))
    [account] = service.accounts_of(db, customer.id)
    assert account.number == "1234567897"
    assert db.scalar(select(func.count()).select_from(Account)) == 2


def test_search_finds_by_email_phone_name_and_account_number(db: Session) -> None:
    eva = make.registered(db)
    make.registered(
        db,
        customer=make.person(given_name="Jan", family_name="Svoboda"),
        contacts=[make.email("jan@example.com")],
    )
    [account] = service.accounts_of(db, eva.id)
    queries: list[dict[str, Any]] = [
        {"email": "EVA.novakova@example.com"},
        {"phone": "+420 601 123 456"},
        {"name": "nováková"[:3]},
        {"account_number": account.number},
    ]
    for query in queries:
        found, total = service.search_customers(db, **query)
        assert ([c.id for c in found], total) == ([eva.id], 1), query


def test_registration_validates_body_shape() -> None:
    with pytest.raises(ValueError, match="accounts"):
        RegistrationCreate.model_validate(make.registration_body(accounts=[]))


def test_name_search_treats_wildcards_literally(db: Session) -> None:
    make.registered(db)
    assert service.search_customers(db, name="%")[1] == 0
    assert service.search_customers(db, name="E_a")[1] == 0
