"""Journeys for supervisors: the funnel drawn as an inline SVG (one bar per step, in the
journey's order, with its numbers in a table too), the steps' graph, pause and resume."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.eventlog.models import Event
from firstmile.journeys import runner
from firstmile.journeys import service as journeys_service
from tests.conftest import RunJobs
from tests.factories import orders as order_factories
from tests.factories.web import post_form, sign_in_staff

JOURNEY = "/backoffice/journeys/telco_onboarding"
BAR = re.compile(r'<g class="funnel-step" data-step="([^"]+)">\s*<text[^>]*>[^<]*</text>\s*'
                 r'<rect class="funnel-bar" x="(\d+)" y="\d+" width="(\d+)"')  # fmt: skip


def test_the_funnel_has_one_labelled_bar_per_step_in_journey_order(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    with sessions() as db:
        order_factories.order(db)
        order_factories.order(db)
    run_jobs()
    with sessions() as db:
        journey = journeys_service.get(db, "telco_onboarding")
        counts = journeys_service.step_counts(db, journey)
        graph = runner.compiled(journeys_service.current_version(db, journey)).graph()
    assert counts[0]["entered"] == 2
    sign_in_staff(client, sessions, role="supervisor")
    page = client.get(JOURNEY)
    assert page.status_code == 200
    bars = BAR.findall(page.text)
    assert [step for step, _x, _width in bars] == [row["step"] for row in counts]
    widths = {step: int(width) for step, _x, width in bars}
    assert widths[counts[0]["step"]] == 640  # the widest: every customer entered it
    assert all(widths[row["step"]] == 0 for row in counts if row["entered"] == 0)
    assert '<title id="funnel-title">' in page.text
    assert 'aria-labelledby="funnel-title funnel-desc"' in page.text
    assert "<caption>Per-step counts</caption>" in page.text
    first_name = graph["nodes"][0]["name"]
    assert f"<title>\u2068{first_name}\u2069: 2 entered</title>" in page.text  # labelled


def test_in_arabic_the_bars_grow_from_the_right(
    client: TestClient, sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    with sessions() as db:
        order_factories.order(db)
    run_jobs()
    sign_in_staff(client, sessions, role="supervisor")
    page = client.get(JOURNEY, params={"lang": "ar"})
    assert 'direction="rtl"' in page.text
    _first_step, x, width = BAR.findall(page.text)[0]
    assert (int(x), int(width)) == (0, 640)
    zero = [(int(x), int(w)) for _s, x, w in BAR.findall(page.text) if w == "0"]
    assert zero
    assert all(x == 640 for x, _w in zero)


def test_a_supervisor_pauses_and_resumes_a_journey(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    user = sign_in_staff(client, sessions, role="supervisor")
    paused = post_form(client, f"{JOURNEY}/pause", {}, via=JOURNEY)
    assert paused.status_code == 303
    with sessions() as db:
        assert journeys_service.get(db, "telco_onboarding").paused
        [event] = db.scalars(select(Event).where(Event.type == "journey.paused")).all()
    assert event.actor == f"staff:{user.id}"
    assert f'action="{JOURNEY}/resume"' in client.get(JOURNEY).text
    resumed = post_form(client, f"{JOURNEY}/resume", {}, via=JOURNEY)
    assert resumed.status_code == 303
    with sessions() as db:
        assert not journeys_service.get(db, "telco_onboarding").paused


def test_the_journey_list_and_an_unknown_journey(
    client: TestClient, sessions: sessionmaker[Session], telco: str
) -> None:
    sign_in_staff(client, sessions, role="supervisor")
    listed = client.get("/backoffice/journeys")
    assert f'href="{JOURNEY}"' in listed.text
    assert client.get("/backoffice/journeys/no_such_journey").status_code == 404
