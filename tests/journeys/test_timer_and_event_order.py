"""A worker that runs late must reach the outcome a punctual one would: an instance's due
timer and its inbox events are fed to the core in the order they happened."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.eventlog.models import Event
from firstmile.kit import time as clock
from tests.conftest import RunJobs
from tests.factories import customers as make
from tests.journeys.test_engine import FLOW, instances, publish, record, sent


def _flow(*, pause: str | None = None, timeout: str = "1d") -> dict[str, Any]:
    """FLOW, its login wait with `timeout`, preceded by a `pause` wait when given."""
    data = copy.deepcopy(FLOW)
    steps = data["steps"]
    steps[1]["timeout"] = timeout
    if pause is not None:
        steps[0]["next"] = "settle"
        steps.insert(
            1,
            {
                "id": "settle",
                "phase": "activation",
                "type": "wait",
                "duration": pause,
                "next": "wait_login",
            },
        )
    return data


def _steps(sessions: sessionmaker[Session], instance_id: str) -> list[dict[str, Any]]:
    """The payloads of an instance's `journey.step` events, in the order they were recorded."""
    with sessions() as s:
        return list(
            s.scalars(
                select(Event.payload)
                .where(Event.type == "journey.step", Event.subject_id == instance_id)
                .order_by(Event.seq)
            )
        )


@pytest.fixture
def eva(db: Session, telco: str) -> str:
    customer = make.registered(db)
    db.commit()
    return customer.id


def test_an_event_after_a_due_timer_reaches_the_wait_the_timer_leads_to(
    sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str
) -> None:
    publish(sessions, _flow(pause="1h"))
    record(sessions, eva, "crm.contact_logged")
    run_jobs()
    [settling] = instances(sessions, eva)
    assert (settling.status, settling.step) == ("waiting", "settle")
    clock.travel(timedelta(hours=2))  # the worker is behind: the 1h timer is overdue
    record(sessions, eva, "portal.login")  # at t+2h, after the timer was due
    run_jobs()
    [done] = instances(sessions, eva)
    assert (done.status, done.step) == ("completed", "done")
    assert done.state["attributes"] == {"logged_in": True}
    assert [r["via"] for r in _steps(sessions, done.id) if "via" in r] == ["timer", "event"]


def test_an_event_before_a_due_timer_meets_the_wait_it_happened_in(
    sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str
) -> None:
    publish(sessions, _flow(pause="1h"))
    record(sessions, eva, "crm.contact_logged")
    run_jobs()
    clock.travel(timedelta(minutes=30))
    record(sessions, eva, "portal.login")  # during the 1h wait: it does not move the instance
    clock.travel(timedelta(minutes=90))
    run_jobs()
    [waiting] = instances(sessions, eva)
    assert (waiting.status, waiting.step) == ("waiting", "wait_login")
    assert waiting.state["converted_at"] is not None  # the goal still counts the login


def test_an_event_before_an_overdue_timeout_wins_over_it(
    sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str
) -> None:
    publish(sessions, _flow(timeout="1h"))
    record(sessions, eva, "crm.contact_logged")
    run_jobs()
    clock.travel(timedelta(minutes=30))
    record(sessions, eva, "portal.login")  # within the 1h timeout
    clock.travel(timedelta(hours=2))  # the worker only now catches up
    run_jobs()
    [done] = instances(sessions, eva)
    assert (done.status, done.step) == ("completed", "done")
    assert done.state["attributes"] == {"logged_in": True}
    assert sent(sessions, eva) == [f"journey:{done.id}:1"]  # no nudge: the timeout never fired


def test_an_event_after_an_overdue_timeout_comes_too_late(
    sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str
) -> None:
    publish(sessions, _flow(timeout="1h"))
    record(sessions, eva, "crm.contact_logged")
    run_jobs()
    clock.travel(timedelta(hours=2))
    record(sessions, eva, "portal.login")  # an hour after the timeout was due
    run_jobs()
    [instance] = instances(sessions, eva)
    assert (instance.status, instance.step) == ("waiting", "pause")  # the timeout path
    assert "logged_in" not in instance.state["attributes"]
    assert len(sent(sessions, eva)) == 2  # the welcome and the nudge
