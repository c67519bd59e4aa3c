"""The portal home (`/portal`): the onboarding tracker over activation, usage and loyalty.

`track(facts)` is the one place that decides every step's state and what happens next. It is
pure (a `Facts` snapshot in, a `Tracker` out), so its rules are tested without HTTP;
`onboarding_facts.gather` reads the snapshot from the domains (customers, kyc, catalog,
orders, contracts, provisioning, appointments, billing), the event log and the customer's
onboarding journey.

The next action is the first thing the customer can do now, in step order; when there is
nothing for them to do, it is what we are doing and when they will hear from us.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from firstmile.kit.http import Db
from firstmile.kit.i18n import later as _
from firstmile.orders.models import OrderStatus
from firstmile.web.locale import Formats
from firstmile.web.pages import PageRoute, PortalCustomer, render, translator
from firstmile.web.portal import activation

router = APIRouter(route_class=PageRoute, include_in_schema=False)

DONE, CURRENT, TODO, BLOCKED = "done", "current", "todo", "blocked"
LIVE = frozenset({"active", "awaiting_self_activation"})  # the network's work is over
SIGNED = frozenset({"signed", "sealed"})
# Journey steps (the demo packs' onboarding journeys) that mark a usage or loyalty milestone
# as reached, the wait steps before each, and when it falls, counted from the activation,
# for a customer whose journey does not say (none running, or not waiting for it yet).
MILESTONES: tuple[tuple[str, str, str, frozenset[str], int], ...] = (
    ("usage", "day3", "day3_done", frozenset({"wait_day3", "morning_day3"}), 3),
    ("usage", "day14", "day14_done", frozenset({"wait_day14", "morning_day14"}), 14),
    (
        "usage",
        "first_bill",
        "first_bill_explained",
        frozenset({"wait_first_bill", "morning_first_bill"}),
        25,
    ),
    ("loyalty", "nps", "nps_survey", frozenset({"wait_nps", "morning_nps"}), 30),
    ("loyalty", "offer", "loyalty_done", frozenset({"wait_offer", "morning_offer"}), 40),
)


# Texts too long for one line where they are used (one literal each, so they can be found).
DELAYED = _(
    "Your activation takes longer than expected. Our team is on it and will keep you posted."
)
ROUTER = _(
    "Your router is on its way and your line is being connected; we'll tell you when it is ready."
)
SUPPLY = _("We are arranging the switch from your current supplier; we'll tell you the start date.")
SIM_ON_ITS_WAY = _(
    "Your SIM card is on its way: when it arrives, activate it with the code printed on it."
)
IN_REVIEW_BY = _(
    "Your identity documents are being reviewed; usually within {hours} hours (by {date}, {time})."
)


Value = str | int | date | datetime


@dataclass(frozen=True, slots=True)
class Text:
    message: str
    values: Mapping[str, Value] = field(default_factory=dict)


def text(message: str, **values: Value) -> Text:
    return Text(message, values)


@dataclass(frozen=True, slots=True)
class Action:
    text: Text
    href: str | None = None
    by_you: bool = False  # the customer acts; otherwise we do, and say when they hear from us


@dataclass(frozen=True, slots=True)
class Step:
    code: str
    title: str
    state: str
    action: Action | None = None


@dataclass(frozen=True, slots=True)
class Phase:
    code: str
    title: str
    state: str
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Tracker:
    phases: tuple[Phase, ...]
    next: Action
    also: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    id: str
    kind: str  # mobile | broadband | tv | electricity | gas
    status: str  # provisioning's ServiceStatus
    sim_type: str | None = None
    technician: str = "none"  # required | optional | none
    visit_at: datetime | None = None  # the booked technician visit
    delayed: bool = False  # a service order fell out; an agent works on it
    switch_date: date | None = None  # energy: the day the supply switches
    esim_code_issued: bool = False


@dataclass(frozen=True, slots=True)
class Facts:
    now: datetime
    contact_verified: bool = False
    kyc_status: str | None = None  # kyc's VerificationStatus of the latest verification
    kyc_review_due: datetime | None = None
    review_hours: int = 24
    open_quote_id: str | None = None
    order_id: str | None = None  # the onboarding order: the newest new order not cancelled
    contract_id: str | None = None
    contract_status: str | None = None
    services: tuple[ServiceFacts, ...] = ()
    billing_account: bool = False
    payment_method: bool = False
    first_bill_on: date | None = None
    activated_at: datetime | None = None
    journey_steps: frozenset[str] = frozenset()
    journey_step: str | None = None
    journey_due_at: datetime | None = None
    journey_running: bool = False
    support: str = ""


StepRule = Callable[[Facts], tuple[str, Action | None]]


def _contact(f: Facts) -> tuple[str, Action | None]:
    if f.contact_verified:
        return DONE, None
    message = _("Confirm your email address or mobile number with the code we sent you.")
    return CURRENT, Action(text(message), "/portal/verify", by_you=True)


def _identity(f: Facts) -> tuple[str, Action | None]:
    upload = Action(
        text(
            _("Confirm your identity: upload a photo of your ID document. It takes a few minutes.")
        ),
        "/portal/identity",
        by_you=True,
    )
    match f.kyc_status:
        case "approved":
            return DONE, None
        case "rejected":
            message = _("We could not confirm your identity. Please contact us: {support}.")
            return BLOCKED, Action(text(message, support=f.support), by_you=True)
        case "in_review" if f.kyc_review_due is not None:
            message = IN_REVIEW_BY
            due = f.kyc_review_due
            return CURRENT, Action(text(message, hours=f.review_hours, date=due, time=due))
        case "in_review":
            message = _("Your identity documents are being reviewed; usually within {hours} hours.")
            return CURRENT, Action(text(message, hours=f.review_hours))
        case "info_requested":
            message = _("We need a little more to confirm your identity: see what to send.")
            return CURRENT, Action(text(message), "/portal/identity", by_you=True)
        case "awaiting_documents":
            return CURRENT, upload
    if f.order_id is None:
        return TODO, None  # asked for once the customer orders
    return CURRENT, upload


def _plan(f: Facts) -> tuple[str, Action | None]:
    if f.order_id is not None:
        return DONE, None
    if f.open_quote_id is not None:
        message = _("Your quote is ready: check the prices and place your order.")
        return CURRENT, Action(text(message), f"/portal/plan?quote={f.open_quote_id}", True)
    message = _("Choose your plan: see what is available at your address and what it costs.")
    return CURRENT, Action(text(message), "/portal/plan", by_you=True)


def _contract(f: Facts) -> tuple[str, Action | None]:
    if f.order_id is None:
        return TODO, None
    if f.contract_status in SIGNED:
        return DONE, None
    href = f"/portal/contract/{f.contract_id}" if f.contract_id else "/portal/contract"
    if f.contract_status == "ready":
        message = _("Sign your contract: read it, then confirm with a one-time code we send you.")
        return CURRENT, Action(text(message), href, by_you=True)
    message = _("Your contract is being prepared; it is usually ready within a minute.")
    return CURRENT, Action(text(message), href)


def _service_news(s: ServiceFacts, now: datetime) -> Text:
    """What is going on with one service the network is still working on."""
    if s.delayed:
        return text(DELAYED)
    if s.visit_at is not None and s.visit_at >= now:
        return text(
            _("Your technician visits on {date} at {time}."), date=s.visit_at, time=s.visit_at
        )
    if s.technician == "required" and s.visit_at is None:
        return text(_("We are booking your technician visit; we'll send you the date."))
    if s.kind == "mobile" and s.sim_type == "esim":
        return text(_("Your eSIM is being prepared; we'll tell you when it is ready."))
    if s.kind == "mobile":
        return text(_("Your SIM is being activated; we'll tell you when it is ready."))
    if s.kind == "broadband":
        return text(ROUTER)
    if s.kind == "tv":
        return text(_("Your TV box is on its way; we'll tell you when TV is ready."))
    if s.kind in ("electricity", "gas") and s.switch_date is not None:
        return text(_("Your supply starts on {date}."), date=s.switch_date)
    if s.kind in ("electricity", "gas"):
        return text(SUPPLY)
    return text(_("Your service is being activated; we'll tell you when it is ready."))


def _activation(f: Facts) -> tuple[str, Action | None]:
    if f.order_id is None or f.contract_status not in SIGNED:
        return TODO, None
    waiting = [s for s in f.services if s.status not in LIVE]
    if f.services and not waiting:
        return DONE, None
    if not waiting:
        message = _("We have started activating your service; we'll tell you when it is ready.")
        return CURRENT, Action(text(message), "/portal/activation")
    first = sorted(waiting, key=lambda s: (not s.delayed, s.visit_at is None))[0]
    return CURRENT, Action(_service_news(first, f.now), "/portal/activation")


def _billing(f: Facts) -> tuple[str, Action | None]:
    if f.billing_account and f.payment_method:
        return DONE, None
    if f.order_id is None:
        return TODO, None
    if f.first_bill_on is not None:
        message = _("Set up how you pay before your first bill on {date}.")
        return CURRENT, Action(text(message, date=f.first_bill_on), "/portal/payment", True)
    message = _("Set up how you pay: direct debit or card.")
    return CURRENT, Action(text(message), "/portal/payment", by_you=True)


def _setup(f: Facts) -> tuple[str, Action | None]:
    if _activation(f)[0] != DONE:
        return TODO, None
    if any(s.status == "awaiting_self_activation" for s in f.services):
        return CURRENT, Action(text(SIM_ON_ITS_WAY), "/portal/activation", by_you=True)
    if any(s.sim_type == "esim" and not s.esim_code_issued for s in f.services):
        message = _("Install your eSIM: scan its QR code with your phone.")
        return CURRENT, Action(text(message), "/portal/activation", by_you=True)
    return DONE, None


MILESTONE_TEXTS = {
    "day3": _("We'll check in with you around {date} to see that everything works."),
    "day14": _("We'll check in again around {date}."),
    "first_bill": _("We'll explain your first bill around {date}, before it arrives."),
    "nps": _("Around {date} we'll ask how likely you are to recommend us."),
    "offer": _("Around {date} we may send you an offer picked for you."),
}
MILESTONE_TITLES = {
    "day3": _("First check-in"),
    "day14": _("Day-14 check-in"),
    "first_bill": _("First bill explained"),
    "nps": _("Your opinion"),
    "offer": _("Loyalty offer"),
}
HREFS = {"first_bill": "/portal/billing"}


def _milestone(
    code: str, reached: str, waits: frozenset[str], days: int, after: str | None
) -> StepRule:
    """A usage or loyalty milestone: done once the journey passed `reached`; the next one
    (the one after the milestone `after` was reached) says when it comes."""

    def rule(f: Facts) -> tuple[str, Action | None]:
        if reached in f.journey_steps:
            return DONE, None
        if _setup(f)[0] == TODO or f.activated_at is None:
            return TODO, None
        if after is not None and after not in f.journey_steps:
            return TODO, None
        due: date | datetime = f.activated_at + timedelta(days=days)
        if f.journey_step in waits and f.journey_due_at is not None:
            due = f.journey_due_at
        elif f.journey_steps and not f.journey_running:
            return TODO, None  # the journey ended before this milestone: nothing is planned
        return CURRENT, Action(text(MILESTONE_TEXTS[code], date=due), HREFS.get(code))

    return rule


def _milestones(phase: str) -> tuple[tuple[str, str, StepRule], ...]:
    before = [None, *(m[2] for m in MILESTONES[:-1])]
    return tuple(
        (code, MILESTONE_TITLES[code], _milestone(code, reached, waits, days, after))
        for (in_phase, code, reached, waits, days), after in zip(MILESTONES, before, strict=True)
        if in_phase == phase
    )


PHASES: tuple[tuple[str, str, tuple[tuple[str, str, StepRule], ...]], ...] = (
    (
        "activation",
        _("Activation"),
        (
            ("contact", _("Contact verified"), _contact),
            ("identity", _("Identity checked"), _identity),
            ("plan", _("Plan chosen"), _plan),
            ("contract", _("Contract signed"), _contract),
            ("activation", _("Service activated"), _activation),
            ("billing", _("Billing set up"), _billing),
        ),
    ),
    ("usage", _("Usage"), (("setup", _("Set-up done"), _setup), *_milestones("usage"))),
    ("loyalty", _("Loyalty"), _milestones("loyalty")),
)
ALL_SET = Action(text(_("You're all set. Thank you for choosing us.")))


def track(facts: Facts) -> Tracker:
    """Every step's state and what happens next, from the facts alone."""
    phases: list[Phase] = []
    actions: list[Action] = []
    current_seen = False
    for code, title, rules in PHASES:
        steps = []
        for step_code, step_title, rule in rules:
            state, action = rule(facts)
            steps.append(Step(step_code, step_title, state, action))
            if action is not None:
                actions.append(action)
        done = all(s.state == DONE for s in steps)
        state = DONE if done else (TODO if current_seen else CURRENT)
        current_seen = current_seen or not done
        phases.append(Phase(code, title, state, tuple(steps)))
    yours = [a for a in actions if a.by_you]
    ordered = yours + [a for a in actions if not a.by_you]
    if not ordered:
        return Tracker(tuple(phases), ALL_SET, ())
    return Tracker(tuple(phases), ordered[0], tuple(ordered[1:]))


def say(locale: str, fmt: Formats) -> Callable[[Text], str]:
    """Translate a Text and format its values for the page (dates long, times short)."""
    translate = translator(locale)

    def render_text(item: Text) -> str:
        values: dict[str, Any] = {}
        for key, value in item.values.items():
            if isinstance(value, datetime) and key == "time":
                values[key] = fmt.time(value)
            elif isinstance(value, date):
                values[key] = fmt.date(value, "long")
            elif isinstance(value, int):
                values[key] = fmt.number(value)
            else:
                values[key] = value
        return translate(item.message, **values)

    return render_text


@router.get("/portal", response_class=HTMLResponse)
def home(request: Request, db: Db, me: PortalCustomer) -> HTMLResponse:
    locale: str = request.state.locale
    from firstmile.web.portal import onboarding_facts  # it builds this module's Facts

    facts = onboarding_facts.gather(db, me, locale)
    order = activation.onboarding_order(db, me)
    return render(
        request,
        "portal/onboarding.html",
        {
            "tracker": track(facts),
            "say": say(locale, Formats(locale, me.time_zone)),
            "activation": (
                activation.view(db, me, order, locale)
                if order is not None and order.status != OrderStatus.AWAITING_SIGNATURE
                else None
            ),
        },
    )
