"""The pure core of the journey engine: (journey, state, input) -> (new state, commands).

No database, no clock, no I/O: the caller passes the time and a `Context` that answers what
conditions read about the customer, and carries out the commands it gets back in the same
transaction as the new state. That makes every rule here testable with plain data and
property-based tests (tests/journeys/test_core_properties.py).

Invariants:
- an instance is in exactly one place: `state.step`, with one `status`;
- a terminal instance (completed, exited, failed, skipped) ignores every input but an
  agent's move;
- a timer fires at most once: waiting sets `state.timer` to a fresh token (the visit
  number), firing or leaving the wait clears it, and a timer input whose token is not the
  pending one changes nothing;
- every command carries an idempotency key made of the instance and the visit number, so
  carrying a command out twice (after a crash) has the effect of once;
- exit criteria are checked when an event arrives and before every step runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from firstmile.journeys.definition import ExitOnEvent, Journey
from firstmile.kit.expressions import EvaluationError
from firstmile.kit.time import next_wall_time

ACTIVE, WAITING = "active", "waiting"
COMPLETED, EXITED, FAILED, SKIPPED = "completed", "exited", "failed", "skipped"
LIVE = (ACTIVE, WAITING)
TERMINAL = (COMPLETED, EXITED, FAILED, SKIPPED)
MAX_STEPS_PER_INPUT = 1000  # the definition check forbids loops without a wait; a safety net


@dataclass(frozen=True)
class State:
    instance_id: str
    customer_id: str
    step: str
    status: str
    entered_at: datetime
    seq: int = 0  # visits so far: each step entered adds one
    timer: int | None = None  # token of the pending timer, if waiting for one
    due_at: datetime | None = None
    waiting_for: str | None = None  # the event type a wait_event step waits for
    trigger: Mapping[str, Any] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    variants: Mapping[str, str] = field(default_factory=dict)
    converted_at: datetime | None = None
    outcome: str | None = None
    error: str | None = None
    awaiting: str | None = None  # the key of a domain call whose answer decides the path

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "status": self.status,
            "entered_at": self.entered_at.isoformat(),
            "seq": self.seq,
            "timer": self.timer,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "waiting_for": self.waiting_for,
            "trigger": dict(self.trigger),
            "attributes": dict(self.attributes),
            "variants": dict(self.variants),
            "converted_at": self.converted_at.isoformat() if self.converted_at else None,
            "outcome": self.outcome,
            "error": self.error,
            "awaiting": self.awaiting,
        }

    @classmethod
    def from_json(cls, instance_id: str, customer_id: str, data: Mapping[str, Any]) -> State:
        def when(key: str) -> datetime | None:
            value = data.get(key)
            return datetime.fromisoformat(value) if value else None

        entered = when("entered_at")
        assert entered is not None
        return cls(
            instance_id=instance_id,
            customer_id=customer_id,
            step=data["step"],
            status=data["status"],
            entered_at=entered,
            seq=int(data.get("seq", 0)),
            timer=data.get("timer"),
            due_at=when("due_at"),
            waiting_for=data.get("waiting_for"),
            trigger=data.get("trigger") or {},
            attributes=data.get("attributes") or {},
            variants=data.get("variants") or {},
            converted_at=when("converted_at"),
            outcome=data.get("outcome"),
            error=data.get("error"),
            awaiting=data.get("awaiting"),
        )


# -- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventInput:
    """An event of the instance's customer: {id, type, payload, occurred_at}."""

    event: Mapping[str, Any]


@dataclass(frozen=True)
class TimerInput:
    token: int


@dataclass(frozen=True)
class ActionResult:
    """The answer to a domain call of an action step with an error path: `error` is the
    domain's refusal (None: it was done)."""

    key: str
    error: str | None


@dataclass(frozen=True)
class MoveInput:
    """An agent moves the instance to a step (audited by the caller)."""

    step: str
    actor: str
    reason: str


@dataclass(frozen=True)
class EndInput:
    actor: str
    reason: str


Input = EventInput | TimerInput | ActionResult | MoveInput | EndInput


# -- commands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SendMessage:
    key: str
    purpose: str
    data: dict[str, Any]
    channel: str | None


@dataclass(frozen=True)
class CallAction:
    key: str
    action: str
    args: dict[str, Any]
    report: bool = False  # the answer goes back to the core as an ActionResult


@dataclass(frozen=True)
class CallWebhook:
    key: str
    endpoint: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Record:
    """A journey event for the event log: entered, step, converted, completed, exited,
    moved, failed."""

    kind: str
    step: str
    detail: dict[str, Any] = field(default_factory=dict)


Command = SendMessage | CallAction | CallWebhook | Record


@dataclass(frozen=True)
class Outcome:
    state: State
    commands: list[Command]


@dataclass
class Context:
    """What the shell tells the core: the time, the customer's zone, and lazy facts."""

    now: datetime
    customer: Callable[[], Mapping[str, Any]]
    count: Callable[[Any, Any], int]
    time_zone: Callable[[], str]
    _customer: Mapping[str, Any] | None = None

    def customer_data(self) -> Mapping[str, Any]:
        if self._customer is None:
            self._customer = self.customer()
        return self._customer


class StepFailed(Exception):
    """A step could not run (a condition or value could not be evaluated)."""


# -- entry points -------------------------------------------------------------------------


def start(
    journey: Journey,
    *,
    instance_id: str,
    customer_id: str,
    trigger: Mapping[str, Any],
    ctx: Context,
) -> Outcome:
    """A new instance, woken by its trigger event; `skipped` when the trigger's condition
    says no (nothing is recorded then)."""
    state = State(
        instance_id=instance_id,
        customer_id=customer_id,
        step=journey.source.start,
        status=ACTIVE,
        entered_at=ctx.now,
        trigger=dict(trigger),
    )
    condition = journey.source.trigger.condition
    run = _Run(journey, state, ctx)
    try:
        if condition and not run.test(condition, trigger):
            return Outcome(replace(state, status=SKIPPED), [])
    except StepFailed as exc:
        return Outcome(replace(state, status=SKIPPED, error=str(exc)), [])
    run.commands.append(Record("entered", journey.source.start, {"trigger": trigger.get("type")}))
    run.go(journey.source.start, trigger, came_from=None)
    return run.outcome()


def handle(journey: Journey, state: State, given: Input, ctx: Context) -> Outcome:
    """Apply one input to an instance."""
    run = _Run(journey, state, ctx)
    if isinstance(given, MoveInput):
        if given.step not in journey.steps:
            raise KeyError(given.step)
        run.state = replace(
            state,
            status=ACTIVE,
            timer=None,
            due_at=None,
            waiting_for=None,
            error=None,
            outcome=None,
            awaiting=None,
        )
        run.commands.append(
            Record(
                "moved",
                given.step,
                {"from": state.step, "actor": given.actor, "reason": given.reason},
            )
        )
        run.go(given.step, None, came_from=state.step)
        return run.outcome()
    if state.status not in LIVE:
        return Outcome(state, [])
    if isinstance(given, ActionResult):
        if state.status != ACTIVE or state.awaiting != given.key:
            return Outcome(state, [])
        step = journey.steps[state.step]
        run.state = replace(state, awaiting=None)
        if given.error is None:
            run.go(step.next, None, came_from=state.step)
        else:
            run.via, run.note = "error", {"error": given.error}
            run.go(step.on_error, None, came_from=state.step)
        return run.outcome()
    if isinstance(given, EndInput):
        run.leave(EXITED, "ended_by_agent", {"actor": given.actor, "reason": given.reason})
        return run.outcome()
    if isinstance(given, TimerInput):
        if state.status != WAITING or state.timer is None or state.timer != given.token:
            return Outcome(state, [])  # stale or already fired: never twice
        step = journey.steps[state.step]
        target = step.next if step.type == "wait" else step.on_timeout
        run.state = replace(state, status=ACTIVE, timer=None, due_at=None, waiting_for=None)
        run.via = "timeout" if step.type == "wait_event" else "timer"
        run.go(target, None, came_from=state.step)
        return run.outcome()
    run.on_event(given.event)
    return run.outcome()


def failed(state: State, error: str) -> Outcome:
    """The instance stops where it is: a step kept failing (the shell gave up retrying)."""
    stopped = replace(
        state,
        status=FAILED,
        outcome="error",
        error=error,
        timer=None,
        due_at=None,
        waiting_for=None,
        awaiting=None,
    )
    return Outcome(stopped, [Record("failed", state.step, {"outcome": "error", "error": error})])


def next_time_of_day(now: datetime, hhmm: Any, time_zone: str) -> datetime:
    """The next moment after `now` that the customer's clock shows `hhmm` (a time); across a
    change of clocks, as `kit.time.next_wall_time` says."""
    return next_wall_time(now, hhmm, time_zone)


def bucket(journey_code: str, step_id: str, customer_id: str) -> int:
    """0-99, the same for a customer at a split every time (and across re-entries)."""
    digest = hashlib.sha256(f"{journey_code}:{step_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


# -- the run of one input -----------------------------------------------------------------


class _Run:
    def __init__(self, journey: Journey, state: State, ctx: Context) -> None:
        self.journey, self.state, self.ctx = journey, state, ctx
        self.commands: list[Command] = []
        self.via: str | None = None  # what woke the instance: timer, timeout, event, error
        self.note: dict[str, Any] = {}  # more about it, for the next step's record

    def outcome(self) -> Outcome:
        return Outcome(self.state, self.commands)

    # expressions
    def activation(self, event: Mapping[str, Any] | None) -> dict[str, Any]:
        state = self.state
        activation = _Activation(self.ctx)
        activation.update(
            {
                "event": event or {},
                "trigger": state.trigger,
                "journey": {
                    "step": state.step,
                    "attributes": state.attributes,
                    "variants": state.variants,
                    "entered_at": state.entered_at,
                },
                "now": self.ctx.now,
                "_count": self.ctx.count,
            }
        )
        return activation

    def value(self, source: str, event: Mapping[str, Any] | None) -> Any:
        try:
            return self.journey.program(source).evaluate(self.activation(event))
        except EvaluationError as exc:
            raise StepFailed(f"{source!r}: {exc}") from None

    def test(self, source: str, event: Mapping[str, Any] | None) -> bool:
        value = self.value(source, event)
        if not isinstance(value, bool):
            raise StepFailed(f"{source!r} must give true or false, not {value!r}")
        return value

    def values(self, sources: Mapping[str, str], event: Mapping[str, Any] | None) -> dict[str, Any]:
        return {key: _plain(self.value(src, event)) for key, src in sources.items()}

    # transitions
    def leave(self, status: str, outcome: str, detail: dict[str, Any] | None = None) -> None:
        self.state = replace(
            self.state,
            status=status,
            outcome=outcome,
            timer=None,
            due_at=None,
            waiting_for=None,
            awaiting=None,
        )
        kind = {COMPLETED: "completed", EXITED: "exited", FAILED: "failed"}[status]
        self.commands.append(Record(kind, self.state.step, {"outcome": outcome, **(detail or {})}))

    def exit_condition_met(self, event: Mapping[str, Any] | None) -> str | None:
        for criterion in self.journey.source.exit:
            if not isinstance(criterion, ExitOnEvent) and self.test(criterion.condition, event):
                return criterion.condition
        return None

    def on_event(self, event: Mapping[str, Any]) -> None:
        journey, state = self.journey, self.state
        try:
            for criterion in journey.source.exit:
                if (
                    isinstance(criterion, ExitOnEvent)
                    and criterion.event == event.get("type")
                    and (criterion.match is None or self.test(criterion.match, event))
                ):
                    self.leave(EXITED, "exit_event", {"event": criterion.event})
                    return
            goal = journey.source.goal
            if (
                goal is not None
                and state.converted_at is None
                and goal.event == event.get("type")
                and self.ctx.now - state.entered_at <= journey.duration(goal.within)
                and (goal.match is None or self.test(goal.match, event))
            ):
                self.state = replace(self.state, converted_at=self.ctx.now)
                self.commands.append(Record("converted", state.step, {"event": goal.event}))
                if goal.exit:
                    self.leave(COMPLETED, "goal")
                    return
            step = journey.steps[state.step]
            if (
                state.status == WAITING
                and step.type == "wait_event"
                and step.event == event.get("type")
                and (step.match is None or self.test(step.match, event))
            ):
                self.state = replace(
                    self.state, status=ACTIVE, timer=None, due_at=None, waiting_for=None
                )
                self.via = "event"
                self.go(step.on_event, event, came_from=state.step)
        except StepFailed as exc:
            self.fail(exc)

    def fail(self, exc: StepFailed) -> None:
        self.state = replace(self.state, error=str(exc))
        self.leave(FAILED, "error", {"error": str(exc)})

    def go(self, step_id: str, event: Mapping[str, Any] | None, *, came_from: str | None) -> None:
        try:
            self._go(step_id, event, came_from)
        except StepFailed as exc:
            self.fail(exc)

    def _go(self, step_id: str, event: Mapping[str, Any] | None, came_from: str | None) -> None:
        journey = self.journey
        for _ in range(MAX_STEPS_PER_INPUT):
            step = journey.steps[step_id]
            seq = self.state.seq + 1
            self.state = replace(self.state, step=step_id, seq=seq, status=ACTIVE)
            detail = {"from": came_from, "seq": seq, "phase": step.phase}
            if self.via is not None:
                detail["via"], self.via = self.via, None
                detail.update(self.note)
                self.note = {}
            self.commands.append(Record("step", step_id, detail))
            reason = self.exit_condition_met(event)
            if reason is not None:
                self.leave(EXITED, "exit_condition", {"condition": reason})
                return
            key = f"journey:{self.state.instance_id}:{seq}"
            nxt: str | None = getattr(step, "next", None)
            kind = step.type
            if kind == "message":
                self.commands.append(
                    SendMessage(key, step.purpose, self.values(step.data, event), step.channel)
                )
            elif kind == "action":
                args = self.values(step.args, event)
                if step.on_error:  # the answer decides the path: stop here until it comes
                    self.commands.append(CallAction(key, step.action, args, report=True))
                    self.state = replace(self.state, awaiting=key)
                    return
                self.commands.append(CallAction(key, step.action, args))
            elif kind == "webhook":
                self.commands.append(
                    CallWebhook(key, step.endpoint, self.values(step.payload, event))
                )
            elif kind == "set":
                attributes = {
                    **self.state.attributes,
                    step.attribute: _plain(self.value(step.value, event)),
                }
                self.state = replace(self.state, attributes=attributes)
            elif kind == "branch":
                nxt = next((c.next for c in step.cases if self.test(c.when, event)), step.otherwise)
            elif kind == "split":
                nxt = self._split(step)
            elif kind == "wait":
                due = (
                    self.ctx.now + journey.duration(step.duration)
                    if step.duration
                    else next_time_of_day(
                        self.ctx.now, journey.times[step.until], self.ctx.time_zone()
                    )
                )
                self.state = replace(self.state, status=WAITING, timer=seq, due_at=due)
                return
            elif kind == "wait_event":
                due = self.ctx.now + journey.duration(step.timeout)
                self.state = replace(
                    self.state, status=WAITING, timer=seq, due_at=due, waiting_for=step.event
                )
                return
            elif kind == "end":
                self.leave(COMPLETED, step.outcome)
                return
            assert nxt is not None
            came_from, step_id = step_id, nxt
        raise StepFailed(f"more than {MAX_STEPS_PER_INPUT} steps without a wait")

    def _split(self, step: Any) -> str:
        point = bucket(self.journey.code, step.id, self.state.customer_id)
        total = 0
        chosen = step.variants[-1]
        for variant in step.variants:
            total += variant.weight
            if point < total:
                chosen = variant
                break
        variants = {**self.state.variants, step.id: chosen.name}
        self.state = replace(self.state, variants=variants)
        self.commands.append(
            Record("variant", step.id, {"variant": chosen.name, "holdout": chosen.holdout})
        )
        return str(chosen.next)


class _Activation(dict[str, Any]):
    """What an expression reads; the customer's facts are loaded only if it reads them."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def __missing__(self, key: str) -> Any:
        if key != "customer":
            raise KeyError(key)
        self[key] = value = self.ctx.customer_data()
        return value


def _plain(value: Any) -> Any:
    """Values kept in state and command arguments are JSON data."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
