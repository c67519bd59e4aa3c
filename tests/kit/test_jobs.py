"""Durable jobs: priorities, one failure does not undo the others, retries with backoff."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.eventlog import service as eventlog
from firstmile.eventlog.models import Event
from firstmile.kit import jobs
from firstmile.kit import time as clock
from firstmile.worker import run_once

ran: list[str] = []


@pytest.fixture(autouse=True)
def _handlers() -> Iterator[None]:
    ran.clear()

    def record(_db: Session, args: dict[str, Any]) -> None:
        ran.append(str(args["name"]))

    def explode(_db: Session, args: dict[str, Any]) -> None:
        ran.append(str(args["name"]))
        raise RuntimeError("the network is down")

    jobs.handler("test.record")(record)
    jobs.handler("test.explode")(explode)
    yield
    jobs._handlers.pop("test.record", None)
    jobs._handlers.pop("test.explode", None)


def _enqueue(sessions: sessionmaker[Session], *specs: tuple[str, str, int]) -> None:
    with sessions() as db:
        for kind, name, priority in specs:
            jobs.enqueue(db, kind, {"name": name}, priority=priority)
            clock.travel(timedelta(milliseconds=1))  # distinct run_at, oldest first
        db.commit()


def test_due_jobs_run_by_priority_then_oldest_first(sessions: sessionmaker[Session]) -> None:
    _enqueue(
        sessions,
        ("test.record", "pdf-1", jobs.NORMAL),
        ("test.record", "campaign", jobs.BULK),
        ("test.record", "pdf-2", jobs.NORMAL),
        ("test.record", "seal", jobs.HIGH),
        ("test.record", "code", jobs.URGENT),
    )
    while run_once(sessions, batch_size=1):
        pass
    assert ran == ["code", "seal", "pdf-1", "pdf-2", "campaign"]


def test_a_failing_job_is_retried_later_and_the_batch_keeps_the_others(
    sessions: sessionmaker[Session],
) -> None:
    _enqueue(
        sessions,
        ("test.explode", "flaky", jobs.NORMAL),
        ("test.record", "fine", jobs.NORMAL),
    )
    assert run_once(sessions, batch_size=10) == 2
    with sessions() as db:
        rows = {j.kind: j for j in db.scalars(select(jobs.Job))}
    assert rows["test.record"].status == jobs.JobStatus.DONE
    flaky = rows["test.explode"]
    assert (flaky.status, flaky.attempts) == (jobs.JobStatus.QUEUED, 1)
    assert flaky.last_error == "RuntimeError: the network is down"
    assert run_once(sessions, batch_size=10) == 0  # not due before its backoff
    clock.travel(jobs.backoff(1) + timedelta(seconds=1))
    assert run_once(sessions, batch_size=10) == 1


def test_a_staged_job_computes_with_no_transaction_open(
    sessions: sessionmaker[Session],
) -> None:
    """While the slow middle runs, another writer gets through at once (on SQLite it would
    wait out the busy timeout behind the worker's write lock)."""
    steps: list[str] = []

    def prepare(_db: Session, args: dict[str, Any]) -> str:
        steps.append("prepare")
        return str(args["name"])

    def compute(name: str) -> str:
        steps.append("compute")
        with sessions() as other:  # a concurrent request writing meanwhile
            jobs.enqueue(other, "test.record", {"name": "meanwhile"}, run_at=clock.utcnow())
            other.commit()
        return name.upper()

    def apply(_db: Session, _args: dict[str, Any], result: str) -> None:
        steps.append(f"apply {result}")

    jobs.staged_handler("test.staged", prepare=prepare, compute=compute, apply=apply)
    try:
        _enqueue(sessions, ("test.staged", "pdf", jobs.NORMAL))
        assert run_once(sessions, batch_size=1) == 1
    finally:
        jobs._staged.pop("test.staged", None)
    assert steps == ["prepare", "compute", "apply PDF"]
    with sessions() as db:
        staged = db.scalar(select(jobs.Job).where(jobs.Job.kind == "test.staged"))
        assert staged is not None
        assert staged.status == jobs.JobStatus.DONE


def test_a_staged_job_whose_lease_was_taken_over_is_not_applied_twice(
    sessions: sessionmaker[Session],
) -> None:
    applied: list[str] = []
    jobs.staged_handler(
        "test.staged",
        prepare=lambda _db, args: args["name"],
        compute=lambda name: name,
        apply=lambda _db, _args, result: applied.append(result),
    )
    try:
        _enqueue(sessions, ("test.staged", "pdf", jobs.NORMAL))
        staged: list[jobs.StagedWork] = []
        with sessions() as db:
            jobs.run_due(db, batch_size=1, staged=staged)
            db.commit()
        [work] = staged
        with sessions() as db:  # the lease ran out; another worker claimed it again
            job = db.get(jobs.Job, work.job_id)
            assert job is not None
            job.attempts += 1
            db.commit()
        jobs.finish_staged(sessions, work)
    finally:
        jobs._staged.pop("test.staged", None)
    assert applied == []


def test_a_batchable_kind_is_claimed_together_with_its_own_kind_and_priority_only(
    sessions: sessionmaker[Session],
) -> None:
    batches: list[list[str]] = []

    def prepare(_db: Session, batch: list[dict[str, Any]]) -> None:
        batches.append([str(args["name"]) for args in batch])

    def deliver(db: Session, args: dict[str, Any]) -> None:
        running = jobs.running(db)
        assert running is not None
        assert running.args == args
        ran.append(str(args["name"]))

    jobs.handler("test.deliver", batch=3, before_batch=prepare)(deliver)
    try:
        _enqueue(
            sessions,
            ("test.deliver", "d1", jobs.URGENT),
            ("test.record", "other", jobs.URGENT),
            ("test.deliver", "d2", jobs.URGENT),
            ("test.deliver", "bulk", jobs.BULK),
            ("test.deliver", "d3", jobs.URGENT),
            ("test.deliver", "d4", jobs.URGENT),
        )
        assert run_once(sessions, batch_size=1) == 3
        assert ran == ["d1", "d2", "d3"]
        assert batches == [["d1", "d2", "d3"]]
        while run_once(sessions, batch_size=1):
            pass
        assert ran == ["d1", "d2", "d3", "other", "d4", "bulk"]
        assert batches == [["d1", "d2", "d3"], ["d4"], ["bulk"]]
    finally:
        jobs._handlers.pop("test.deliver", None)
        jobs._batches.pop("test.deliver", None)
        jobs._before_batch.pop("test.deliver", None)


def test_jobs_that_only_write_in_the_database_run_together_and_fall_back_one_by_one(
    sessions: sessionmaker[Session],
) -> None:
    """A failure inside the shared savepoint undoes the whole group; each job then runs in
    its own, so the others' writes are kept once and only the failing one is retried."""

    def write(db: Session, args: dict[str, Any]) -> None:
        ran.append(str(args["name"]))
        eventlog.record(db, "crm.contact_logged", actor="test", payload={"n": args["name"]})
        if args["name"] == "bad":
            raise RuntimeError("refused")

    statements: list[str] = []
    jobs.handler(
        "test.write",
        batch=10,
        only_database=lambda _db, args: args["name"] != "outside",
    )(write)
    try:
        _enqueue(
            sessions,
            ("test.write", "w1", jobs.NORMAL),
            ("test.write", "outside", jobs.NORMAL),
            ("test.write", "w2", jobs.NORMAL),
        )
        engine = sessions.kw["bind"]

        def seen(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
            statements.append(statement)

        sa_event.listen(engine, "before_cursor_execute", seen)
        try:
            assert run_once(sessions, batch_size=10) == 3
        finally:
            sa_event.remove(engine, "before_cursor_execute", seen)
        assert ran == ["w1", "w2", "outside"]  # the database-only ones together, first
        assert sum(s.startswith("SAVEPOINT") for s in statements) == 2  # group + outside

        ran.clear()
        _enqueue(
            sessions,
            ("test.write", "w3", jobs.NORMAL),
            ("test.write", "bad", jobs.NORMAL),
            ("test.write", "w4", jobs.NORMAL),
        )
        assert run_once(sessions, batch_size=10) == 3
        assert ran == ["w3", "bad", "w3", "bad", "w4"]  # group undone, then one by one
        with sessions() as db:
            written = sorted(p["n"] for p in db.scalars(select(Event.payload)))
            rows = {str(j.args["name"]): j for j in db.scalars(select(jobs.Job))}
        assert written == ["outside", "w1", "w2", "w3", "w4"]  # once each; "bad" undone
        assert {n: (j.status, j.attempts) for n, j in rows.items()} == {
            "w1": (jobs.JobStatus.DONE, 1),
            "w2": (jobs.JobStatus.DONE, 1),
            "outside": (jobs.JobStatus.DONE, 1),
            "w3": (jobs.JobStatus.DONE, 1),
            "w4": (jobs.JobStatus.DONE, 1),
            "bad": (jobs.JobStatus.QUEUED, 1),
        }
        assert rows["bad"].last_error == "RuntimeError: refused"
    finally:
        jobs._handlers.pop("test.write", None)
        jobs._batches.pop("test.write", None)
        jobs._only_database.pop("test.write", None)


def test_jobs_with_a_call_outside_make_their_calls_then_record_them_in_one_savepoint(
    sessions: sessionmaker[Session],
) -> None:
    """A batch's calls go out first and their records share one savepoint; a call that
    fails is retried without undoing the others; a record that fails undoes the shared
    savepoint, the others are recorded one by one without their calls being made again,
    and only the failing job is retried (its call with it)."""
    calls: list[str] = []

    def send(db: Session, args: dict[str, Any]) -> str:
        running = jobs.running(db)
        assert running is not None
        assert (running.args, running.attempts) == (args, 1)
        calls.append(str(args["name"]))
        if args["name"] == "down":
            raise RuntimeError("the network is down")
        return f"sent {args['name']} (attempt {running.attempts})"

    def record(db: Session, args: dict[str, Any], sent: str) -> None:
        eventlog.record(db, "crm.contact_logged", actor="test", payload={"n": sent})
        if args["name"] == "unrecordable":
            db.flush()
            raise RuntimeError("refused")

    def whole(_db: Session, _args: dict[str, Any]) -> None:
        raise AssertionError("a job with halves runs by its halves")

    statements: list[str] = []
    jobs.handler(
        "test.call",
        batch=10,
        send_then_record=jobs.SendThenRecord(send=send, record=record),
    )(whole)
    engine = sessions.kw["bind"]

    def seen(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    def stored() -> tuple[list[str], dict[str, tuple[str, int]]]:
        with sessions() as db:
            written = sorted(p["n"] for p in db.scalars(select(Event.payload)))
            rows = {
                str(j.args["name"]): (j.status, j.attempts) for j in db.scalars(select(jobs.Job))
            }
        return written, rows

    try:
        _enqueue(
            sessions,
            ("test.call", "c1", jobs.NORMAL),
            ("test.call", "down", jobs.NORMAL),
            ("test.call", "c2", jobs.NORMAL),
        )
        sa_event.listen(engine, "before_cursor_execute", seen)
        try:
            assert run_once(sessions, batch_size=10) == 3
        finally:
            sa_event.remove(engine, "before_cursor_execute", seen)
        assert calls == ["c1", "down", "c2"]
        assert sum(s.startswith("SAVEPOINT") for s in statements) == 1  # the records' only
        written, rows = stored()
        assert written == ["sent c1 (attempt 1)", "sent c2 (attempt 1)"]
        assert rows == {
            "c1": (jobs.JobStatus.DONE, 1),
            "down": (jobs.JobStatus.QUEUED, 1),  # retried later, with backoff
            "c2": (jobs.JobStatus.DONE, 1),
        }

        calls.clear()
        _enqueue(
            sessions,
            ("test.call", "c3", jobs.NORMAL),
            ("test.call", "unrecordable", jobs.NORMAL),
            ("test.call", "c4", jobs.NORMAL),
        )
        assert run_once(sessions, batch_size=10) == 3
        assert calls == ["c3", "unrecordable", "c4"]  # once each: no call made again
        written, rows = stored()
        assert written == [
            "sent c1 (attempt 1)",
            "sent c2 (attempt 1)",
            "sent c3 (attempt 1)",
            "sent c4 (attempt 1)",
        ]
        assert rows["c3"] == rows["c4"] == (jobs.JobStatus.DONE, 1)
        assert rows["unrecordable"] == (jobs.JobStatus.QUEUED, 1)
        with sessions() as db:
            job = db.scalars(select(jobs.Job).where(jobs.Job.status == jobs.JobStatus.QUEUED))
            errors = {str(j.args["name"]): j.last_error for j in job}
        assert errors == {
            "down": "RuntimeError: the network is down",
            "unrecordable": "RuntimeError: refused",
        }
    finally:
        jobs._handlers.pop("test.call", None)
        jobs._batches.pop("test.call", None)
        jobs._send_then_record.pop("test.call", None)


def test_a_batch_of_calls_stops_at_the_budget_and_leaves_the_rest_untouched(
    sessions: sessionmaker[Session],
) -> None:
    def send(_db: Session, args: dict[str, Any]) -> str:
        time.sleep(0.05)
        return str(args["name"])

    def record(_db: Session, _args: dict[str, Any], sent: str) -> None:
        ran.append(sent)

    jobs.handler(
        "test.slow_call",
        batch=10,
        send_then_record=jobs.SendThenRecord(send=send, record=record),
    )(lambda _db, _args: None)
    try:
        _enqueue(sessions, *[("test.slow_call", f"s{i}", jobs.NORMAL) for i in range(8)])
        with sessions() as db:
            started = jobs.run_due(db, batch_size=10, budget_seconds=0.12)
            db.commit()
        assert 2 <= started < 8
        assert ran == [f"s{i}" for i in range(started)]
        with sessions() as db:
            rows = {
                str(j.args["name"]): (j.status, j.attempts) for j in db.scalars(select(jobs.Job))
            }
        assert rows == {
            f"s{i}": (jobs.JobStatus.DONE, 1) if i < started else (jobs.JobStatus.QUEUED, 0)
            for i in range(8)
        }
    finally:
        jobs._handlers.pop("test.slow_call", None)
        jobs._batches.pop("test.slow_call", None)
        jobs._send_then_record.pop("test.slow_call", None)
