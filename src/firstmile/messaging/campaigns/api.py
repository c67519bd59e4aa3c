"""Campaigns: admins create, start and cancel them; agents read them and their results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from firstmile.kit.http import AdminActor, AgentActor, Db, TxRoute
from firstmile.messaging.campaigns import service
from firstmile.messaging.campaigns.service import CampaignCreate

router = APIRouter(prefix="/api", tags=["campaigns"], route_class=TxRoute)


class CampaignRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    segment: str
    variants: list[dict[str, Any]]
    control_percent: int
    rate_per_minute: int
    repeat_every_days: int | None
    goal_event: str
    goal_window_days: int
    status: str
    starts_at: datetime | None
    created_by: str
    created_at: datetime


class GroupResult(BaseModel):
    recipients: int
    sent: int
    delivered: int
    opened: int
    suppressed: int
    converted: int
    conversion_rate: float
    uplift: float | None = None


class CampaignResults(BaseModel):
    campaign_id: str
    status: str
    groups: dict[str, GroupResult]


@router.post("/campaigns", status_code=201, summary="Create a campaign (a draft)")
def create_campaign(body: CampaignCreate, db: Db, actor: AdminActor) -> CampaignRead:
    return CampaignRead.model_validate(service.create(db, body, actor=actor))


@router.get("/campaigns", summary="Every campaign, newest first")
def list_campaigns(db: Db, _actor: AgentActor) -> list[CampaignRead]:
    return [CampaignRead.model_validate(c) for c in service.list_campaigns(db)]


@router.get("/campaigns/{campaign_id}", summary="One campaign")
def read_campaign(campaign_id: str, db: Db, _actor: AgentActor) -> CampaignRead:
    return CampaignRead.model_validate(service.get(db, campaign_id))


@router.post("/campaigns/{campaign_id}/start", summary="Start sending (at starts_at, or now)")
def start_campaign(campaign_id: str, db: Db, _actor: AdminActor) -> CampaignRead:
    return CampaignRead.model_validate(service.start(db, campaign_id))


@router.post("/campaigns/{campaign_id}/cancel", summary="Stop: no further batch is sent")
def cancel_campaign(campaign_id: str, db: Db, _actor: AdminActor) -> CampaignRead:
    return CampaignRead.model_validate(service.cancel(db, campaign_id))


@router.get(
    "/campaigns/{campaign_id}/results",
    summary="Per variant and control group: sent, delivered, opened, converted, uplift",
)
def campaign_results(campaign_id: str, db: Db, _actor: AgentActor) -> CampaignResults:
    return CampaignResults.model_validate(service.results(db, campaign_id))
