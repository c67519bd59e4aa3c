"""Who may buy an offering, where: customer type, broadband coverage, energy supply point."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from stdnum import ean

from firstmile.catalog import repository as repo
from firstmile.catalog.models import GridArea, Offering, OfferingRole
from firstmile.catalog.schemas import EligibilityReason, ServiceAddress
from firstmile.catalog.service.catalog import compact_postcode, current_release
from firstmile.kit.db import Session
from firstmile.kit.errors import NotFound

GSRN_LENGTH = 18
SWEDISH_GS1_PREFIX = "735999"  # Svenska kraftnät's GS1 company prefix for metering points
# a postcode of each country whose grid areas are postcode ranges, as people write it
POSTCODE_EXAMPLES = {"SE": "111 34"}


@dataclass
class Eligibility:
    offering: str
    reasons: list[EligibilityReason] = field(default_factory=list)
    technology: str | None = None
    max_down_mbps: int | None = None
    grid_area: str | None = None
    grid: GridArea | None = None
    supply_point: str | None = None  # the metering point ID in its normal form

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def refuse(self, code: str, message: str, field_path: str | None = None) -> None:
        self.reasons.append(EligibilityReason(code=code, message=message, field=field_path))


def house_number_value(house_number: str) -> int | None:
    """The number coverage ranges count: the orientation number of `2828/151`, else the number."""
    match = re.match(r"^(\d+)", house_number.split("/")[-1])
    return int(match.group(1)) if match else None


def ascii_digits(value: str, what: str) -> str:
    """The digits of `value` in ASCII, spaces of any kind and dashes left out: a customer may
    type full-width (３) or Arabic-Indic (٣) digits. ValueError naming `what` otherwise."""
    digits = []
    for char in value:
        if char.isspace() or unicodedata.category(char) == "Pd":
            continue
        number = unicodedata.decimal(char, None)
        if number is None:
            if char.isalpha():
                raise ValueError(f"{what} has only digits, no letters ({char!r})")
            raise ValueError(f"{what} has only digits, not {char!r}")
        digits.append(str(number))
    return "".join(digits)


def validate_supply_point(value: str) -> str:
    """The metering point ID in its normal form, 18 ASCII digits: a GS1 GSRN (the Swedish
    anläggnings-ID). Raises ValueError with the problem.

    The check digit is the GS1 mod-10 one (weights 3 and 1 from the right), the same
    algorithm as EAN/GTIN, computed with python-stdnum.
    """
    number = ascii_digits(value, "a metering point ID")
    if len(number) != GSRN_LENGTH:
        raise ValueError(f"a metering point ID has {GSRN_LENGTH} digits, not {len(number)}")
    if not number.startswith(SWEDISH_GS1_PREFIX):
        raise ValueError(f"a Swedish metering point ID starts with {SWEDISH_GS1_PREFIX}")
    if ean.calc_check_digit(number[:-1]) != number[-1]:
        raise ValueError("the metering point ID's check digit is wrong")
    return number


def postcode_number(country: str, value: str) -> int:
    """A postcode as the number grid areas' ranges count: "SE-111 34", "SE 111 34" and
    "11134" are 11134. ValueError unless it has the country's number of digits."""
    text = value.strip().upper()
    for prefix in (f"{country}-", f"{country} "):
        text = text.removeprefix(prefix)
    digits = ascii_digits(text, "a postcode")
    example = POSTCODE_EXAMPLES.get(country, "")
    length = sum(char.isdigit() for char in example)
    if length and len(digits) != length:
        raise ValueError(f"a {country} postcode has {length} digits, like {example}")
    if not digits:
        raise ValueError("a postcode has digits")
    return int(digits)


def _parts(db: Session, row: Offering) -> list[Offering]:
    if row.role != OfferingRole.BUNDLE:
        return [row]
    found = repo.offerings_by_codes(db, row.components)
    return [found[c] for c in row.components if c in found]


def _check_broadband(db: Session, row: Offering, address: ServiceAddress, out: Eligibility) -> None:
    spec = row.broadband or {}
    postcode = compact_postcode(address.postcode)
    number = house_number_value(address.house_number)
    street = address.street.strip().casefold()
    best = None
    for entry in repo.coverage_at(db, address.country, postcode):
        if entry.street is not None and entry.street.casefold() != street:
            continue
        if entry.house_from is not None and (number is None or number < entry.house_from):
            continue
        if entry.house_to is not None and (number is None or number > entry.house_to):
            continue
        if entry.technology in spec.get("technologies", []) and (
            best is None or entry.max_down_mbps > best.max_down_mbps
        ):
            best = entry
    if best is None:
        out.refuse(
            "no_coverage",
            f"{row.code}: no {'/'.join(spec.get('technologies', []))} line reaches this address",
            "address",
        )
        return
    out.technology, out.max_down_mbps = best.technology, best.max_down_mbps
    if spec["down_mbps"] > best.max_down_mbps or spec["up_mbps"] > best.max_up_mbps:
        out.refuse(
            "speed_unavailable",
            f"{row.code} needs {spec['down_mbps']}/{spec['up_mbps']} Mbit/s; this address "
            f"supports at most {best.max_down_mbps}/{best.max_up_mbps} Mbit/s "
            f"({best.technology})",
            "offering",
        )


def _check_supply_point(row: Offering, address: ServiceAddress, out: Eligibility) -> None:
    if not row.options.get("supply_point_required"):
        return
    if not address.supply_point or not address.supply_point.strip():
        out.refuse(
            "supply_point_missing", "a metering point ID is required", "address.supply_point"
        )
        return
    try:
        out.supply_point = validate_supply_point(address.supply_point)
    except ValueError as exc:
        out.refuse("supply_point_invalid", str(exc), "address.supply_point")


def _check_supply(db: Session, row: Offering, address: ServiceAddress, out: Eligibility) -> None:
    _check_supply_point(row, address, out)
    try:
        postcode = postcode_number(address.country, address.postcode)
    except ValueError as exc:
        out.refuse("postcode_invalid", str(exc), "address.postcode")
        return
    area = repo.grid_area_for(db, address.country, postcode)
    if area is None:
        out.refuse("no_grid_area", "no grid area covers this postcode", "address.postcode")
        return
    out.grid_area, out.grid = area.area, area


def check_eligibility(
    db: Session, *, offering_code: str, customer_kind: str, address: ServiceAddress
) -> Eligibility:
    """Whether `customer_kind` may buy the offering at `address`, with every reason if not."""
    row = repo.offering_by_code(db, offering_code)
    if row is None:
        raise NotFound("offering", offering_code)
    release = current_release(db)
    out = Eligibility(offering=row.code)
    if customer_kind not in row.customer_types:
        out.refuse(
            "customer_type",
            f"{row.code} is for {' and '.join(row.customer_types)} "
            f"customers only, not {customer_kind}",
            "customer_kind",
        )
    if address.country != release.country:
        out.refuse("country", f"this operator serves {release.country} only", "address.country")
        return out
    for part in _parts(db, row):
        if part.kind == "broadband":
            _check_broadband(db, part, address, out)
        elif part.kind == "electricity":
            _check_supply(db, part, address, out)
    return out
