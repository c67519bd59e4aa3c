"""may_contact for many at once answers as may_contact does, one by one."""

from __future__ import annotations

from sqlalchemy.orm import Session

from firstmile.auth.scopes import SYSTEM
from firstmile.customers import service
from firstmile.customers.schemas import ConsentCreate
from tests.factories import customers as factories


def test_many_at_once_answers_as_one_by_one(db: Session) -> None:
    eva = factories.registered(db)
    jan = factories.registered(db, contacts=[factories.email("jan@example.com")])
    for purpose, channel, granted in [
        ("marketing", "email", True),
        ("marketing", "sms", True),
        ("marketing", "sms", False),  # the latest change wins
        ("service", "sms", False),
    ]:
        consent = ConsentCreate(
            purpose=purpose, channel=channel, granted=granted, source="web_form"
        )
        service.change_consent(db, eva.id, consent, actor=SYSTEM)
    asks = [
        (who.id, purpose, channel)
        for who in (eva, jan)
        for purpose in ("marketing", "service")
        for channel in ("email", "sms", "inapp")
    ]
    many = service.may_contact_many(db, asks)
    one_by_one = {
        ask: service.may_contact(db, ask[0], purpose=ask[1], channel=ask[2]) for ask in asks
    }
    assert many == one_by_one
    assert many[(eva.id, "marketing", "email")] is True
    assert many[(eva.id, "marketing", "sms")] is False
    assert many[(eva.id, "service", "sms")] is False
    assert many[(jan.id, "service", "email")] is True
    assert many[(jan.id, "marketing", "email")] is False
