"""The links in every marketing message: one-click unsubscribe (RFC 8058) and the
marketing-preference page, both authorised by a signed token instead of a login.

The token names the customer and carries a MAC made with the installation's secret key
(kit.secrets), so it cannot be made up for another customer. Unsubscribing withdraws the
customer's marketing consent on that channel (source: message_link), which every sender
honours at once; service messages are not affected.
"""

from __future__ import annotations

from firstmile.auth.scopes import Actor
from firstmile.customers import service as customers_service
from firstmile.customers.models import Channel as ConsentChannel
from firstmile.customers.models import ConsentPurpose, ConsentSource
from firstmile.customers.schemas import ConsentCreate
from firstmile.kit import secrets
from firstmile.kit.db import Session
from firstmile.kit.settings import Settings

PURPOSE = "preferences"
MARKETING_CHANNELS = ("email", "sms", "push", "inapp")


def token_for(settings: Settings, customer_id: str) -> str:
    return secrets.signed_token(settings, PURPOSE, customer_id)


def customer_of(settings: Settings, token: str) -> str | None:
    """The customer a token was made for, or None for a forged or damaged token."""
    return secrets.value_of(settings, PURPOSE, token)


def preferences_url(settings: Settings, customer_id: str) -> str:
    return f"{settings.base_url.rstrip('/')}/preferences/{token_for(settings, customer_id)}"


def unsubscribe_url(settings: Settings, customer_id: str, channel: str) -> str:
    return f"{preferences_url(settings, customer_id)}/unsubscribe/{channel}"


def marketing_state(db: Session, customer_id: str) -> dict[str, bool]:
    return {
        channel: customers_service.may_contact(
            db, customer_id, purpose="marketing", channel=channel
        )
        for channel in MARKETING_CHANNELS
    }


def set_marketing(db: Session, customer_id: str, channel: str, *, granted: bool) -> bool:
    """Record the customer's choice; False when it was already so (nothing is recorded)."""
    if marketing_state(db, customer_id)[channel] == granted:
        return False
    customers_service.change_consent(
        db,
        customer_id,
        ConsentCreate(
            purpose=ConsentPurpose.MARKETING,
            channel=ConsentChannel(channel),
            granted=granted,
            source=ConsentSource.MESSAGE_LINK,
        ),
        actor=Actor("customer", customer_id, "customer", frozenset()),
        source=ConsentSource.MESSAGE_LINK,
    )
    return True
