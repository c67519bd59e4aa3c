"""Segments: incremental membership as events arrive, windows that expire, recounts."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.kit import jobs
from firstmile.kit import time as clock
from firstmile.kit.jobs import Job
from firstmile.messaging.segments import service as segments
from firstmile.messaging.segments.models import SegmentMembership
from firstmile.packs import loader as packs
from tests.conftest import RunJobs
from tests.factories import customers as make

Headers = dict[str, str]


def _record(sessions: sessionmaker[Session], customer_id: str, event_type: str) -> None:
    with sessions() as s:
        eventlog_service.record(s, event_type, actor=SYSTEM.ref, customer_id=customer_id)
        s.commit()


def _segments_of(sessions: sessionmaker[Session], customer_id: str) -> list[str]:
    with sessions() as s:
        return segments.segments_of(s, customer_id)


def _events(sessions: sessionmaker[Session], customer_id: str) -> list[tuple[str, str]]:
    with sessions() as s:
        rows = s.scalars(
            select(Event)
            .where(Event.customer_id == customer_id, Event.type.like("segment.%"))
            .order_by(Event.seq)
        )
        return [(e.type, e.payload["segment"]) for e in rows]


@pytest.mark.usefixtures("telco")
def test_membership_follows_the_customers_events(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    eva = make.registered(db)
    db.commit()
    run_jobs()
    assert _segments_of(sessions, eva.id) == []
    _record(sessions, eva.id, "service.activated")
    run_jobs()
    assert _segments_of(sessions, eva.id) == ["new_not_in_portal"]
    _record(sessions, eva.id, "portal.login")
    run_jobs()
    assert _segments_of(sessions, eva.id) == []
    assert _events(sessions, eva.id) == [
        ("segment.entered", "new_not_in_portal"),
        ("segment.left", "new_not_in_portal"),
    ]


@pytest.mark.usefixtures("telco")
def test_a_window_closes_on_time_without_a_new_event(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    eva = make.registered(db)
    db.commit()
    _record(sessions, eva.id, "service.activated")
    run_jobs()
    assert _segments_of(sessions, eva.id) == ["new_not_in_portal"]
    clock.travel(timedelta(days=6, hours=23))
    run_jobs()
    assert _segments_of(sessions, eva.id) == ["new_not_in_portal"]
    clock.travel(timedelta(hours=1, minutes=1))  # the activation is now 7 days old
    run_jobs()
    assert _segments_of(sessions, eva.id) == []


@pytest.mark.usefixtures("telco")
def test_a_business_with_two_accounts_is_in_its_segment(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    company = make.registered(
        db,
        customer=make.organization(),
        accounts=[{"kind": "business"}, {"kind": "business", "name": "Branch"}],
        contacts=[],
    )
    db.commit()
    run_jobs()
    assert _segments_of(sessions, company.id) == ["business_several_accounts"]


@pytest.mark.usefixtures("telco")
def test_a_recount_rebuilds_lost_memberships(
    db: Session,
    sessions: sessionmaker[Session],
    run_jobs: RunJobs,
    client: TestClient,
    admin: Headers,
    agent: Headers,
) -> None:
    eva = make.registered(db)
    db.commit()
    _record(sessions, eva.id, "service.activated")
    run_jobs()
    with sessions() as s:
        s.execute(delete(SegmentMembership))
        s.commit()
    assert client.post("/api/segments/new_not_in_portal/recount", headers=agent).status_code == 403
    answer = client.post("/api/segments/new_not_in_portal/recount", headers=admin)
    assert answer.status_code == 202, answer.text
    run_jobs()
    members = client.get("/api/segments/new_not_in_portal/members", headers=agent).json()
    assert [m["customer_id"] for m in members] == [eva.id]
    listed = {s["code"]: s for s in client.get("/api/segments", headers=agent).json()}
    assert listed["new_not_in_portal"]["members"] == 1
    assert listed["awaiting_signature"]["members"] == 0
    assert client.get(f"/api/customers/{eva.id}/segments", headers=agent).json() == [
        "new_not_in_portal"
    ]
    assert client.get("/api/segments/nope/members", headers=agent).status_code == 404


def _pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "telco"
    shutil.copytree(Path(packs.PACKS_DIR) / "telco", target)
    return target


def test_a_changed_condition_is_a_new_version_and_recounts(
    tmp_path: Path, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    pack = _pack_copy(tmp_path)
    with sessions() as s:
        packs.load(s, pack)
        s.commit()
        eva = make.registered(s)
        s.commit()
    run_jobs()
    assert _segments_of(sessions, eva.id) == []
    path = pack / "segments.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'customer.kind == "organization" && size(customer.accounts) > 1',
            'customer.kind == "individual"',
        ),
        encoding="utf-8",
    )
    with sessions() as s:
        packs.load(s, pack)
        s.commit()
        assert {x.code: x.version for x in segments.active(s)}["business_several_accounts"] == 2
    run_jobs()
    assert _segments_of(sessions, eva.id) == ["business_several_accounts"]


def test_a_pack_load_recounts_its_new_segments_in_one_job_and_old_jobs_still_run(
    tmp_path: Path, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    pack = _pack_copy(tmp_path)
    with sessions() as s:
        eva = make.registered(s)  # a customer from before the pack's segments
        s.commit()
    _record(sessions, eva.id, "service.activated")
    with sessions() as s:
        packs.load(s, pack)
        s.commit()
        loaded = {x.id: x.version for x in segments.active(s)}
        recounts = list(s.scalars(select(Job).where(Job.kind == segments.RECOUNT_JOB)))
    assert len(loaded) > 1
    assert len(recounts) == 1  # each customer's facts read once for all the segments
    assert dict(recounts[0].args["segments"]) == loaded
    run_jobs()
    assert _segments_of(sessions, eva.id) == ["new_not_in_portal"]
    # a recount queued by an earlier release (one segment per job) still runs
    with sessions() as s:
        s.execute(delete(SegmentMembership))
        segment = segments.get(s, "new_not_in_portal")
        jobs.enqueue(
            s,
            segments.RECOUNT_JOB,
            {"segment_id": segment.id, "version": segment.version, "after": ""},
            priority=jobs.BULK,
        )
        s.commit()
    run_jobs()
    assert _segments_of(sessions, eva.id) == ["new_not_in_portal"]


def test_bad_conditions_are_reported_with_file_and_line(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    path = pack / "segments.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('count("portal.login") == 0', 'count("portal.logn") == 0')
    text = text.replace("size(customer.accounts) > 1", "size(customer.accounts) >")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(packs.PackInvalid) as caught:
        packs.validate(pack)
    lines = text.splitlines()
    issues = [i for i in caught.value.issues if i.file == "segments.yaml"]
    assert len(issues) == 2
    unknown = next(i for i in issues if "unknown event type 'portal.logn'" in i.message)
    assert "portal.logn" in lines[unknown.line - 1]
    syntax = next(i for i in issues if "unexpected" in i.message)
    assert "size(customer.accounts) >" in lines[syntax.line - 1]


@pytest.mark.usefixtures("telco")
def test_a_batch_evaluation_keeps_each_customers_facts_apart(
    db: Session, sessions: sessionmaker[Session]
) -> None:
    """The recount evaluates customers together (their facts read in one go): each one's
    events, accounts and memberships must count for that customer only."""
    eva = make.registered(db)
    jan = make.registered(db)
    company = make.registered(
        db,
        customer=make.organization(),
        accounts=[{"kind": "business"}, {"kind": "business", "name": "Branch"}],
        contacts=[],
    )
    db.commit()
    _record(sessions, eva.id, "service.activated")
    _record(sessions, jan.id, "service.activated")
    _record(sessions, jan.id, "portal.login")
    with sessions() as s:
        s.execute(delete(SegmentMembership))
        s.commit()
    with sessions() as s:
        changes = segments.evaluate_customers(s, [eva.id, jan.id, company.id, "no-such-id"])
        s.commit()
    assert {cid: [c.segment for c in found] for cid, found in changes.items()} == {
        eva.id: ["new_not_in_portal"],
        jan.id: [],
        company.id: ["business_several_accounts"],
    }
    assert _segments_of(sessions, eva.id) == ["new_not_in_portal"]
    assert _segments_of(sessions, jan.id) == []
    assert _segments_of(sessions, company.id) == ["business_several_accounts"]
    assert _events(sessions, eva.id)[-1] == ("segment.entered", "new_not_in_portal")
    with sessions() as s:  # nothing changed since: a second pass changes nothing
        again = segments.evaluate_customers(s, [eva.id, jan.id, company.id])
        s.commit()
    assert all(found == [] for found in again.values())
