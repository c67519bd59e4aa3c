"""What a segment condition sees of one customer, read in four queries (for one customer
or a batch of them).

`customer`: the customer's attributes, accounts (the household) and products (the plan:
offering, kind, status), as plain data; `now`; `count(type)`
and `count(type, window)`: how many events of that type the customer has, in all or
within `window` before now. While counting, the facts note when the earliest counted
event leaves its window: the condition's answer may change then without any new event.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from firstmile.customers.models import Account, Customer
from firstmile.eventlog.models import Event
from firstmile.kit.db import Session
from firstmile.kit.expressions import Environment, EvaluationError, Function
from firstmile.orders.models import Product

NAMES = ("customer", "now")


class Facts:
    def __init__(self, customer: dict[str, Any], events: dict[str, list[datetime]], now: datetime):
        self.customer, self.events, self.now = customer, events, now
        self.changes_at: datetime | None = None  # when a windowed count next drops

    def activation(self) -> dict[str, Any]:
        return {"customer": self.customer, "now": self.now, "_facts": self}

    def count(self, event_type: Any, window: Any = None) -> int:
        if not isinstance(event_type, str):
            raise EvaluationError("count() needs an event type (a string)")
        times = self.events.get(event_type, [])
        if window is None:
            return len(times)
        if not isinstance(window, timedelta):
            raise EvaluationError("count()'s second argument must be a duration")
        start = self.now - window
        inside = [t for t in times if t > start]
        if inside:
            leaves = min(inside) + window
            self.changes_at = leaves if self.changes_at is None else min(self.changes_at, leaves)
        return len(inside)


def _count(activation: dict[str, Any], event_type: Any, window: Any = None) -> int:
    facts: Facts = activation["_facts"]
    return facts.count(event_type, window)


ENVIRONMENT = Environment(names=NAMES, functions=[Function("count", (1, 2), _count, context=True)])


def load(db: Session, customer_id: str, now: datetime) -> Facts | None:
    return load_many(db, [customer_id], now).get(customer_id)


def load_many(db: Session, customer_ids: list[str], now: datetime) -> dict[str, Facts]:
    """The facts of several customers in four queries (a segment recount's batch), in the
    order given; a customer that does not exist is left out."""
    ids = list(dict.fromkeys(customer_ids))
    if not ids:
        return {}
    found = {c.id: c for c in db.scalars(select(Customer).where(Customer.id.in_(ids)))}
    accounts: dict[str, list[Account]] = defaultdict(list)
    for account in db.scalars(select(Account).where(Account.customer_id.in_(ids))):
        accounts[account.customer_id].append(account)
    products: dict[str, list[Product]] = defaultdict(list)
    for product in db.scalars(select(Product).where(Product.customer_id.in_(ids))):
        products[product.customer_id].append(product)
    events: dict[str, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    rows = db.execute(
        select(Event.customer_id, Event.type, Event.occurred_at).where(Event.customer_id.in_(ids))
    )
    for customer_id, event_type, occurred_at in rows:
        events[str(customer_id)][event_type].append(occurred_at)
    return {
        cid: _facts(found[cid], accounts[cid], products[cid], dict(events[cid]), now)
        for cid in ids
        if cid in found
    }


def _facts(
    customer: Customer,
    accounts: list[Account],
    products: list[Product],
    events: dict[str, list[datetime]],
    now: datetime,
) -> Facts:
    data = {
        "id": customer.id,
        "kind": str(customer.kind),
        "name": customer.given_name or customer.legal_name or "",
        "given_name": customer.given_name,
        "family_name": customer.family_name,
        "legal_name": customer.legal_name,
        "status": str(customer.status),
        "country": customer.country,
        "language": customer.language,
        "time_zone": customer.time_zone,
        "preferred_channels": list(customer.preferred_channels or []),
        "registered_via": str(customer.registered_via),
        "created_at": customer.created_at,
        "accounts": [
            {
                "id": a.id,
                "kind": str(a.kind),
                "status": str(a.status),
                "name": a.name,
                **({"activated_at": a.activated_at} if a.activated_at else {}),
            }
            for a in accounts
        ],
        "products": [
            {
                "offering": p.offering_code,
                "kind": p.kind,
                "status": str(p.status),
                "account_id": p.account_id,
                "service_id": p.service_id,
                **({"activated_at": p.activated_at} if p.activated_at else {}),
            }
            for p in products
        ],
    }
    return Facts(data, events, now)
