"""Energy supplies in a quote: the address keeps the metering point ID in its normal form, and
a quote supplies each metering point once.

A quote has one service address, so one metering point per commodity: a second electricity
(or gas) plan in the same quote, or a quantity above 1, would bill that meter's standing
charge and network charge twice for one supply.
"""

from __future__ import annotations

from typing import Any

from firstmile.catalog.schemas import ServiceAddress
from firstmile.catalog.service.eligibility import validate_supply_point
from firstmile.catalog.service.items import ResolvedItem
from firstmile.kit.errors import InvalidInput

SUPPLY_KINDS = ("electricity", "gas")


def quoted_address(address: ServiceAddress) -> dict[str, Any]:
    """The service address as the quote keeps it (and the order and the network order use
    it): the metering point ID as 18 ASCII digits, None when not given."""
    values = address.model_dump()
    typed = (address.supply_point or "").strip()
    if not typed:
        values["supply_point"] = None
        return values
    try:
        values["supply_point"] = validate_supply_point(typed)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="service_address.supply_point") from exc
    return values


def check_one_supply_each(items: list[ResolvedItem]) -> None:
    """422 naming the item when an energy supply is quoted more than once."""
    supplied: dict[str, int] = {}
    for item in items:
        kinds = [p.kind for p in item.parts if p.kind in SUPPLY_KINDS]
        if kinds and item.quantity != 1:
            raise InvalidInput(
                f"{item.offering.code} supplies one metering point: its quantity is 1",
                field=f"items.{item.index}.quantity",
            )
        for kind in kinds:
            if kind in supplied:
                raise InvalidInput(
                    f"item {supplied[kind]} already supplies {kind} at this address; "
                    "a quote has one supply per metering point",
                    field=f"items.{item.index}.offering",
                )
            supplied[kind] = item.index
