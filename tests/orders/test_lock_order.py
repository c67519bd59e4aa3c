"""A cancel meeting a signature, a network report or a SIM self-activation, at the same moment:
every side takes the order's lock first (`kit.db.serialize_order`), so none deadlocks (on
PostgreSQL each would lock the same rows in the opposite order) and the end state is one a
single side could have left. Real threads, separate sessions; SQLite's single writer
serialises them anyway."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.catalog import service as catalog_service
from firstmile.contracts import service as contracts_service
from firstmile.contracts.models import Contract, ContractStatus
from firstmile.eventlog import service as eventlog_service
from firstmile.kit import time as clock
from firstmile.kit.db import new_id
from firstmile.kit.settings import Settings
from firstmile.orders import service as orders_service
from firstmile.orders.models import Order, OrderStatus, Product, ProductStatus
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.adapters import simulator
from firstmile.provisioning.models import Service, ServiceOrder, ServiceOrderKind, ServiceStatus
from tests.conftest import RunJobs
from tests.factories import catalog as catalog_factories
from tests.factories import contracts as cf
from tests.provisioning.conftest import SimulatorSettings

ROUNDS = 3


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> SimulatorSettings:
    patch = SimulatorSettings(monkeypatch, settings)
    for name, value in (
        ("FIRSTMILE_SIMULATOR_TEMPORARY_FAILURE_RATE", "0"),
        ("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "0"),
        ("FIRSTMILE_NETWORK_ADAPTER", "simulator"),
    ):
        patch.setenv(name, value)
    return patch


def _both(
    first: Callable[[Session], Any], second: Callable[[Session], Any], sessions: Any
) -> list[str]:
    """Run both in their own transactions at the same moment; each outcome's class name."""
    barrier = threading.Barrier(2)
    out = ["", ""]

    def run(i: int, fn: Callable[[Session], Any]) -> None:
        with sessions() as db:
            barrier.wait()
            try:
                fn(db)
                db.commit()
                out[i] = "ok"
            except Exception as exc:  # the outcome is what the test checks
                db.rollback()
                out[i] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return out


def _ready_contract(
    sessions: sessionmaker[Session], run_jobs: RunJobs, *items: dict[str, Any]
) -> tuple[str, str, str]:
    """An order awaiting signature, its contract ready and a code sent: (order, contract, code)."""
    with sessions() as db:
        customer, account = cf.customer_and_account(db)
        quote = catalog_service.create_quote(
            db, catalog_factories.quote_create(customer, account, *items), actor=SYSTEM
        )
        order_id = orders_service.place_order(db, quote_id=quote.id, actor=SYSTEM).id
        customer_id = customer.id
        db.commit()
    run_jobs()
    clock.travel(timedelta(seconds=1))  # the code's message is newer than the order's
    with sessions() as db:
        [contract] = contracts_service.contracts_for(db, order_id=order_id)
        contracts_service.request_signature(db, contract.id, channel="email", actor=SYSTEM)
        contract_id = contract.id
        db.commit()
    run_jobs()
    with sessions() as db:
        return order_id, contract_id, cf.last_code(db, customer_id)


def _signed(sessions: sessionmaker[Session], run_jobs: RunJobs, *items: dict[str, Any]) -> str:
    order_id, contract_id, code = _ready_contract(sessions, run_jobs, *items)
    with sessions() as db:
        contracts_service.sign(db, contract_id, code=code, ip=None, user_agent=None, actor=SYSTEM)
        db.commit()
    run_jobs()
    return order_id


def _cancel(order_id: str) -> Callable[[Session], Any]:
    return lambda db: orders_service.cancel_order(db, order_id, reason="changed", actor=SYSTEM)


def _sign(contract_id: str, code: str, db: Session) -> Any:
    return contracts_service.sign(
        db, contract_id, code=code, ip=None, user_agent=None, actor=SYSTEM
    )


def _completed(payload: dict[str, Any], db: Session) -> Any:
    return eventlog_service.ingest(
        db,
        event_type="network.service_order_completed",
        source="network",
        idempotency_key=new_id(),
        actor="token:network",
        subject_id=str(payload["service_order_id"]),
        payload=payload,
    )


def _self_activate(service_id: str, code: str, db: Session) -> Any:
    return provisioning_service.self_activate(db, service_id, activation_code=code, actor=SYSTEM)


def test_a_cancel_meeting_a_signature_never_deadlocks(
    telco: str, sessions: sessionmaker[Session], run_jobs: RunJobs, network: SimulatorSettings
) -> None:
    for _ in range(ROUNDS):
        order_id, contract_id, code = _ready_contract(sessions, run_jobs)

        signed, cancelled = _both(partial(_sign, contract_id, code), _cancel(order_id), sessions)
        assert cancelled == "ok"
        assert signed in ("ok", "ContractStateConflict")
        with sessions() as db:
            assert db.get(Order, order_id).status == OrderStatus.CANCELLED  # type: ignore[union-attr]
            contract = db.get(Contract, contract_id)
            assert contract is not None
            void = contract.status == ContractStatus.VOID
            assert void == (signed != "ok")


def test_a_cancel_meeting_a_completion_report_never_deadlocks(
    telco: str, sessions: sessionmaker[Session], run_jobs: RunJobs, network: SimulatorSettings
) -> None:
    network.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "3600")  # we report instead
    for _ in range(ROUNDS):
        order_id = _signed(sessions, run_jobs)
        with sessions() as db:
            [so] = db.scalars(select(ServiceOrder).where(ServiceOrder.order_id == order_id))
            payload = {"service_order_id": so.id, "attempt": so.attempts, "identifiers": {}}

        assert _both(partial(_completed, payload), _cancel(order_id), sessions) == ["ok", "ok"]
        with sessions() as db:
            assert db.get(Order, order_id).status == OrderStatus.CANCELLED  # type: ignore[union-attr]


def test_a_sim_activated_while_its_order_is_cancelled_is_not_left_live(
    telco: str, sessions: sessionmaker[Session], run_jobs: RunJobs, network: SimulatorSettings
) -> None:
    network.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "0")
    physical = {"offering": "mobile-10gb", "options": {"sim_type": "physical"}}
    for _ in range(ROUNDS):
        order_id = _signed(sessions, run_jobs, physical)
        with sessions() as db:
            service = db.scalars(select(Service).where(Service.order_id == order_id)).one()
            assert service.status == ServiceStatus.AWAITING_SELF_ACTIVATION
            sim = db.scalars(
                select(ServiceOrder).where(
                    ServiceOrder.order_id == order_id,
                    ServiceOrder.kind == ServiceOrderKind.SIM_ACTIVATION,
                )
            ).one()
            code, service_id = simulator.printed_carrier_code(db, sim.id), service.id

        activate = partial(_self_activate, service_id, code)
        activated, cancelled = _both(activate, _cancel(order_id), sessions)
        assert cancelled == "ok"
        assert activated in ("ok", "Conflict")
        with sessions() as db:
            product = db.scalars(select(Product).where(Product.order_id == order_id)).one()
            live = db.get(Service, service_id).status == ServiceStatus.ACTIVE  # type: ignore[union-attr]
            # a live SIM belongs to a product that is being terminated, never a cancelled one
            assert not (live and product.status == ProductStatus.CANCELLED)
            assert live == (activated == "ok")
