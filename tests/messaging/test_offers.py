"""Personalised offers: the pack's rules fill a marketing template's offer slots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from firstmile.auth.scopes import SYSTEM
from firstmile.customers.models import Consent, ConsentSource
from firstmile.messaging import offers, service
from firstmile.messaging.models import Channel, Message, MessageStatus
from firstmile.orders.models import Product, ProductStatus
from firstmile.packs import loader as packs
from tests.factories import orders as orders_factory
from tests.factories.catalog import stockholm_address

MOBILE = {"offering": "mobile-10gb", "options": {"sim_type": "esim"}}


def _inapp_marketing(db: Session, customer_id: str) -> None:
    db.add(
        Consent(
            customer_id=customer_id,
            purpose="marketing",
            channel="inapp",
            granted=True,
            version=1,
            source=ConsentSource.WEB_FORM,
            actor="system:test",
        )
    )
    db.commit()


def _activate_products(db: Session, customer_id: str) -> None:
    db.execute(
        update(Product)
        .where(Product.customer_id == customer_id)
        .values(status=ProductStatus.ACTIVE)
    )
    db.commit()


@pytest.mark.usefixtures("telco")
def test_the_plan_decides_the_offer_in_the_customers_language(db: Session) -> None:
    order = orders_factory.order(db, MOBILE)
    _activate_products(db, order.customer_id)
    chosen = offers.choose(db, order.customer_id, ["offer_name", "monthly_price"], "cs", "cs")
    assert chosen is not None
    assert chosen.code == "mobile_30gb_for_10gb"
    assert chosen.values == {"offer_name": "Mobil 30 GB", "monthly_price": "499 Kč"}
    arabic = offers.choose(db, order.customer_id, ["offer_name"], "ar-EG", "cs")
    assert arabic is not None
    assert arabic.values == {"offer_name": "باقة الجوال 30 غيغابايت"}


@pytest.mark.usefixtures("telco")
def test_no_offer_fits_a_customer_without_a_live_plan(db: Session) -> None:
    order = orders_factory.order(db, MOBILE)  # products still pending
    assert offers.choose(db, order.customer_id, ["offer_name"], "en", "cs") is None


def _offer(db: Session, customer_id: str, key: str, **data: str) -> Message:
    message = service.send(
        db,
        customer_id=customer_id,
        purpose="upgrade_offer",
        data={"given_name": "Eva", **data},
        idempotency_key=key,
        actor=SYSTEM,
    )
    db.commit()
    return message


@pytest.mark.usefixtures("telco")
def test_a_marketing_message_gets_its_offer_or_is_not_sent(db: Session) -> None:
    with_plan = orders_factory.order(db, MOBILE)
    _activate_products(db, with_plan.customer_id)
    without = orders_factory.order(db, MOBILE)
    for order in (with_plan, without):
        _inapp_marketing(db, order.customer_id)
    sent = _offer(db, with_plan.customer_id, "o-1")
    # into the inbox at once, or queued until the end of the customer's quiet hours
    held = sent.scheduled_for is not None
    assert sent.status == (MessageStatus.QUEUED if held else MessageStatus.DELIVERED)
    assert sent.channel == Channel.INAPP  # the only channel it has an address and consent for
    assert "Mobile 30 GB" in sent.body_text
    assert "CZK 499" in sent.body_text
    none = _offer(db, without.customer_id, "o-2")
    assert none.status == MessageStatus.SUPPRESSED
    assert set(none.skipped.values()) == {"no_offer"}


@pytest.mark.usefixtures("telco")
def test_values_the_sender_gives_win_over_the_offer(db: Session) -> None:
    order = orders_factory.order(db, MOBILE)
    _activate_products(db, order.customer_id)
    _inapp_marketing(db, order.customer_id)
    message = _offer(db, order.customer_id, "o-3", offer_name="Special", monthly_price="CZK 1")
    assert "Special" in message.body_text
    assert "CZK 1 " in message.body_text


def test_bad_offers_are_reported_with_file_and_line(tmp_path: Path) -> None:
    pack = tmp_path / "telco"
    shutil.copytree(Path(packs.PACKS_DIR) / "telco", pack)
    path = pack / "offers.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('customer.kind == "organization"', "customer.kind ==")
    text = text.replace("sv: Fiber 300, ", "")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(packs.PackInvalid) as caught:
        packs.validate(pack)
    found = {(i.field, i.message.split(" (")[0]) for i in caught.value.issues}
    assert ("offers.1.when", "unexpected 'end of the expression'") in found
    assert ("offers.2.slots.offer_name", "text missing in locale(s): sv") in found


@pytest.mark.usefixtures("energy")
@pytest.mark.parametrize(
    ("item", "offered"),
    [
        ({"offering": "el-spot"}, True),
        ({"offering": "el-spot", "add_ons": ["green-origin"]}, False),  # has it already
    ],
)
def test_green_is_offered_at_its_price_to_those_without_it(
    db: Session, item: dict[str, object], offered: bool
) -> None:
    order = orders_factory.order(db, item, address=stockholm_address())
    _activate_products(db, order.customer_id)
    chosen = offers.choose(db, order.customer_id, ["offer_name", "monthly_price"], "sv", "sv")
    if not offered:
        assert chosen is None
        return
    assert chosen is not None
    # the catalogue's green-origin: 15.00 a month and 0.0200 per kWh, net; 25 % VAT
    assert chosen.values == {
        "offer_name": "Grönt ursprung",
        "monthly_price": "18,75 kr + 0,025 kr/kWh",
    }
