"""The pack's `catalog.yaml` and `eligibility.yaml`: their schema, cross-checks and storage.

Amounts in the pack are NET of VAT, written as quoted strings ("499.00"): YAML floats are
refused so no binary fraction ever reaches a price. Every text is a {locale: text} map with
all five supported locales.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from firstmile.catalog.models import OfferingRole
from firstmile.kit.db import Session
from firstmile.kit.i18n import SUPPORTED_LOCALES
from firstmile.kit.money import minor_unit
from firstmile.packs.loader import PackMeta, Section, section
from firstmile.packs.yamlfile import LoadedYaml, PackIssue


def _all_locales(texts: dict[str, str]) -> dict[str, str]:
    missing = [loc for loc in SUPPORTED_LOCALES if not texts.get(loc, "").strip()]
    if missing:
        raise ValueError(f"text missing in locale(s): {', '.join(missing)}")
    return texts


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("write amounts as quoted strings (e.g. '499.00'), never as floats")
    return value


Texts = Annotated[dict[str, str], AfterValidator(_all_locales)]
Amount = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, decimal_places=4)]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
CustomerType = Literal["residential", "business"]
Kind = Literal["mobile", "broadband", "tv", "electricity", "gas", "bundle"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PriceType(StrEnum):
    """TMF620 ProductOfferingPrice.priceType."""

    ONE_TIME = "one_time"
    RECURRING = "recurring"
    USAGE = "usage"


class UsageWindow(_Strict):
    """Hours [from, to) on the given ISO weekdays (1 = Monday) in the pack's time zone."""

    hours_from: int = Field(ge=0, le=23)
    hours_to: int = Field(ge=1, le=24)
    weekdays: list[int] = Field(default=[1, 2, 3, 4, 5, 6, 7], min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> UsageWindow:
        if self.hours_to <= self.hours_from:
            raise ValueError("hours_to must be after hours_from")
        if any(d < 1 or d > 7 for d in self.weekdays):
            raise ValueError("weekdays are ISO numbers 1 (Monday) to 7 (Sunday)")
        return self


class PriceSpec(_Strict):
    code: Code
    type: PriceType
    name: Texts
    amount: Amount
    unit: str | None = None  # usage: MB, minute, SMS, kWh
    window: UsageWindow | None = None  # time-of-use rates
    indexed: Literal["spot"] | None = None  # amount is the margin over the hourly spot price

    @model_validator(mode="after")
    def _usage_fields(self) -> PriceSpec:
        if self.type == PriceType.USAGE and not self.unit:
            raise ValueError("a usage price needs a unit")
        if self.type != PriceType.USAGE and (self.unit or self.window or self.indexed):
            raise ValueError("unit, window and indexed apply to usage prices only")
        return self


class FeatureSpec(_Strict):
    code: Code
    name: Texts
    default: bool
    switchable: bool
    monthly: Amount | None = None  # net monthly charge while the feature is on


class DiscountSpec(_Strict):
    code: Code
    name: Texts
    percent: Annotated[Decimal, BeforeValidator(_no_float), Field(gt=0, le=100)] | None = None
    amount: Amount | None = None
    price: Code | None = None  # the price the percentage applies to
    charge: Literal["one_time", "recurring"] = "recurring"
    months: int | None = Field(default=None, ge=1, le=120)  # None: for as long as it runs

    @model_validator(mode="after")
    def _one_kind(self) -> DiscountSpec:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("a discount has either percent or amount")
        if self.percent is not None and self.price is None:
            raise ValueError("a percent discount names the price it reduces")
        return self


class EarlyTermination(_Strict):
    """`remaining_monthly`: `percent` of the monthly charges left in the minimum term."""

    rule: Literal["none", "fixed", "remaining_monthly"] = "none"
    amount: Amount | None = None
    percent: Annotated[Decimal, BeforeValidator(_no_float), Field(gt=0, le=100)] | None = None

    @model_validator(mode="after")
    def _needs(self) -> EarlyTermination:
        if self.rule == "fixed" and self.amount is None:
            raise ValueError("a fixed early-termination fee needs an amount")
        if self.rule == "remaining_monthly" and self.percent is None:
            raise ValueError("a remaining_monthly fee needs a percent")
        return self


class Terms(_Strict):
    minimum_term_months: int = Field(default=0, ge=0, le=60)
    notice_days: int = Field(default=0, ge=0, le=365)
    early_termination: EarlyTermination = EarlyTermination()


class ServiceSpec(_Strict):
    """What provisioning needs; the shape is fixed in docs/domain-interfaces.md."""

    kind: Literal["mobile", "broadband", "tv", "electricity", "gas"]
    self_activation: bool = False
    sim_types: list[Literal["physical", "esim"]] = []
    device_models: list[Code] = []
    technician: Literal["required", "optional", "none"] = "none"


class BroadbandSpec(_Strict):
    down_mbps: int = Field(gt=0)
    up_mbps: int = Field(gt=0)
    technologies: list[Literal["FTTH", "VDSL"]] = Field(min_length=1)


class OfferingSpec(_Strict):
    code: Code
    role: OfferingRole = OfferingRole.PLAN
    kind: Kind
    name: Texts
    description: Texts
    customer_types: list[CustomerType] = Field(min_length=1)
    prices: list[PriceSpec] = []
    features: list[FeatureSpec] = []
    discounts: list[DiscountSpec] = []
    terms: Terms = Terms()
    service_spec: ServiceSpec | None = None
    broadband: BroadbandSpec | None = None
    for_offerings: list[Code] = Field(default=[], alias="for")
    components: list[Code] = []
    number_porting: bool = False
    supply_point_required: bool = False

    @model_validator(mode="after")
    def _role_shape(self) -> OfferingSpec:
        if self.role == OfferingRole.PLAN and self.service_spec is None:
            raise ValueError("a plan needs a service_spec")
        if self.service_spec is not None and self.service_spec.kind != self.kind:
            raise ValueError("service_spec.kind must equal kind")
        if self.role == OfferingRole.ADD_ON and not self.for_offerings:
            raise ValueError("an add-on lists the offerings it is for in `for`")
        if (self.role == OfferingRole.BUNDLE) != (self.kind == "bundle"):
            raise ValueError("bundles, and only bundles, have kind 'bundle'")
        if self.role == OfferingRole.BUNDLE and len(self.components) < 2:
            raise ValueError("a bundle has at least two components")
        if self.role == OfferingRole.PLAN and self.kind == "broadband" and not self.broadband:
            raise ValueError("a broadband plan states its speed in `broadband`")
        return self


class TaxSpec(_Strict):
    name: Texts
    rate: Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, lt=1)]


class UnitTax(_Strict):
    """A per-unit tax (e.g. Swedish energy tax per kWh) shown next to the usage rates."""

    code: Code
    name: Texts
    unit: str
    amount: Amount
    kinds: list[Literal["mobile", "broadband", "tv", "electricity", "gas"]] = Field(min_length=1)


class CatalogFile(_Strict):
    tax: TaxSpec
    unit_taxes: list[UnitTax] = []
    quote_validity_days: int = Field(default=30, ge=1, le=90)
    default_cycle_day: int = Field(default=1, ge=1, le=28)
    offerings: list[OfferingSpec] = Field(min_length=1)


class CoverageSpec(_Strict):
    postcode: str = Field(pattern=r"^[0-9 ]{3,10}$")
    street: str | None = None
    house_from: int | None = Field(default=None, ge=0)
    house_to: int | None = Field(default=None, ge=0)
    technology: Literal["FTTH", "VDSL"]
    max_down_mbps: int = Field(gt=0)
    max_up_mbps: int = Field(gt=0)


class NetworkCharge(_Strict):
    monthly: Amount
    per_kwh: Amount


class GridAreaSpec(_Strict):
    area: str = Field(pattern=r"^[A-Z]{2}[0-9]$")
    name: Texts
    postcodes: list[Annotated[str, Field(pattern=r"^[0-9]{5}-[0-9]{5}$")]] = Field(min_length=1)
    network: NetworkCharge


class EligibilityFile(_Strict):
    coverage: list[CoverageSpec] = []
    grid_areas: list[GridAreaSpec] = []


def _duplicates(codes: Iterable[str]) -> set[str]:
    return {code for code, n in Counter(codes).items() if n > 1}


def _charges(o: OfferingSpec, charge: str, by_code: dict[str, OfferingSpec]) -> Decimal:
    """What a customer always pays of `charge` (one_time / recurring) for one unit of `o`:
    its prices and the features nobody can switch off, and a bundle's components' too. A
    fixed discount may not take more than that (a bill never pays the customer)."""
    total = sum((p.amount for p in o.prices if p.type.value == charge), Decimal(0))
    if charge == PriceType.RECURRING.value:
        fixed = (f.monthly for f in o.features if f.default and not f.switchable and f.monthly)
        total += sum(fixed, Decimal(0))
    for part in o.components:
        if part in by_code and by_code[part].role == OfferingRole.PLAN:
            total += _charges(by_code[part], charge, by_code)
    return total


def _billed_amounts(o: OfferingSpec) -> Iterable[tuple[tuple[str | int, ...], Decimal]]:
    """Every amount a bill charges as it is (usage rates are unit prices, kept finer)."""
    for j, p in enumerate(o.prices):
        if p.type != PriceType.USAGE:
            yield ("prices", j, "amount"), p.amount
    for j, f in enumerate(o.features):
        if f.monthly is not None:
            yield ("features", j, "monthly"), f.monthly
    for j, d in enumerate(o.discounts):
        if d.amount is not None:
            yield ("discounts", j, "amount"), d.amount
    if o.terms.early_termination.amount is not None:
        yield ("terms", "early_termination", "amount"), o.terms.early_termination.amount


def _offering_issues(
    loaded: LoadedYaml,
    i: int,
    o: OfferingSpec,
    by_code: dict[str, OfferingSpec],
    currency: str,
) -> list[PackIssue]:
    rel = loaded.path.name
    out: list[PackIssue] = []

    def issue(loc: tuple[str | int, ...], message: str) -> None:
        where = ("offerings", i, *loc)
        out.append(PackIssue(rel, loaded.line_of(where), ".".join(map(str, where)), message))

    for name, items in (("prices", o.prices), ("features", o.features), ("discounts", o.discounts)):
        for code in _duplicates(x.code for x in items):
            issue((name,), f"duplicate code {code!r}")
    unit = minor_unit(currency)
    for loc, amount in _billed_amounts(o):
        if amount != amount.quantize(unit):
            issue(loc, f"{amount} is finer than a {currency} bill shows (steps of {unit})")
    price_types = {p.code: p.type for p in o.prices}
    for j, d in enumerate(o.discounts):
        if d.price is not None and price_types.get(d.price) in (None, PriceType.USAGE):
            issue(("discounts", j, "price"), f"no one-time or recurring price {d.price!r}")
        elif d.price is not None and price_types[d.price].value != d.charge:
            issue(("discounts", j, "charge"), f"price {d.price!r} is {price_types[d.price]}")
        elif d.amount is not None and d.amount > (charged := _charges(o, d.charge, by_code)):
            issue(
                ("discounts", j, "amount"),
                f"{d.amount} is more than the {d.charge} charges it reduces ({charged})",
            )
    for j, target in enumerate(o.for_offerings):
        other = by_code.get(target)
        if other is None or other.role == OfferingRole.ADD_ON:
            issue(("for", j), f"unknown plan or bundle {target!r}")
    for j, part in enumerate(o.components):
        other = by_code.get(part)
        if other is None or other.role != OfferingRole.PLAN:
            issue(("components", j), f"unknown plan {part!r}")
    if o.role == OfferingRole.BUNDLE:
        parts = [by_code[c] for c in o.components if c in by_code]
        for code in _duplicates(f.code for p in parts for f in p.features):
            issue(("components",), f"feature {code!r} appears in two components")
    return out


def check_catalog(meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> list[PackIssue]:
    """Cross-references the pydantic models cannot see, each reported at its own line."""
    issues: list[PackIssue] = []
    for loaded, catalog in parts:
        by_code = {o.code: o for o in catalog.offerings}
        for code in _duplicates(o.code for o in catalog.offerings):
            first = next(i for i, o in enumerate(catalog.offerings) if o.code == code)
            where = ("offerings", first, "code")
            msg = f"duplicate offering code {code!r}"
            issues.append(PackIssue(loaded.path.name, loaded.line_of(where), "offerings", msg))
        for i, offering in enumerate(catalog.offerings):
            issues.extend(_offering_issues(loaded, i, offering, by_code, meta.currency))
    return issues


def check_eligibility(meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> list[PackIssue]:
    issues: list[PackIssue] = []
    for loaded, data in parts:
        seen: list[tuple[str, str, int]] = []
        for i, area in enumerate(data.grid_areas):
            for j, span in enumerate(area.postcodes):
                low, high = span.split("-")
                where = ("grid_areas", i, "postcodes", j)
                field = ".".join(map(str, where))
                if low > high:
                    issues.append(
                        PackIssue(
                            loaded.path.name,
                            loaded.line_of(where),
                            field,
                            "range start is after its end",
                        )
                    )
                clash = next((s for s in seen if s[0] <= high and low <= s[1]), None)
                if clash is not None:
                    issues.append(
                        PackIssue(
                            loaded.path.name,
                            loaded.line_of(where),
                            field,
                            f"overlaps the range of grid_areas.{clash[2]}",
                        )
                    )
                seen.append((low, high, i))
    return issues


def _store_catalog(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    from firstmile.catalog.service.catalog import replace_catalog

    for _loaded, catalog in parts:
        replace_catalog(db, meta, catalog)


def _store_eligibility(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    from firstmile.catalog.service.catalog import replace_eligibility

    data = parts[0][1] if parts else EligibilityFile()
    replace_eligibility(db, meta, data)


section(
    Section("catalog", "catalog.yaml", CatalogFile, _store_catalog, order=10, check=check_catalog)
)
section(
    Section(
        "eligibility",
        "eligibility.yaml",
        EligibilityFile,
        _store_eligibility,
        required=False,
        order=11,
        check=check_eligibility,
    )
)
