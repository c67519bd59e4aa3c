"""The catalog in force: loading it from the pack, reading and describing offerings."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from firstmile.auth.scopes import SYSTEM
from firstmile.catalog import events
from firstmile.catalog import repository as repo
from firstmile.catalog.models import (
    CatalogRelease,
    CoverageEntry,
    GridArea,
    Offering,
    OfferingRole,
)
from firstmile.catalog.pricing import q4
from firstmile.catalog.schemas import DiscountRead, FeatureRead, OfferingRead, PriceRead
from firstmile.eventlog import service as eventlog
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.i18n import pick
from firstmile.kit.money import q

if TYPE_CHECKING:
    from firstmile.catalog.pack import CatalogFile, EligibilityFile, OfferingSpec
    from firstmile.packs.loader import PackMeta


def compact_postcode(postcode: str) -> str:
    return "".join(ch for ch in postcode if not ch.isspace())


def _offering_values(spec: OfferingSpec, meta: PackMeta, position: int) -> dict[str, Any]:
    data = spec.model_dump(mode="json")
    return {
        "pack": meta.code,
        "role": spec.role,
        "kind": spec.kind,
        "position": position,
        "active": True,
        "name": data["name"],
        "description": data["description"],
        "customer_types": data["customer_types"],
        "prices": data["prices"],
        "features": data["features"],
        "discounts": data["discounts"],
        "terms": data["terms"],
        "service_spec": data["service_spec"] or {},
        "broadband": data["broadband"],
        "add_on_for": data["for_offerings"],
        "components": data["components"],
        "options": {
            "number_porting": spec.number_porting,
            "supply_point_required": spec.supply_point_required,
        },
    }


def replace_catalog(db: Session, meta: PackMeta, catalog: CatalogFile) -> CatalogRelease:
    """Make `catalog` the one in force: offerings upserted by code, the others retired.

    Retired offerings stay as rows (inactive) so nothing that refers to a code breaks.
    """
    content = catalog.model_dump(mode="json", by_alias=True)
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    release = CatalogRelease(
        pack=meta.code,
        digest=digest,
        country=meta.country,
        currency=meta.currency,
        tax=content["tax"],
        unit_taxes=content["unit_taxes"],
        quote_validity_days=catalog.quote_validity_days,
        default_cycle_day=catalog.default_cycle_day,
        timezone=meta.timezone,
    )
    db.add(release)
    existing = {o.code: o for o in repo.all_offerings(db)}
    for position, spec in enumerate(catalog.offerings):
        row = existing.pop(spec.code, None) or Offering(code=spec.code)
        for key, value in _offering_values(spec, meta, position).items():
            setattr(row, key, value)
        db.add(row)
    for retired in existing.values():
        retired.active = False
    db.flush()
    roles = [o.role for o in catalog.offerings]
    eventlog.record(
        db,
        events.CATALOG_LOADED,
        actor=SYSTEM.ref,
        subject_id=release.id,
        payload={
            "pack": meta.code,
            "digest": digest,
            "offerings": len(roles),
            "plans": roles.count(OfferingRole.PLAN),
            "add_ons": roles.count(OfferingRole.ADD_ON),
            "bundles": roles.count(OfferingRole.BUNDLE),
            "retired": sorted(existing),
        },
    )
    return release


def replace_eligibility(db: Session, meta: PackMeta, data: EligibilityFile) -> None:
    coverage = [
        CoverageEntry(
            country=meta.country,
            postcode=compact_postcode(c.postcode),
            street=c.street,
            house_from=c.house_from,
            house_to=c.house_to,
            technology=c.technology,
            max_down_mbps=c.max_down_mbps,
            max_up_mbps=c.max_up_mbps,
        )
        for c in data.coverage
    ]
    areas = [
        GridArea(
            country=meta.country,
            area=a.area,
            postcode_from=span.split("-")[0],
            postcode_to=span.split("-")[1],
            name=a.name,
            monthly_net=a.network.monthly,
            per_kwh_net=a.network.per_kwh,
        )
        for a in data.grid_areas
        for span in a.postcodes
    ]
    repo.replace_coverage(db, coverage)
    repo.replace_grid_areas(db, areas)
    db.flush()
    eventlog.record(
        db,
        events.ELIGIBILITY_LOADED,
        actor=SYSTEM.ref,
        payload={"pack": meta.code, "coverage": len(coverage), "grid_areas": len(areas)},
    )


def current_release(db: Session) -> CatalogRelease:
    release = repo.current_release(db)
    if release is None:
        raise InvalidInput("no catalog is loaded; run `firstmile pack load`", field="pack")
    return release


def offering(db: Session, code: str) -> Offering:
    """An offering on sale (NotFound otherwise)."""
    row = repo.offering_by_code(db, code)
    if row is None:
        raise NotFound("offering", code)
    return row


def offerings(db: Session, *, role: str | None = None) -> list[Offering]:
    return repo.active_offerings(db, role=role)


def add_ons_for(db: Session, row: Offering) -> list[str]:
    targets = {row.code, *row.components}
    return [
        a.code
        for a in repo.active_offerings(db, role=OfferingRole.ADD_ON)
        if targets & set(a.add_on_for)
    ]


def _price_read(price: dict[str, Any], rate: Decimal, currency: str, locale: str) -> PriceRead:
    """Net, tax and gross of one price: a usage rate per unit to 4 decimals, any other a bill
    amount in the currency's digits (rounded as the quote's lines are)."""
    usage = price["type"] == "usage"
    net = Decimal(price["amount"])
    net = q4(net) if usage else q(net, currency)
    tax = q4(net * rate) if usage else q(net * rate, currency)
    return PriceRead(
        code=price["code"],
        type=price["type"],
        name=pick(price["name"], locale),
        unit=price.get("unit"),
        window=price.get("window"),
        indexed=price.get("indexed"),
        net=net,
        tax=tax,
        gross=net + tax,
    )


def describe(db: Session, row: Offering, *, locale: str) -> OfferingRead:
    """The offering as a customer reads it, texts in `locale`, prices net, tax and gross."""
    release = current_release(db)
    rate = Decimal(release.tax["rate"])
    return OfferingRead(
        code=row.code,
        role=row.role,
        kind=row.kind,
        name=pick(row.name, locale),
        description=pick(row.description, locale),
        locale=locale,
        currency=release.currency,
        tax_rate=rate,
        customer_types=row.customer_types,
        prices=[_price_read(p, rate, release.currency, locale) for p in row.prices],
        features=[
            FeatureRead(
                code=f["code"],
                name=pick(f["name"], locale),
                default=f["default"],
                switchable=f["switchable"],
                monthly_net=None if f.get("monthly") is None else Decimal(f["monthly"]),
            )
            for f in row.features
        ],
        discounts=[
            DiscountRead(
                code=d["code"],
                name=pick(d["name"], locale),
                percent=None if d.get("percent") is None else Decimal(d["percent"]),
                amount_net=None if d.get("amount") is None else Decimal(d["amount"]),
                price=d.get("price"),
                charge=d["charge"],
                months=d.get("months"),
            )
            for d in row.discounts
        ],
        terms=row.terms,
        service_spec=row.service_spec or None,
        broadband=row.broadband,
        add_ons=add_ons_for(db, row),
        components=row.components,
        number_porting=bool(row.options.get("number_porting")),
        supply_point_required=bool(row.options.get("supply_point_required")),
    )
