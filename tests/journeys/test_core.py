"""The pure core, with plain data: every step type, exits, goals, timers, moves."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, time, timedelta

import pytest

from firstmile.journeys import core
from firstmile.journeys.definition import (
    DefinitionInvalid,
    JourneyFile,
    compile_journey,
    json_schema,
)
from tests.journeys.sample import SAMPLE, T0, ctx, event, journey, later, started


def kinds(outcome: core.Outcome) -> list[str]:
    out = []
    for c in outcome.commands:
        if isinstance(c, core.Record):
            out.append(f"{c.kind}:{c.step}")
        elif isinstance(c, core.SendMessage):
            out.append(f"send:{c.purpose}")
        elif isinstance(c, core.CallAction):
            out.append(f"action:{c.action}")
        else:
            out.append(f"webhook:{c.endpoint}")
    return out


def test_start_runs_to_the_first_wait() -> None:
    outcome = started()
    assert outcome.state.status == core.WAITING
    assert outcome.state.step == "wait_sign"
    assert outcome.state.due_at == later(24)
    assert outcome.state.waiting_for == "contract.signed"
    assert kinds(outcome)[:3] == ["entered:welcome", "step:welcome", "send:welcome"]
    send = next(c for c in outcome.commands if isinstance(c, core.SendMessage))
    assert send.data == {"order_id": "o1"}
    assert send.key == "journey:i1:1"


def test_timeout_nudges_and_waits_again_with_a_new_timer() -> None:
    first = started()
    timed_out = core.handle(
        journey(), first.state, core.TimerInput(first.state.timer or 0), ctx(later(24))
    )
    assert "send:contract_reminder" in kinds(timed_out)
    assert timed_out.state.step == "wait_sign"
    assert timed_out.state.timer != first.state.timer
    assert timed_out.state.due_at == later(48)


def test_a_timer_fires_once_and_a_stale_one_is_ignored() -> None:
    first = started()
    token = first.state.timer or 0
    fired = core.handle(journey(), first.state, core.TimerInput(token), ctx(later(24)))
    again = core.handle(journey(), fired.state, core.TimerInput(token), ctx(later(25)))
    assert again.state == fired.state
    assert again.commands == []


def test_the_matching_event_moves_on_and_others_do_not() -> None:
    first = started()
    other_order = core.handle(
        journey(), first.state, core.EventInput(event("contract.signed", "o2")), ctx(later(1))
    )
    assert other_order.state == first.state
    signed = core.handle(
        journey(), first.state, core.EventInput(event("contract.signed")), ctx(later(1))
    )
    assert signed.state.step == "morning"
    assert signed.state.attributes == {"signed": True}
    assert "action:billing.set_up" in kinds(signed)
    # 13:00 UTC on 1 March is 14:00 in Prague: the next 09:00 there is 08:00 UTC on 2 March
    assert signed.state.due_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    step = next(c for c in signed.commands if isinstance(c, core.Record) and c.step == "signed")
    assert step.detail["via"] == "event"


def test_exit_event_ends_the_instance_anywhere() -> None:
    first = started()
    exited = core.handle(
        journey(), first.state, core.EventInput(event("order.cancelled")), ctx(later(2))
    )
    assert exited.state.status == core.EXITED
    assert exited.state.timer is None
    assert kinds(exited) == ["exited:wait_sign"]
    after = core.handle(
        journey(), exited.state, core.TimerInput(first.state.timer or 0), ctx(later(30))
    )
    assert after.commands == []


def test_exit_condition_is_checked_at_every_step() -> None:
    first = started()
    closed = core.handle(
        journey(),
        first.state,
        core.EventInput(event("contract.signed")),
        ctx(later(1), status="closed"),
    )
    assert closed.state.status == core.EXITED
    assert closed.state.step == "signed"
    assert not any(isinstance(c, core.CallAction) for c in closed.commands)


def test_goal_converts_once_within_its_window() -> None:
    first = started()
    converted = core.handle(
        journey(), first.state, core.EventInput(event("service.activated")), ctx(later(3))
    )
    assert converted.state.converted_at == later(3)
    assert kinds(converted) == ["converted:wait_sign"]
    twice = core.handle(
        journey(), converted.state, core.EventInput(event("service.activated")), ctx(later(4))
    )
    assert twice.commands == []
    too_late = core.handle(
        journey(), first.state, core.EventInput(event("service.activated")), ctx(later(24 * 15))
    )
    assert too_late.state.converted_at is None


def test_goal_can_end_the_journey() -> None:
    data = copy.deepcopy(SAMPLE)
    data["goal"]["exit"] = True
    j = journey(data)
    first = core.start(
        j, instance_id="i1", customer_id="c1", trigger=event("order.placed"), ctx=ctx()
    )
    done = core.handle(j, first.state, core.EventInput(event("service.activated")), ctx(later(1)))
    assert done.state.status == core.COMPLETED
    assert done.state.outcome == "goal"


def test_split_is_deterministic_per_customer_and_near_its_weights() -> None:
    chosen = [started(customer_id=f"c{i}").state.variants["split"] for i in range(2000)]
    assert chosen == [started(customer_id=f"c{i}").state.variants["split"] for i in range(2000)]
    holdout = chosen.count("holdout") / len(chosen)
    assert 0.07 < holdout < 0.13


def test_holdout_gets_no_nudge() -> None:
    customer = next(f"c{i}" for i in range(500) if core.bucket("sample", "split", f"c{i}") >= 90)
    first = started(customer_id=customer)
    assert first.state.variants["split"] == "holdout"
    timed_out = core.handle(
        journey(), first.state, core.TimerInput(first.state.timer or 0), ctx(later(24))
    )
    assert not any(isinstance(c, core.SendMessage) for c in timed_out.commands)
    assert timed_out.state.step == "wait_sign"


def test_runs_to_the_end_through_webhook_merge_and_duration_wait() -> None:
    j = journey()
    state = core.handle(
        j, started().state, core.EventInput(event("contract.signed")), ctx(later(1))
    ).state
    morning = core.handle(j, state, core.TimerInput(state.timer or 0), ctx(state.due_at or T0))
    assert "webhook:crm" in kinds(morning)
    assert morning.state.step == "day3"
    end = core.handle(
        j, morning.state, core.TimerInput(morning.state.timer or 0), ctx(morning.state.due_at or T0)
    )
    assert end.state.status == core.COMPLETED
    assert end.state.outcome == "onboarded"
    assert kinds(end)[-1] == "completed:done"


def test_agent_move_and_end() -> None:
    j = journey()
    first = started()
    moved = core.handle(
        j, first.state, core.MoveInput("day3", "token:agent", "customer asked"), ctx(later(1))
    )
    assert moved.state.step == "day3"
    assert moved.state.status == core.WAITING
    assert kinds(moved)[0] == "moved:day3"
    ended = core.handle(j, moved.state, core.EndInput("token:agent", "duplicate"), ctx(later(2)))
    assert ended.state.status == core.EXITED
    assert ended.state.outcome == "ended_by_agent"


def test_trigger_condition_false_skips() -> None:
    data = copy.deepcopy(SAMPLE)
    data["trigger"]["condition"] = 'customer.kind == "business"'
    outcome = core.start(
        journey(data), instance_id="i1", customer_id="c1", trigger=event("order.placed"), ctx=ctx()
    )
    assert outcome.state.status == core.SKIPPED
    assert outcome.commands == []


def test_an_expression_that_cannot_be_evaluated_fails_the_instance_where_it_is() -> None:
    data = copy.deepcopy(SAMPLE)
    data["steps"][0]["data"] = {"x": "trigger.payload.missing_field + 1"}
    outcome = core.start(
        journey(data), instance_id="i1", customer_id="c1", trigger=event("order.placed"), ctx=ctx()
    )
    assert outcome.state.status == core.FAILED
    assert outcome.state.step == "welcome"
    assert kinds(outcome)[-1] == "failed:welcome"


def test_state_round_trips_through_json() -> None:
    state = started().state
    assert core.State.from_json(state.instance_id, state.customer_id, state.to_json()) == state


def test_time_of_day_across_daylight_saving() -> None:
    # 29 March 2026: clocks in Prague go from 02:00 to 03:00
    before = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)
    due = core.next_time_of_day(before, time(9, 0), "Europe/Prague")
    assert due == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert core.next_time_of_day(due, time(9, 0), "Europe/Prague") == due + timedelta(days=1)


def _utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "until", "due"),
    [
        # Prague, 29 March 2026: 02:00 CET is followed by 03:00 CEST (01:00 UTC)
        ("Europe/Prague", _utc(3, 28, 22), time(2, 30), _utc(3, 29, 1)),  # skipped: 03:00
        ("Europe/Prague", _utc(3, 29, 0, 30), time(2, 30), _utc(3, 29, 1)),
        ("Europe/Prague", _utc(3, 29, 1), time(2, 30), _utc(3, 30, 0, 30)),
        ("Europe/Prague", _utc(3, 28, 20), time(21), _utc(3, 29, 19)),  # 21:00 CEST
        # Prague, 25 October 2026: 02:00-03:00 is shown twice, CEST then CET (01:00 UTC)
        ("Europe/Prague", _utc(10, 25, 0, 10), time(2, 30), _utc(10, 25, 0, 30)),
        ("Europe/Prague", _utc(10, 25, 0, 40), time(2, 30), _utc(10, 25, 1, 30)),
        ("Europe/Prague", _utc(10, 25, 1, 10), time(2, 30), _utc(10, 25, 1, 30)),
        ("Europe/Prague", _utc(10, 25, 1, 40), time(2, 30), _utc(10, 26, 1, 30)),
        ("Europe/Prague", _utc(10, 24, 20), time(8), _utc(10, 25, 7)),
        # no daylight saving time
        ("Asia/Tokyo", _utc(10, 24, 17, 10), time(2, 30), _utc(10, 24, 17, 30)),
        ("Asia/Tokyo", _utc(3, 28, 17, 30), time(2, 30), _utc(3, 29, 17, 30)),
    ],
)
def test_time_of_day_is_always_ahead_when_the_clocks_change(
    zone: str, now: datetime, until: time, due: datetime
) -> None:
    assert core.next_time_of_day(now, until, zone) == due


def test_a_wait_until_entered_in_the_repeated_hour_waits() -> None:
    data = {
        **{k: SAMPLE[k] for k in ("code", "name", "trigger")},
        "start": "night",
        "steps": [
            {"id": "night", "phase": "usage", "type": "wait", "until": "02:30", "next": "done"},
            {"id": "done", "phase": "usage", "type": "end"},
        ],
    }
    second_pass = _utc(10, 25, 1, 10)  # 02:10 CET, an hour after 02:10 CEST
    outcome = core.start(
        journey(data),
        instance_id="i1",
        customer_id="c1",
        trigger=event("order.placed"),
        ctx=ctx(second_pass, zone="Europe/Prague"),
    )
    assert (outcome.state.status, outcome.state.step) == (core.WAITING, "night")
    assert outcome.state.due_at == _utc(10, 25, 1, 30)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(start="nowhere"), "no step 'nowhere'"),
        (lambda d: d["steps"][0].update(next="ghost"), "not a step"),
        (lambda d: d["steps"][1]["variants"][0].update(weight=50), "add up to 100"),
        (lambda d: d["steps"][3].update(cases=[{"when": "1 +", "next": "x"}]), "not a step"),
        (
            lambda d: d["steps"][-2].update(duration=None, until=None),
            "exactly one of duration or until",
        ),
        (lambda d: d["steps"][4].update(next="is_holdout"), "loop without a wait"),
        (
            lambda d: d["steps"].append({"id": "orphan", "phase": "usage", "type": "end"}),
            "cannot be reached",
        ),
        (lambda d: d["steps"][0]["data"].update(x="unknown_name.y"), "unknown_name"),
    ],
)
def test_definition_checks(change, message) -> None:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(SAMPLE)
    change(data)
    with pytest.raises(DefinitionInvalid) as caught:
        compile_journey(JourneyFile.model_validate(data))
    assert message in str(caught.value)


def test_unknown_event_types_are_reported() -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        compile_journey(JourneyFile.model_validate(SAMPLE), known_events={"order.placed"})
    assert "goal.event: unknown event type 'service.activated'" in str(caught.value)


def test_published_schema_is_current() -> None:
    import json
    from pathlib import Path

    published = Path(__file__).resolve().parents[2] / "docs" / "journey.schema.json"
    assert json.loads(published.read_text()) == json_schema(), (
        "run: firstmile journeys schema > docs/journey.schema.json"
    )


def test_an_action_with_an_error_path_waits_for_its_answer() -> None:
    data = copy.deepcopy(SAMPLE)
    data["steps"][6]["on_error"] = "joined"
    j = journey(data)
    first = core.start(
        j, instance_id="i1", customer_id="c1", trigger=event("order.placed"), ctx=ctx()
    )
    signed = core.handle(j, first.state, core.EventInput(event("contract.signed")), ctx(later(1)))
    call = next(c for c in signed.commands if isinstance(c, core.CallAction))
    assert call.report
    assert (signed.state.step, signed.state.status, signed.state.awaiting) == (
        "billing",
        "active",
        call.key,
    )
    done = core.handle(j, signed.state, core.ActionResult(call.key, None), ctx(later(1)))
    assert done.state.step == "morning"
    assert done.state.awaiting is None
    refused = core.handle(
        j, signed.state, core.ActionResult(call.key, "no free slot"), ctx(later(1))
    )
    assert refused.state.step == "day3"
    first_record = refused.commands[0]
    assert isinstance(first_record, core.Record)
    assert first_record.detail | {"via": "error", "error": "no free slot"} == first_record.detail
    assert (
        core.handle(j, done.state, core.ActionResult(call.key, None), ctx(later(2))).commands == []
    )
