"""Expression-language benchmark: evaluations per second of compiled conditions.

Compiles a few conditions of the kind journeys and segments use once, then evaluates each
against a customer-shaped activation in a loop on one core. Issue 4's target: at least
100,000 evaluations per second. Prints a table and, on its last line, one JSON object.

    uv run python bench/expressions.py --seconds 2
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from typing import Any

from firstmile.kit.expressions import Environment, Function

CONDITIONS = {
    "simple": 'customer.kind == "business"',
    "typical": 'customer.kind == "individual" && size(customer.accounts) > 0 '
    '&& count("portal.login") == 0',
    "time window": "now - customer.activated_at < duration('7d') && !has(customer.churned_at)",
    "macro": 'customer.accounts.exists(a, a.plan.startsWith("fibre") && a.monthly > 500.0)',
}


def _count(activation: dict[str, Any], event_type: str) -> int:
    return int(activation["counts"].get(event_type, 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="per condition")
    args = parser.parse_args()
    env = Environment(
        names=["customer", "event", "now", "counts"],
        functions=[Function("count", (1,), _count, context=True)],
    )
    activation = {
        "customer": {
            "kind": "individual",
            "activated_at": datetime(2026, 11, 27, tzinfo=UTC),
            "accounts": [
                {"plan": "mobile-10gb", "monthly": 299.0},
                {"plan": "fibre-500", "monthly": 649.0},
            ],
        },
        "event": {"type": "service.activated"},
        "now": datetime(2026, 11, 30, tzinfo=UTC),
        "counts": {"portal.login": 0},
    }
    results: dict[str, Any] = {}
    print(f"{'condition':<14}{'evaluations/s':>16}{'µs each':>10}")
    for name, source in CONDITIONS.items():
        started = time.perf_counter()
        program = env.compile(source)
        compile_us = (time.perf_counter() - started) * 1e6
        test = program.test
        count, deadline = 0, time.perf_counter() + args.seconds
        begin = time.perf_counter()
        while time.perf_counter() < deadline:
            for _ in range(1000):
                test(activation)
            count += 1000
        elapsed = time.perf_counter() - begin
        rate = count / elapsed
        results[name] = {"per_s": round(rate), "compile_us": round(compile_us, 1)}
        print(f"{name:<14}{rate:>16,.0f}{1e6 / rate:>10.2f}")
    print(json.dumps({"benchmark": "expressions", "conditions": results}))


if __name__ == "__main__":
    main()
