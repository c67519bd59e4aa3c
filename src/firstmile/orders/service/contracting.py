"""The one call into the contracts domain, kept in one place."""

from __future__ import annotations

from firstmile.auth.scopes import Actor
from firstmile.contracts import service as contracts_service
from firstmile.kit.db import Session
from firstmile.orders.models import Order


def prepare_contract(db: Session, order: Order, *, actor: Actor) -> str:
    """Ask contracts to prepare the order's contract (PDF rendered by a job); its id."""
    return contracts_service.prepare_contract(db, order, actor=actor).id
