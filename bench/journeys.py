"""Journey engine benchmark: worker processes running many instances of a 10-step journey.

On a fresh database (PostgreSQL, or a SQLite file) with the telco pack loaded, it publishes
a journey of 10 message steps, each followed by a zero-length wait so that every step is
claimed and run on its own (a state change, a journey event and a rendered, routed,
stored message request; the customers read in the in-app inbox, so the message goes into
it in the same transaction), inserts --instances instances due now, and
starts --workers `firstmile worker` processes. It reports:

1. steps: message steps per second over the whole run, and the latency of each step from
   the moment it became due to the moment it was done (p50, p99), read from the journey
   events; worker memory (RSS) when 10 %, 50 % and 100 % of the steps were done; how long
   after the last step the workers had delivered every message, and each message's time
   from its request to its hand-off (p50, p99);
2. timers: --timers instances waiting at a timer, all due within the same minute, once the
   deliveries of phase 1 are done; how long after the last one became due the last one had
   fired.

Prints a table and, on its last line, one JSON object.

    uv run python bench/journeys.py --backend postgresql --workers 2 --instances 2000
    uv run python bench/journeys.py --backend sqlite --workers 1 --instances 1000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from daytime import zone_at_midday
from sqlalchemy import func, insert, select

from firstmile.auth.scopes import SYSTEM
from firstmile.customers.models import ContactMedium, Customer
from firstmile.eventlog.models import Event
from firstmile.journeys import service as journeys
from firstmile.journeys.definition import JourneyFile
from firstmile.journeys.models import Journey, JourneyInstance
from firstmile.kit import migrate
from firstmile.kit.db import make_engine, make_sessionmaker, new_id
from firstmile.kit.jobs import Job, JobStatus
from firstmile.kit.settings import configure, load_settings
from firstmile.kit.time import utcnow
from firstmile.messaging.delivery import DELIVER_JOB
from firstmile.messaging.models import Message
from firstmile.packs import loader as packs

STEPS = 10


def ten_steps() -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for n in range(1, STEPS + 1):
        following = f"w{n}" if n < STEPS else "done"
        steps.append(
            {
                "id": f"m{n}",
                "phase": "activation",
                "type": "message",
                "purpose": "welcome",
                "data": {"given_name": '"Eva"'},
                "next": following,
            }
        )
        if n < STEPS:
            steps.append(
                {
                    "id": f"w{n}",
                    "phase": "usage",
                    "type": "wait",
                    "duration": "0s",
                    "next": f"m{n + 1}",
                }
            )
    steps.append({"id": "done", "phase": "loyalty", "type": "end"})
    return {
        "code": "bench_ten",
        "name": "Benchmark: ten message steps",
        "trigger": {"event": "crm.contact_logged", "reentry": "always"},
        "start": "m1",
        "steps": steps,
    }


TIMERS: dict[str, Any] = {
    "code": "bench_timers",
    "name": "Benchmark: one timer",
    "trigger": {"event": "crm.contact_logged", "reentry": "always"},
    "start": "t",
    "steps": [
        {"id": "t", "phase": "activation", "type": "wait", "duration": "1m", "next": "done"},
        {"id": "done", "phase": "activation", "type": "end"},
    ],
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--instances", type=int, default=100_000)
    p.add_argument("--timers", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=200, help="instances claimed per transaction")
    p.add_argument(
        "--no-drain",
        action="store_true",
        help="start the timers while phase 1's deliveries are still queued",
    )
    p.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--database", default="firstmile_bench_journeys")
    p.add_argument(
        "--sqlite-path", default=str(Path(tempfile.gettempdir()) / "firstmile_bench_journeys.db")
    )
    return p.parse_args()


def fresh_database(args: argparse.Namespace) -> str:
    if args.backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(args.sqlite_path + suffix).unlink(missing_ok=True)
        return f"sqlite:///{args.sqlite_path}"
    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    base = args.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{args.database}"


def make_customers(db: Any, count: int) -> list[str]:
    """Customers who read messages in the in-app inbox, inserted in bulk."""
    now = utcnow()
    ids = [new_id() for _ in range(count)]
    for start in range(0, count, 5000):
        chunk = ids[start : start + 5000]
        db.execute(
            insert(Customer),
            [
                {
                    "id": cid,
                    "kind": "individual",
                    "given_name": "Eva",
                    "family_name": "Bench",
                    "country": "CZ",
                    "language": ("cs", "en", "sv", "ja", "ar")[i % 5],
                    "time_zone": zone_at_midday(),
                    "preferred_channels": ["inapp", "email"],
                }
                for i, cid in enumerate(chunk)
            ],
        )
        db.execute(
            insert(ContactMedium),
            [
                {
                    "id": new_id(),
                    "customer_id": cid,
                    "kind": "email",
                    "value": f"eva.{cid[:8]}@example.com",
                    "preferred": True,
                    "verified_at": now,
                }
                for cid in chunk
            ],
        )
    db.commit()
    return ids


def add_instances(
    db: Any,
    journey_code: str,
    customers: list[str],
    state: dict[str, Any],
    status: str,
    step: str,
    due: list[Any],
) -> None:
    journey = db.scalar(select(Journey).where(Journey.code == journey_code))
    version = journeys.current_version(db, journey)
    for start in range(0, len(customers), 5000):
        db.execute(
            insert(JourneyInstance),
            [
                {
                    "id": new_id(),
                    "journey_id": journey.id,
                    "version_id": version.id,
                    "customer_id": cid,
                    "trigger_event_id": new_id(),
                    "status": status,
                    "step": step,
                    "state": {**state, "due_at": due[start + i].isoformat()}
                    if status == "waiting"
                    else state,
                    "due_at": due[start + i],
                    "entered_at": utcnow(),
                    "updated_at": utcnow(),
                    "attempts": 0,
                }
                for i, cid in enumerate(customers[start : start + 5000])
            ],
        )
    db.commit()


def spawn(url: str, count: int, batch: int) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "FIRSTMILE_DATABASE_URL": url,
        "FIRSTMILE_JOURNEYS_BATCH_SIZE": str(batch),
        "FIRSTMILE_WORKER_BATCH_SIZE": "50",
        "FIRSTMILE_WORKER_POLL_SECONDS": "0.05",
        "FIRSTMILE_LOG_LEVEL": "WARNING",
    }
    program = str(Path(sys.executable).with_name("firstmile"))
    return [
        subprocess.Popen([program, "worker"], env=env, stdout=subprocess.DEVNULL)
        for _ in range(count)
    ]


def rss_mib(processes: list[subprocess.Popen[bytes]]) -> list[float]:
    out = []
    for p in processes:
        try:
            for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(round(int(line.split()[1]) / 1024, 1))
        except FileNotFoundError:
            out.append(0.0)
    return out


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        p.terminate()
    for p in processes:
        p.wait(timeout=60)


def queued_jobs(sessions: Any, kind: str | None = None) -> int:
    with sessions() as db:
        return int(
            db.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.status == JobStatus.QUEUED, Job.run_at <= utcnow())
                .where(Job.kind == kind if kind is not None else True)
            )
            or 0
        )


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def count_steps(sessions: Any) -> int:
    with sessions() as db:
        return int(
            db.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.type == "journey.step", Event.payload["step"].as_string().like("m%"))
            )
            or 0
        )


def progress(sessions: Any) -> int:
    """Message steps done so far, from where the instances stand: at `w<n>` or `m<n+1>`, n
    steps are done; at the end, all ten. One scan of the instances (100,000 rows at the
    issue's scale) instead of counting a million events every half second, which would
    take a core from the workers it measures; the exact count is taken once at the end."""
    with sessions() as db:
        rows = db.execute(
            select(JourneyInstance.step, func.count())
            .join(Journey, Journey.id == JourneyInstance.journey_id)
            .where(Journey.code == "bench_ten")
            .group_by(JourneyInstance.step)
        ).all()
    done = 0
    for step, count in rows:
        if step == "done":
            done += STEPS * count
        elif step.startswith("w"):
            done += int(step[1:]) * count
        elif step.startswith("m"):
            done += (int(step[1:]) - 1) * count
    return done


def handoff_latencies(sessions: Any) -> list[float]:
    """Per message the steps requested: seconds from its request to its hand-off."""
    with sessions() as db:
        rows = db.execute(
            select(Message.created_at, Message.sent_at).where(Message.sent_at.is_not(None))
        ).all()
    return [(sent - created).total_seconds() for created, sent in rows]


def latencies(sessions: Any) -> list[float]:
    """Per message step: from when it became due (the previous zero wait was entered, or
    the instance was created) to when its journey event was recorded."""
    with sessions() as db:
        rows = db.execute(
            select(Event.subject_id, Event.payload["step"].as_string(), Event.recorded_at)
            .where(Event.type == "journey.step")
            .order_by(Event.seq)
        ).all()
        created = dict(db.execute(select(JourneyInstance.id, JourneyInstance.entered_at)).all())
    due: dict[str, Any] = {}
    out = []
    for instance_id, step, at in rows:
        if step.startswith("w"):
            due[instance_id] = at
        elif step.startswith("m"):
            became_due = created.get(instance_id) if step == "m1" else due.get(instance_id)
            if became_due is not None:
                out.append((at - became_due).total_seconds() * 1000)
    return out


def main() -> None:
    args = parse_args()
    url = fresh_database(args)
    settings = load_settings(database_url=url, run_worker_in_process=False)
    configure(settings)
    engine = make_engine(url, pool_size=4)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as db:
        packs.load(db, "telco")
        for data in (ten_steps(), TIMERS):
            journeys.publish(db, "telco", JourneyFile.model_validate(data), actor=SYSTEM)
        db.commit()
    results: dict[str, Any] = {
        "benchmark": "journeys",
        "backend": args.backend,
        "workers": args.workers,
        "instances": args.instances,
    }

    # 1. ten message steps per instance
    with sessions() as db:
        customers = make_customers(db, args.instances)
        now = utcnow()
        add_instances(
            db,
            "bench_ten",
            customers,
            {
                "trigger": {
                    "id": "bench",
                    "type": "crm.contact_logged",
                    "payload": {},
                    "occurred_at": now.isoformat(),
                }
            },
            "starting",
            "",
            [now] * len(customers),
        )
    total = args.instances * STEPS
    memory: dict[str, list[float]] = {}
    started = time.perf_counter()
    workers = spawn(url, args.workers, args.batch)
    marks = {"10%": total // 10, "50%": total // 2}
    done = 0
    while done < total:
        time.sleep(0.5)
        done = progress(sessions)
        for name, threshold in list(marks.items()):
            if done >= threshold:
                memory[name] = rss_mib(workers)
                del marks[name]
        if time.perf_counter() - started > 3600:
            break
    elapsed = time.perf_counter() - started
    memory["100%"] = rss_mib(workers)
    done = count_steps(sessions)
    # the same workers deliver what the steps requested; phase 2 starts on an empty queue
    drain_started = time.perf_counter()
    while not args.no_drain and queued_jobs(sessions, DELIVER_JOB):
        time.sleep(0.5)
    drained = time.perf_counter() - drain_started
    while not args.no_drain and queued_jobs(sessions):  # the pack's segment recounts, say
        time.sleep(0.5)
    others_drained = time.perf_counter() - drain_started
    stop(workers)
    lat = latencies(sessions)
    handoff = handoff_latencies(sessions)
    results.update(
        steps=done,
        steps_per_s=round(done / elapsed, 1),
        step_latency_p50_ms=round(percentile(lat, 50), 1),
        step_latency_p99_ms=round(percentile(lat, 99), 1),
        worker_rss_mib=memory,
        deliveries_drained_after_s=round(drained, 1),
        other_jobs_drained_after_s=round(others_drained, 1),
        handoff_latency_p50_s=round(percentile(handoff, 50), 2),
        handoff_latency_p99_s=round(percentile(handoff, 99), 2),
    )

    # 2. timers all due within one minute
    with sessions() as db:
        timer_customers = make_customers(db, args.timers)
        base = utcnow()
        due = [base + timedelta(seconds=60 * i / max(args.timers, 1)) for i in range(args.timers)]
        state = {
            "step": "t",
            "status": "waiting",
            "entered_at": base.isoformat(),
            "seq": 1,
            "timer": 1,
            "waiting_for": None,
            "trigger": {},
            "attributes": {},
            "variants": {},
            "converted_at": None,
            "outcome": None,
            "error": None,
        }
        add_instances(db, "bench_timers", timer_customers, state, "waiting", "t", due)
    workers = spawn(url, args.workers, args.batch)
    last_due = due[-1]
    while True:
        time.sleep(0.5)
        with sessions() as db:
            left = db.scalar(
                select(func.count())
                .select_from(JourneyInstance)
                .where(JourneyInstance.step == "t", JourneyInstance.status == "waiting")
            )
        if not left:
            break
    finished = utcnow()
    timer_rss = rss_mib(workers)
    stop(workers)
    results.update(
        timers=args.timers,
        timers_all_fired_s_after_last_due=round((finished - last_due).total_seconds(), 1),
        timer_worker_rss_mib=timer_rss,
    )
    for key, value in results.items():
        print(f"{key:>36}: {value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
