"""Service orders sent to the network, the customer's service instances, and fallout cases.

Vocabulary from TMF641 (Service Ordering) and TMF638 (Service Inventory): a commercial order
item decomposes into technical service orders; a `Service` is what the customer holds.
`order_id` / `order_item_id` / `product_id` are ids in the orders domain, kept as indexed
columns (no foreign key) so provisioning does not depend on the orders schema.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin, TimestampMixin


class ServiceKind(StrEnum):
    MOBILE = "mobile"
    BROADBAND = "broadband"
    TV = "tv"
    ELECTRICITY = "electricity"
    GAS = "gas"


class ServiceOrderKind(StrEnum):
    SIM_ACTIVATION = "sim_activation"
    ESIM_PROFILE = "esim_profile"
    NUMBER_PORT = "number_port"
    LINE_ACTIVATION = "line_activation"
    ROUTER_SHIPMENT = "router_shipment"
    STB_SHIPMENT = "stb_shipment"
    TV_ACTIVATION = "tv_activation"
    SUPPLY_SWITCH = "supply_switch"
    SMART_METER_REGISTRATION = "smart_meter_registration"
    FEATURE_CHANGE = "feature_change"
    SERVICE_TERMINATION = "service_termination"  # the product ended: take the service down


class ServiceOrderStatus(StrEnum):
    PENDING = "pending"  # waiting for its dependency or for its (re)submission job
    SUBMITTED = "submitted"  # accepted by the network; its report is awaited
    COMPLETED = "completed"
    FAILED = "failed"  # a fallout case holds it
    CANCELLED = "cancelled"


class ServiceStatus(StrEnum):
    PENDING_ACTIVATION = "pending_activation"
    AWAITING_SELF_ACTIVATION = "awaiting_self_activation"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class ErrorKind(StrEnum):
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


class FalloutStatus(StrEnum):
    OPEN = "open"
    RETRYING = "retrying"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class Service(IdMixin, TimestampMixin, Base):
    """A customer's service instance (TMF638 Service)."""

    __tablename__ = "services"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    order_item_id: Mapped[str] = mapped_column(String(36), index=True)
    product_id: Mapped[str | None] = mapped_column(String(36), index=True)
    offering_code: Mapped[str] = mapped_column(String(80))
    kind: Mapped[ServiceKind] = mapped_column(String(16))
    status: Mapped[ServiceStatus] = mapped_column(
        String(32), default=ServiceStatus.PENDING_ACTIVATION
    )
    # msisdn, iccid, line_id, ean (metering point), meter_id, tracking numbers...
    identifiers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    features: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sim_type: Mapped[str | None] = mapped_column(String(16))
    device_model: Mapped[str | None] = mapped_column(String(80))
    technician: Mapped[str] = mapped_column(String(16), default="none")
    technician_booking_id: Mapped[str | None] = mapped_column(String(36))
    self_activation: Mapped[bool] = mapped_column(default=False)
    # The code printed on the SIM carrier lives in kit.otp (salted hash, attempts counted even
    # when the request rolls back), under purpose "sim_self_activation" and this service's id.
    # GSMA SGP.22: the operator-chosen matching id and the SM-DP+ address form the LPA code.
    esim_matching_id: Mapped[str | None] = mapped_column(String(64))
    smdp_address: Mapped[str | None] = mapped_column(String(200))
    activated_at: Mapped[datetime | None]


class ServiceOrder(IdMixin, TimestampMixin, Base):
    """One technical order to the network (TMF641 ServiceOrder with one item)."""

    __tablename__ = "service_orders"
    __table_args__ = (Index("ix_service_orders_item", "order_item_id", "status"),)

    order_id: Mapped[str] = mapped_column(String(36), index=True)
    order_item_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    kind: Mapped[ServiceOrderKind] = mapped_column(String(32))
    status: Mapped[ServiceOrderStatus] = mapped_column(
        String(16), default=ServiceOrderStatus.PENDING
    )
    depends_on_id: Mapped[str | None] = mapped_column(ForeignKey("service_orders.id"), index=True)
    # What the network needs: options (sim_type, port_number, device_model, features...).
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Submissions so far, across rounds: each attempt number is sent once to the network.
    attempts: Mapped[int] = mapped_column(default=0)
    # A fallout retry starts a new round with a fresh allowance of temporary failures.
    submission_round: Mapped[int] = mapped_column(default=0)
    round_attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    external_ref: Mapped[str | None] = mapped_column(String(120))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_error: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class FalloutCase(IdMixin, TimestampMixin, Base):
    """A service order the network refused for good (or kept failing): an agent's work item."""

    __tablename__ = "fallout_cases"

    service_order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    error_kind: Mapped[ErrorKind] = mapped_column(String(16))
    status: Mapped[FalloutStatus] = mapped_column(
        String(16), default=FalloutStatus.OPEN, index=True
    )
    assignee: Mapped[str | None] = mapped_column(String(120))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(120))


class DeviceGuide(IdMixin, Base):
    """Remote activation instructions for one device model, from the pack's devices.yaml."""

    __tablename__ = "device_guides"

    pack: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(80), unique=True)
    device_kind: Mapped[str] = mapped_column(String(20))  # router|set_top_box|smart_meter|phone
    name: Mapped[dict[str, Any]] = mapped_column(JSON)  # {locale: text}
    technician: Mapped[str] = mapped_column(String(16))  # required|optional|none
    # [{"title": {locale: text}, "body": {...}, "tip": {...} | None, "image": "devices/x.svg"}]
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)


class SimulatedSimCarrier(IdMixin, Base):
    """SIMULATOR ONLY: what the simulated SIM logistics printed on a physical SIM's carrier
    card, so a demo or a test can play the customer who holds it. A real network prints the
    code itself; firstmile then never sees it again."""

    __tablename__ = "simulated_sim_carriers"

    service_order_id: Mapped[str] = mapped_column(ForeignKey("service_orders.id"), unique=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    activation_code: Mapped[str] = mapped_column(String(20))
    printed_at: Mapped[datetime]
