from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from firstmile.kit.i18n import SUPPORTED_LOCALES


class ServiceRead(BaseModel):
    """A customer's service instance (TMF638-like). Secrets (codes) are never part of it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: str
    order_id: str
    order_item_id: str
    product_id: str | None
    offering_code: str
    kind: str
    status: str
    identifiers: dict[str, Any]
    features: dict[str, Any]
    sim_type: str | None
    device_model: str | None
    technician: str
    technician_booking_id: str | None
    self_activation: bool
    activated_at: datetime | None
    created_at: datetime


class ServiceOrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    order_id: str
    order_item_id: str
    customer_id: str
    service_id: str
    kind: str
    status: str
    depends_on_id: str | None
    attempts: int
    next_attempt_at: datetime | None
    external_ref: str | None
    result: dict[str, Any]
    last_error: str | None
    submitted_at: datetime | None
    completed_at: datetime | None


class FalloutCaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    service_order_id: str
    order_id: str
    customer_id: str
    reason: str
    error_kind: str
    status: str
    assignee: str | None
    resolution_note: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    created_at: datetime


class SelfActivationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activation_code: str = Field(min_length=4, max_length=32, examples=["12345678"])


class EsimCodeRead(BaseModel):
    service_id: str
    activation_code: str = Field(description="GSMA SGP.22 LPA string: LPA:1$<SM-DP+>$<matching id>")


class FalloutCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class FalloutAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: str = Field(min_length=1, max_length=120)


class TechnicianAppointmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: str = Field(min_length=1, max_length=36)


class TechnicianAppointmentRead(BaseModel):
    service_id: str
    booking_id: str


class SlotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    starts_at: datetime
    ends_at: datetime


class DeviceStepRead(BaseModel):
    number: int
    title: str
    body: str
    tip: str | None
    image: str | None


class DeviceSummaryRead(BaseModel):
    model: str
    device_kind: str
    name: str
    technician: str


class DeviceGuideRead(DeviceSummaryRead):
    locale: str
    direction: str = Field(description="ltr or rtl (Arabic)")
    steps: list[DeviceStepRead]


class LocaleQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locale: str = "en"

    @field_validator("locale")
    @classmethod
    def _supported(cls, value: str) -> str:
        if value.split("-")[0].split("_")[0].lower() not in SUPPORTED_LOCALES:
            raise ValueError(f"unsupported locale; one of {', '.join(SUPPORTED_LOCALES)}")
        return value


class SimCarrierRead(BaseModel):
    """SIMULATOR ONLY: the code printed on a physical SIM's carrier card."""

    model_config = ConfigDict(from_attributes=True)

    service_order_id: str
    service_id: str
    customer_id: str
    activation_code: str
    printed_at: datetime
