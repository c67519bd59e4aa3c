from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firstmile.kit.errors import InvalidInput
from firstmile.provisioning.decompose import ItemRequest, decompose
from firstmile.provisioning.models import ServiceOrderKind as K
from tests.factories.provisioning import SPECS


def _kinds(code: str, **kw: object) -> list[tuple[K, K | None]]:
    plan = decompose(ItemRequest("i1", code, **kw), SPECS[code])  # type: ignore[arg-type]
    return [(p.kind, p.after) for p in plan]


def test_mobile_physical_sim_is_one_sim_activation() -> None:
    assert _kinds("mobile-plain") == [(K.SIM_ACTIVATION, None)]


def test_mobile_esim_downloads_a_profile() -> None:
    assert _kinds("mobile-esim", options={"sim_type": "esim"}) == [(K.ESIM_PROFILE, None)]


def test_number_port_follows_the_sim_activation() -> None:
    kinds = _kinds("mobile-plain", options={"port_number": "+420601123456"})
    assert kinds == [(K.SIM_ACTIVATION, None), (K.NUMBER_PORT, K.SIM_ACTIVATION)]


def test_broadband_ships_the_router_before_the_line_goes_live() -> None:
    assert _kinds("fibre") == [(K.ROUTER_SHIPMENT, None), (K.LINE_ACTIVATION, K.ROUTER_SHIPMENT)]


def test_router_shipment_names_the_device_model() -> None:
    plan = decompose(ItemRequest("i1", "fibre"), SPECS["fibre"])
    assert plan[0].data["device_model"] == "router-fm-ax3000"


def test_tv_ships_the_box_before_activation() -> None:
    assert _kinds("tv") == [(K.STB_SHIPMENT, None), (K.TV_ACTIVATION, K.STB_SHIPMENT)]


@pytest.mark.parametrize("code", ["power", "gas"])
def test_energy_switches_supply_then_registers_the_meter(code: str) -> None:
    assert _kinds(code) == [
        (K.SUPPLY_SWITCH, None),
        (K.SMART_METER_REGISTRATION, K.SUPPLY_SWITCH),
    ]


def test_supply_switch_carries_the_metering_point() -> None:
    plan = decompose(
        ItemRequest("i1", "power", options={"ean": "859182400100000017"}), SPECS["power"]
    )
    assert plan[0].data["ean"] == "859182400100000017"
    assert plan[0].data["commodity"] == "electricity"


def test_modify_item_is_a_feature_change() -> None:
    plan = decompose(
        ItemRequest("i1", "mobile-plain", action="modify", features={"roaming": False}),
        SPECS["mobile-plain"],
    )
    assert [(p.kind, p.data) for p in plan] == [
        (K.FEATURE_CHANGE, {"features": {"roaming": False}})
    ]


def test_rejects_sim_type_the_offering_lacks() -> None:
    with pytest.raises(InvalidInput) as caught:
        decompose(
            ItemRequest("i1", "mobile-plain", options={"sim_type": "esim"}), SPECS["mobile-plain"]
        )
    assert caught.value.field == "options.sim_type"


def test_rejects_unknown_device_model() -> None:
    with pytest.raises(InvalidInput) as caught:
        decompose(ItemRequest("i1", "fibre", options={"device_model": "x"}), SPECS["fibre"])
    assert caught.value.field == "options.device_model"


def test_rejects_unknown_action() -> None:
    with pytest.raises(InvalidInput) as caught:
        decompose(ItemRequest("i1", "fibre", action="delete"), SPECS["fibre"])
    assert caught.value.field == "action"


def test_rejects_unknown_service_kind() -> None:
    with pytest.raises(InvalidInput) as caught:
        decompose(ItemRequest("i1", "x"), {"kind": "water"})
    assert caught.value.field == "service_spec.kind"


@settings(deadline=None)
@given(
    sim_type=st.sampled_from(["physical", "esim", None]),
    port=st.one_of(st.none(), st.from_regex(r"\+4206[0-9]{8}", fullmatch=True)),
)
def test_mobile_plan_always_starts_with_the_sim_and_ports_after_it(
    sim_type: str | None, port: str | None
) -> None:
    options = {"sim_type": sim_type, "port_number": port}
    plan = decompose(ItemRequest("i", "mobile-esim", options=options), SPECS["mobile-esim"])
    assert plan[0].kind in (K.SIM_ACTIVATION, K.ESIM_PROFILE)
    assert plan[0].after is None
    assert (len(plan) == 2) == bool(port)
    if port:
        assert plan[1].kind is K.NUMBER_PORT
        assert plan[1].after is plan[0].kind
