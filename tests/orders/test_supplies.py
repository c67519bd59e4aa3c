"""One metering point, one supply: a meter already supplied, or being switched to us, cannot
be ordered again (by another customer, or twice by the same one)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from firstmile.kit.errors import Conflict
from firstmile.orders import service
from firstmile.orders.models import ProductStatus
from tests.factories import orders as f
from tests.factories.catalog import stockholm_address

SPOT = {"offering": "el-spot"}


def test_a_metering_point_being_switched_cannot_be_ordered_again(energy: str, db: Session) -> None:
    first = f.order(db, SPOT, address=stockholm_address())
    [product] = service.search_products(db, customer_id=first.customer_id)[0]
    assert product.supply_point == "735999000000000013"
    second = f.quote(db, {"offering": "el-fixed-12"}, address=stockholm_address())
    with pytest.raises(Conflict) as refused:
        service.place_order(db, quote_id=second.id, actor=f.AGENT)
    assert refused.value.field == "quote_id"
    assert "metering point" in refused.value.message
    db.rollback()


def test_a_metering_point_is_free_again_once_its_supply_is_cancelled(
    energy: str, db: Session
) -> None:
    first = f.order(db, SPOT, address=stockholm_address())
    service.cancel_order(db, first.id, reason="moved away", actor=f.AGENT)
    db.commit()
    [product] = service.search_products(db, customer_id=first.customer_id)[0]
    assert product.status == ProductStatus.CANCELLED
    again = f.order(db, SPOT, address=stockholm_address())
    assert again.status == "awaiting_signature"
