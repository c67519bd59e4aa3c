"""The pack's `kyc.yaml`: how identity checks are weighed and how long evidence is kept.

adult_age: 18
review_sla_hours: 24
risk:
  review_at: 30
  reject_at: 100
  reject_rules: [document_expired, minor]
  rules: {document_invalid: 100, data_mismatch: 60, velocity: 50, ...}
velocity_limit: 2                 # other customers with the same document/phone/email
disposable_email_domains: [mailinator.com, ...]
retention_days: {document_image: 90, verification: 1825}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from firstmile.kit.db import Session
from firstmile.kyc import risk
from firstmile.kyc.models import KycPolicy
from firstmile.packs.loader import PackMeta, Section, section
from firstmile.packs.yamlfile import LoadedYaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RiskSettings(_Strict):
    review_at: int = Field(default=30, ge=1)
    reject_at: int = Field(default=100, ge=1)
    reject_rules: list[str] = Field(default_factory=list)
    rules: dict[str, int]

    @field_validator("rules")
    @classmethod
    def _known(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(risk.RULES))
        if unknown:
            raise ValueError(
                f"unknown rules: {', '.join(unknown)} (known: {', '.join(risk.RULES)})"
            )
        return value

    @field_validator("reject_rules")
    @classmethod
    def _known_reject(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(risk.RULES))
        if unknown:
            raise ValueError(f"unknown rules: {', '.join(unknown)}")
        return value


class Retention(_Strict):
    document_image: int = Field(default=90, ge=1, le=3650, description="days after the decision")
    verification: int = Field(default=1825, ge=1, le=36500, description="days after the decision")


class KycFile(_Strict):
    adult_age: int = Field(default=18, ge=14, le=25)
    review_sla_hours: int = Field(default=24, ge=1, le=720)
    risk: RiskSettings
    velocity_limit: int = Field(default=2, ge=1, le=100)
    disposable_email_domains: list[str] = Field(default_factory=list)
    retention_days: Retention = Field(default_factory=Retention)


def _store(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    content = (
        parts[0][1].model_dump(mode="json")
        if parts
        else KycFile(risk=RiskSettings(rules=dict.fromkeys(risk.RULES, 0))).model_dump(mode="json")
    )
    row = db.get(KycPolicy, meta.code)
    if row is None:
        db.add(KycPolicy(pack=meta.code, content=content))
    else:
        row.content = content
    db.flush()
    from firstmile.kyc.tasks import schedule_next_purge

    schedule_next_purge(db)


section(
    Section(name="kyc", pattern="kyc.yaml", model=KycFile, store=_store, required=False, order=70)
)
