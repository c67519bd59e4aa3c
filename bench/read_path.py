"""Read-path benchmark: what one web process costs per authenticated one-row GET.

Starts `firstmile serve` with one web process and no job worker on a fresh PostgreSQL
database (as bench/api.py does), registers one customer, then N concurrent clients repeat
`GET /api/customers/{id}/accounts`-sized reads for a fixed time: the request every status
poll and portal page pays (token check, one transaction, one small query, JSON).
Prints requests/s and p50/p99 per endpoint and, on its last line, one JSON object.

    uv run python bench/read_path.py --clients 32 --duration 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import Platform, percentile, wait_ready


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--duration", type=float, default=15.0)
    p.add_argument("--web-workers", type=int, default=1)
    p.add_argument("--port", type=int, default=8766)
    p.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--database", default="firstmile_bench")
    p.add_argument("--keep-alive", action="store_true")
    args = p.parse_args()
    args.job_workers, args.worker_nice, args.network_latency = 0, 0, 0.0
    return args


async def measure(base: str, path: str, token: str, args: argparse.Namespace) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=args.clients, force_close=not args.keep_alive)
    async with aiohttp.ClientSession(connector=connector) as http:
        deadline = time.perf_counter() + args.duration

        async def client() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with http.get(base + path, headers=headers) as answer:
                    await answer.read()
                    if answer.status != 200:
                        raise SystemExit(f"GET {path}: {answer.status}")
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(args.clients)))
    return latencies


async def drive(args: argparse.Namespace, base: str, token: str) -> dict[str, Any]:
    await wait_ready(base)
    async with aiohttp.ClientSession() as http:
        body = {
            "customer": {
                "kind": "individual",
                "country": "CZ",
                "given_name": "Eva",
                "family_name": "Bench",
            },
            "contacts": [{"kind": "email", "value": f"eva.{uuid.uuid4().hex[:8]}@example.com"}],
            "accounts": [{"kind": "residential", "name": "Home"}],
        }
        async with http.post(
            base + "/api/customers", json=body, headers={"Authorization": f"Bearer {token}"}
        ) as answer:
            customer = await answer.json()
            if answer.status != 201:
                raise SystemExit(f"register: {answer.status} {customer}")
    paths = {
        "healthz (no auth, no database)": "/healthz",
        "customer accounts": f"/api/customers/{customer['id']}/accounts",
        "customer": f"/api/customers/{customer['id']}",
    }
    endpoints = {}
    for name, path in paths.items():
        values = await measure(base, path, token, args)
        endpoints[name] = {
            "requests": len(values),
            "per_s": round(len(values) / args.duration, 1),
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
        }
    return endpoints


def main() -> None:
    args = parse_args()
    platform = Platform(args)
    try:
        token = platform.start()
        endpoints = asyncio.run(drive(args, platform.base, token))
    finally:
        platform.stop()
    print(f"{'endpoint':<32}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for name, e in endpoints.items():
        print(f"{name:<32}{e['per_s']:>9}{e['p50_ms']:>9}{e['p99_ms']:>9}")
    print(
        json.dumps(
            {
                "benchmark": "read_path",
                "clients": args.clients,
                "web_workers": args.web_workers,
                "keep_alive": args.keep_alive,
                "endpoints": endpoints,
            }
        )
    )


if __name__ == "__main__":
    main()
