"""Care: set-up tutorials for what the customer has, their progress, and help requests.

Imported as `from firstmile.care import service as care_service`. Functions take `db` first,
never commit, and record their events in the caller's transaction.

Which tutorials a customer sees follows from what they hold: their services in the
provisioning domain, and the items of orders still awaiting their signature (no service
exists for those yet). A step that needs an active service is locked until one of the
tutorial's matching services is active in the provisioning domain, which sets it in the
transaction that records `service.activated`; the lock is computed on every read and never
stored here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from firstmile.auth.scopes import Actor
from firstmile.care import events
from firstmile.care import repository as repo
from firstmile.care.models import HelpRequest, HelpRequestStatus, Tutorial, TutorialProgress
from firstmile.care.pack import image_path
from firstmile.catalog import service as catalog_service
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.orders import service as orders_service
from firstmile.orders.models import OrderKind, OrderStatus
from firstmile.packs import loader as packs
from firstmile.provisioning import decompose
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.models import ServiceStatus

ORDERED = "ordered"  # the status of a holding whose order awaits signature (no service yet)
GONE = frozenset({ServiceStatus.TERMINATED})
NOTE_MAX = 2000
MAX_OPEN_HELP_REQUESTS = 5


@dataclass(frozen=True, slots=True)
class Holding:
    """One thing the customer has (or has ordered) that a tutorial may be for."""

    kind: str
    device_model: str | None
    sim_type: str | None
    service_id: str | None
    status: str

    @property
    def active(self) -> bool:
        return self.status == ServiceStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class CustomerTutorial:
    """A tutorial as one customer sees it."""

    tutorial: Tutorial
    holdings: tuple[Holding, ...]  # the customer's holdings it is for; never empty
    progress: TutorialProgress | None

    @property
    def service_active(self) -> bool:
        return any(h.active for h in self.holdings)

    @property
    def holding(self) -> Holding:
        """The holding a help request describes: an active one first, else the first."""
        return next((h for h in self.holdings if h.active), self.holdings[0])

    def locked(self, step: int) -> bool:
        needs = bool(self.tutorial.steps[step - 1].get("needs_active_service"))
        return needs and not self.service_active

    def done(self, step: int) -> bool:
        return self.progress is not None and step in self.progress.completed_steps

    @property
    def resume_step(self) -> int:
        count = len(self.tutorial.steps)
        if self.progress is None:
            return 1
        return min(max(self.progress.current_step, 1), count)


def holdings_of(db: Session, customer_id: str) -> list[Holding]:
    """The customer's services (not terminated), then what their unsigned orders will add."""
    found = [
        Holding(
            kind=str(s.kind),
            device_model=s.device_model,
            sim_type=s.sim_type,
            service_id=s.id,
            status=str(s.status),
        )
        for s in provisioning_service.services(db, customer_id=customer_id)
        if s.status not in GONE
    ]
    orders, _total = orders_service.search_orders(
        db, customer_id=customer_id, status=OrderStatus.AWAITING_SIGNATURE, limit=20
    )
    for order in orders:
        if order.kind != OrderKind.NEW:
            continue
        for item in order.items:
            holding = _ordered_holding(db, item.offering_code, item.options or {})
            if holding is not None:
                found.append(holding)
    return found


def _ordered_holding(db: Session, offering_code: str, options: dict[str, Any]) -> Holding | None:
    """What provisioning will build for an ordered item, by its own decomposition rules."""
    try:
        spec = catalog_service.offering(db, offering_code).service_spec or {}
    except NotFound:
        return None
    if not spec.get("kind"):
        return None  # an add-on: no service of its own
    request = decompose.ItemRequest(item_id="", offering_code=offering_code, options=options)
    try:
        kind = decompose.service_kind(spec)
        sim_type = decompose.sim_type_for(request, spec) if kind == "mobile" else None
        device = None if kind == "mobile" else decompose.device_model_for(request, spec)
    except InvalidInput:
        return None
    return Holding(str(kind), device, sim_type, None, ORDERED)


def matches(tutorial: Tutorial, holding: Holding) -> bool:
    rule = tutorial.applies_to
    if holding.kind not in rule.get("services", []):
        return False
    models = rule.get("device_models") or []
    if models and holding.device_model not in models:
        return False
    sims = rule.get("sim_types") or []
    return not sims or holding.sim_type in sims


def tutorials_for(db: Session, customer_id: str) -> list[CustomerTutorial]:
    """The tutorials for what the customer has, in the pack's order, with their progress."""
    holdings = holdings_of(db, customer_id)
    progress = {p.tutorial_code: p for p in repo.progress_of_customer(db, customer_id)}
    out = []
    for tutorial in repo.tutorials(db):
        mine = tuple(h for h in holdings if matches(tutorial, h))
        if mine:
            out.append(CustomerTutorial(tutorial, mine, progress.get(tutorial.code)))
    return out


def tutorial_for(db: Session, customer_id: str, code: str) -> CustomerTutorial:
    """One tutorial for the customer; NotFound unless it is for something they have."""
    tutorial = repo.tutorial(db, code)
    if tutorial is None:
        raise NotFound("tutorial", code)
    mine = tuple(h for h in holdings_of(db, customer_id) if matches(tutorial, h))
    if not mine:
        raise NotFound("tutorial", code)
    return CustomerTutorial(tutorial, mine, repo.progress(db, customer_id, code))


def _step_number(seen: CustomerTutorial, step: int) -> int:
    if not 1 <= step <= len(seen.tutorial.steps):
        raise NotFound("tutorial step", f"{seen.tutorial.code}/{step}")
    return step


def _progress_row(db: Session, customer_id: str, code: str) -> TutorialProgress:
    """The customer's row for the tutorial; made on first use (a concurrent first use that
    wins is read back instead)."""
    found = repo.progress(db, customer_id, code)
    if found is not None:
        return found
    row = TutorialProgress(customer_id=customer_id, tutorial_code=code, completed_steps=[])
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        found = repo.progress(db, customer_id, code)
        if found is None:
            raise
        return found
    return row


def complete_step(
    db: Session, customer_id: str, code: str, step: int, *, actor: Actor
) -> CustomerTutorial:
    """Mark a step done and move on to the next step not done yet; Conflict while the step
    is locked. The last step done completes the tutorial (recorded once)."""
    seen = tutorial_for(db, customer_id, code)
    _step_number(seen, step)
    if seen.locked(step):
        raise Conflict("this step unlocks once your service is active")
    row = _progress_row(db, customer_id, code)
    done = sorted({*row.completed_steps, step})
    count = len(seen.tutorial.steps)
    row.completed_steps = done  # a new list: JSON columns notice reassignment only
    row.current_step = next(
        (n for n in [*range(step + 1, count + 1), *range(1, step)] if n not in done), step
    )
    if len(done) == count and row.completed_at is None:
        row.completed_at = utcnow()
        db.flush()
        eventlog_service.record(
            db,
            events.TUTORIAL_COMPLETED,
            actor=actor.ref,
            customer_id=customer_id,
            subject_id=row.id,
            payload={"tutorial": code, "steps": count},
        )
    db.flush()
    return CustomerTutorial(seen.tutorial, seen.holdings, row)


def restart(db: Session, customer_id: str, code: str) -> CustomerTutorial:
    """Start the tutorial over: no step done, back at step 1."""
    seen = tutorial_for(db, customer_id, code)
    row = _progress_row(db, customer_id, code)
    row.completed_steps, row.current_step, row.completed_at = [], 1, None
    db.flush()
    return CustomerTutorial(seen.tutorial, seen.holdings, row)


# --- help requests ----------------------------------------------------------------------


def request_help(
    db: Session, customer_id: str, code: str, step: int, *, note: str, actor: Actor
) -> HelpRequest:
    """A help request for a step, with its context: tutorial, step, device, service status.

    InvalidInput on `note` when it is too long; Conflict when the customer already has
    `MAX_OPEN_HELP_REQUESTS` open requests (agents will contact them about those)."""
    seen = tutorial_for(db, customer_id, code)
    _step_number(seen, step)
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(f"must be at most {NOTE_MAX} characters", field="note")
    if "\x00" in text:
        raise InvalidInput("must not contain the NUL character", field="note")
    if repo.count_open_of(db, customer_id) >= MAX_OPEN_HELP_REQUESTS:
        raise Conflict("you already have several open help requests; we will contact you")
    holding = seen.holding
    request = HelpRequest(
        customer_id=customer_id,
        tutorial_code=code,
        step=step,
        device_model=holding.device_model,
        service_id=holding.service_id,
        service_status=holding.status,
        note=text,
        context={
            "tutorial_title": dict(seen.tutorial.title),
            "step_title": dict(seen.tutorial.steps[step - 1]["title"]),
            "sim_type": holding.sim_type,
            "service_kind": holding.kind,
            "steps_done": list(seen.progress.completed_steps) if seen.progress else [],
        },
        status=HelpRequestStatus.OPEN,
        created_at=utcnow(),
    )
    db.add(request)
    db.flush()
    eventlog_service.record(
        db,
        events.HELP_REQUESTED,
        actor=actor.ref,
        customer_id=customer_id,
        subject_id=request.id,
        payload={
            "help_request_id": request.id,
            "tutorial": code,
            "step": step,
            "device_model": holding.device_model,
            "service_id": holding.service_id,
            "service_status": holding.status,
        },
    )
    return request


def help_request(db: Session, help_request_id: str) -> HelpRequest:
    found = repo.help_request(db, help_request_id)
    if found is None:
        raise NotFound("help request", help_request_id)
    return found


def help_requests_of(db: Session, customer_id: str, *, limit: int = 100) -> list[HelpRequest]:
    """The customer's help requests, newest first."""
    return repo.help_requests_of(db, customer_id, limit=limit)


def open_help_requests(db: Session, *, limit: int = 100, offset: int = 0) -> list[HelpRequest]:
    """Every open help request, oldest first (the agents' queue)."""
    return repo.open_help_requests(db, limit=limit, offset=offset)


def close_help_request(
    db: Session, help_request_id: str, *, resolution: str, actor: Actor
) -> HelpRequest:
    """An agent closes the request with what was done; Conflict when already closed."""
    request = help_request(db, help_request_id)
    if request.status == HelpRequestStatus.CLOSED:
        raise Conflict("the help request is already closed")
    if len(resolution) > NOTE_MAX:
        raise InvalidInput(f"must be at most {NOTE_MAX} characters", field="resolution")
    request.status = HelpRequestStatus.CLOSED
    request.closed_at, request.closed_by = utcnow(), actor.ref
    request.resolution = resolution.strip()
    db.flush()
    eventlog_service.record(
        db,
        events.HELP_CLOSED,
        actor=actor.ref,
        customer_id=request.customer_id,
        subject_id=request.id,
        payload={"help_request_id": request.id, "tutorial": request.tutorial_code},
    )
    return request


def tutorial_titles(db: Session, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The titles ({locale: text}) of the tutorials in force among `codes`."""
    wanted = set(codes)
    return {t.code: dict(t.title) for t in repo.tutorials(db) if t.code in wanted}


def tutorial_image(db: Session, code: str, name: str) -> bytes | None:
    """The SVG drawing `name` of a tutorial in the pack in force; None unless one of the
    tutorial's steps shows it."""
    tutorial = repo.tutorial(db, code)
    pack = packs.current(db)
    if tutorial is None or pack is None:
        return None
    used = {(s.get("image") or {}).get("file") for s in tutorial.steps}
    if name not in used:
        return None
    path = image_path(pack.path, name)
    return path.read_bytes() if path is not None else None
