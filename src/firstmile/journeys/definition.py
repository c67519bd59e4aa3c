"""The journey definition format: the YAML an operator writes, its JSON Schema, its checks.

One file of a pack's `journeys/` folder holds one journey:

    code: telco_onboarding
    name: Telco onboarding
    trigger: {event: order.placed, reentry: never}       # or {segment: code}; {after_days: 30}
    goal: {event: service.activated, within: 14d}         # conversion, counted per step
    exit:                                                 # checked at every step
      - event: order.cancelled
      - condition: customer.status == "closed"
    start: welcome
    steps:
      - {id: welcome, phase: activation, type: message, purpose: welcome, next: wait_sign}
      - id: wait_sign
        phase: activation
        type: wait_event
        event: contract.signed
        match: event.payload.order_id == trigger.payload.order_id
        timeout: 24h
        on_event: signed
        on_timeout: nudge_sign
      ...

Step types: message, action, set, webhook (do something, then `next`); wait (a `duration`,
or `until` a time of day in the customer's zone); wait_event (an event with a timeout and a
path for each outcome); branch (`cases` of conditions, `otherwise`); split (weighted
variants, deterministic per customer, one of them may be a holdout); merge (where paths
join; several steps may also simply name the same `next`); end. Every step carries its
phase: activation, usage or loyalty.

The pydantic models below are the one source of the format: the loader validates with them
and `json_schema()` publishes them (docs/journey.schema.json, GET /api/journeys/schema).
`compile_journey` then checks what a schema cannot (targets exist, every step reachable,
every loop passes a wait, conditions compile) and compiles each expression once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from firstmile.kit.expressions import CompileError, Environment, Function, Program
from firstmile.kit.expressions import parse_duration as _parse_duration

STEP_ID = r"^[a-z][a-z0-9_]{0,59}$"
Phase = Literal["activation", "usage", "loyalty"]
# The names a journey expression may read (see facts.py for what each holds).
NAMES = ("customer", "event", "trigger", "journey", "now")


def _count_stub(activation: dict[str, Any], event_type: Any, window: Any = None) -> int:
    counter = activation["_count"]
    return int(counter(event_type, window))


ENVIRONMENT = Environment(
    names=NAMES, functions=[Function("count", (1, 2), _count_stub, context=True)]
)


def parse_duration(text: str) -> timedelta:
    """'90s', '15m', '24h', '3d', '2w' (a CEL duration literal is also accepted)."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        if unit == "w":
            return timedelta(weeks=amount)
        return _parse_duration(f"{amount}{unit}")
    return _parse_duration(text)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Duration = Annotated[
    str, Field(pattern=r"^\s*\d+\s*[smhdw]\s*$", description="e.g. 90s, 15m, 24h, 3d, 2w")
]
Expression = Annotated[
    str, Field(min_length=1, max_length=4000, description="a condition (CEL subset)")
]
StepRef = Annotated[str, Field(pattern=STEP_ID)]


class ReentryAfter(_Strict):
    after_days: int = Field(ge=1, le=3650)


class Trigger(_Strict):
    event: str | None = Field(default=None, description="an event type that starts the journey")
    segment: str | None = Field(default=None, description="entering this segment starts it")
    condition: Expression | None = None
    reentry: Literal["never", "always"] | ReentryAfter = "never"


class Goal(_Strict):
    event: str
    within: Duration = "30d"
    match: Expression | None = None
    exit: bool = Field(default=False, description="leave the journey when the goal is reached")


class ExitOnEvent(_Strict):
    event: str
    match: Expression | None = None


class ExitOnCondition(_Strict):
    condition: Expression


class _Step(_Strict):
    id: str = Field(pattern=STEP_ID)
    phase: Phase
    name: str | None = Field(default=None, max_length=200)


class MessageStep(_Step):
    type: Literal["message"]
    purpose: str = Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")
    data: dict[str, Expression] = Field(default_factory=dict)
    channel: Literal["email", "sms", "push", "inapp"] | None = None
    next: StepRef


class ActionStep(_Step):
    type: Literal["action"]
    action: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    args: dict[str, Expression] = Field(default_factory=dict)
    next: StepRef
    on_error: StepRef | None = Field(
        default=None,
        description="where to go when the domain refuses the call (e.g. no free slot); "
        "without it the step is retried and the instance fails after the last attempt",
    )


class SetStep(_Step):
    type: Literal["set"]
    attribute: str = Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")
    value: Expression
    next: StepRef


class WebhookStep(_Step):
    type: Literal["webhook"]
    endpoint: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,59}$", description="an endpoint name from settings"
    )
    payload: dict[str, Expression] = Field(default_factory=dict)
    next: StepRef


class WaitStep(_Step):
    type: Literal["wait"]
    duration: Duration | None = None
    until: str | None = Field(
        default=None,
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="HH:MM in the customer's time zone",
    )
    next: StepRef


class WaitEventStep(_Step):
    type: Literal["wait_event"]
    event: str
    match: Expression | None = None
    timeout: Duration
    on_event: StepRef
    on_timeout: StepRef


class Case(_Strict):
    when: Expression
    next: StepRef


class BranchStep(_Step):
    type: Literal["branch"]
    cases: list[Case] = Field(min_length=1)
    otherwise: StepRef


class Variant(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    weight: int = Field(ge=0, le=100)
    next: StepRef
    holdout: bool = False


class SplitStep(_Step):
    type: Literal["split"]
    variants: list[Variant] = Field(min_length=2)


class MergeStep(_Step):
    type: Literal["merge"]
    next: StepRef


class EndStep(_Step):
    type: Literal["end"]
    outcome: str = Field(default="completed", pattern=r"^[a-z][a-z0-9_]{0,39}$")


Step = Annotated[
    MessageStep
    | ActionStep
    | SetStep
    | WebhookStep
    | WaitStep
    | WaitEventStep
    | BranchStep
    | SplitStep
    | MergeStep
    | EndStep,
    Field(discriminator="type"),
]
WAITS = ("wait", "wait_event")


class JourneyFile(_Strict):
    """One journey, as written in a pack's journeys/<code>.yaml."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="firstmile journey",
        json_schema_extra={"$id": "https://firstmile.dev/schemas/journey.json"},
    )

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    trigger: Trigger
    goal: Goal | None = None
    exit: list[ExitOnEvent | ExitOnCondition] = Field(default_factory=list)
    start: StepRef
    steps: list[Step] = Field(min_length=1)


def json_schema() -> dict[str, Any]:
    schema = JourneyFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


# -- compiling ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A check that failed; `loc` is the path in the file (for the line number)."""

    loc: tuple[str | int, ...]
    message: str


class DefinitionInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, p.loc))}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Journey:
    """A validated journey with every expression compiled once (per definition version)."""

    source: JourneyFile
    steps: dict[str, Any]
    programs: dict[str, Program] = field(repr=False)
    durations: dict[str, timedelta] = field(repr=False)
    times: dict[str, time] = field(repr=False)

    @property
    def code(self) -> str:
        return self.source.code

    def program(self, source: str) -> Program:
        return self.programs[source]

    def duration(self, text: str) -> timedelta:
        return self.durations[text]

    def targets(self, step_id: str) -> list[str]:
        return targets_of(self.steps[step_id])

    def listens_to(self) -> set[str]:
        """The event types that can wake an instance: waits, exits and the goal."""
        types = {s.event for s in self.steps.values() if s.type == "wait_event"}
        types |= {e.event for e in self.source.exit if isinstance(e, ExitOnEvent)}
        if self.source.goal is not None:
            types.add(self.source.goal.event)
        return types

    def graph(self) -> dict[str, Any]:
        """Nodes and edges, for a page to draw."""
        nodes = [
            {"id": s.id, "type": s.type, "phase": s.phase, "name": s.name or s.id}
            for s in self.source.steps
        ]
        edges = [
            {"from": s.id, "to": target, "label": label}
            for s in self.source.steps
            for target, label in labelled_targets(s)
        ]
        return {"start": self.source.start, "nodes": nodes, "edges": edges}


def labelled_targets(step: Any) -> list[tuple[str, str | None]]:
    if step.type == "wait_event":
        return [(step.on_event, "event"), (step.on_timeout, "timeout")]
    if step.type == "branch":
        return [(c.next, c.when) for c in step.cases] + [(step.otherwise, "otherwise")]
    if step.type == "split":
        return [(v.next, v.name) for v in step.variants]
    if step.type == "end":
        return []
    if step.type == "action" and step.on_error:
        return [(step.next, None), (step.on_error, "error")]
    return [(step.next, None)]


def targets_of(step: Any) -> list[str]:
    return [target for target, _label in labelled_targets(step)]


def _expressions(model: JourneyFile) -> list[tuple[tuple[str | int, ...], str]]:
    found: list[tuple[tuple[str | int, ...], str]] = []
    if model.trigger.condition:
        found.append((("trigger", "condition"), model.trigger.condition))
    if model.goal is not None and model.goal.match:
        found.append((("goal", "match"), model.goal.match))
    for i, ex in enumerate(model.exit):
        if isinstance(ex, ExitOnEvent):
            if ex.match:
                found.append((("exit", i, "match"), ex.match))
        else:
            found.append((("exit", i, "condition"), ex.condition))
    for i, step in enumerate(model.steps):
        base: tuple[str | int, ...] = ("steps", i)
        if step.type == "message":
            found += [((*base, "data", k), v) for k, v in step.data.items()]
        elif step.type == "action":
            found += [((*base, "args", k), v) for k, v in step.args.items()]
        elif step.type == "webhook":
            found += [((*base, "payload", k), v) for k, v in step.payload.items()]
        elif step.type == "set":
            found.append(((*base, "value"), step.value))
        elif step.type == "wait_event" and step.match:
            found.append(((*base, "match"), step.match))
        elif step.type == "branch":
            found += [((*base, "cases", j, "when"), c.when) for j, c in enumerate(step.cases)]
    return found


def compile_journey(
    model: JourneyFile,
    *,
    known_events: set[str] | None = None,
    known_actions: set[str] | None = None,
    known_purposes: set[str] | None = None,
) -> Journey:
    """Check the graph and compile the expressions; DefinitionInvalid lists every problem.
    With the known event types, actions and message purposes, references are checked too."""
    problems: list[Problem] = []
    steps: dict[str, Any] = {}
    index: dict[str, int] = {}
    for i, step in enumerate(model.steps):
        if step.id in steps:
            problems.append(Problem(("steps", i, "id"), f"step id {step.id!r} is used twice"))
        steps[step.id] = step
        index.setdefault(step.id, i)
    trig = model.trigger
    if (trig.event is None) == (trig.segment is None):
        problems.append(Problem(("trigger",), "give exactly one of event or segment"))
    if model.start not in steps:
        problems.append(Problem(("start",), f"no step {model.start!r}"))
    for i, step in enumerate(model.steps):
        for target in targets_of(step):
            if target not in steps:
                problems.append(Problem(("steps", i), f"leads to {target!r}, which is not a step"))
        if step.type == "wait" and (step.duration is None) == (step.until is None):
            problems.append(Problem(("steps", i), "a wait needs exactly one of duration or until"))
        if step.type == "split":
            names = [v.name for v in step.variants]
            if len(set(names)) != len(names):
                problems.append(Problem(("steps", i, "variants"), "variant names repeat"))
            if sum(v.weight for v in step.variants) != 100:
                problems.append(Problem(("steps", i, "variants"), "the weights must add up to 100"))
    if known_events is not None:
        events: list[tuple[tuple[str | int, ...], str]] = []
        if trig.event:
            events.append((("trigger", "event"), trig.event))
        if model.goal is not None:
            events.append((("goal", "event"), model.goal.event))
        events += [
            (("exit", i, "event"), e.event)
            for i, e in enumerate(model.exit)
            if isinstance(e, ExitOnEvent)
        ]
        events += [
            (("steps", i, "event"), s.event)
            for i, s in enumerate(model.steps)
            if s.type == "wait_event"
        ]
        for loc, name in events:
            if name not in known_events:
                problems.append(Problem(loc, f"unknown event type {name!r}"))
    for i, step in enumerate(model.steps):
        if step.type == "action" and known_actions is not None and step.action not in known_actions:
            problems.append(Problem(("steps", i, "action"), f"unknown action {step.action!r}"))
        if (
            step.type == "message"
            and known_purposes is not None
            and step.purpose not in known_purposes
        ):
            problems.append(
                Problem(
                    ("steps", i, "purpose"), f"the pack has no message template {step.purpose!r}"
                )
            )
    if not problems:
        problems += _graph_problems(model, steps, index)
    programs: dict[str, Program] = {}
    for loc, source in _expressions(model):
        try:
            programs[source] = ENVIRONMENT.compile(source)
        except CompileError as exc:
            problems.append(Problem(loc, f"{exc.message} (line {exc.line}, column {exc.column})"))
    durations = {}
    for text in _durations(model):
        durations[text] = parse_duration(text)
    times = {
        s.until: time.fromisoformat(s.until) for s in model.steps if s.type == "wait" and s.until
    }
    if problems:
        raise DefinitionInvalid(problems)
    return Journey(model, steps, programs, durations, times)


def _durations(model: JourneyFile) -> list[str]:
    found = [model.goal.within] if model.goal is not None else []
    for step in model.steps:
        if step.type == "wait" and step.duration:
            found.append(step.duration)
        elif step.type == "wait_event":
            found.append(step.timeout)
    return found


def _graph_problems(
    model: JourneyFile, steps: dict[str, Any], index: dict[str, int]
) -> list[Problem]:
    problems: list[Problem] = []
    reached: set[str] = set()
    todo = [model.start]
    while todo:
        current = todo.pop()
        if current in reached:
            continue
        reached.add(current)
        todo.extend(targets_of(steps[current]))
    for step_id, i in index.items():
        if step_id not in reached:
            problems.append(
                Problem(("steps", i, "id"), f"step {step_id!r} cannot be reached from the start")
            )
    # Every loop must pass a wait: running the steps between two waits must always end.
    colour: dict[str, int] = {}

    def visit(step_id: str) -> str | None:
        colour[step_id] = 1
        for target in targets_of(steps[step_id]):
            if steps[target].type in WAITS:
                continue
            if colour.get(target) == 1:
                return target
            if colour.get(target) is None:
                found = visit(target)
                if found is not None:
                    return found
        colour[step_id] = 2
        return None

    for step_id in steps:
        if colour.get(step_id) is None and steps[step_id].type not in WAITS:
            looped = visit(step_id)
            if looped is not None:
                problems.append(
                    Problem(
                        ("steps", index[looped], "id"),
                        f"step {looped!r} is on a loop without a wait",
                    )
                )
                break
    return problems
