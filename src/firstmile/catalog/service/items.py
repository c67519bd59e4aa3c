"""One cart item checked against the catalog: offering, eligibility, add-ons, features, options.

Everything is validated before the quote writes anything; each refusal names its field
(`items.<n>.<...>`) so the caller can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from firstmile.catalog import repository as repo
from firstmile.catalog.models import CatalogRelease, GridArea, Offering, OfferingRole
from firstmile.catalog.schemas import QuoteItemCreate, ServiceAddress
from firstmile.catalog.service.eligibility import Eligibility, check_eligibility
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput


@dataclass
class ResolvedItem:
    index: int
    offering: Offering
    parts: list[Offering]  # the plans provisioned: the components of a bundle, else the plan
    add_ons: list[Offering]
    features: dict[str, bool]  # final state of every feature of the item
    options: dict[str, Any]
    eligibility: Eligibility
    quantity: int
    feature_specs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def grid(self) -> GridArea | None:
        return self.eligibility.grid

    def priced(self) -> list[Offering]:
        """Offerings whose prices apply, in line order: plans, the bundle itself, add-ons."""
        bundle = [self.offering] if self.offering.role == OfferingRole.BUNDLE else []
        return [*self.parts, *bundle, *self.add_ons]


def _offering(db: Session, i: int, code: str) -> Offering:
    row = repo.offering_by_code(db, code)
    if row is None:
        raise InvalidInput(f"no offering {code!r} is on sale", field=f"items.{i}.offering")
    if row.role == OfferingRole.ADD_ON:
        raise InvalidInput(
            f"{code!r} is an add-on: list it in the add_ons of a plan", field=f"items.{i}.offering"
        )
    return row


def _parts(db: Session, row: Offering) -> list[Offering]:
    if row.role != OfferingRole.BUNDLE:
        return [row]
    found = repo.offerings_by_codes(db, row.components)
    return [found[c] for c in row.components]


def _reason_field(i: int, reason_field: str | None) -> str:
    if reason_field and reason_field.startswith("address"):
        return "service_address" + reason_field.removeprefix("address")
    return f"items.{i}.offering"


def _eligible(
    db: Session, i: int, row: Offering, customer_kind: str, address: ServiceAddress
) -> Eligibility:
    result = check_eligibility(
        db, offering_code=row.code, customer_kind=customer_kind, address=address
    )
    if not result.eligible:
        first = result.reasons[0]
        raise InvalidInput(
            "; ".join(r.message for r in result.reasons),
            field=_reason_field(i, first.field),
            reasons=[r.model_dump() for r in result.reasons],
        )
    return result


def _add_ons(
    db: Session, i: int, codes: list[str], row: Offering, customer_kind: str
) -> list[Offering]:
    found = repo.offerings_by_codes(db, codes)
    targets = {row.code, *row.components}
    out: list[Offering] = []
    for j, code in enumerate(codes):
        where = f"items.{i}.add_ons.{j}"
        add_on = found.get(code)
        if add_on is None or not add_on.active or add_on.role != OfferingRole.ADD_ON:
            raise InvalidInput(f"no add-on {code!r} is on sale", field=where)
        if not targets & set(add_on.add_on_for):
            raise InvalidInput(f"add-on {code!r} does not go with {row.code!r}", field=where)
        if customer_kind not in add_on.customer_types:
            raise InvalidInput(f"add-on {code!r} is not for {customer_kind} customers", field=where)
        if add_on in out:
            raise InvalidInput(f"add-on {code!r} is listed twice", field=where)
        out.append(add_on)
    return out


def _features(
    i: int, wanted: dict[str, bool], offerings: list[Offering]
) -> tuple[dict[str, bool], list[tuple[str, dict[str, Any]]]]:
    specs = [(o.code, f) for o in offerings for f in o.features]
    by_code = {f["code"]: f for _, f in specs}
    final = {code: bool(f["default"]) for code, f in by_code.items()}
    for code, on in wanted.items():
        where = f"items.{i}.features.{code}"
        spec = by_code.get(code)
        if spec is None:
            raise InvalidInput(f"the offering has no feature {code!r}", field=where)
        if on != spec["default"] and not spec["switchable"]:
            state = "off" if spec["default"] else "on"
            raise InvalidInput(f"feature {code!r} cannot be switched {state}", field=where)
        final[code] = on
    return final, specs


def _options(
    i: int, item: QuoteItemCreate, parts: list[Offering], release: CatalogRelease
) -> dict[str, Any]:
    mobile = [p for p in parts if p.kind == "mobile"]
    opts = item.options
    out: dict[str, Any] = {}
    if opts.sim_type is not None or mobile:
        allowed = [t for p in mobile for t in p.service_spec.get("sim_types", [])]
        sim_type = opts.sim_type or (allowed[0] if allowed else None)
        if sim_type not in allowed:
            raise InvalidInput(
                f"SIM type must be one of: {', '.join(allowed) or 'none'}",
                field=f"items.{i}.options.sim_type",
            )
        out["sim_type"] = sim_type
    if opts.port_number is not None:
        out["port_number"] = _port_number(i, item, mobile, release.country)
    return out


def _port_number(i: int, item: QuoteItemCreate, mobile: list[Offering], country: str) -> str:
    number = item.options.port_number or ""
    where = f"items.{i}.options.port_number"
    if not any(p.options.get("number_porting") for p in mobile):
        raise InvalidInput("this offering does not take a ported number", field=where)
    if item.quantity != 1:
        raise InvalidInput("a ported number goes on an item of quantity 1", field=where)
    try:
        parsed = phonenumbers.parse(number, country)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"not a phone number: {exc}", field=where) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput("not a valid phone number", field=where)
    e164: str = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164


def resolve_item(
    db: Session,
    i: int,
    item: QuoteItemCreate,
    *,
    customer_kind: str,
    address: ServiceAddress,
    release: CatalogRelease,
) -> ResolvedItem:
    row = _offering(db, i, item.offering)
    eligibility = _eligible(db, i, row, customer_kind, address)
    parts = _parts(db, row)
    add_ons = _add_ons(db, i, item.add_ons, row, customer_kind)
    features, specs = _features(i, item.features, [*parts, *add_ons])
    options = _options(i, item, parts, release)
    return ResolvedItem(
        i, row, parts, add_ons, features, options, eligibility, item.quantity, specs
    )
