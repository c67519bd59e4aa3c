"""Pure decomposition: one commercial order item -> the technical service orders it needs.

No database: given what the item asks for and the offering's `service_spec`, return the plan.
Order matters where the network needs it: a number is ported onto a SIM that exists, a line
goes live once its router is on its way, a set-top box ships before the TV service starts,
and a smart meter is registered with the supply point after the supply switched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from firstmile.kit.errors import InvalidInput
from firstmile.provisioning.models import ServiceKind, ServiceOrderKind

K = ServiceOrderKind
NEW_ACTIONS = frozenset({"add", "new"})
MODIFY_ACTIONS = frozenset({"modify", "change"})
SIM_TYPES = frozenset({"physical", "esim"})


@dataclass(frozen=True)
class ItemRequest:
    """What decomposition needs of an order item."""

    item_id: str
    offering_code: str
    action: str = "add"
    options: Mapping[str, Any] = field(default_factory=dict)
    features: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedOrder:
    kind: ServiceOrderKind
    after: ServiceOrderKind | None = None  # the planned order that must complete first
    data: dict[str, Any] = field(default_factory=dict)


def is_add_on(spec: Mapping[str, Any]) -> bool:
    """An add-on has no service of its own: it is a feature change on a plan's service."""
    return not spec.get("kind") and bool(spec.get("add_on_for"))


def service_kind(spec: Mapping[str, Any]) -> ServiceKind:
    try:
        return ServiceKind(str(spec.get("kind")))
    except ValueError:
        raise InvalidInput(
            f"unknown service kind {spec.get('kind')!r}", field="service_spec.kind"
        ) from None


def sim_type_for(item: ItemRequest, spec: Mapping[str, Any]) -> str:
    """The SIM type asked for, else the offering's first; refused if the offering lacks it."""
    offered = [str(s) for s in spec.get("sim_types") or ["physical"]]
    wanted = str(item.options.get("sim_type") or offered[0])
    if wanted not in SIM_TYPES or wanted not in offered:
        raise InvalidInput(
            f"SIM type {wanted!r} is not offered (choose from {', '.join(offered)})",
            field="options.sim_type",
        )
    return wanted


def device_model_for(item: ItemRequest, spec: Mapping[str, Any]) -> str | None:
    models = [str(m) for m in spec.get("device_models") or []]
    wanted = item.options.get("device_model")
    if wanted is None:
        return models[0] if models else None
    if models and wanted not in models:
        raise InvalidInput(f"device model {wanted!r} is not offered", field="options.device_model")
    return str(wanted)


def decompose(item: ItemRequest, spec: Mapping[str, Any]) -> list[PlannedOrder]:
    """The service orders for `item`, dependencies first."""
    if item.action in MODIFY_ACTIONS:
        return [PlannedOrder(K.FEATURE_CHANGE, data={"features": dict(item.features)})]
    if item.action not in NEW_ACTIONS:
        raise InvalidInput(f"unknown item action {item.action!r}", field="action")
    if is_add_on(spec):
        features = {item.offering_code: True, **dict(item.features)}
        return [
            PlannedOrder(
                K.FEATURE_CHANGE, data={"add_on": item.offering_code, "features": features}
            )
        ]
    kind = service_kind(spec)
    common = {"offering_code": item.offering_code, "features": dict(item.features)}
    if kind is ServiceKind.MOBILE:
        return _mobile(item, spec, common)
    device = device_model_for(item, spec)
    with_device = {**common, "device_model": device}
    if kind is ServiceKind.BROADBAND:
        return [
            PlannedOrder(K.ROUTER_SHIPMENT, data=with_device),
            PlannedOrder(K.LINE_ACTIVATION, after=K.ROUTER_SHIPMENT, data=common),
        ]
    if kind is ServiceKind.TV:
        return [
            PlannedOrder(K.STB_SHIPMENT, data=with_device),
            PlannedOrder(K.TV_ACTIVATION, after=K.STB_SHIPMENT, data=common),
        ]
    supply = {**common, "commodity": kind.value}
    for key in ("supply_point", "ean", "eic", "current_supplier"):
        if item.options.get(key):
            supply[key] = str(item.options[key])
    return [
        PlannedOrder(K.SUPPLY_SWITCH, data=supply),
        PlannedOrder(K.SMART_METER_REGISTRATION, after=K.SUPPLY_SWITCH, data=with_device),
    ]


def _mobile(
    item: ItemRequest, spec: Mapping[str, Any], common: dict[str, Any]
) -> list[PlannedOrder]:
    sim_type = sim_type_for(item, spec)
    first = K.ESIM_PROFILE if sim_type == "esim" else K.SIM_ACTIVATION
    plan = [PlannedOrder(first, data={**common, "sim_type": sim_type})]
    port_number = item.options.get("port_number")
    if port_number:
        plan.append(
            PlannedOrder(
                K.NUMBER_PORT,
                after=first,
                data={"port_number": str(port_number), "donor": item.options.get("donor")},
            )
        )
    return plan
