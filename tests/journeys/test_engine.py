"""The journey engine on a database: triggers, wake-ups, timers, messages, re-entry,
versions and migration, pause, the operations API, pack errors with file and line."""

from __future__ import annotations

import copy
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog import service as eventlog
from firstmile.journeys import service as journeys
from firstmile.journeys.definition import JourneyFile
from firstmile.journeys.models import JourneyInstance
from firstmile.kit import time as clock
from firstmile.messaging.models import Message
from firstmile.packs import loader as packs
from tests.conftest import RunJobs
from tests.factories import customers as make

Headers = dict[str, str]

FLOW: dict[str, Any] = {
    "code": "test_flow",
    "name": "Test flow",
    "trigger": {"event": "crm.contact_logged", "reentry": "never"},
    "goal": {"event": "portal.login", "within": "7d"},
    "exit": [{"event": "order.cancelled"}],
    "start": "hello",
    "steps": [
        {
            "id": "hello",
            "phase": "activation",
            "type": "message",
            "purpose": "welcome",
            "data": {"given_name": '"Eva"'},
            "next": "wait_login",
        },
        {
            "id": "wait_login",
            "phase": "activation",
            "type": "wait_event",
            "event": "portal.login",
            "timeout": "1d",
            "on_event": "thanks",
            "on_timeout": "nudge",
        },
        {
            "id": "nudge",
            "phase": "usage",
            "type": "message",
            "purpose": "welcome",
            "data": {"given_name": '"Eva"'},
            "next": "pause",
        },
        {"id": "pause", "phase": "usage", "type": "wait", "duration": "2d", "next": "joined"},
        {
            "id": "thanks",
            "phase": "usage",
            "type": "set",
            "attribute": "logged_in",
            "value": "true",
            "next": "joined",
        },
        {"id": "joined", "phase": "loyalty", "type": "merge", "next": "done"},
        {"id": "done", "phase": "loyalty", "type": "end"},
    ],
}


def publish(sessions: sessionmaker[Session], data: dict[str, Any] = FLOW, **kw: Any) -> int:
    with sessions() as s:
        _j, version, migrated = journeys.publish(
            s, "telco", JourneyFile.model_validate(data), actor=SYSTEM, **kw
        )
        s.commit()
        return migrated if kw else version.version


def record(sessions: sessionmaker[Session], customer_id: str, event_type: str) -> None:
    with sessions() as s:
        eventlog.record(s, event_type, actor=SYSTEM.ref, customer_id=customer_id)
        s.commit()


def instances(sessions: sessionmaker[Session], customer_id: str) -> list[JourneyInstance]:
    with sessions() as s:
        return list(
            s.scalars(
                select(JourneyInstance)
                .where(JourneyInstance.customer_id == customer_id)
                .order_by(JourneyInstance.entered_at)
            )
        )


def sent(sessions: sessionmaker[Session], customer_id: str) -> list[str]:
    with sessions() as s:
        return list(
            s.scalars(
                select(Message.idempotency_key)
                .where(
                    Message.customer_id == customer_id, Message.idempotency_key.like("journey:%")
                )
                .order_by(Message.idempotency_key)
            )
        )


@pytest.fixture
def eva(db: Session, telco: str) -> str:
    customer = make.registered(db)
    db.commit()
    return customer.id


def test_trigger_message_wait_and_wake_by_event(
    sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str
) -> None:
    publish(sessions)
    record(sessions, eva, "crm.contact_logged")
    [starting] = instances(sessions, eva)
    assert starting.status == "starting"
    run_jobs()
    [waiting] = instances(sessions, eva)
    assert (waiting.status, waiting.step) == ("waiting", "wait_login")
    assert sent(sessions, eva) == [f"journey:{waiting.id}:1"]
    record(sessions, eva, "portal.login")
    run_jobs()
    [done] = instances(sessions, eva)
    assert (done.status, done.step) == ("completed", "done")
    assert done.state["attributes"] == {"logged_in": True}
    assert done.state["converted_at"] is not None
    assert done.due_at is None
    run_jobs()
    assert len(sent(sessions, eva)) == 1


def test_timer_fires_once_and_never_is_honoured(
    sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str
) -> None:
    publish(sessions)
    record(sessions, eva, "crm.contact_logged")
    run_jobs()
    record(sessions, eva, "crm.contact_logged")  # in the journey already: no second instance
    assert len(instances(sessions, eva)) == 1
    clock.travel(timedelta(hours=25))
    run_jobs()
    run_jobs()
    [instance] = instances(sessions, eva)
    assert (instance.status, instance.step) == ("waiting", "pause")
    assert sent(sessions, eva) == sorted([f"journey:{instance.id}:1", f"journey:{instance.id}:3"])
    clock.travel(timedelta(days=2, minutes=1))
    run_jobs()
    [instance] = instances(sessions, eva)
    assert instance.status == "completed"
    record(sessions, eva, "crm.contact_logged")  # reentry: never
    run_jobs()
    assert len(instances(sessions, eva)) == 1


def test_reentry_after_days(sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str) -> None:
    data = copy.deepcopy(FLOW)
    data["trigger"]["reentry"] = {"after_days": 10}
    publish(sessions, data)
    record(sessions, eva, "crm.contact_logged")
    run_jobs()
    record(sessions, eva, "order.cancelled")  # exit event
    run_jobs()
    assert instances(sessions, eva)[0].status == "exited"
    record(sessions, eva, "crm.contact_logged")
    assert len(instances(sessions, eva)) == 1  # within 10 days of the last entry
    clock.travel(timedelta(days=11))
    record(sessions, eva, "crm.contact_logged")
    assert len(instances(sessions, eva)) == 2


def test_trigger_condition_false_leaves_no_instance(
    sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str
) -> None:
    data = copy.deepcopy(FLOW)
    data["trigger"]["condition"] = 'customer.kind == "organisation"'
    publish(sessions, data)
    record(sessions, eva, "crm.contact_logged")
    run_jobs()
    assert instances(sessions, eva) == []


def test_running_instances_keep_their_version_unless_migrated(
    sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str, db: Session
) -> None:
    assert publish(sessions) == 1
    assert publish(sessions) == 1  # unchanged: no new version
    record(sessions, eva, "crm.contact_logged")
    run_jobs()
    v2 = copy.deepcopy(FLOW)
    v2["steps"][1]["timeout"] = "3d"
    assert publish(sessions, v2) == 2
    [instance] = instances(sessions, eva)
    assert instance.state["due_at"] is not None
    clock.travel(timedelta(hours=25))
    run_jobs()
    assert instances(sessions, eva)[0].step == "pause"  # v1's 1-day timeout
    # a third version, with waiting instances at "pause" moved to its "wait_login"
    v3 = copy.deepcopy(v2)
    v3["steps"][3]["duration"] = "5d"
    assert publish(sessions, v3, migrate={"pause": "wait_login"}) == 1
    [moved] = instances(sessions, eva)
    assert moved.step == "wait_login"
    assert moved.status == "waiting"


def test_a_refused_domain_call_takes_the_error_path(
    sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str
) -> None:
    data = copy.deepcopy(FLOW)
    data["steps"][0] = {
        "id": "hello",
        "phase": "activation",
        "type": "action",
        "action": "billing.set_up",
        "args": {"account_id": '"no-such-account"'},
        "next": "wait_login",
        "on_error": "done",
    }
    publish(sessions, data)
    record(sessions, eva, "crm.contact_logged")
    run_jobs()
    [instance] = instances(sessions, eva)
    assert (instance.status, instance.step) == ("completed", "done")
    with sessions() as s:
        path = journeys.path(s, instance.id)
    last_step = [e for e in path if e.type == "journey.step"][-1]
    assert last_step.payload["via"] == "error"
    assert "no-such-account" in last_step.payload["error"]


def test_billing_set_up_defaults_to_paperless_to_the_verified_email(
    sessions: sessionmaker[Session], run_jobs: RunJobs, db: Session, telco: str
) -> None:
    from firstmile.billing.models import BillingAccount
    from firstmile.journeys import actions

    customer = make.registered(db)
    email = make.medium(db, customer, "email")
    email.verified_at = clock.utcnow()
    account_id = customer_account_id(db, customer.id)
    result = actions.run(db, "billing.set_up", customer.id, {"account_id": account_id}, key="k1")
    again = actions.run(db, "billing.set_up", customer.id, {"account_id": account_id}, key="k1")
    assert result == again
    [billing] = db.scalars(select(BillingAccount)).all()
    assert billing.paperless
    assert billing.bill_email == email.value


def customer_account_id(db: Session, customer_id: str) -> str:
    from firstmile.customers.models import Account

    return str(db.scalar(select(Account.id).where(Account.customer_id == customer_id)))


def test_paused_journey_neither_starts_nor_runs(
    sessions: sessionmaker[Session], run_jobs: RunJobs, eva: str
) -> None:
    publish(sessions)
    record(sessions, eva, "crm.contact_logged")
    with sessions() as s:
        journeys.set_paused(s, "test_flow", True, actor=SYSTEM)
        s.commit()
    run_jobs()
    assert instances(sessions, eva)[0].status == "starting"
    with sessions() as s:
        journeys.set_paused(s, "test_flow", False, actor=SYSTEM)
        s.commit()
    run_jobs()
    assert instances(sessions, eva)[0].status == "waiting"


def test_operations_api(
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    eva: str,
    client: TestClient,
    agent: Headers,
    admin: Headers,
) -> None:
    answer = client.post(
        "/api/journeys/test_flow/versions", json={"definition": FLOW}, headers=admin
    )
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"journey": "test_flow", "version": 1, "migrated": 0}
    assert (
        client.post(
            "/api/journeys/test_flow/versions", json={"definition": FLOW}, headers=agent
        ).status_code
        == 403
    )
    record(sessions, eva, "crm.contact_logged")
    run_jobs()
    listed = client.get("/api/journeys", headers=agent).json()
    assert {
        "code": "test_flow",
        "name": "Test flow",
        "current_version": 1,
        "paused": False,
    } in listed
    graph = client.get("/api/journeys/test_flow/graph", headers=agent).json()
    assert {"from": "wait_login", "to": "nudge", "label": "timeout"} in graph["edges"]
    [instance] = client.get("/api/customers/" + eva + "/journeys", headers=agent).json()
    detail = client.get(f"/api/journey-instances/{instance['id']}", headers=agent).json()
    assert [(p["type"], p["step"]) for p in detail["path"]] == [
        ("journey.entered", "hello"),
        ("journey.step", "hello"),
        ("journey.step", "wait_login"),
    ]
    moved = client.post(
        f"/api/journey-instances/{instance['id']}/move",
        json={"step": "pause", "reason": "customer called"},
        headers=agent,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["step"] == "pause"
    bad = client.post(
        f"/api/journey-instances/{instance['id']}/move",
        json={"step": "nowhere", "reason": "x"},
        headers=agent,
    )
    assert bad.status_code == 422
    assert "nowhere" in bad.text
    ended = client.post(
        f"/api/journey-instances/{instance['id']}/end", json={"reason": "duplicate"}, headers=agent
    )
    assert ended.json()["status"] == "exited"
    again = client.post(
        f"/api/journey-instances/{instance['id']}/end", json={"reason": "again"}, headers=agent
    )
    assert again.status_code == 409
    counts = {
        c["step"]: c for c in client.get("/api/journeys/test_flow/steps", headers=agent).json()
    }
    assert counts["hello"]["entered"] == 1
    assert counts["hello"]["completed"] == 1
    assert counts["wait_login"] == counts["wait_login"] | {
        "entered": 1,
        "completed": 1,
        "waiting": 0,
    }
    assert counts["pause"]["dropped"] == 1
    path = client.get(f"/api/journey-instances/{instance['id']}", headers=agent).json()["path"]
    assert path[3]["type"] == "journey.moved"
    assert path[3]["actor"].startswith("token:")
    assert client.get("/api/journeys/nope/steps", headers=agent).status_code == 404
    assert client.post("/api/journeys/test_flow/pause", headers=admin).json()["paused"] is True
    schema = client.get("/api/journeys/schema").json()
    assert schema["title"] == "firstmile journey"


def test_publish_errors_name_the_field(client: TestClient, admin: Headers, telco: str) -> None:
    broken = copy.deepcopy(FLOW)
    broken["steps"][0]["next"] = "ghost"
    answer = client.post(
        "/api/journeys/test_flow/versions", json={"definition": broken}, headers=admin
    )
    assert answer.status_code == 422
    assert "steps.0: leads to 'ghost'" in answer.text
    wrong_type = copy.deepcopy(FLOW)
    wrong_type["steps"][1]["type"] = "sleep"
    answer = client.post(
        "/api/journeys/test_flow/versions", json={"definition": wrong_type}, headers=admin
    )
    assert answer.status_code == 422
    assert "steps" in answer.text


def test_pack_errors_have_file_and_line(tmp_path: Path, telco: str) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(packs.resolve("telco"), pack)
    folder = pack / "journeys"
    folder.mkdir(exist_ok=True)
    broken = copy.deepcopy(FLOW)
    broken["steps"][1]["event"] = "portal.logged"  # no such event type
    broken["steps"][2]["phase"] = "later"  # not a phase
    (folder / "broken.yaml").write_text(yaml.safe_dump(broken, sort_keys=False))
    with pytest.raises(packs.PackInvalid) as caught:
        packs.validate(pack)
    issues = [str(i) for i in caught.value.issues]
    assert any(
        i.startswith("journeys/broken.yaml:") and "steps.2" in i and "phase" in i for i in issues
    ), issues
    broken["steps"][2]["phase"] = "usage"
    (folder / "broken.yaml").write_text(yaml.safe_dump(broken, sort_keys=False))
    with pytest.raises(packs.PackInvalid) as caught:
        packs.validate(pack)
    [issue] = [str(i) for i in caught.value.issues]
    lines = (folder / "broken.yaml").read_text().splitlines()
    line = int(issue.split(":")[1])
    assert "portal.logged" in lines[line - 1]
    assert "unknown event type 'portal.logged'" in issue


def test_timers_are_claimed_through_the_due_index(db: Session) -> None:
    """The claim reads only instances whose due_at has come (an index range, not a scan)."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("EXPLAIN output checked on PostgreSQL")
    from sqlalchemy import text

    db.execute(text("SET enable_seqscan = off"))
    plan = "\n".join(
        r[0]
        for r in db.execute(
            text(
                "EXPLAIN SELECT id FROM journey_instances"
                " WHERE due_at <= now() ORDER BY due_at LIMIT 100"
            )
        )
    )
    assert "ix_journey_instances_due_at" in plan
    assert db.scalar(select(func.count()).select_from(JourneyInstance)) == 0
