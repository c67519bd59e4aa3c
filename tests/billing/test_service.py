"""Billing service rules on a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.auth.scopes import SYSTEM
from firstmile.billing import service as billing_service
from firstmile.billing.models import BillingAccount, PaymentMethod, PaymentMethodStatus
from firstmile.billing.schemas import (
    BillingAccountCreate,
    BillingAccountUpdate,
    CardCreate,
    SepaDirectDebitCreate,
)
from firstmile.billing.service.ordered import Ordered
from firstmile.billing.service.preview import compose_preview
from firstmile.eventlog.models import Event
from firstmile.kit import time as clock
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from tests.factories.billing import (
    billing_account_body,
    card_body,
    customer_account,
    pack_meta_only,
    sepa_body,
    snapshot,
)

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def pack(db: Session) -> str:
    return pack_meta_only(db)


@pytest.fixture
def billing(db: Session, pack: str) -> BillingAccount:
    _customer, account = customer_account(db, number="TEL-2026/0042")
    with clock.frozen_at(NOW):
        created = billing_service.create_billing_account(
            db, BillingAccountCreate(**billing_account_body(account.id, cycle_day=1)), actor=SYSTEM
        )
    db.commit()
    return created


def _sepa(db: Session, billing: BillingAccount, **overrides: object) -> PaymentMethod:
    with clock.frozen_at(NOW):
        method = billing_service.add_payment_method(
            db, billing.id, SepaDirectDebitCreate(**sepa_body(**overrides)), actor=SYSTEM
        )
    db.commit()
    return method


def _events(db: Session, kind: str) -> list[Event]:
    return list(db.scalars(select(Event).where(Event.type == kind).order_by(Event.seq)))


def test_creates_billing_account_with_pack_currency_and_event(
    db: Session, billing: BillingAccount
) -> None:
    assert billing.currency == "CZK"
    assert billing.bill_delivery == "email"
    (event,) = _events(db, "billing_account.created")
    assert event.customer_id == billing.customer_id
    assert event.actor == SYSTEM.ref


def test_second_billing_account_for_one_account_conflicts(
    db: Session, billing: BillingAccount
) -> None:
    with pytest.raises(Conflict):
        billing_service.create_billing_account(
            db, BillingAccountCreate(**billing_account_body(billing.account_id)), actor=SYSTEM
        )


def test_billing_account_for_unknown_account_is_not_found(db: Session, pack: str) -> None:
    with pytest.raises(NotFound):
        billing_service.create_billing_account(
            db, BillingAccountCreate(**billing_account_body("nope")), actor=SYSTEM
        )


def test_paperless_bill_needs_an_email(db: Session, pack: str) -> None:
    _c, account = customer_account(db)
    body = billing_account_body(account.id, bill_email=None)
    with pytest.raises(InvalidInput) as error:
        billing_service.create_billing_account(db, BillingAccountCreate(**body), actor=SYSTEM)
    assert error.value.field == "bill_email"


def test_bill_language_defaults_to_the_customers(db: Session, pack: str) -> None:
    _c, account = customer_account(db, language="ja")
    body = billing_account_body(account.id, bill_language=None)
    created = billing_service.create_billing_account(db, BillingAccountCreate(**body), actor=SYSTEM)
    assert created.bill_language == "ja"


def test_unsupported_bill_language_is_refused(db: Session, pack: str) -> None:
    _c, account = customer_account(db)
    body = billing_account_body(account.id, bill_language="de")
    with pytest.raises(InvalidInput) as error:
        billing_service.create_billing_account(db, BillingAccountCreate(**body), actor=SYSTEM)
    assert error.value.field == "bill_language"


@pytest.mark.parametrize("day", [0, 29, -1])
def test_cycle_day_outside_1_to_28_is_refused(day: int) -> None:
    with pytest.raises(ValueError, match="cycle_day"):
        BillingAccountCreate(account_id="a", cycle_day=day)


def test_update_changes_cycle_day_and_paper_bill_with_event(
    db: Session, billing: BillingAccount
) -> None:
    data = BillingAccountUpdate(cycle_day=15, paperless=False)
    updated = billing_service.update_billing_account(db, billing.id, data, actor=SYSTEM)
    assert (updated.cycle_day, updated.bill_delivery) == (15, "postal")
    (event,) = _events(db, "billing_account.updated")
    assert event.payload["changes"]["cycle_day"] == {"from": "1", "to": 15}


def test_update_with_no_change_records_nothing(db: Session, billing: BillingAccount) -> None:
    billing_service.update_billing_account(
        db, billing.id, BillingAccountUpdate(cycle_day=1), actor=SYSTEM
    )
    assert _events(db, "billing_account.updated") == []


def test_sepa_mandate_gets_reference_creditor_and_masked_events(
    db: Session, billing: BillingAccount
) -> None:
    method = _sepa(db, billing)
    assert method.iban == "CZ6508000000192000145399"
    assert method.mandate_reference == "FM-TEL20260042-001"
    assert method.creditor_id == "CZ95ZZZ12345678"
    assert method.is_default
    (added,) = _events(db, "payment_method.added")
    (signed,) = _events(db, "mandate.signed")
    assert added.payload["iban_masked"] == "CZ65 **** **** **** **** 5399"
    assert signed.payload["signed_on"] == "2026-01-10"
    assert "CZ6508000000192000145399" not in str(added.payload) + str(signed.payload)


def test_mandate_references_count_up_and_stay_unique(db: Session, billing: BillingAccount) -> None:
    refs = [_sepa(db, billing).mandate_reference for _ in range(3)]
    assert refs == ["FM-TEL20260042-001", "FM-TEL20260042-002", "FM-TEL20260042-003"]


def test_mandate_reference_skips_one_already_taken(db: Session, billing: BillingAccount) -> None:
    first = _sepa(db, billing)
    billing.mandate_sequence = 0  # as if numbering restarted: the taken reference is skipped
    db.commit()
    assert first.mandate_reference == "FM-TEL20260042-001"
    assert _sepa(db, billing).mandate_reference == "FM-TEL20260042-002"


def test_new_default_switches_the_flag_and_revokes_nothing(
    db: Session, billing: BillingAccount
) -> None:
    first = _sepa(db, billing)
    with clock.frozen_at(NOW):
        card = billing_service.add_payment_method(
            db, billing.id, CardCreate(**card_body()), actor=SYSTEM
        )
    db.refresh(first)
    assert card.is_default
    assert not first.is_default
    assert first.status == PaymentMethodStatus.ACTIVE


def test_method_added_without_default_flag_becomes_default_when_none(
    db: Session, billing: BillingAccount
) -> None:
    method = _sepa(db, billing, make_default=False)
    assert method.is_default


def test_future_signature_date_is_refused(db: Session, billing: BillingAccount) -> None:
    with pytest.raises(InvalidInput) as error:
        _sepa(db, billing, mandate_signed_on="2026-03-17")
    assert error.value.field == "mandate_signed_on"


def test_a_mandate_signed_just_after_midnight_where_the_operator_is_dates_from_that_day(
    db: Session, billing: BillingAccount
) -> None:
    """00:30 in Prague is still the day before in UTC: the customer's date counts."""
    with clock.frozen_at(datetime(2026, 3, 16, 23, 30, tzinfo=UTC)):
        method = billing_service.add_payment_method(
            db,
            billing.id,
            SepaDirectDebitCreate(**sepa_body(mandate_signed_on="2026-03-17")),
            actor=SYSTEM,
        )
    assert str(method.mandate_signed_on) == "2026-03-17"


def test_card_number_as_token_is_refused(db: Session, billing: BillingAccount) -> None:
    with pytest.raises(InvalidInput, match="PCI DSS") as error:
        billing_service.add_payment_method(
            db,
            billing.id,
            CardCreate(**card_body(token_reference="4111111111111111")),
            actor=SYSTEM,
        )
    assert error.value.field == "token_reference"
    assert db.scalar(select(PaymentMethod.id)) is None


def test_revoking_the_default_promotes_the_newest_other(
    db: Session, billing: BillingAccount
) -> None:
    older = _sepa(db, billing)
    newer = _sepa(db, billing)
    revoked = billing_service.revoke_payment_method(db, billing.id, newer.id, actor=SYSTEM)
    db.refresh(older)
    assert revoked.status == PaymentMethodStatus.REVOKED
    assert revoked.revoked_by == SYSTEM.ref
    assert older.is_default
    (event,) = _events(db, "payment_method.revoked")
    assert event.payload["new_default_id"] == older.id


def test_revoking_twice_conflicts(db: Session, billing: BillingAccount) -> None:
    method = _sepa(db, billing)
    billing_service.revoke_payment_method(db, billing.id, method.id, actor=SYSTEM)
    with pytest.raises(Conflict):
        billing_service.revoke_payment_method(db, billing.id, method.id, actor=SYSTEM)


def test_not_billable_without_an_active_product(db: Session, billing: BillingAccount) -> None:
    _sepa(db, billing)
    assert billing_service.billable(db, billing.account_id) is False


def test_preview_conflicts_when_nothing_was_ordered(db: Session, billing: BillingAccount) -> None:
    with pytest.raises(Conflict, match="ordered nothing"):
        billing_service.first_bill_preview(db, billing.id)


# INTERIM (replace with an order placed through firstmile.orders once it lands): the preview of
# a quote snapshot built as catalog.service.quote_snapshot returns it.
def test_preview_prorates_a_mid_cycle_start(db: Session, billing: BillingAccount) -> None:
    method = _sepa(db, billing)
    ordered = [Ordered("order-1", "in_progress", snapshot(), date(2026, 3, 16))]
    preview = compose_preview(billing, ordered, method=method, locale="en")
    first = preview["first_bill"]
    # 16-31 March: 16 of 31 days of 500.00 net = 258.06, tax 54.19; + activation 100.00 + 21.00
    assert (first["net"], first["tax"], first["gross"]) == ("358.06", "75.19", "433.25")
    assert preview["regular_bill"]["gross"] == "605.00"
    assert (first["issue_date"], first["due_date"]) == ("2026-04-01", "2026-04-15")
    assert preview["orders"][0]["days"] == 16
    assert preview["payment"]["method"]["iban_masked"] == "CZ65 **** **** **** **** 5399"
    assert "5399" in preview["payment"]["summary"]
    assert "April 15, 2026" in preview["payment"]["summary"]


def test_an_order_starting_in_a_later_cycle_is_not_on_the_first_bill(
    billing: BillingAccount,
) -> None:
    """The first bill ends the first cycle: a second order two months later comes on its own
    cycle's bill, not merged into the first with the months between left out."""
    first = Ordered("order-1", "completed", snapshot(), date(2026, 1, 5))
    later = Ordered("order-2", "in_progress", snapshot(), date(2026, 3, 10))
    preview = compose_preview(billing, [first, later], method=None, locale="en")
    alone = compose_preview(billing, [first], method=None, locale="en")
    assert preview["first_bill"]["issue_date"] == "2026-02-01"
    assert preview["first_bill"]["gross"] == alone["first_bill"]["gross"]
    assert {line["order_id"] for line in preview["first_bill"]["lines"]} == {"order-1"}
    assert preview["regular_bill"]["gross"] == "1210.00"  # both, every month
    assert [o["first_period_end"] for o in preview["orders"]] == ["2026-01-31", "2026-03-31"]


@pytest.mark.parametrize("locale", ["en", "ja", "cs", "sv", "ar"])
def test_preview_labels_and_amounts_in_every_locale(
    db: Session, billing: BillingAccount, locale: str
) -> None:
    ordered = [Ordered("order-1", "in_progress", snapshot(), date(2026, 3, 16))]
    preview = compose_preview(billing, ordered, method=None, locale=locale)
    assert preview["direction"] == ("rtl" if locale == "ar" else "ltr")
    assert all(preview["labels"].values())
    assert preview["regular_bill"]["gross"] == "605.00"
    formatted = preview["regular_bill"]["gross_formatted"]
    assert "605" in formatted or "٦٠٥" in formatted
    if locale != "en":
        assert preview["labels"]["due_date"] != "Due date"
