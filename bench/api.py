"""API benchmark: concurrent clients take new customers from registration to an active service.

Starts `firstmile serve` (several web processes) and `firstmile worker` processes on a fresh
PostgreSQL database, then runs N concurrent clients for a fixed time. Together they take
customers through the whole onboarding over the REST API, as shops and portals would:

    register -> verify email (one-time code) -> quote -> order
    -> (contract PDF made by the worker) -> request the signature code -> sign
    -> (sealing, provisioning through the network simulator) -> fetch the eSIM code

A client never sits idle while the platform works in the background: each step it takes the
oldest customer whose next step is due (activation first, then signature), and otherwise
registers a new customer. Whether a customer is ready is a GET on the contract or order
("check: ..."); the one-time codes are read from the messaging simulator's outbox (admin API,
"wait: outbox", 50 ms apart). Each request opens its own connection, as requests spread
over a load balancer would (kept-alive connections stick to one uvicorn process).
Prints a table per endpoint and, on its last line, one JSON object with every number.

    uv run python bench/api.py --clients 32 --duration 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psycopg

ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r"(?<![0-9a-f-])\d{6}(?![0-9a-f-])")
POLL_SECONDS = 0.05
RECHECK_SECONDS = 2.0
WAIT_LIMIT_SECONDS = 120.0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    p.add_argument("--warmup", type=float, default=20.0, help="unmeasured seconds first")
    p.add_argument("--web-workers", type=int, default=2, help="uvicorn processes")
    p.add_argument("--job-workers", type=int, default=1, help="`firstmile worker` processes")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL connection used to (re)create the benchmark database",
    )
    p.add_argument("--database", default="firstmile_bench")
    p.add_argument("--network-latency", type=float, default=0.5, help="simulator seconds")
    p.add_argument(
        "--in-flight",
        type=int,
        default=96,
        help="customers between order and activation at most (then clients wait)",
    )
    p.add_argument(
        "--keep-alive",
        action="store_true",
        help="reuse connections (uvicorn's processes then serve them unevenly: one gets most)",
    )
    p.add_argument("--worker-nice", type=int, default=0, help="CPU niceness of job workers")
    return p.parse_args()


# -- the platform under test ----------------------------------------------------------------


def fresh_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def firstmile(*args: str) -> list[str]:
    return [sys.executable, "-m", "firstmile.cli", *args]


class Platform:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.data_dir = Path(tempfile.mkdtemp(prefix="firstmile-bench-"))
        self.procs: list[subprocess.Popen[bytes]] = []
        url = fresh_database(args.admin_url, args.database)
        self.env = {
            **os.environ,
            "FIRSTMILE_DATABASE_URL": url,
            "FIRSTMILE_DATA_DIR": str(self.data_dir),
            "FIRSTMILE_RUN_WORKER_IN_PROCESS": "false",
            "FIRSTMILE_SIMULATOR_LATENCY_SECONDS": str(args.network_latency),
            "FIRSTMILE_WORKER_POLL_SECONDS": "0.05",
            "FIRSTMILE_DB_POOL_SIZE": "10",
            "FIRSTMILE_LOG_LEVEL": "WARNING",
        }
        self.base = f"http://127.0.0.1:{args.port}"

    def run(self, *args: str) -> str:
        done = subprocess.run(
            firstmile(*args), env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise SystemExit(f"firstmile {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def start(self) -> str:
        self.run("db", "upgrade")
        self.run("pack", "load", "telco")
        issued = json.loads(
            self.run("token", "create", "--name", "bench", "--scope", "agent", "--scope", "admin")
            .strip()
            .splitlines()[-1]
        )
        serve = firstmile(
            "serve", "--port", str(self.args.port), "--workers", str(self.args.web_workers)
        )
        self.procs.append(subprocess.Popen(serve, env=self.env, stdout=subprocess.DEVNULL))
        for _ in range(self.args.job_workers):
            self.procs.append(
                subprocess.Popen(
                    ["nice", "-n", str(self.args.worker_nice), *firstmile("worker")],
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                )
            )
        return str(issued["token"])

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)


# -- the clients ----------------------------------------------------------------------------


@dataclass
class Stats:
    measuring: bool = False
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    flows: int = 0
    flow_seconds: list[float] = field(default_factory=list)


class Unexpected(Exception):
    pass


@dataclass
class Pending:
    """A customer whose order waits for the next step (signature, then activation)."""

    customer_id: str
    order_id: str
    contract_id: str
    started: float
    due: float


@dataclass
class Pipeline:
    to_sign: deque[Pending] = field(default_factory=deque)
    to_activate: deque[Pending] = field(default_factory=deque)


class Client:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        base: str,
        token: str,
        stats: Stats,
        pipeline: Pipeline,
        max_in_flight: int,
    ) -> None:
        self.pipeline = pipeline
        self.max_in_flight = max_in_flight
        self.http = http
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.stats = stats

    async def call(
        self, name: str, method: str, path: str, expect: int = 200, **kw: Any
    ) -> dict[str, Any]:
        headers = {**self.headers, **kw.pop("headers", {})}
        started = time.perf_counter()
        async with self.http.request(method, self.base + path, headers=headers, **kw) as answer:
            body = await answer.read()
            elapsed = time.perf_counter() - started
        if self.stats.measuring:
            self.stats.latencies[name].append(elapsed)
        if answer.status != expect:
            if self.stats.measuring:
                self.stats.errors[name] += 1
            raise Unexpected(f"{name}: {answer.status} {body[:300]!r}")
        return json.loads(body) if body else {}

    async def code(self, customer_id: str, seen: int) -> str:
        """The newest one-time code in the simulator's outbox, once message `seen + 1` is in."""
        deadline = time.monotonic() + WAIT_LIMIT_SECONDS
        while True:
            box = await self.call(
                "wait: outbox",
                "GET",
                "/api/messaging/simulator/outbox",
                params={"customer_id": customer_id, "limit": "5"},
            )
            if len(box["deliveries"]) > seen:
                found = CODE.findall(box["deliveries"][0]["body_text"])
                if found:
                    return str(found[-1])
            if time.monotonic() > deadline:
                raise Unexpected("no one-time code was delivered")
            await asyncio.sleep(POLL_SECONDS)

    async def step(self, n: int) -> None:
        """One unit of work: the oldest customer due for activation or signature, if any is
        due, else a new customer from registration to order."""
        now = time.monotonic()
        for queue, action in ((self.pipeline.to_activate, self.activate),
                              (self.pipeline.to_sign, self.sign)):  # fmt: skip
            if queue and queue[0].due <= now:
                await action(queue.popleft())
                return
        if len(self.pipeline.to_sign) + len(self.pipeline.to_activate) >= self.max_in_flight:
            await asyncio.sleep(POLL_SECONDS)  # enough customers in the pipeline: wait
            return
        await self.onboard(n)

    async def onboard(self, n: int) -> None:
        started = time.monotonic()
        tag = uuid.uuid4().hex[:12]
        customer = await self.call(
            "register",
            "POST",
            "/api/customers",
            expect=201,
            json={
                "customer": {
                    "kind": "individual",
                    "country": "CZ",
                    "given_name": "Eva",
                    "family_name": f"Bench {n}",
                },
                "preferences": {
                    "language": "cs",
                    "time_zone": "Europe/Prague",
                    "preferred_channels": ["email", "sms"],
                },
                "contacts": [
                    {"kind": "email", "value": f"eva.{tag}@example.com", "preferred": True},
                    {"kind": "phone", "value": "+420 601 123 456"},
                ],
                "consents": [{"purpose": "service", "channel": "email", "granted": True}],
                "accounts": [{"kind": "residential", "name": "Home"}],
            },
            headers={"Idempotency-Key": f"register-{tag}"},
        )
        cid = customer["id"]
        email = customer["contact_media"][0]["id"]
        medium = f"/api/customers/{cid}/contact-media/{email}/verification"
        await self.call("verify email", "POST", medium, expect=202)
        code = await self.code(cid, 0)
        await self.call("confirm email", "POST", f"{medium}/confirm", json={"code": code})
        quote = await self.call(
            "quote",
            "POST",
            "/api/quotes",
            expect=201,
            json={
                "customer_id": cid,
                "account_id": customer["accounts"][0]["id"],
                "service_address": {
                    "street": "Vinohradská",
                    "house_number": "2828/151",
                    "postcode": "130 00",
                    "city": "Praha",
                    "country": "CZ",
                },
                "items": [{"offering": "mobile-10gb", "options": {"sim_type": "esim"}}],
            },
        )
        order = await self.call(
            "order",
            "POST",
            "/api/orders",
            expect=201,
            json={"quote_id": quote["id"]},
            headers={"Idempotency-Key": f"order-{tag}"},
        )
        self.pipeline.to_sign.append(
            Pending(cid, order["id"], order["contract_id"], started, time.monotonic())
        )

    async def sign(self, item: Pending) -> None:
        contract = f"/api/contracts/{item.contract_id}"
        if (await self.call("check: contract", "GET", contract))["status"] != "ready":
            item.due = time.monotonic() + RECHECK_SECONDS
            self.pipeline.to_sign.append(item)  # the PDF is still being made
            return
        await self.call(
            "request signature", "POST", f"{contract}/signature-requests", expect=202,
            json={"channel": "email"},
        )  # fmt: skip
        code = await self.code(item.customer_id, 1)
        await self.call("sign", "POST", f"{contract}/sign", json={"code": code})
        item.due = time.monotonic() + RECHECK_SECONDS
        self.pipeline.to_activate.append(item)

    async def activate(self, item: Pending) -> None:
        order = await self.call("check: order", "GET", f"/api/orders/{item.order_id}")
        if order["status"] != "completed":
            item.due = time.monotonic() + RECHECK_SECONDS
            self.pipeline.to_activate.append(item)  # the network has not finished yet
            return
        [service] = await self.call_list("services", f"/api/services?order_id={item.order_id}")
        await self.call("activate: eSIM code", "GET", f"/api/services/{service['id']}/esim")
        if self.stats.measuring:
            self.stats.flows += 1
            self.stats.flow_seconds.append(time.monotonic() - item.started)

    async def call_list(self, name: str, path: str) -> list[dict[str, Any]]:
        body: Any = await self.call(name, "GET", path)
        return list(body)


async def client_loop(client: Client, stop: asyncio.Event, first: int) -> None:
    n = first
    while not stop.is_set():
        try:
            await client.step(n)
        except Exception as exc:  # report and go on with the next piece of work
            print(f"step failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            await asyncio.sleep(0.5)
        n += 1000


async def wait_ready(base: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            try:
                async with http.get(f"{base}/readyz") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("firstmile did not become ready")


async def drive(args: argparse.Namespace, base: str, token: str) -> tuple[Stats, float]:
    await wait_ready(base)
    stats = Stats()
    pipeline = Pipeline()
    stop = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=args.clients, force_close=not args.keep_alive)
    async with aiohttp.ClientSession(connector=connector) as http:
        tasks = [
            asyncio.create_task(
                client_loop(Client(http, base, token, stats, pipeline, args.in_flight), stop, i)
            )
            for i in range(args.clients)
        ]
        await asyncio.sleep(args.warmup)
        stats.measuring = True
        started = time.perf_counter()
        await asyncio.sleep(args.duration)
        stats.measuring = False
        elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.wait(tasks, timeout=WAIT_LIMIT_SECONDS)
        for task in tasks:
            task.cancel()
    return stats, elapsed


# -- the report -----------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def report(args: argparse.Namespace, stats: Stats, elapsed: float) -> dict[str, Any]:
    endpoints = {}
    for name, values in stats.latencies.items():
        endpoints[name] = {
            "requests": len(values),
            "per_s": round(len(values) / elapsed, 1),
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
            "errors": stats.errors.get(name, 0),
        }
    every = [v for values in stats.latencies.values() for v in values]
    steps = [v for name, vs in stats.latencies.items() if not name.startswith("wait") for v in vs]
    result = {
        "benchmark": "api",
        "clients": args.clients,
        "web_workers": args.web_workers,
        "job_workers": args.job_workers,
        "seconds": round(elapsed, 1),
        "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1),
        "p50_ms": round(percentile(every, 50) * 1000, 1) if every else None,
        "p99_ms": round(percentile(every, 99) * 1000, 1) if every else None,
        "step_requests_per_s": round(len(steps) / elapsed, 1),
        "step_p99_ms": round(percentile(steps, 99) * 1000, 1) if steps else None,
        "errors": sum(stats.errors.values()),
        "onboardings": stats.flows,
        "onboardings_per_s": round(stats.flows / elapsed, 2),
        "onboarding_p50_s": round(statistics.median(stats.flow_seconds), 2)
        if stats.flow_seconds
        else None,
        "endpoints": endpoints,
    }
    print(f"{'endpoint':<22}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, e in sorted(endpoints.items()):
        print(
            f"{name:<22}{e['requests']:>9}{e['per_s']:>9}{e['p50_ms']:>9}{e['p99_ms']:>9}"
            f"{e['errors']:>8}"
        )
    print(
        f"overall: {result['requests_per_s']} req/s, p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms; onboardings completed: {stats.flows} "
        f"({result['onboardings_per_s']}/s)"
    )
    return result


def main() -> None:
    args = parse_args()
    platform = Platform(args)
    try:
        token = platform.start()
        stats, elapsed = asyncio.run(drive(args, platform.base, token))
    finally:
        platform.stop()
    print(json.dumps(report(args, stats, elapsed)))


if __name__ == "__main__":
    main()
