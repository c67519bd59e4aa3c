"""Property-based tests of the pure core: random sequences of events, timers (due, early,
stale and repeated), agent moves and ends, at random times."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from firstmile.journeys import core
from tests.journeys.sample import SAMPLE, T0, ctx, event, journey

_DATA = copy.deepcopy(SAMPLE)
_DATA["steps"][6]["on_error"] = "joined"  # billing: the domain's answer decides the path
JOURNEY = journey(_DATA)
STEPS = sorted(JOURNEY.steps)
EVENT_TYPES = ["contract.signed", "service.activated", "order.cancelled", "portal.login"]

inputs = st.lists(
    st.one_of(
        st.tuples(st.just("event"), st.sampled_from(EVENT_TYPES), st.sampled_from(["o1", "o2"])),
        st.tuples(
            st.just("timer"), st.sampled_from(["due", "stale", "random"]), st.integers(0, 40)
        ),
        st.tuples(st.just("answer"), st.sampled_from(["ok", "refused"]), st.booleans()),
        st.tuples(st.just("move"), st.sampled_from(STEPS), st.just("")),
        st.tuples(st.just("end"), st.just(""), st.just("")),
    ),
    max_size=40,
)


def _as_input(given_input: tuple[str, Any, Any], state: core.State, fired: set[int]) -> core.Input:
    kind, a, b = given_input
    if kind == "event":
        return core.EventInput(event(a, b))
    if kind == "timer":
        if a == "due" and state.timer is not None:
            return core.TimerInput(state.timer)
        if a == "stale" and fired:
            return core.TimerInput(max(fired))
        return core.TimerInput(b)
    if kind == "answer":
        key = state.awaiting if b and state.awaiting else "journey:i:999"
        return core.ActionResult(key, None if a == "ok" else "refused")
    if kind == "move":
        return core.MoveInput(a, "token:agent", "test")
    return core.EndInput("token:agent", "test")


@settings(max_examples=300, deadline=None)
@given(
    inputs,
    st.sampled_from(["active", "closed"]),
    st.integers(0, 5000),
    st.lists(st.integers(0, 72), max_size=40),
)
def test_invariants(
    steps: list[tuple[str, Any, Any]], status: str, customer: int, gaps: list[int]
) -> None:
    now = T0
    state = core.start(
        JOURNEY,
        instance_id="i",
        customer_id=f"c{customer}",
        trigger=event("order.placed"),
        ctx=ctx(now, status=status),
    ).state
    fired: set[int] = set()
    keys: set[str] = set()
    last_seq = state.seq
    for i, step in enumerate(steps):
        now = now + timedelta(hours=gaps[i] if i < len(gaps) else 1)
        given_input = _as_input(step, state, fired)
        before = state
        outcome = core.handle(JOURNEY, state, given_input, ctx(now, status=status))
        state = outcome.state

        # exactly one place: a known step and one known status
        assert state.step in JOURNEY.steps
        assert state.status in (*core.LIVE, *core.TERMINAL)
        # waiting <=> a pending timer with a deadline; otherwise none
        if state.status == core.WAITING:
            assert state.timer is not None
            assert state.due_at is not None
            assert JOURNEY.steps[state.step].type in ("wait", "wait_event")
        else:
            assert state.timer is None
            assert state.due_at is None
        # waiting for a domain call's answer: active, at an action step
        if state.awaiting is not None:
            assert state.status == core.ACTIVE
            assert JOURNEY.steps[state.step].type == "action"
        # a terminal instance ignores everything but an agent's move
        if before.status in core.TERMINAL and not isinstance(given_input, core.MoveInput):
            assert outcome.commands == []
            assert state == before
        # a timer fires at most once
        if isinstance(given_input, core.TimerInput) and outcome.commands:
            assert given_input.token == before.timer
            assert given_input.token not in fired
            fired.add(given_input.token)
        # an exit event is honoured at once, whatever the instance was doing
        if (
            isinstance(given_input, core.EventInput)
            and given_input.event["type"] == "order.cancelled"
            and before.status in core.LIVE
        ):
            assert state.status == core.EXITED
            assert not any(
                isinstance(c, core.SendMessage | core.CallAction | core.CallWebhook)
                for c in outcome.commands
            )
        # with the exit condition true, no step ever does anything
        if status == "closed":
            assert not any(
                isinstance(c, core.SendMessage | core.CallAction | core.CallWebhook)
                for c in outcome.commands
            )
        # every side effect has a key never used before; visits only go up
        for command in outcome.commands:
            if isinstance(command, core.SendMessage | core.CallAction | core.CallWebhook):
                assert command.key not in keys
                keys.add(command.key)
        assert state.seq >= last_seq
        last_seq = state.seq
        assert core.State.from_json("i", state.customer_id, state.to_json()) == state
