"""Messaging benchmark: one worker process rendering, routing and handing off messages.

On a fresh PostgreSQL database with the telco pack, it creates customers (half prefer the
in-app inbox, half email), then measures in this one process:

1. requests: `messaging.send` (template, routing, rendering, stored with its job) per second;
   an in-app message due now is handed to the inbox with its request (no job), an email
   waits for the worker;
2. hand-off: the worker loop delivering the rest, email over SMTP to a local aiosmtpd server
   (in a process of its own, as a real SMTP server would be), per second; and both phases
   together: messages rendered, routed and handed off per second of this one process;
3. a campaign to a segment of --campaign customers sent by the same worker loop while
   another thread requests one transactional message every --tick seconds: the latency of
   each from request to hand-off (p50, p99), and the campaign's messages per second.

The worker sends a batch's emails over FIRSTMILE_SMTP_CONNECTIONS connections at once
(--smtp-connections to choose); --smtp-latency makes the SMTP server answer RCPT TO and
DATA that many seconds late, as a relay across a network would.

Prints a table and, on its last line, one JSON object.

    uv run python bench/messaging.py --messages 2000 --campaign 5000
    uv run python bench/messaging.py --messages 2000 --campaign 2000 --smtp-latency 0.01
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import statistics
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import psycopg
from aiosmtpd.controller import Controller
from daytime import zone_at_midday
from sqlalchemy import insert, select

from firstmile import worker
from firstmile.auth.scopes import SYSTEM
from firstmile.customers.models import Consent, ContactMedium, Customer
from firstmile.kit import heap, migrate
from firstmile.kit.db import make_engine, make_sessionmaker, new_id
from firstmile.kit.registry import load_job_handlers
from firstmile.kit.settings import configure, load_settings
from firstmile.kit.time import utcnow
from firstmile.messaging import service
from firstmile.messaging.campaigns import service as campaigns
from firstmile.messaging.campaigns.service import CampaignCreate, Variant
from firstmile.messaging.channels import adapters
from firstmile.messaging.channels.email.smtp import SmtpChannel
from firstmile.messaging.models import Channel, Message, MessageStatus
from firstmile.messaging.segments.models import Segment, SegmentMembership
from firstmile.packs import loader as packs

HANDED_OFF = (MessageStatus.SENT, MessageStatus.DELIVERED)


class Sink:
    """An SMTP server that accepts everything and counts it; with `latency`, each reply
    to RCPT TO and to the end of DATA comes that many seconds late (a relay across a
    network)."""

    def __init__(self, count: Any, latency: float) -> None:
        self.count, self.latency = count, latency

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.latency:
            await asyncio.sleep(self.latency)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.latency:
            await asyncio.sleep(self.latency)
        with self.count.get_lock():
            self.count.value += 1
        return "250 OK"


def serve_smtp(port: int, count: Any, ready: Any, stop: Any, latency: float) -> None:
    """The SMTP server in a process of its own, as a real one would be: its work is not
    counted against the worker process being measured."""
    server = Controller(Sink(count, latency), hostname="127.0.0.1", port=port)
    server.start()
    ready.set()
    stop.wait()
    server.stop()


class SmtpServer:
    def __init__(self, port: int, latency: float) -> None:
        context = multiprocessing.get_context("spawn")
        self.count = context.Value("i", 0)
        self.ready, self.stopping = context.Event(), context.Event()
        self.process = context.Process(
            target=serve_smtp,
            args=(port, self.count, self.ready, self.stopping, latency),
            daemon=True,
        )

    def start(self) -> None:
        self.process.start()
        if not self.ready.wait(30):
            raise SystemExit("the benchmark's SMTP server did not start")

    def stop(self) -> None:
        self.stopping.set()
        self.process.join(10)

    @property
    def received(self) -> int:
        return int(self.count.value)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--messages", type=int, default=2000, help="transactional messages, phase 1-2")
    p.add_argument("--campaign", type=int, default=100_000, help="campaign recipients, phase 3")
    p.add_argument("--tick", type=float, default=0.05, help="seconds between transactional sends")
    p.add_argument(
        "--smtp-latency",
        type=float,
        default=0.0,
        help="seconds the SMTP server takes to answer RCPT TO and DATA (a relay far away)",
    )
    p.add_argument(
        "--smtp-connections",
        type=int,
        default=None,
        help="SMTP connections a batch's emails go over (default: FIRSTMILE_SMTP_CONNECTIONS)",
    )
    p.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--database", default="firstmile_bench_msg")
    return p.parse_args()


def fresh_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return (
        admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    )


def make_customers(db: Any, count: int, *, marketing: bool) -> list[str]:
    """Customers with a verified email, inserted in bulk (the registration API is not what
    this benchmark measures)."""
    now = utcnow()
    ids = [new_id() for _ in range(count)]
    db.execute(
        insert(Customer),
        [
            {
                "id": cid,
                "kind": "individual",
                "given_name": "Eva",
                "family_name": f"Bench {i}",
                "country": "CZ",
                "language": ("cs", "en", "sv", "ja", "ar")[i % 5],
                "time_zone": zone_at_midday(),
                "preferred_channels": ["inapp", "email"] if i % 2 else ["email", "inapp"],
            }
            for i, cid in enumerate(ids)
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
            for cid in ids
        ],
    )
    if marketing:
        db.execute(
            insert(Consent),
            [
                {
                    "id": new_id(),
                    "customer_id": cid,
                    "purpose": "marketing",
                    "channel": channel,
                    "granted": True,
                    "version": 1,
                    "source": "web_form",
                    "actor": "system:bench",
                    "recorded_at": now,
                }
                for cid in ids
                for channel in ("email", "inapp")
            ],
        )
    db.commit()
    return ids


def drain(sessions: Any, stop: threading.Event | None = None) -> None:
    """The worker loop, one job per transaction, until nothing is due (or `stop`)."""
    while stop is None or not stop.is_set():
        if worker.run_once(sessions, batch_size=1) == 0:
            if stop is None:
                return
            time.sleep(0.01)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    args = parse_args()
    url = fresh_database(args.admin_url, args.database)
    settings = load_settings(database_url=url, run_worker_in_process=False)
    configure(settings)
    engine = make_engine(url, pool_size=4)
    migrate.upgrade(engine)
    load_job_handlers()
    heap.settle(settings)  # as `firstmile worker` does at start-up
    sessions = make_sessionmaker(engine)
    with sessions() as db:
        packs.load(db, "telco")
        db.commit()
        customers = make_customers(db, args.messages, marketing=False)
    drain(sessions)  # the pack's own work first (segment recounts), not measured below
    port = free_port()
    smtp_server = SmtpServer(port, args.smtp_latency)
    smtp_server.start()
    connections = args.smtp_connections or settings.smtp_connections
    smtp = SmtpChannel(
        host="127.0.0.1",
        port=port,
        sender="bench@operator.example",
        message_id_domain="operator.example",
        starttls=False,
        connections=connections,
    )
    results: dict[str, Any] = {
        "benchmark": "messaging",
        "smtp_connections": connections,
        "smtp_latency_s": args.smtp_latency,
    }
    with adapters.overridden(Channel.EMAIL, smtp):
        # 1. requests: template, routing, rendering, stored with their delivery jobs
        started = time.perf_counter()
        with sessions() as db:
            for i, cid in enumerate(customers):
                service.send(
                    db,
                    customer_id=cid,
                    purpose="welcome",
                    data={"given_name": "Eva"},
                    idempotency_key=f"bench-{i}",
                    actor=SYSTEM,
                )
                if i % 100 == 99:
                    db.commit()
            db.commit()
        requested = time.perf_counter() - started
        results["requests_per_s"] = round(args.messages / requested, 1)
        with sessions() as db:  # in-app messages due now go into the inbox with the request
            handed = select(Message.id).where(Message.status.in_(HANDED_OFF))
            at_request = len(db.scalars(handed).all())
        # 2. hand-off by the worker loop: SMTP (and whatever the requests left queued)
        started = time.perf_counter()
        drain(sessions)
        elapsed = time.perf_counter() - started
        with sessions() as db:
            done = db.scalar(select(Message.id).where(Message.status.not_in(HANDED_OFF)).limit(1))
        results["handed_off_at_request"] = at_request
        results["handoff_per_s"] = round((args.messages - at_request) / elapsed, 1)
        results["all_handed_off"] = done is None
        # 1 and 2 together: rendered, routed and handed off, per second of this one process
        results["messages_per_s"] = round(args.messages / (requested + elapsed), 1)
        results["smtp_received"] = smtp_server.received
        # 3. a campaign sent by the worker while transactional messages keep coming
        with sessions() as db:
            members = make_customers(db, args.campaign, marketing=True)
            segment = Segment(
                pack="telco", code="bench_all", name="Benchmark", condition="true", version=1
            )
            db.add(segment)
            db.flush()
            db.execute(
                insert(SegmentMembership),
                [{"segment_id": segment.id, "customer_id": cid} for cid in members],
            )
            campaign = campaigns.create(
                db,
                CampaignCreate(
                    name="bench",
                    segment="bench_all",
                    variants=[
                        Variant(
                            name="A",
                            purpose="upgrade_offer",
                            data={"offer_name": "Mobil 30 GB", "monthly_price": "499 Kč"},
                        )
                    ],
                    control_percent=0,
                    rate_per_minute=100_000,
                    goal_event="order.placed",
                ),
                actor=SYSTEM,
            )
            campaigns.start(db, campaign.id)
            db.commit()
        stop = threading.Event()
        loop = threading.Thread(target=drain, args=(sessions, stop))
        started = time.perf_counter()
        loop.start()
        keys: list[str] = []
        while True:
            with sessions() as db:
                key = f"tx-{uuid.uuid4()}"
                service.send(
                    db,
                    customer_id=customers[len(keys) % len(customers)],
                    purpose="contact_verification",
                    data={"code": "123456", "minutes": 10},
                    idempotency_key=key,
                    actor=SYSTEM,
                    channel="email",
                )
                db.commit()
                keys.append(key)
                finished = db.scalar(
                    select(campaigns.Campaign.status).where(campaigns.Campaign.id == campaign.id)
                )
            if finished == "completed" or time.perf_counter() - started > 3600:
                break
            time.sleep(args.tick)
        time.sleep(2)  # let the last transactional messages go
        stop.set()
        loop.join()
        campaign_seconds = time.perf_counter() - started
        drain(sessions)
        with sessions() as db:
            rows = db.execute(
                select(Message.created_at, Message.sent_at).where(Message.idempotency_key.in_(keys))
            ).all()
            latencies = [(sent - created) / timedelta(seconds=1) for created, sent in rows if sent]
            sent_campaign = len(members)
    smtp_server.stop()
    engine.dispose()
    results.update(
        {
            "campaign_recipients": sent_campaign,
            "campaign_per_s": round(sent_campaign / campaign_seconds, 1),
            "transactional_during_campaign": len(latencies),
            "transactional_p50_s": round(statistics.median(latencies), 3) if latencies else None,
            "transactional_p99_s": round(percentile(latencies, 99), 3) if latencies else None,
        }
    )
    for name, value in results.items():
        print(f"{name:<32}{value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
