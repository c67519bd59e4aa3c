"""THE rule of what erasure keeps, and how the answer says it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from firstmile.kit.db import Session

# What a required column holds once its personal value is erased.
ERASED = "erased"
SIGNED_CONTRACT = ("signed", "sealed")
AML = "anti-money-laundering record keeping"


@dataclass(frozen=True)
class Holds:
    """What a law requires to keep of one customer."""

    contracts: frozenset[str]  # signed or sealed
    orders: frozenset[str]  # the orders of those contracts
    accounts: frozenset[str]  # the accounts those contracts bill
    parties: bool  # persons behind a business are recorded (held with the KYC)

    @property
    def signed(self) -> bool:
        return bool(self.contracts)


def legal_holds(db: Session, customer_id: str) -> Holds:
    """THE rule of what erasure keeps: a signed contract holds its order, the account it
    bills (with its billing account and payment methods) and the customer's KYC, with the
    persons behind a business."""
    from firstmile.contracts.models import Contract
    from firstmile.kyc.models import BusinessParty
    from firstmile.orders.models import Order

    rows = db.execute(
        select(Contract.id, Contract.order_id, Contract.account_id).where(
            Contract.customer_id == customer_id, Contract.status.in_(SIGNED_CONTRACT)
        )
    ).all()
    orders = frozenset(row.order_id for row in rows)
    accounts = {row.account_id for row in rows if row.account_id}
    if orders:
        accounts |= set(db.scalars(select(Order.account_id).where(Order.id.in_(sorted(orders)))))
    party = db.scalar(select(BusinessParty.id).where(BusinessParty.customer_id == customer_id))
    return Holds(
        frozenset(row.id for row in rows), orders, frozenset(accounts), parties=party is not None
    )


def answer(holds: Holds) -> list[dict[str, str]]:
    """What is held and why, for the erasure's answer and its event."""
    held = []
    if holds.signed:
        contract_law = "signed contract (contract and tax law)"
        held.append(
            {"data": "contracts, orders, products, billing accounts", "reason": contract_law}
        )
        held.append(
            {
                "data": "payment methods and account names and company identifiers of the "
                "accounts billed under a signed contract",
                "reason": f"{contract_law}; direct debit mandates (SEPA rulebook)",
            }
        )
        held.append({"data": "identity verification results", "reason": AML})
        if holds.parties:
            held.append(
                {
                    "data": "persons behind the business: names, birth dates, nationalities, "
                    "shares (not their contacts)",
                    "reason": f"{AML} (beneficial owners)",
                }
            )
    held.append(
        {
            "data": "event log",
            "reason": "audit trail of who did what and when; personal values and notes in "
            "its payloads are erased",
        }
    )
    return held
