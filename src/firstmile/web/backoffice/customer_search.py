"""One search box for customers: what the agent typed decides what is searched."""

from __future__ import annotations

import re

from firstmile.customers import repository as customers_repository
from firstmile.customers import service as customers_service
from firstmile.customers.models import Customer
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput

_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ACCOUNT = re.compile(r"^[0-9]{10}$")


def find_customers(
    db: Session, text: str, *, offset: int = 0, limit: int = 25
) -> tuple[list[Customer], int]:
    """An email address (has @), an international phone number (+...), a customer id, an
    account number (ten digits) or else a part of a name."""
    query = text.strip()
    if not query:
        return [], 0
    if _ID.match(query.lower()):
        found = customers_repository.find(db, query.lower())
        return ([found], 1) if found is not None else ([], 0)
    email = query if "@" in query else None
    phone = query if email is None and query.startswith("+") else None
    account = query if not (email or phone) and _ACCOUNT.match(query) else None
    name = query if not (email or phone or account) else None
    try:
        return customers_service.search_customers(
            db,
            email=email,
            phone=phone,
            name=name,
            account_number=account,
            offset=offset,
            limit=limit,
        )
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="q") from None
