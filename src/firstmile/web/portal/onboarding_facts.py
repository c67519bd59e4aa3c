"""The facts the onboarding tracker decides from (`onboarding.Facts`), read from the domains:
customers (verified contacts), kyc, catalog (the open quote), orders, contracts,
provisioning and appointments (through `activation`), billing, the event log and the
customer's onboarding journey (its path: which steps it visited, where it waits).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from firstmile.billing import service as billing_service
from firstmile.billing.models import PaymentMethodStatus
from firstmile.contracts import service as contracts_service
from firstmile.customers import service as customers_service
from firstmile.customers.models import Customer
from firstmile.journeys import service as journeys_service
from firstmile.kit.db import Session
from firstmile.kit.time import utcnow
from firstmile.kyc import service as kyc_service
from firstmile.orders.models import Order
from firstmile.packs import loader as packs
from firstmile.web.portal import activation, plan
from firstmile.web.portal.onboarding import Facts, ServiceFacts


def _kyc(db: Session, me: Customer) -> dict[str, Any]:
    found = kyc_service.verifications_of(db, me.id)
    latest = found[-1] if found else None
    return {
        "kyc_status": str(latest.status) if latest is not None else None,
        "kyc_review_due": latest.sla_due_at if latest is not None else None,
        "review_hours": kyc_service.policy(db).review_sla_hours,
    }


def _billing_facts(db: Session, me: Customer, order: Order | None) -> dict[str, Any]:
    if order is not None:
        accounts = billing_service.find_billing_accounts(db, account_id=order.account_id)
    else:
        accounts = billing_service.find_billing_accounts(db, customer_id=me.id)
    methods = [
        m
        for account in accounts
        for m in billing_service.payment_methods(db, account.id)
        if m.status == PaymentMethodStatus.ACTIVE
    ]
    first_bill_on = None
    snapshot = order.snapshot if order is not None else {}
    period_end = ((snapshot.get("bills") or {}).get("first") or {}).get("period_end")
    if isinstance(period_end, str):
        first_bill_on = date.fromisoformat(period_end) + timedelta(days=1)
    return {
        "billing_account": bool(accounts),
        "payment_method": bool(methods),
        "first_bill_on": first_bill_on,
    }


def _journey(db: Session, me: Customer) -> dict[str, Any]:
    """The customer's latest onboarding journey instance: steps visited, where it waits."""
    codes = {j.id: j.code for j in journeys_service.journeys(db)}
    found = [
        i
        for i in journeys_service.instances_of_customer(db, me.id)
        if codes.get(i.journey_id, "").endswith("onboarding")
    ]
    if not found:
        return {}
    instance = found[-1]
    steps = {
        str(e.payload.get("step"))
        for e in journeys_service.path(db, instance.id)
        if e.type == "journey.step"
    }
    return {
        "journey_steps": frozenset(steps),
        "journey_step": instance.step,
        "journey_due_at": instance.due_at,
        "journey_running": instance.status not in ("completed", "exited", "failed", "skipped"),
    }


def _service_facts(views: list[activation.ServiceView]) -> tuple[ServiceFacts, ...]:
    out = []
    for v in views:
        switch = v.service.identifiers.get("switch_date")
        out.append(
            ServiceFacts(
                id=v.service.id,
                kind=str(v.service.kind),
                status=str(v.service.status),
                sim_type=v.service.sim_type,
                technician=v.service.technician,
                visit_at=v.visit_at,
                delayed=v.delayed,
                switch_date=date.fromisoformat(switch) if isinstance(switch, str) else None,
                esim_code_issued=v.esim_code_issued,
            )
        )
    return tuple(out)


def gather(db: Session, me: Customer, locale: str = "en") -> Facts:
    """The facts `track` decides from, as the domains hold them now."""
    order = activation.onboarding_order(db, me)
    quote = plan.latest_open_quote(db, me)
    operator = packs.current_meta(db).operator
    values: dict[str, Any] = {
        "now": utcnow(),
        "contact_verified": any(
            customers_service.contact_for(db, me.id, channel) for channel in ("email", "phone")
        ),
        "open_quote_id": quote.id if quote is not None else None,
        "support": operator.get("support_phone") or operator.get("support_email") or "",
        **_kyc(db, me),
        **_billing_facts(db, me, order),
        **_journey(db, me),
    }
    if order is not None:
        contract = (
            contracts_service.get_contract(db, order.contract_id) if order.contract_id else None
        )
        views = activation.order_services(db, me, order, locale)
        live = [v.service.activated_at for v in views if v.service.activated_at is not None]
        values |= {
            "order_id": order.id,
            "contract_id": contract.id if contract is not None else None,
            "contract_status": str(contract.status) if contract is not None else None,
            "services": _service_facts(views),
            "activated_at": min(live) if live else None,
        }
    return Facts(**values)
