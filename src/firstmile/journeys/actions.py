"""Domain calls a journey's `action` step can make, by name.

Each action takes the customer and the step's evaluated `args`, calls the owning domain's
service in the journey's transaction, and returns a small JSON result. The call is recorded
under the command's idempotency key first, so a repeated command makes no second call.

    contracts.request_signature  args: order_id | contract_id, channel (email | sms)
    provisioning.book_technician args: order_id | service_id, [slot_id] (default: the first
                                 free slot in the service address's area)
    kyc.start                    no args: the customer's identity verification (the open or
                                 the approved one if there is one); the journey then waits for
                                 its events
    billing.set_up               args: account_id | order_id, [cycle_day], [paperless] (default:
                                 paperless to the verified email if there is one, else post)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from firstmile.auth.scopes import SYSTEM
from firstmile.journeys.models import JourneyActionCall
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput, NotFound

Action = Callable[[Session, str, Mapping[str, Any]], dict[str, Any]]
_actions: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        _actions[name] = fn
        return fn

    return register


def names() -> list[str]:
    return sorted(_actions)


def run(
    db: Session, name: str, customer_id: str, args: Mapping[str, Any], *, key: str
) -> dict[str, Any]:
    if name not in _actions:
        raise InvalidInput(f"unknown action {name!r}", field="action")
    done = db.get(JourneyActionCall, key)
    if done is not None:
        return dict(done.result)
    result = _actions[name](db, customer_id, args)
    db.add(JourneyActionCall(key=key, action=name, customer_id=customer_id, result=result))
    db.flush()
    return result


def _arg(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput("is required (a string)", field=f"args.{name}")
    return value


def _own(customer_id: str, owner: str, what: str, ident: str) -> None:
    if owner != customer_id:
        raise NotFound(what, ident)


@action("kyc.start")
def start_kyc(db: Session, customer_id: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """Start the customer's identity verification (or return the open or approved one)."""
    from firstmile.kyc import service as kyc_service

    verification = kyc_service.start(db, customer_id, actor=SYSTEM, reuse_approved=True)
    return {"verification_id": verification.id, "status": str(verification.status)}


@action("contracts.request_signature")
def request_signature(db: Session, customer_id: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """Send the customer a fresh signing code for the contract (of the order)."""
    from firstmile.contracts import service as contracts

    if "contract_id" in args:
        contract = contracts.get_contract(db, _arg(args, "contract_id"))
    else:
        found = contracts.contracts_for(db, order_id=_arg(args, "order_id"))
        if not found:
            raise NotFound("contract of order", str(args.get("order_id")))
        contract = found[-1]
    _own(customer_id, contract.customer_id, "contract", contract.id)
    if contract.status != "ready":
        return {"contract_id": contract.id, "skipped": f"contract is {contract.status}"}
    request = contracts.request_signature(
        db, contract.id, channel=str(args.get("channel") or "email"), actor=SYSTEM
    )
    return {"contract_id": contract.id, "signature_request": str(getattr(request, "id", ""))}


def _services_of(db: Session, customer_id: str, args: Mapping[str, Any]) -> list[Any]:
    from firstmile.provisioning.service import queries

    if "service_id" in args:
        service = queries.service(db, _arg(args, "service_id"))
        _own(customer_id, service.customer_id, "service", service.id)
        return [service]
    order_id = _arg(args, "order_id")
    return [s for s in queries.services(db, order_id=order_id) if s.customer_id == customer_id]


@action("provisioning.book_technician")
def book_technician(db: Session, customer_id: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """Book the installation visit of each service that needs one and has none yet."""
    from firstmile.provisioning.service import selfcare

    booked: list[str] = []
    for service in _services_of(db, customer_id, args):
        if service.technician != "required" or service.technician_booking_id:
            continue
        slot_id = args.get("slot_id")
        if not slot_id:
            slots = selfcare.technician_slots(db, service.id)
            if not slots:
                raise Conflict("no free technician slot in the next 14 days", field="slot_id")
            slot_id = slots[0].id
        booking = selfcare.book_technician(db, service.id, slot_id=str(slot_id), actor=SYSTEM)
        booked.append(str(booking.id))
    return {"bookings": booked}


@action("billing.set_up")
def set_up_billing(db: Session, customer_id: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """Create the billing account of the customer account (of the order) if it has none."""
    from firstmile.billing.schemas import BillingAccountCreate
    from firstmile.billing.service import accounts

    if "account_id" in args:
        account_ids = [_arg(args, "account_id")]
    else:
        from firstmile.orders.models import Order

        order = db.get(Order, _arg(args, "order_id"))
        if order is None or order.customer_id != customer_id:
            raise NotFound("order", str(args.get("order_id")))
        account_ids = [order.account_id]
    from firstmile.customers import repository as customers_repo

    has_email = customers_repo.verified_email(db, customer_id) is not None
    created: list[str] = []
    for account_id in account_ids:
        existing = accounts.find_billing_accounts(db, account_id=account_id)
        if existing:
            continue
        data = BillingAccountCreate(
            account_id=account_id,
            cycle_day=int(args.get("cycle_day", 1)),
            paperless=bool(args.get("paperless", has_email)),
        )
        created.append(accounts.create_billing_account(db, data, actor=SYSTEM).id)
    return {"billing_accounts": created}
