"""Payment methods (TMF676): SEPA Core Direct Debit mandates and payment-provider card tokens."""

from __future__ import annotations

from typing import Any

from firstmile.auth.scopes import Actor
from firstmile.billing import events
from firstmile.billing import repository as repo
from firstmile.billing import validation as check
from firstmile.billing.models import (
    BillingAccount,
    BillingAccountStatus,
    PaymentMethod,
    PaymentMethodKind,
    PaymentMethodStatus,
)
from firstmile.billing.schemas import CardCreate, SepaDirectDebitCreate
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, NotFound
from firstmile.kit.time import today_in, utcnow
from firstmile.packs import loader as packs


def payment_methods(db: Session, billing_account_id: str) -> list[PaymentMethod]:
    _billing_account(db, billing_account_id)
    return repo.payment_methods(db, billing_account_id)


def get_payment_method(
    db: Session, billing_account_id: str, payment_method_id: str
) -> PaymentMethod:
    method = repo.payment_method(db, payment_method_id)
    if method is None or method.billing_account_id != billing_account_id:
        raise NotFound("payment method", payment_method_id)
    return method


def _billing_account(db: Session, billing_account_id: str, *, lock: bool = False) -> BillingAccount:
    find = repo.billing_account_locked if lock else repo.billing_account
    billing = find(db, billing_account_id)
    if billing is None:
        raise NotFound("billing account", billing_account_id)
    return billing


def add_payment_method(
    db: Session,
    billing_account_id: str,
    data: SepaDirectDebitCreate | CardCreate,
    *,
    actor: Actor,
    repeatable: bool = False,
) -> PaymentMethod:
    """Add a SEPA mandate or a card token; a new default only moves the default flag.

    The billing account row is locked first, so concurrent additions number their mandates
    one after the other and leave exactly one default. `repeatable` (a form, which carries
    no idempotency key): the active mandate for the same account, holder and date of
    signature is returned instead of a second one (a double click, a reloaded page), found
    under the lock, so two requests at once also make one.
    """
    billing = _billing_account(db, billing_account_id, lock=True)
    if billing.status != BillingAccountStatus.ACTIVE:
        raise Conflict("the billing account is closed")
    active = repo.payment_methods(db, billing.id, active_only=True)
    if repeatable and isinstance(data, SepaDirectDebitCreate):
        same = _same_mandate(active, data)
        if same is not None:
            return same
    method = (
        _sepa(db, billing, data) if isinstance(data, SepaDirectDebitCreate) else _card(db, data)
    )
    method.is_default = data.make_default or not any(m.is_default for m in active)
    if method.is_default:
        for other in active:
            other.is_default = False
    method.billing_account_id = billing.id
    method.added_by = actor.ref
    db.add(method)
    db.flush()
    _record_added(db, billing, method, actor)
    return method


def _same_mandate(active: list[PaymentMethod], data: SepaDirectDebitCreate) -> PaymentMethod | None:
    iban = check.normalise_iban(data.iban, field="iban")
    for method in active:
        if (
            method.kind == PaymentMethodKind.SEPA_DIRECT_DEBIT
            and method.iban == iban
            and method.holder_name == data.holder_name.strip()
            and method.mandate_signed_on == data.mandate_signed_on
        ):
            return method
    return None


def _sepa(db: Session, billing: BillingAccount, data: SepaDirectDebitCreate) -> PaymentMethod:
    iban = check.normalise_iban(data.iban, field="iban")
    check.require_sepa_country(iban, field="iban")
    bic = check.normalise_bic(data.bic, iban=iban, field="bic") if data.bic else None
    # the customer signs on a date where the operator is (the portal dates it so)
    today = today_in(packs.current_meta(db).timezone)
    check.check_signature_date(data.mandate_signed_on, today=today, field="mandate_signed_on")
    creditor_id = _creditor_id(db)
    reference = _next_mandate_reference(db, billing, creditor_id)
    return PaymentMethod(
        kind=PaymentMethodKind.SEPA_DIRECT_DEBIT,
        status=PaymentMethodStatus.ACTIVE,
        holder_name=data.holder_name.strip(),
        iban=iban,
        bic=bic,
        mandate_reference=reference,
        mandate_signed_on=data.mandate_signed_on,
        mandate_signed_by=(data.mandate_signed_by or data.holder_name).strip(),
        creditor_id=creditor_id,
    )


def _creditor_id(db: Session) -> str:
    operator = packs.current_meta(db).operator
    value = operator.get("sepa_creditor_id")
    if not value:
        raise Conflict(
            "the operator pack has no SEPA creditor identifier (operator.sepa_creditor_id)"
        )
    return check.normalise_creditor_id(value, field="pack.operator.sepa_creditor_id")


def _next_mandate_reference(db: Session, billing: BillingAccount, creditor_id: str) -> str:
    """`FM-<account number>-<n>`: n counts up per billing account, skipping any taken one."""
    account = repo.customer_account(db, billing.account_id)
    number = account.number if account is not None else billing.account_id
    while True:
        billing.mandate_sequence += 1
        reference = check.mandate_reference(number, billing.mandate_sequence)
        if not repo.mandate_reference_taken(db, creditor_id, reference):
            return reference


def _card(db: Session, data: CardCreate) -> PaymentMethod:
    check.refuse_card_number(data.token_reference, field="token_reference")
    today = today_in(packs.current_meta(db).timezone)
    check.check_card_expiry(data.expiry_month, data.expiry_year, today=today, field="expiry_year")
    return PaymentMethod(
        kind=PaymentMethodKind.CARD,
        status=PaymentMethodStatus.ACTIVE,
        provider=data.provider,
        token_reference=data.token_reference.strip(),
        brand=data.brand.strip().lower(),
        last4=data.last4,
        expiry_month=data.expiry_month,
        expiry_year=data.expiry_year,
    )


def _record_added(
    db: Session, billing: BillingAccount, method: PaymentMethod, actor: Actor
) -> None:
    payload: dict[str, Any] = {
        "billing_account_id": billing.id,
        "kind": str(method.kind),
        "is_default": method.is_default,
    }
    if method.kind == PaymentMethodKind.SEPA_DIRECT_DEBIT and method.iban is not None:
        masked = check.mask_iban(method.iban)
        payload |= {"iban_masked": masked, "mandate_reference": method.mandate_reference}
    else:
        payload |= {"provider": method.provider, "brand": method.brand, "last4": method.last4}
    eventlog_service.record(
        db,
        events.PAYMENT_METHOD_ADDED,
        actor=actor.ref,
        customer_id=billing.customer_id,
        subject_id=method.id,
        payload=payload,
    )
    if method.kind == PaymentMethodKind.SEPA_DIRECT_DEBIT and method.mandate_signed_on:
        mandate = {
            "mandate_reference": method.mandate_reference,
            "creditor_id": method.creditor_id,
            "signed_on": method.mandate_signed_on.isoformat(),
            # whether, not who: the signer's name stays in the payment method alone
            "signed_by_holder": method.mandate_signed_by == method.holder_name,
            "iban_masked": payload["iban_masked"],
        }
        eventlog_service.record(
            db,
            events.MANDATE_SIGNED,
            actor=actor.ref,
            customer_id=billing.customer_id,
            subject_id=method.id,
            payload=mandate,
        )


def revoke_payment_method(
    db: Session, billing_account_id: str, payment_method_id: str, *, actor: Actor
) -> PaymentMethod:
    """Revoke a method (and so cancel its mandate); the newest other active one becomes default."""
    billing = _billing_account(db, billing_account_id, lock=True)
    method = get_payment_method(db, billing.id, payment_method_id)
    if method.status == PaymentMethodStatus.REVOKED:
        raise Conflict("the payment method is already revoked")
    method.status = PaymentMethodStatus.REVOKED
    method.revoked_at = utcnow()
    method.revoked_by = actor.ref
    new_default: PaymentMethod | None = None
    if method.is_default:
        method.is_default = False
        others = repo.payment_methods(db, billing.id, active_only=True)
        new_default = next((m for m in others if m.id != method.id), None)
        if new_default is not None:
            new_default.is_default = True
    db.flush()
    eventlog_service.record(
        db,
        events.PAYMENT_METHOD_REVOKED,
        actor=actor.ref,
        customer_id=billing.customer_id,
        subject_id=method.id,
        payload={
            "billing_account_id": billing.id,
            "kind": str(method.kind),
            "mandate_reference": method.mandate_reference,
            "new_default_id": new_default.id if new_default else None,
        },
    )
    return method
