"""SIMULATOR of an operator network, for demos and tests. It provisions nothing.

It accepts every submission and reports the outcome later, like a real network, as an
external event through `eventlog_service.ingest` (source `network-simulator`): the same path
a real network takes through `POST /api/events`. Outcomes and identifiers are drawn from a
random generator seeded by (service order id, attempt), so a test run is repeatable.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from stdnum import ean, luhn

from firstmile.eventlog import service as eventlog_service
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.time import utcnow
from firstmile.provisioning.adapters import SubmissionReceipt
from firstmile.provisioning.models import SimulatedSimCarrier

SOURCE = "network-simulator"
ACTOR = "system:network-simulator"
REPORT_JOB = "provisioning.simulator_reported"
SMDP_ADDRESS = "smdp.simulator.firstmile.example"
COMPLETED = "network.service_order_completed"
FAILED = "network.service_order_failed"


def printed_carrier_code(db: Session, service_order_id: str) -> str | None:
    """The activation code the simulated logistics printed on a SIM carrier (simulator only)."""
    return db.scalar(
        select(SimulatedSimCarrier.activation_code).where(
            SimulatedSimCarrier.service_order_id == service_order_id
        )
    )


def printed_carriers(db: Session, service_id: str) -> list[SimulatedSimCarrier]:
    """The carriers printed for a service, newest first (the admin API shows them)."""
    return list(
        db.scalars(
            select(SimulatedSimCarrier)
            .where(SimulatedSimCarrier.service_id == service_id)
            .order_by(SimulatedSimCarrier.printed_at.desc())
        )
    )


def _print_carrier(db: Session, data: dict[str, Any], code: str) -> None:
    """Kept in the database, so every process (web, workers) sees the same carriers."""
    so_id = str(data["id"])
    row = db.scalar(
        select(SimulatedSimCarrier).where(SimulatedSimCarrier.service_order_id == so_id)
    )
    if row is None:
        row = SimulatedSimCarrier(
            service_order_id=so_id,
            service_id=str(data["service_id"]),
            customer_id=str(data["customer_id"]),
        )
        db.add(row)
    row.activation_code, row.printed_at = code, utcnow()  # a resubmission prints anew
    db.flush()


class SimulatedNetwork:
    name = "simulator"

    def __init__(
        self,
        db: Session,
        *,
        latency_seconds: float = 0.0,
        temporary_failure_rate: float = 0.0,
        permanent_failure_rate: float = 0.0,
    ) -> None:
        self.db = db
        self.latency = max(latency_seconds, 0.0)
        self.temporary_rate = temporary_failure_rate
        self.permanent_rate = permanent_failure_rate

    def submit(self, service_order_data: dict[str, Any]) -> SubmissionReceipt:
        so_id = str(service_order_data["id"])
        attempt = int(service_order_data["attempt"])
        code = service_order_data.get("carrier_activation_code")
        if code:
            _print_carrier(self.db, service_order_data, str(code))
        rng = random.Random(f"{so_id}:{attempt}")
        event_type, payload = self._outcome(rng, service_order_data)
        jobs.enqueue(
            self.db,
            REPORT_JOB,
            {
                "service_order_id": so_id,
                "attempt": attempt,
                "customer_id": service_order_data.get("customer_id"),
                "event_type": event_type,
                "payload": payload,
            },
            run_at=utcnow() + timedelta(seconds=self.latency),
            key=f"{REPORT_JOB}:{so_id}:{attempt}",
            priority=jobs.HIGH,
        )
        return SubmissionReceipt(external_ref=f"SIM-{so_id[:8]}-{attempt}")

    def _outcome(self, rng: random.Random, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        roll = rng.random()
        base = {"service_order_id": str(data["id"]), "attempt": int(data["attempt"])}
        if roll < self.permanent_rate:
            message = "simulated permanent failure: the network refused the order"
            return FAILED, {**base, "error_kind": "permanent", "message": message}
        if roll < self.permanent_rate + self.temporary_rate:
            message = "simulated temporary failure: network element busy"
            return FAILED, {**base, "error_kind": "temporary", "message": message}
        return COMPLETED, {**base, "identifiers": identifiers_for(rng, data)}


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def identifiers_for(rng: random.Random, data: dict[str, Any]) -> dict[str, Any]:
    """Plausible identifiers the network assigns for each kind of service order."""
    kind = str(data["kind"])
    options: dict[str, Any] = data.get("data") or {}
    if kind in ("sim_activation", "esim_profile"):
        body = "89420" + _digits(rng, 13)
        out: dict[str, Any] = {
            "iccid": body + luhn.calc_check_digit(body),
            "msisdn": "+4207" + _digits(rng, 8),
        }
        if kind == "esim_profile":
            out["smdp_address"] = SMDP_ADDRESS
        return out
    if kind == "number_port":
        return {"msisdn": str(options.get("port_number", "")), "ported": True}
    if kind == "line_activation":
        return {"line_id": "FTTH-" + _digits(rng, 10)}
    if kind in ("router_shipment", "stb_shipment"):
        prefix = "router" if kind == "router_shipment" else "stb"
        return {
            f"{prefix}_serial": "SN" + _digits(rng, 10),
            f"{prefix}_tracking_number": "PKG" + _digits(rng, 12),
        }
    if kind == "tv_activation":
        return {"tv_account": "TV-" + _digits(rng, 8)}
    if kind == "supply_switch":
        ean_body = str(options.get("ean") or options.get("supply_point") or "")
        if not ean_body:
            body = "85918240" + _digits(rng, 9)
            ean_body = body + ean.calc_check_digit(body)
        return {"ean": ean_body, "switch_date": (utcnow() + timedelta(days=21)).date().isoformat()}
    if kind == "smart_meter_registration":
        return {"meter_id": "SM-" + _digits(rng, 10)}
    if kind == "service_termination":
        return {"terminated_on": utcnow().date().isoformat()}
    return {"features": options.get("features", {})}


def report(db: Session, args: dict[str, Any]) -> None:
    """The simulator's delayed answer, sent through the event log's ingestion path."""
    eventlog_service.ingest(
        db,
        event_type=str(args["event_type"]),
        source=SOURCE,
        idempotency_key=f"{args['service_order_id']}:{args['attempt']}",
        actor=ACTOR,
        customer_id=args.get("customer_id"),
        subject_id=str(args["service_order_id"]),
        payload=dict(args["payload"]),
    )
