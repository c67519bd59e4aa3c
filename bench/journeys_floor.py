"""The floor under `bench/journeys.py`: what the database alone allows on this machine.

The journey engine's step (a state change plus a rendered, routed message request handed to
the in-app inbox) writes seven rows: the instance's new state, two `journey.step` events (the
message step and the wait after it), the message, its `message.requested` and
`message.sent` events, and the inbox item. This benchmark writes exactly those rows, of the
same shape and size, into the real schema (migrations, indexes, constraints and all) on a
database set up as `bench/journeys.py` sets it up, with nothing else: no engine, no ORM, no
rendering, no routing, no subscribers; raw driver calls from --workers processes that claim
--batch due instances per transaction (FOR UPDATE SKIP LOCKED on PostgreSQL). Whatever the
engine does on top can only be slower, so this is the ceiling for the engine's steps/s with
this data model, and the distance to it is the engine's own cost.

`--copy` (PostgreSQL) inserts with COPY instead of a pipelined executemany.

    uv run python bench/journeys_floor.py --backend postgresql --workers 2 --instances 5000
    uv run python bench/journeys_floor.py --backend postgresql --workers 2 --instances 5000 --copy
    uv run python bench/journeys_floor.py --backend sqlite --workers 1 --instances 5000

Prints a table and, on its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from firstmile.auth.scopes import SYSTEM
from firstmile.journeys import service as journeys
from firstmile.journeys.definition import JourneyFile
from firstmile.kit import migrate
from firstmile.kit.db import make_engine, make_sessionmaker
from firstmile.kit.settings import configure, load_settings
from firstmile.kit.time import utcnow
from firstmile.packs import loader as packs
from journeys import STEPS, add_instances, fresh_database, make_customers, ten_steps

EVENT_COLUMNS = (
    "id, type, version, customer_id, subject_type, subject_id, payload, actor, source,"
    " idempotency_key, occurred_at, recorded_at"
)
MESSAGE_COLUMNS = (
    "id, customer_id, purpose, klass, channel, recipient, locale, subject, body_text,"
    " body_html, sensitive, status, idempotency_key, requested_by, attempts, sent_at,"
    " delivered_at, created_at, updated_at, link, urgent, skipped, fallbacks, template_version"
)
INBOX_COLUMNS = "id, message_id, customer_id, locale, title, body, link, created_at"
SUBJECT = "Vítejte u Firstmile Telco s.r.o."
BODY = "Zřízení služeb začalo. V této schránce najdete všechny zprávy, které vám pošleme."


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--instances", type=int, default=5000)
    p.add_argument("--batch", type=int, default=200)
    p.add_argument("--copy", action="store_true", help="PostgreSQL: COPY instead of executemany")
    p.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--database", default="firstmile_bench_floor")
    p.add_argument(
        "--sqlite-path", default=str(Path(tempfile.gettempdir()) / "firstmile_bench_floor.db")
    )
    return p.parse_args()


def step_rows(
    instance_id: str, customer_id: str, state: dict[str, Any], now: datetime
) -> tuple[list[tuple[Any, ...]], tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    """One message step's rows, shaped like the engine's: (events, message, inbox item,
    the instance's update)."""
    n = int(state["seq"]) // 2 + 1  # the message step this visit runs
    stamp = now.isoformat()
    message_id, key = str(uuid.uuid4()), f"journey:{instance_id}:{state['seq'] + 1}"

    def event(kind: str, payload: dict[str, Any], subject: tuple[str, str]) -> tuple[Any, ...]:
        return (
            str(uuid.uuid4()), kind, 1, customer_id, subject[0], subject[1],
            json.dumps(payload), "system:journeys", "firstmile", None, now, now,
        )  # fmt: skip

    on_instance = ("journey_instance", instance_id)
    on_message = ("message", message_id)
    common = {"journey": "bench_ten", "version": 1}
    events = [
        event("journey.step", {**common, "step": f"m{n}", "from": f"w{n - 1}", "seq": 0,
              "phase": "activation", "via": "timer"}, on_instance),
        event("message.requested", {"purpose": "welcome", "channel": "inapp", "locale": "cs",
              "fallbacks": [], "skipped": {"sms": "no_address", "push": "no_subscription"},
              "scheduled_for": None, "key": key}, on_message),
        event("message.sent", {"purpose": "welcome", "channel": "inapp",
              "reference": f"inbox-{message_id}"}, on_message),
        event("journey.step", {**common, "step": f"w{n}", "from": f"m{n}", "seq": 0,
              "phase": "usage"}, on_instance),
    ]  # fmt: skip
    message = (
        message_id, customer_id, "welcome", "transactional", "inapp", None, "cs", SUBJECT, BODY,
        None, False, "delivered", key, "system:journeys", 1, now, now, now, now,
        "/portal/onboarding", False, json.dumps({"sms": "no_address", "push": "no_subscription"}),
        "[]", 1,
    )  # fmt: skip
    inbox = (str(uuid.uuid4()), message_id, customer_id, "cs", SUBJECT, BODY, "/portal/onboarding",
             now)  # fmt: skip
    last = n >= STEPS
    new_state = {**state, "seq": state["seq"] + 2, "step": "done" if last else f"w{n}",
                 "due_at": None if last else stamp, "entered_at": stamp}  # fmt: skip
    update = (
        json.dumps(new_state), "done" if last else f"w{n}", "completed" if last else "waiting",
        None if last else now, now, instance_id,
    )  # fmt: skip
    return events, message, inbox, update


def run_postgresql(conninfo: str, batch: int, copy: bool, out: Any) -> None:
    steps, started = 0, time.perf_counter()
    with psycopg.connect(conninfo) as conn:
        while True:
            with conn.transaction(), conn.cursor() as cur:
                now = datetime.now(UTC)
                claimed = cur.execute(
                    "SELECT id, customer_id, state FROM journey_instances WHERE due_at <= %s"
                    " ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED",
                    (now, batch),
                ).fetchall()
                if not claimed:
                    break
                events, messages, inbox, updates = [], [], [], []
                for instance_id, customer_id, state in claimed:
                    e, m, i, u = step_rows(instance_id, customer_id, state, now)
                    events += e
                    messages.append(m)
                    inbox.append(i)
                    updates.append(u)
                insert(cur, "messages", MESSAGE_COLUMNS, messages, copy)
                insert(cur, "inbox_items", INBOX_COLUMNS, inbox, copy)
                insert(cur, "events", EVENT_COLUMNS, events, copy)
                cur.executemany(
                    "UPDATE journey_instances SET state = %s, step = %s, status = %s,"
                    " due_at = %s, updated_at = %s WHERE id = %s",
                    updates,
                )
                steps += len(claimed)
    out.put((steps, time.perf_counter() - started))


def insert(cur: Any, table: str, columns: str, rows: list[tuple[Any, ...]], copy: bool) -> None:
    if copy:
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as stream:
            for row in rows:
                stream.write_row(row)
        return
    marks = ", ".join(["%s"] * (columns.count(",") + 1))
    # the table and columns are this module's constants
    cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def run_sqlite(path: str, batch: int, out: Any) -> None:
    steps, started = 0, time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")  # as the platform sets up its connections
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    while True:
        conn.execute("BEGIN IMMEDIATE")
        now = datetime.now(UTC)
        claimed = conn.execute(
            "SELECT id, customer_id, state FROM journey_instances WHERE due_at <= ?"
            " ORDER BY due_at LIMIT ?",
            (now.strftime("%Y-%m-%d %H:%M:%S.%f"), batch),
        ).fetchall()
        if not claimed:
            conn.execute("COMMIT")
            break
        events, messages, inbox, updates = [], [], [], []
        for instance_id, customer_id, state in claimed:
            e, m, i, u = step_rows(instance_id, customer_id, json.loads(state), now)
            events += e
            messages.append(m)
            inbox.append(i)
            updates.append(u)
        for table, columns, rows in (
            ("messages", MESSAGE_COLUMNS, messages),
            ("inbox_items", INBOX_COLUMNS, inbox),
            ("events", EVENT_COLUMNS, events),
        ):
            marks = ", ".join(["?"] * (columns.count(",") + 1))
            conn.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 (constants)
                [tuple(_sqlite(v) for v in row) for row in rows],
            )
        conn.executemany(
            "UPDATE journey_instances SET state = ?, step = ?, status = ?, due_at = ?,"
            " updated_at = ? WHERE id = ?",
            [tuple(_sqlite(v) for v in row) for row in updates],
        )
        conn.execute("COMMIT")
        steps += len(claimed)
    out.put((steps, time.perf_counter() - started))


def _sqlite(value: Any) -> Any:
    """Values as SQLAlchemy stores them in SQLite (naive UTC text for timestamps)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def main() -> None:
    args = parse_args()
    url = fresh_database(args)
    configure(load_settings(database_url=url, run_worker_in_process=False))
    engine = make_engine(url, pool_size=2)
    migrate.upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as db:
        packs.load(db, "telco")
        journeys.publish(db, "telco", JourneyFile.model_validate(ten_steps()), actor=SYSTEM)
        db.commit()
    with sessions() as db:
        customers = make_customers(db, args.instances)
        now = utcnow()
        due = [now] * len(customers)
        add_instances(db, "bench_ten", customers, {"seq": 0}, "waiting", "m1", due)
    engine.dispose()
    out: Any = multiprocessing.Queue()
    if args.backend == "postgresql":
        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        target: Any = run_postgresql
        worker_args: tuple[Any, ...] = (conninfo, args.batch, args.copy, out)
    else:
        target, worker_args = run_sqlite, (args.sqlite_path, args.batch, out)
    started = time.perf_counter()
    processes = [
        multiprocessing.Process(target=target, args=worker_args) for _ in range(args.workers)
    ]
    for process in processes:
        process.start()
    counts = [out.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    steps = sum(count for count, _ in counts)
    results = {
        "benchmark": "journeys_floor",
        "backend": args.backend,
        "workers": args.workers,
        "insert": "copy" if args.copy and args.backend == "postgresql" else "executemany",
        "instances": args.instances,
        "steps": steps,
        "rows_per_step": 7,
        "steps_per_s": round(steps / elapsed, 1),
    }
    for name, value in results.items():
        print(f"{name:<16}{value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
