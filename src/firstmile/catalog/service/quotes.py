"""Quotes: the priced, frozen cart the customer signs.

The snapshot (`quote_snapshot`, JSON-safe, amounts as strings, version 1) holds:
`quote_id, pack, catalog_digest, currency, locale, customer_id, account_id, account_kind,
service_address, start_date, cycle_day, valid_until, tax {rate, name, names}`;
`items[]`: `index, offering, role, kind, name, names, description, quantity, terms, options
{sim_type, port_number (E.164)}, eligibility {technology, max_down_mbps, grid_area},
components[]` (what provisioning builds: `offering, kind, name, service_spec, features
{code: on}`), `add_ons[]`, `features[]` (`code, source, name, default, switchable, on,
monthly_net`), `usage_rates[]` (`unit_net, tax, unit_gross` per `unit`, with `window` /
`indexed`); `lines[]` (see `pricing.Line`: full-month or one-time, `months` for time-limited
discounts); `totals {one_time, monthly}` and `bills` (`pricing.bill_preview` at the pack's
default cycle day: `first`, `regular`, `schedule`).
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from firstmile.auth.scopes import SYSTEM, Actor
from firstmile.catalog import events, pricing
from firstmile.catalog import repository as repo
from firstmile.catalog.errors import QuoteAlreadyOrdered, QuoteExpired
from firstmile.catalog.models import CatalogRelease, Offering, Quote, QuoteStatus
from firstmile.catalog.schemas import QuoteCreate
from firstmile.catalog.service.catalog import current_release
from firstmile.catalog.service.items import ResolvedItem, resolve_item
from firstmile.catalog.service.supplies import check_one_supply_each, quoted_address
from firstmile.customers import repository as customers_repo
from firstmile.customers.models import Account, AccountStatus, Customer, CustomerStatus
from firstmile.eventlog import service as eventlog
from firstmile.kit.db import Session, new_id
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.i18n import DEFAULT_LOCALE, is_supported, language_of, pick
from firstmile.kit.money import q
from firstmile.kit.time import today_in, utcnow

SNAPSHOT_VERSION = 1
MAX_START_DAYS = 180


def _customer_and_account(
    db: Session, customer_id: str, account_id: str
) -> tuple[Customer, Account]:
    """Who may be quoted and may order, checked for a quote and again for its order (the
    customer or the account may have closed in between)."""
    customer = customers_repo.find(db, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    if customer.status == CustomerStatus.CLOSED:
        raise Conflict("the customer is closed", field="customer_id")
    account = repo.find_account(db, account_id)
    if account is None:
        raise NotFound("account", account_id)
    if account.customer_id != customer.id:
        raise InvalidInput("the account belongs to another customer", field="account_id")
    if account.status == AccountStatus.CLOSED:
        raise Conflict("the account is closed", field="account_id")
    return customer, account


def _locale(requested: str | None, customer: Customer) -> str:
    if requested is not None:
        if not is_supported(requested):
            raise InvalidInput(f"unsupported locale {requested!r}", field="locale")
        return language_of(requested)
    lang = language_of(customer.language or DEFAULT_LOCALE)
    return lang if is_supported(lang) else DEFAULT_LOCALE


def _start(requested: date | None, release: CatalogRelease) -> date:
    today = today_in(release.timezone)
    if requested is None:
        return today
    if requested < today:
        raise InvalidInput("the start date is in the past", field="start_date")
    if requested > today + timedelta(days=MAX_START_DAYS):
        raise InvalidInput(
            f"the start date is more than {MAX_START_DAYS} days away", field="start_date"
        )
    return requested


def _priced(o: Offering) -> dict[str, Any]:
    return {
        "code": o.code,
        "kind": o.kind,
        "name": o.name,
        "prices": o.prices,
        "features": o.features,
        "discounts": o.discounts,
    }


def _network(item: ResolvedItem, rate: Decimal, currency: str, locale: str) -> list[pricing.Line]:
    grid = item.grid
    if grid is None:
        return []
    source = next(p.code for p in item.parts if p.kind == "electricity")
    unit = q(grid.monthly_net, currency)  # a bill amount; the table keeps 4 decimals
    return [
        pricing.make_line(
            item=item.index,
            source=source,
            code=f"network-{grid.area.lower()}",
            kind="network",
            name=pick(grid.name, locale),
            names=dict(grid.name),
            charge=pricing.RECURRING,
            quantity=item.quantity,
            unit_net=unit,
            net=q(unit * item.quantity, currency),
            tax_rate=rate,
            currency=currency,
        )
    ]


def _usage(item: ResolvedItem, release: CatalogRelease, locale: str) -> list[dict[str, Any]]:
    rate = Decimal(release.tax["rate"])
    rates = pricing.item_usage_rates(
        item=item.index,
        offerings=[_priced(o) for o in item.priced()],
        unit_taxes=release.unit_taxes,
        tax_rate=rate,
        locale=locale,
    )
    grid = item.grid
    if grid is not None:
        rates.append(
            pricing.usage_rate(
                item=item.index,
                source="network",
                code=f"network-{grid.area.lower()}",
                kind="network",
                name=pick(grid.name, locale),
                names=dict(grid.name),
                unit="kWh",
                window=None,
                indexed=None,
                unit_net=grid.per_kwh_net,
                tax_rate=rate,
            )
        )
    return rates


def _named(o: Offering, locale: str) -> dict[str, Any]:
    return {"offering": o.code, "kind": o.kind, "name": pick(o.name, locale), "names": o.name}


def _item_content(item: ResolvedItem, release: CatalogRelease, locale: str) -> dict[str, Any]:
    o = item.offering
    own = {f["code"] for p in item.parts for f in p.features}
    return {
        "index": item.index,
        **_named(o, locale),
        "role": o.role,
        "description": pick(o.description, locale),
        "quantity": item.quantity,
        "components": [
            {
                **_named(p, locale),
                "service_spec": p.service_spec,
                "features": {f["code"]: item.features[f["code"]] for f in p.features},
            }
            for p in item.parts
        ],
        "add_ons": [_named(a, locale) for a in item.add_ons],
        "features": [
            {
                "code": f["code"],
                "source": src,
                "name": pick(f["name"], locale),
                "names": f["name"],
                "default": f["default"],
                "switchable": f["switchable"],
                "on": item.features[f["code"]],
                "monthly_net": f.get("monthly"),
                "add_on": f["code"] not in own,
            }
            for src, f in item.feature_specs
        ],
        "options": item.options,
        "terms": o.terms,
        "eligibility": {
            "technology": item.eligibility.technology,
            "max_down_mbps": item.eligibility.max_down_mbps,
            "grid_area": item.eligibility.grid_area,
        },
        "usage_rates": _usage(item, release, locale),
    }


def _content(
    quote_id: str,
    data: QuoteCreate,
    account: Account,
    items: list[ResolvedItem],
    release: CatalogRelease,
    locale: str,
    start: date,
    valid_until: datetime,
) -> dict[str, Any]:
    rate = Decimal(release.tax["rate"])
    cycle_day = data.cycle_day or release.default_cycle_day
    lines: list[pricing.Line] = []
    for item in items:
        lines += pricing.item_lines(
            item=item.index,
            offerings=[_priced(o) for o in item.priced()],
            features=item.features,
            quantity=item.quantity,
            tax_rate=rate,
            currency=release.currency,
            locale=locale,
        )
        lines += _network(item, rate, release.currency, locale)
    content: dict[str, Any] = {
        "version": SNAPSHOT_VERSION,
        "quote_id": quote_id,
        "pack": release.pack,
        "catalog_digest": release.digest,
        "currency": release.currency,
        "locale": locale,
        "customer_id": data.customer_id,
        "account_id": account.id,
        "account_kind": account.kind,
        "service_address": quoted_address(data.service_address),
        "start_date": start.isoformat(),
        "cycle_day": cycle_day,
        "valid_until": valid_until.isoformat(),
        "tax": {
            "rate": str(rate),
            "name": pick(release.tax["name"], locale),
            "names": release.tax["name"],
        },
        "items": [_item_content(item, release, locale) for item in items],
        "lines": [line.to_json() for line in lines],
    }
    content["totals"] = {
        "one_time": pricing.totals(
            (x for x in lines if x.charge == pricing.ONE_TIME), release.currency
        ),
        "monthly": pricing.totals(
            (x for x in lines if x.charge == pricing.RECURRING and x.months is None),
            release.currency,
        ),
    }
    content["bills"] = pricing.bill_preview(content, start=start, cycle_day=cycle_day)
    return content


def create_quote(db: Session, data: QuoteCreate, *, actor: Actor) -> Quote:
    """Price the cart and store it as an immutable quote (everything checked before writing)."""
    release = current_release(db)
    customer, account = _customer_and_account(db, data.customer_id, data.account_id)
    locale = _locale(data.locale, customer)
    start = _start(data.start_date, release)
    items = [
        resolve_item(
            db, i, item, customer_kind=account.kind, address=data.service_address, release=release
        )
        for i, item in enumerate(data.items)
    ]
    check_one_supply_each(items)
    quote_id = new_id()
    valid_until = utcnow() + timedelta(days=release.quote_validity_days)
    content = _content(quote_id, data, account, items, release, locale, start, valid_until)
    bills = content["bills"]
    quote = Quote(
        id=quote_id,
        customer_id=customer.id,
        account_id=account.id,
        currency=release.currency,
        start_date=start,
        valid_until=valid_until,
        status=QuoteStatus.OPEN,
        one_time_gross=Decimal(content["totals"]["one_time"]["gross"]),
        first_bill_gross=Decimal(bills["first"]["gross"]),
        monthly_gross=Decimal(bills["regular"]["gross"]),
        content=content,
        created_by=actor.ref,
    )
    db.add(quote)
    db.flush()
    eventlog.record(
        db,
        events.QUOTE_CREATED,
        actor=actor.ref,
        customer_id=customer.id,
        subject_id=quote.id,
        payload={
            "account_id": account.id,
            "currency": release.currency,
            "offerings": [item.offering.code for item in items],
            "one_time_gross": content["totals"]["one_time"]["gross"],
            "first_bill_gross": bills["first"]["gross"],
            "monthly_gross": bills["regular"]["gross"],
            "valid_until": valid_until.isoformat(),
        },
    )
    return quote


def get_quote(db: Session, quote_id: str) -> Quote:
    quote = repo.find_quote(db, quote_id)
    if quote is None:
        raise NotFound("quote", quote_id)
    return quote


def quote_status(quote: Quote) -> QuoteStatus:
    """The status as of now: an open quote past its validity reads as expired."""
    if quote.status == QuoteStatus.OPEN and quote.valid_until <= utcnow():
        return QuoteStatus.EXPIRED
    return QuoteStatus(quote.status)


def quote_snapshot(quote: Quote) -> dict[str, Any]:
    """The frozen, JSON-safe content the customer signs (amounts are strings); a copy."""
    return copy.deepcopy(quote.content)


def mark_quote_ordered(db: Session, quote_id: str, *, actor: Actor | None = None) -> Quote:
    """Take the quote off the market (Conflict when expired or already ordered).

    The row is locked first, so two concurrent orders of one quote cannot both succeed.
    """
    quote = repo.find_quote(db, quote_id, for_update=True)
    if quote is None:
        raise NotFound("quote", quote_id)
    status = quote_status(quote)
    if status == QuoteStatus.ORDERED:
        raise QuoteAlreadyOrdered("the quote has already been ordered", field="quote_id")
    if status == QuoteStatus.EXPIRED:
        raise QuoteExpired("the quote has expired; ask for a new one", field="quote_id")
    _customer_and_account(db, quote.customer_id, quote.account_id)
    quote.status, quote.ordered_at = QuoteStatus.ORDERED, utcnow()
    db.flush()
    eventlog.record(
        db,
        events.QUOTE_ORDERED,
        actor=(actor or SYSTEM).ref,
        customer_id=quote.customer_id,
        subject_id=quote.id,
        payload={"account_id": quote.account_id},
    )
    return quote
