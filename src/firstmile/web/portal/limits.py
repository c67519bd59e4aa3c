"""How often the anonymous forms that register someone new (sign-up, booking a
registration appointment) may be used: per browser address, and per contact address given.

Each registration creates a customer and sends a code to the address typed; without a limit
the forms would create customers in bulk and send codes to anyone's address. Only
registrations that go through count (a refused form rolls its count back with the rest).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from fastapi import Request

from firstmile.kit import ratelimit
from firstmile.kit.db import Session
from firstmile.web.pages import client_ip

PER_BROWSER_ADDRESS_PER_HOUR = 10
PER_CONTACT_PER_DAY = 3


def count_registration(request: Request, db: Session, contacts: Iterable[str]) -> None:
    """Count one registration from this browser address with these email addresses or
    phone numbers; TooManyRequests (a 429 page) past either limit."""
    client = client_ip(request) or "unknown"
    ratelimit.hit(
        db,
        f"portal-registration:{client}",
        limit=PER_BROWSER_ADDRESS_PER_HOUR,
        window_seconds=3600,
    )
    for value in dict.fromkeys(_key(c) for c in contacts if c.strip()):
        ratelimit.hit(
            db,
            f"portal-registration-contact:{value}",
            limit=PER_CONTACT_PER_DAY,
            window_seconds=86400,
        )


def _key(contact: str) -> str:
    """The address as the limit counts it (case, spaces and punctuation of a phone number
    aside), hashed: the limit's table keeps no address."""
    plain = re.sub(r"[\s()\-./]", "", contact.strip().lower())
    return hashlib.sha256(plain.encode()).hexdigest()[:32]
