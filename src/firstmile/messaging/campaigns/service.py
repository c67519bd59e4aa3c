"""Campaigns: create, start, send in throttled batches, cancel, and count the results."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func, select

from firstmile.auth.scopes import SYSTEM, Actor
from firstmile.customers.models import Customer
from firstmile.eventlog import catalogue
from firstmile.eventlog.models import Event
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.messaging import repository as messaging_repository
from firstmile.messaging import service as messaging
from firstmile.messaging import templates
from firstmile.messaging.campaigns.models import (
    CONTROL,
    Campaign,
    CampaignRecipient,
    CampaignRun,
    CampaignStatus,
)
from firstmile.messaging.models import Message, MessageClass, MessageStatus
from firstmile.messaging.segments import service as segments
from firstmile.messaging.segments.models import SegmentMembership

SEND_JOB = "campaigns.send"
# Messages per transaction: small, so a transactional message waits at most one batch in
# a worker that is sending a campaign; the pause between batches keeps the rate.
MAX_BATCH = 100
SENT = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.OPENED)
DELIVERED = (MessageStatus.DELIVERED, MessageStatus.OPENED)


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    purpose: str = Field(min_length=1, max_length=60, description="A marketing template")
    weight: int = Field(default=1, ge=1, le=1000)
    data: dict[str, str | int | float] = Field(
        default_factory=dict,
        description="Values for the template's own placeholders (e.g. offer_name)",
    )


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    segment: str = Field(min_length=1, max_length=60)
    variants: list[Variant] = Field(min_length=1, max_length=10)
    control_percent: int = Field(default=10, ge=0, le=50)
    rate_per_minute: int = Field(default=600, ge=1, le=100_000)
    repeat_every_days: int | None = Field(default=None, ge=1, le=365)
    goal_event: str = Field(min_length=1, max_length=80, examples=["order.placed"])
    goal_window_days: int = Field(default=14, ge=1, le=365)
    starts_at: AwareDatetime | None = Field(
        default=None, description="When the first run starts (default: when started)"
    )

    @model_validator(mode="after")
    def _distinct_names(self) -> CampaignCreate:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError("variant names must differ")
        if CONTROL in names:
            raise ValueError(f"{CONTROL!r} names the control group, not a variant")
        return self


def create(db: Session, data: CampaignCreate, *, actor: Actor) -> Campaign:
    segments.get(db, data.segment)  # 404 when the pack has no such segment
    for i, variant in enumerate(data.variants):
        try:
            template = templates.current(db, variant.purpose)
        except NotFound:
            raise InvalidInput(
                "no message template for this purpose", field=f"variants.{i}.purpose"
            ) from None
        if template.klass != MessageClass.MARKETING:
            raise InvalidInput(
                "a campaign sends marketing templates only", field=f"variants.{i}.purpose"
            )
        _check_data(db, template, variant, f"variants.{i}.data")
    if data.goal_event not in catalogue.load_catalogue():
        raise InvalidInput("unknown event type", field="goal_event")
    campaign = Campaign(
        **data.model_dump(exclude={"variants", "starts_at"}),
        variants=[v.model_dump() for v in data.variants],
        starts_at=data.starts_at,
        created_by=actor.ref,
    )
    db.add(campaign)
    db.flush()
    return campaign


def _check_data(db: Session, template: Any, variant: Variant, field: str) -> None:
    """Render every channel once, so a placeholder nobody fills fails now, not per send."""
    slots = dict.fromkeys(template.content.get("offer_slots", []), "…")  # filled per customer
    sample = {"given_name": "Eva", "family_name": "Nováková", **slots, **variant.data}
    for channel in templates.channels_of(template):
        try:
            templates.render(db, template, channel, "en", sample)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=field) from None


def get(db: Session, campaign_id: str, *, lock: bool = False) -> Campaign:
    query = select(Campaign).where(Campaign.id == campaign_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    campaign = db.scalar(query)
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    return campaign


def start(db: Session, campaign_id: str) -> Campaign:
    campaign = get(db, campaign_id, lock=True)
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict(f"the campaign is {campaign.status}, not a draft")
    campaign.status = CampaignStatus.ACTIVE
    first = campaign.starts_at if campaign.starts_at and campaign.starts_at > utcnow() else None
    _queue(db, campaign, run_id=None, run_at=first)
    return campaign


def cancel(db: Session, campaign_id: str) -> Campaign:
    campaign = get(db, campaign_id, lock=True)
    if campaign.status in (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED):
        raise Conflict(f"the campaign is already {campaign.status}")
    campaign.status = CampaignStatus.CANCELLED  # queued batches see it and stop
    return campaign


def assign(campaign: Campaign, customer_id: str) -> str:
    """The customer's group: the same in every run of the campaign."""
    digest = hashlib.sha256(f"{campaign.id}:{customer_id}".encode()).digest()
    if int.from_bytes(digest[:4], "big") % 100 < campaign.control_percent:
        return CONTROL
    total = sum(int(v["weight"]) for v in campaign.variants)
    point = int.from_bytes(digest[4:8], "big") % total
    for variant in campaign.variants:
        point -= int(variant["weight"])
        if point < 0:
            return str(variant["name"])
    raise AssertionError("weights cover every point")


def _queue(db: Session, campaign: Campaign, *, run_id: str | None, run_at: Any) -> None:
    jobs.enqueue(
        db,
        SEND_JOB,
        {"campaign_id": campaign.id, "run_id": run_id},
        run_at=run_at,
        priority=jobs.BULK,  # the bulk lane: transactional messages go first
    )


def send_batch(db: Session, args: dict[str, Any]) -> None:
    """One throttled batch of a run (the `campaigns.send` job)."""
    campaign = get(db, str(args["campaign_id"]), lock=True)
    if campaign.status != CampaignStatus.ACTIVE:
        return
    run = _run(db, campaign, args.get("run_id"))
    batch = min(campaign.rate_per_minute, MAX_BATCH)
    segment = segments.get(db, campaign.segment)
    members = list(
        db.scalars(
            select(SegmentMembership.customer_id)
            .where(
                SegmentMembership.segment_id == segment.id,
                SegmentMembership.customer_id > run.cursor,
            )
            .order_by(SegmentMembership.customer_id)
            .limit(batch)
        )
    )
    by_name = {str(v["name"]): v for v in campaign.variants}
    keys = {customer_id: f"campaign:{run.id}:{customer_id}" for customer_id in members}
    used = messaging_repository.by_idempotency_keys(db, keys.values())  # one query
    # The batch's recipients, their consents and contacts (4 queries) and their recent
    # marketing messages for the frequency caps (1 query): a send then queries nothing, and
    # the batch's messages go to the database together.
    with (
        messaging.recipients_snapshot(db, members),
        messaging.caps_snapshot(db, members, MessageClass.MARKETING),
    ):
        recipients = []
        for customer_id in members:
            group = assign(campaign, customer_id)
            recipient = CampaignRecipient(run_id=run.id, customer_id=customer_id, variant=group)
            recipients.append(recipient)
            if group != CONTROL:
                message = messaging.send(
                    db,
                    customer_id=customer_id,
                    purpose=str(by_name[group]["purpose"]),
                    data={**by_name[group].get("data", {}), **_template_data(db, customer_id)},
                    idempotency_key=keys[customer_id],
                    actor=SYSTEM,
                    new_key=keys[customer_id] not in used,
                )
                recipient.message_id = message.id
        # The messages first (one flush for the batch): the recipients refer to them, and
        # the ORM orders inserts only by relationships, which these tables do not declare.
        db.flush()
        db.add_all(recipients)
    if members:
        run.cursor = members[-1]
    if len(members) == batch:
        pause = timedelta(seconds=60 * batch / campaign.rate_per_minute)
        _queue(db, campaign, run_id=run.id, run_at=utcnow() + pause)
        return
    run.finished_at = utcnow()
    if campaign.repeat_every_days:
        _queue(
            db,
            campaign,
            run_id=None,
            run_at=run.started_at + timedelta(days=campaign.repeat_every_days),
        )
    else:
        campaign.status = CampaignStatus.COMPLETED


def _run(db: Session, campaign: Campaign, run_id: Any) -> CampaignRun:
    if run_id:
        run = db.get(CampaignRun, str(run_id))
        if run is not None:
            return run
    last = db.scalar(
        select(func.max(CampaignRun.number)).where(CampaignRun.campaign_id == campaign.id)
    )
    run = CampaignRun(campaign_id=campaign.id, number=(last or 0) + 1)
    db.add(run)
    db.flush()
    return run


def _template_data(db: Session, customer_id: str) -> dict[str, Any]:
    """What every marketing template may use about the customer."""
    customer = db.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    name = customer.given_name or customer.legal_name or ""
    return {"given_name": name, "family_name": customer.family_name or ""}


# -- results ----------------------------------------------------------------------------------


def results(db: Session, campaign_id: str) -> dict[str, Any]:
    """Per variant and for the control group: recipients, messages sent, delivered, opened,
    suppressed, and conversions within the goal window (uplift over control)."""
    campaign = get(db, campaign_id)
    rows = db.execute(
        select(
            CampaignRecipient.variant,
            CampaignRecipient.customer_id,
            CampaignRecipient.assigned_at,
            Message.status,
        )
        .join(CampaignRun, CampaignRun.id == CampaignRecipient.run_id)
        .outerjoin(Message, Message.id == CampaignRecipient.message_id)
        .where(CampaignRun.campaign_id == campaign.id)
    ).all()
    goals = _goal_times(db, campaign, {r.customer_id for r in rows})
    window = timedelta(days=campaign.goal_window_days)
    groups: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        group = groups[row.variant]
        group["recipients"] += 1
        group["sent"] += row.status in SENT
        group["delivered"] += row.status in DELIVERED
        group["opened"] += row.status == MessageStatus.OPENED
        group["suppressed"] += row.status == MessageStatus.SUPPRESSED
        end = row.assigned_at + window
        group["converted"] += any(row.assigned_at <= t <= end for t in goals[row.customer_id])
    names = [str(v["name"]) for v in campaign.variants] + [CONTROL]
    out = {name: _rates(dict(groups.get(name, {}))) for name in names}
    baseline = out[CONTROL]["conversion_rate"]
    for name in names[:-1]:
        out[name]["uplift"] = (
            round(out[name]["conversion_rate"] - baseline, 4)
            if out[CONTROL]["recipients"]
            else None
        )
    return {"campaign_id": campaign.id, "status": str(campaign.status), "groups": out}


def _goal_times(db: Session, campaign: Campaign, customers: set[str]) -> dict[str, list[Any]]:
    times: dict[str, list[Any]] = defaultdict(list)
    if not customers:
        return times
    found = db.execute(
        select(Event.customer_id, Event.occurred_at).where(
            Event.type == campaign.goal_event, Event.customer_id.in_(customers)
        )
    )
    for customer_id, occurred_at in found:
        times[str(customer_id)].append(occurred_at)
    return times


def _rates(counts: dict[str, int]) -> dict[str, Any]:
    keys = ("recipients", "sent", "delivered", "opened", "suppressed", "converted")
    base = {k: int(counts.get(k, 0)) for k in keys}
    recipients = base["recipients"]
    return {
        **base,
        "conversion_rate": round(base["converted"] / recipients, 4) if recipients else 0.0,
    }


def list_campaigns(db: Session) -> list[Campaign]:
    return list(db.scalars(select(Campaign).order_by(Campaign.created_at.desc())))
