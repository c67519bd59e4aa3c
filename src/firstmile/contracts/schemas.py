"""Contracts' API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from firstmile.contracts.models import ContractStatus, SignatureChannel


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignatureRequestCreate(_Input):
    channel: Literal["email", "sms"] = Field(description="Where the one-time code goes.")
    signatory_id: str | None = Field(
        default=None,
        max_length=36,
        description="A business's contract: the authorised signatory who signs (KYB).",
    )


class SignatureCreate(_Input):
    code: str = Field(min_length=1, max_length=20, description="The one-time code received.")


class ContractRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    order_id: str
    customer_id: str
    account_id: str | None
    language: str
    status: ContractStatus
    unsigned_sha256: str | None
    sealed_sha256: str | None
    rendered_at: datetime | None
    signed_at: datetime | None
    sealed_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None
    created_at: datetime


class SignatureRequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    contract_id: str
    channel: SignatureChannel
    masked_address: str
    message_id: str | None
    signatory_id: str | None = None
    expires_at: datetime
    created_at: datetime


class SignatureRead(BaseModel):
    """The simple electronic signature's audit trail."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    contract_id: str
    customer_id: str
    signer_name: str
    actor: str
    signed_at: datetime
    ip: str | None
    user_agent: str | None
    channel: SignatureChannel
    masked_address: str
    document_sha256: str


class ValidationRead(BaseModel):
    signed: bool
    intact: bool
    valid: bool
    trusted: bool
    signer: str | None
    signed_at: str | None
    coverage: str | None
    error: str | None
    contract_id: str | None = None
    customer_signed_bytes_intact: bool | None = None
