"""What the plan and contract pages show of the catalog, and the cart's changes.

`offerings` lists what the customer may buy with its headline price and its eligibility at the
address; `breakdown` turns a frozen quote (or an order's snapshot, the same content) into the
transparent price: every line's one-time or monthly price with its tax, usage rates,
discounts, the prorated first bill and the regular monthly bill, amounts as Decimal.
`changed` rebuilds a cart's items with one change. Errors are message ids (English texts the
page translates), keyed by the form field they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from firstmile.catalog import pricing
from firstmile.catalog import service as catalog_service
from firstmile.catalog.models import CatalogRelease, Offering, OfferingRole
from firstmile.catalog.schemas import QuoteItemCreate, QuoteOptions, ServiceAddress
from firstmile.contracts import document as contract_document
from firstmile.customers.models import Account
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.i18n import later as _
from firstmile.kit.i18n import pick

ADDRESS_ERRORS = {
    "street": _("Enter the street."),
    "house_number": _("Enter the house number, for example 12 or 2828/151."),
    "postcode": _("Enter the postcode."),
    "city": _("Enter the city or town."),
    "supply_point": _("Enter the 18-digit metering point ID from your electricity bill."),
}
REASONS = {
    "customer_type": _("Not available for this kind of account."),
    "country": _("Not available in this country."),
    "no_coverage": _("Our network does not reach this address yet."),
    "speed_unavailable": _("This speed is not available at this address."),
    "supply_point_missing": _("Enter your metering point ID to check this offer."),
    "supply_point_invalid": _("This metering point ID is not valid."),
    "no_grid_area": _("We do not supply this postcode."),
    "postcode_invalid": _("Check the postcode: it has five digits."),
}
NOT_AVAILABLE = _("Not available at this address.")
FIELD_ERRORS = {
    "port_number": _("This number cannot be transferred. Check it, with the country code."),
    "sim_type": _("Choose a SIM type this plan offers."),
    "account_id": _("Choose one of your accounts."),
    "features": _("This feature cannot be switched for this plan."),
    "add_ons": _("This add-on does not go with this plan."),
    "offering": _("This offer is not available. Choose another one."),
}


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _amounts(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    return {k: _d(raw[k]) for k in ("net", "tax", "gross") if k in raw}


# --- offerings ---------------------------------------------------------------------------


def _priced(o: Offering) -> dict[str, Any]:
    return {
        "code": o.code,
        "kind": o.kind,
        "name": o.name,
        "prices": o.prices,
        "features": o.features,
        "discounts": o.discounts,
    }


def _headline(
    parts: list[Offering], bundle: Offering | None, release: CatalogRelease, locale: str
) -> Any:
    """The monthly and one-time price with the default features, by the quote's own rules."""
    priced = [*parts, *([bundle] if bundle is not None else [])]
    defaults = {f["code"]: bool(f["default"]) for p in priced for f in p.features}
    lines = pricing.item_lines(
        item=0,
        offerings=[_priced(p) for p in priced],
        features=defaults,
        quantity=1,
        tax_rate=_d(release.tax["rate"]),
        currency=release.currency,
        locale=locale,
    )
    monthly = [x for x in lines if x.charge == pricing.RECURRING and x.months is None]
    return {
        "monthly": _amounts(pricing.totals(monthly, release.currency)),
        "one_time": _amounts(
            pricing.totals((x for x in lines if x.charge == pricing.ONE_TIME), release.currency)
        ),
        "limited": [
            {"name": x.name, "months": x.months, "length": unsaid_months(x.name, x.months)}
            for x in lines
            if x.months is not None
        ],
    }


def unsaid_months(name: str, months: int | None) -> int | None:
    """A time-limited line's months when its name does not say them already: the page adds
    "for the first 3 months" after "Intro discount", not after "First 3 months -50%"."""
    if not months or re.search(rf"(?<!\d){int(months)}(?!\d)", name):
        return None
    return int(months)


def _eligibility(
    db: Session, o: Offering, account: Account, address: ServiceAddress | None
) -> dict[str, Any] | None:
    if address is None:
        return None
    result = catalog_service.check_eligibility(
        db, offering_code=o.code, customer_kind=account.kind, address=address
    )
    return {
        "eligible": result.eligible,
        "reasons": [REASONS.get(r.code, NOT_AVAILABLE) for r in result.reasons],
        "technology": result.technology,
        "max_down_mbps": result.max_down_mbps,
    }


def offerings(
    db: Session, account: Account, address: ServiceAddress | None, locale: str
) -> list[dict[str, Any]]:
    """Plans and bundles on sale, each with its headline price and eligibility here."""
    release = catalog_service.current_release(db)
    out = []
    for o in catalog_service.offerings(db):
        if o.role == OfferingRole.ADD_ON:
            continue
        bundle = o if o.role == OfferingRole.BUNDLE else None
        parts = [catalog_service.offering(db, c) for c in o.components] if bundle else [o]
        out.append(
            {
                "offering": catalog_service.describe(db, o, locale=locale),
                "price": _headline(parts, bundle, release, locale),
                "eligibility": _eligibility(db, o, account, address),
                "for_account": account.kind in o.customer_types,
                "sim_types": [
                    t for p in parts for t in (p.service_spec or {}).get("sim_types", [])
                ],
                "number_porting": any(p.options.get("number_porting") for p in parts),
                "features": [(f, pick(f["name"], locale)) for p in parts for f in p.features],
            }
        )
    return out


def add_ons(db: Session, content: Mapping[str, Any], locale: str) -> dict[str, list[Any]]:
    """For each offering in the cart, the add-ons on sale for it: [(code, name)]."""
    out: dict[str, list[Any]] = {}
    for item in content.get("items", []):
        code = item["offering"]
        try:
            row = catalog_service.offering(db, code)
        except NotFound:
            continue  # retired since the quote: nothing can be added to it
        out[code] = [
            (a, pick(catalog_service.offering(db, a).name, locale))
            for a in catalog_service.add_ons_for(db, row)
        ]
    return out


# --- the price breakdown of a quote or an order ------------------------------------------


def _sources(content: Mapping[str, Any], locale: str) -> dict[str, str]:
    """Offering code -> name, for every plan, component and add-on of the snapshot."""
    out: dict[str, str] = {}
    for item in content.get("items", []):
        for part in [item, *(item.get("components") or []), *(item.get("add_ons") or [])]:
            code = part.get("offering")
            if code:
                out[code] = pick(part.get("names") or {}, locale) or part.get("name", code)
    return out


def _line(raw: Mapping[str, Any], locale: str, sources: Mapping[str, str]) -> dict[str, Any]:
    name = pick(raw.get("names") or {}, locale) or raw.get("name", "")
    return {
        "item": int(raw["item"]),
        "code": raw.get("code", ""),
        "source": sources.get(str(raw.get("source")), ""),
        "name": name,
        "kind": raw["kind"],
        "charge": raw["charge"],
        "quantity": int(raw.get("quantity") or 1),
        "unit_net": _d(raw["unit_net"]),
        "months": raw.get("months"),
        "length": unsaid_months(name, raw.get("months")),
        **_amounts(raw),
    }


def _feature(raw: Mapping[str, Any], locale: str) -> dict[str, Any]:
    monthly = raw.get("monthly_net")
    return {
        "code": raw["code"],
        "name": pick(raw.get("names") or {}, locale) or raw.get("name", raw["code"]),
        "on": bool(raw.get("on")),
        "default": bool(raw.get("default")),
        "switchable": bool(raw.get("switchable")),
        "monthly_net": _d(monthly) if monthly is not None else None,
    }


def _rate(raw: Mapping[str, Any], locale: str) -> dict[str, Any]:
    return {
        "name": pick(raw.get("names") or {}, locale) or raw.get("name", ""),
        "unit": raw.get("unit"),
        "per_unit": contract_document.per_unit(raw.get("unit"), locale),
        "window": raw.get("window"),
        "indexed": raw.get("indexed"),
        "unit_net": _d(raw["unit_net"]),
        "unit_gross": _d(raw["unit_gross"]),
    }


def _item(raw: Mapping[str, Any], locale: str) -> dict[str, Any]:
    components = raw.get("components") or []
    return {
        "index": int(raw["index"]),
        "offering": raw["offering"],
        "name": pick(raw.get("names") or {}, locale) or raw.get("name", ""),
        "description": raw.get("description", ""),
        "quantity": int(raw.get("quantity") or 1),
        "options": dict(raw.get("options") or {}),
        "features": [_feature(f, locale) for f in raw.get("features", [])],
        "add_ons": [
            {"code": a["offering"], "name": pick(a.get("names") or {}, locale) or a["name"]}
            for a in raw.get("add_ons", [])
        ],
        "sim_types": [
            t for c in components for t in (c.get("service_spec") or {}).get("sim_types", [])
        ],
        "terms": dict(raw.get("terms") or {}),
        "usage_rates": [_rate(r, locale) for r in raw.get("usage_rates", [])],
    }


def _bill(raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _amounts(raw)
    for key in ("period_start", "period_end"):
        if isinstance(raw.get(key), str):
            out[key] = date.fromisoformat(raw[key])
    for key in ("days", "cycle_days"):
        if raw.get(key) is not None:
            out[key] = int(raw[key])
    return out


def breakdown(content: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """The transparent price of a quote snapshot, ready for a page."""
    sources = _sources(content, locale)
    lines = [_line(x, locale, sources) for x in content.get("lines", [])]
    bills = content.get("bills") or {}
    tax = content.get("tax") or {}
    totals = content.get("totals") or {}
    valid = content.get("valid_until")
    items = [_item(i, locale) for i in content.get("items", [])]
    return {
        "currency": content["currency"],
        "start_date": date.fromisoformat(content["start_date"]),
        "valid_until": datetime.fromisoformat(valid) if isinstance(valid, str) else None,
        "service_address": dict(content.get("service_address") or {}),
        "tax_name": pick(tax.get("names") or {}, locale) or tax.get("name", ""),
        "tax_rate": _d(tax["rate"]) if tax.get("rate") is not None else None,
        "items": items,
        "usage_rates": [r for i in items for r in i["usage_rates"]],
        "one_time": [x for x in lines if x.get("charge") == pricing.ONE_TIME],
        "monthly": [x for x in lines if x.get("charge") == pricing.RECURRING],
        "totals": {k: _amounts(v) for k, v in totals.items()},
        "first": _bill(bills.get("first") or {}),
        "regular": _bill(bills.get("regular") or {}),
        "schedule": [
            {"from_month": s["from_month"], "to_month": s.get("to_month"), **_amounts(s)}
            for s in bills.get("schedule", [])
        ],
    }


# --- the cart's items and their changes --------------------------------------------------


def _entries(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in content.get("items", []):
        features = item.get("features", [])
        add_ons = [a["offering"] for a in item.get("add_ons", [])]
        out.append(
            {
                "offering": item["offering"],
                "quantity": int(item.get("quantity") or 1),
                "add_ons": add_ons,
                "was_add_on": set(add_ons),
                "features": {f["code"]: bool(f["on"]) for f in features},
                "defaults": {f["code"]: bool(f["default"]) for f in features},
                "sources": {f["code"]: f["source"] for f in features},
                "options": dict(item.get("options") or {}),
            }
        )
    return out


def _create(entry: Mapping[str, Any]) -> QuoteItemCreate:
    """The quote request of one entry: features away from their default, those of add-ons
    still in the cart; the options the quote froze."""
    features = {
        code: on
        for code, on in entry["features"].items()
        if on != entry["defaults"].get(code)
        and (entry["sources"].get(code) not in entry["was_add_on"]
             or entry["sources"].get(code) in entry["add_ons"])
    }  # fmt: skip
    options = entry["options"]
    return QuoteItemCreate(
        offering=entry["offering"],
        quantity=entry["quantity"],
        add_ons=list(entry["add_ons"]),
        features=features,
        options=QuoteOptions(
            sim_type=options.get("sim_type"), port_number=options.get("port_number")
        ),
    )


def items_of(content: Mapping[str, Any]) -> list[QuoteItemCreate]:
    return [_create(e) for e in _entries(content)]


def changed(
    content: Mapping[str, Any], index: int, action: str, code: str, on: bool
) -> list[QuoteItemCreate]:
    """The cart's items with one change: a feature switched, an add-on added or removed, the
    SIM type chosen, or the item removed. InvalidInput names what was wrong."""
    entries = _entries(content)
    if not 0 <= index < len(entries):
        raise InvalidInput("no such item in the cart", field="offering")
    entry = entries[index]
    if action == "remove":
        entries.pop(index)
    elif action == "feature":
        if code not in entry["features"]:
            raise InvalidInput(f"no feature {code!r}", field=f"items.{index}.features.{code}")
        entry["features"][code] = on
    elif action == "add_on" and on:
        if code not in entry["add_ons"]:
            entry["add_ons"].append(code)
    elif action == "add_on":
        entry["add_ons"] = [a for a in entry["add_ons"] if a != code]
    elif action == "sim_type":
        entry["options"]["sim_type"] = code
    else:
        raise InvalidInput(f"unknown change {action!r}", field="offering")
    return [_create(e) for e in entries]


# --- errors as form fields ---------------------------------------------------------------


def error_of(exc: InvalidInput) -> dict[str, str]:
    """A catalog refusal as {form field: message id}."""
    reasons = exc.details.get("reasons") or []
    if reasons:
        first = reasons[0]
        where = str(first.get("field") or "")
        name = where.removeprefix("address.") if where.startswith("address.") else "offering"
        return {name: REASONS.get(str(first.get("code")), NOT_AVAILABLE)}
    where = exc.field or ""
    if where.startswith("service_address."):
        name = where.removeprefix("service_address.")
        return {name if name in ADDRESS_ERRORS else "street": ADDRESS_ERRORS.get(name, "")}
    for key in ("port_number", "sim_type", "account_id", "features", "add_ons"):
        if key in where.split("."):
            target = key if key in ("port_number", "sim_type", "account_id") else "offering"
            return {target: FIELD_ERRORS[key]}
    return {"offering": FIELD_ERRORS["offering"]}


def errors_of(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ())]
        name = next((p for p in loc if p in FIELD_ERRORS), "offering")
        target = name if name in ("port_number", "sim_type", "account_id") else "offering"
        out.setdefault(target, FIELD_ERRORS[name])
    return out
