"""What routing needs to know about a customer, gathered: their consents, addresses, recent
messages against the frequency caps, quiet hours. A request plans its route here, and so
does a fallback when its turn comes (hours later, things may have changed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from firstmile.customers import service as customers_service
from firstmile.customers.models import Customer
from firstmile.kit.db import Session
from firstmile.kit.settings import current as current_settings
from firstmile.kit.time import utcnow
from firstmile.messaging import repository as repo
from firstmile.messaging import routing, templates
from firstmile.messaging.models import Channel, MessageClass


def route_for(
    db: Session,
    customer: Customer,
    *,
    klass: MessageClass | str,
    urgent: bool,
    offered: Sequence[str],
    recipient: str | None = None,
) -> routing.Plan:
    """Gather what routing needs about the customer, then let it decide."""
    policy = templates.policy(db)
    the_class = MessageClass(klass)
    consent_purpose = "marketing" if the_class == MessageClass.MARKETING else "service"
    consented = {
        c: customers_service.may_contact(db, customer.id, purpose=consent_purpose, channel=c)
        for c in offered
    }
    available = {c: _unavailable(db, customer.id, c, recipient) for c in offered}
    now = utcnow()
    capped = [c for (cap_class, c) in policy.caps if cap_class == the_class and c in offered]
    if capped:
        repo.hold_caps(db, [customer.id], the_class)
    recent = {
        c: repo.count_recent(db, customer.id, the_class, c, since=now - timedelta(days=cap.days))
        for (cap_class, c), cap in policy.caps.items()
        if cap_class == the_class and c in offered
    }
    return routing.plan(
        template_channels=list(offered),
        klass=str(the_class),
        urgent=urgent,
        recipient=routing.Recipient(
            preferred=list(customer.preferred_channels or []),
            time_zone=customer.time_zone or "UTC",
            consented=consented,
            available=available,
            recent=recent,
            quiet_hours=_own_quiet_hours(customer),
        ),
        policy=policy,
        now=now,
    )


def _own_quiet_hours(customer: Customer) -> routing.QuietHours | None:
    start, end = customer.quiet_hours_start, customer.quiet_hours_end
    if start is None or end is None:
        return None
    return routing.QuietHours(start=start, end=end)


def _unavailable(db: Session, customer_id: str, channel: str, recipient: str | None) -> str | None:
    """None when the customer can be reached on `channel`, else why not."""
    if channel == Channel.INAPP:
        return None  # the portal inbox is always there
    if channel == Channel.PUSH:
        if current_settings().messaging_push_adapter == "webhook":
            return None  # the operator's backend knows the app installs; a 4xx falls back
        return None if repo.has_push_subscription(db, customer_id) else routing.NO_SUBSCRIPTION
    address = recipient or customers_service.contact_for(db, customer_id, channel)
    return None if address else routing.NO_ADDRESS
