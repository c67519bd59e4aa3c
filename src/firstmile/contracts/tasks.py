"""Contracts' jobs (PDF rendering, sealing) and its reaction to cancelled orders."""

from __future__ import annotations

from typing import Any

from firstmile.auth.scopes import SYSTEM
from firstmile.contracts import service as contracts_service
from firstmile.contracts.document import ContractInput
from firstmile.eventlog import service as eventlog_service
from firstmile.eventlog.models import Event
from firstmile.kit import jobs
from firstmile.kit.db import Session


def _render_input(db: Session, args: dict[str, Any]) -> ContractInput | None:
    return contracts_service.render_input(db, str(args["contract_id"]))


def _store_render(db: Session, args: dict[str, Any], pdf: bytes) -> None:
    contracts_service.store_render(db, str(args["contract_id"]), pdf)


# Rendering takes 0.2-1.2 s of CPU: it runs between two short transactions, holding no lock.
jobs.staged_handler(
    contracts_service.RENDER_JOB,
    prepare=_render_input,
    compute=contracts_service.render_pdf,
    apply=_store_render,
)


@jobs.handler(contracts_service.SEAL_JOB)
def seal(db: Session, args: dict[str, Any]) -> None:
    contracts_service.seal_contract(db, str(args["contract_id"]))


@eventlog_service.on("order.cancelled")
def on_order_cancelled(db: Session, event: Event) -> None:
    """An order cancelled before signature voids its contract; a signed one stays signed."""
    order_id = str((event.payload or {}).get("order_id") or event.subject_id or "")
    if order_id:
        reason = str((event.payload or {}).get("reason") or "order cancelled")
        contracts_service.void_if_unsigned(db, order_id, actor=SYSTEM, reason=reason)
