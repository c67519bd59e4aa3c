"""SIMULATOR of an operator network, for demos and tests. It provisions nothing.

It accepts every submission that names what it needs (a supply switch its metering point)
and reports the outcome later, like a real network, as an external event through
`eventlog_service.ingest` (source `network-simulator`): the same path a real network takes
through `POST /api/events`. Reports come after the latency, a supply switch's completion on
its switch date; a cancelled order is never reported. Outcomes and identifiers are drawn from
a random generator seeded by (service order id, attempt), so a test run is repeatable.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from stdnum import luhn

from firstmile.eventlog import service as eventlog_service
from firstmile.kit import jobs
from firstmile.kit.db import Session
from firstmile.kit.time import utcnow
from firstmile.provisioning.adapters import (
    CancellationReceipt,
    PermanentNetworkError,
    SubmissionReceipt,
)
from firstmile.provisioning.models import ServiceOrderKind, SimulatedSimCarrier

SOURCE = "network-simulator"
ACTOR = "system:network-simulator"
REPORT_JOB = "provisioning.simulator_reported"
SMDP_ADDRESS = "smdp.simulator.firstmile.example"
COMPLETED = "network.service_order_completed"
FAILED = "network.service_order_failed"
# How far ahead a supply switch is scheduled (the supplier-switching notice period).
SWITCH_NOTICE = timedelta(days=21)
ENERGY_KINDS = frozenset(
    {ServiceOrderKind.SUPPLY_SWITCH, ServiceOrderKind.SMART_METER_REGISTRATION}
)
METERING_POINT_KEYS = ("supply_point", "ean", "eic")


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
        if service_order_data["kind"] in ENERGY_KINDS:
            metering_point(service_order_data)  # refused before anything is printed or queued
        code = service_order_data.get("carrier_activation_code")
        if code:
            _print_carrier(self.db, service_order_data, str(code))
        rng = random.Random(f"{so_id}:{attempt}")
        event_type, payload = self._outcome(rng, service_order_data)
        run_at = utcnow() + timedelta(seconds=self.latency)
        told: dict[str, Any] = {}
        switch_date = payload.get("identifiers", {}).get("switch_date")
        if event_type == COMPLETED and switch_date:
            told = {"switch_date": switch_date}
            run_at = max(run_at, datetime.combine(date.fromisoformat(switch_date), time(), UTC))
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
            run_at=run_at,
            key=f"{REPORT_JOB}:{so_id}:{attempt}",
            priority=jobs.HIGH,
        )
        return SubmissionReceipt(external_ref=f"SIM-{so_id[:8]}-{attempt}", identifiers=told)

    def cancel(self, cancellation_data: dict[str, Any]) -> CancellationReceipt:
        """Withdraw the reports not yet sent: a cancelled order is never reported done."""
        so_id = str(cancellation_data["id"])
        queued = self.db.scalars(
            select(jobs.Job).where(
                jobs.Job.kind == REPORT_JOB,
                jobs.Job.status == jobs.JobStatus.QUEUED,
                jobs.Job.key.startswith(f"{REPORT_JOB}:{so_id}:", autoescape=True),
            )
        )
        for job in queued:
            self.db.delete(job)
        self.db.flush()
        return CancellationReceipt(external_ref=f"SIM-CANCEL-{so_id[:8]}")

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
        switch_on = (utcnow() + SWITCH_NOTICE).date()
        return {"ean": metering_point(data), "switch_date": switch_on.isoformat()}
    if kind == "smart_meter_registration":
        return {"meter_id": "SM-" + _digits(rng, 10)}
    if kind == "service_termination":
        return {"terminated_on": utcnow().date().isoformat()}
    return {"features": options.get("features", {})}


def metering_point(data: dict[str, Any]) -> str:
    """The metering point an energy service order is for: given with the order (its
    supply_point, ean or eic), or, after the switch, the service's identifier. Never invented."""
    options: dict[str, Any] = data.get("data") or {}
    known: dict[str, Any] = data.get("identifiers") or {}
    found = next((options[k] for k in METERING_POINT_KEYS if options.get(k)), known.get("ean"))
    if not found:
        raise PermanentNetworkError(
            f"{data['kind']} names no metering point (data.supply_point, data.ean or data.eic)"
        )
    return str(found)


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
