"""`/portal/payment`: billing and payment set-up, and how and when the customer pays.

For one of the customer's accounts: the billing account (cycle day, paperless bill and its
email, bill language) and the payment methods (a SEPA direct debit mandate with IBAN and BIC,
or a payment provider's card token; never a card number). The billing service validates;
its refusals come back as the form field's error (422), and nothing of a refused request is
kept (a billing account created on the way is rolled back with the payment method).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from firstmile.billing import service as billing_service
from firstmile.billing.models import BillDelivery, BillingAccount, PaymentMethodStatus
from firstmile.billing.schemas import (
    BillingAccountCreate,
    BillingAccountUpdate,
    CardCreate,
    SepaDirectDebitCreate,
)
from firstmile.billing.service import ordered as billing_ordered
from firstmile.billing.service import preview as billing_preview
from firstmile.billing.validation import mask_iban
from firstmile.customers import service as customers_service
from firstmile.customers.models import Account, AccountStatus, Customer
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, FirstmileError, NotFound
from firstmile.kit.http import Db
from firstmile.kit.i18n import SUPPORTED_LOCALES
from firstmile.kit.i18n import later as _
from firstmile.kit.time import today_in
from firstmile.packs import loader as packs
from firstmile.web import locale as web_locale
from firstmile.web.pages import (
    PageRoute,
    PortalCustomer,
    customer_actor,
    redirect,
    render,
    translator,
)
from firstmile.web.portal import activation

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Field = Annotated[str, Form(max_length=200)]


FIELD_ERRORS = {
    "iban": _("This IBAN is not valid. Check it against your bank statement."),
    "bic": _("This BIC is not valid or does not belong to the IBAN's bank."),
    "holder_name": _("Enter the account holder's name."),
    "mandate": _("To pay by direct debit, please accept the mandate."),
    "mandate_signed_on": _("To pay by direct debit, please accept the mandate."),
    "bill_email": _("Enter a valid email address for your bills."),
    "cycle_day": _("Choose a day between 1 and 28."),
    "bill_language": _("Choose one of the languages offered."),
    "token_reference": _("Enter the card token your payment provider gave you, not a card number."),
    "provider": _("Enter the payment provider, for example stripe."),
    "brand": _("Enter the card brand, for example visa."),
    "last4": _("Enter the last 4 digits of the card."),
    "expiry_month": _("This card has expired, or the date is not valid."),
    "expiry_year": _("This card has expired, or the date is not valid."),
    "kind": _("Choose how you want to pay."),
}
CHECK = _("Please check this field.")


def _accounts(db: Session, me: Customer) -> list[Account]:
    return [a for a in customers_service.accounts_of(db, me.id) if a.status != AccountStatus.CLOSED]


def _account(db: Session, me: Customer, account_id: str | None) -> Account:
    accounts = _accounts(db, me)
    if account_id:
        for account in accounts:
            if account.id == account_id:
                return account
        raise NotFound("account", account_id)
    order = activation.onboarding_order(db, me)
    preferred = order.account_id if order is not None else None
    for account in accounts:
        if account.id == preferred:
            return account
    if not accounts:
        raise NotFound("account", "-")
    return accounts[0]


def _billing(db: Session, account: Account) -> BillingAccount | None:
    found = billing_service.find_billing_accounts(db, account_id=account.id)
    return found[0] if found else None


def _preview(
    db: Session, account: Account, billing: BillingAccount | None, locale: str
) -> dict[str, Any] | None:
    """The billing service's first-bill preview; before billing is set up, the same preview
    for a billing account with the defaults (not stored), so the customer sees what is
    coming; None while nothing is ordered."""
    if billing is not None:
        try:
            return billing_service.first_bill_preview(db, billing.id, locale=locale)
        except Conflict:
            return None  # nothing ordered yet: no bill to preview
    orders = billing_ordered.orders_for(db, account.customer_id, account.id)
    if not orders:
        return None
    meta = packs.current_meta(db)
    defaults = BillingAccountCreate(account_id=account.id)
    draft = BillingAccount(  # never added to the session
        id="",
        account_id=account.id,
        customer_id=account.customer_id,
        cycle_day=defaults.cycle_day,
        paperless=False,
        bill_delivery=BillDelivery.POSTAL,
        bill_language=locale,
        currency=meta.currency,
    )
    return billing_preview.compose_preview(
        draft, orders, method=None, locale=locale, payment_terms_days=_terms(meta.operator)
    )


def _terms(operator: Mapping[str, str]) -> int:
    """The pack's payment terms, read as the billing preview reads them."""
    raw = operator.get("payment_terms_days")
    if raw and raw.isdigit() and 0 < int(raw) <= 90:
        return int(raw)
    return billing_service.PAYMENT_TERMS_DAYS


def _plain(preview: Mapping[str, Any] | None, billing: BillingAccount | None) -> dict[str, Any]:
    """The numbers "how and when you pay" is told with (dates as dates, amounts Decimal)."""
    if preview is None:
        return {
            "cycle_day": billing.cycle_day if billing is not None else 1,
            "terms_days": billing_service.PAYMENT_TERMS_DAYS,
        }
    first, payment = preview["first_bill"], preview["payment"]
    return {
        "cycle_day": preview["cycle_day"],
        "terms_days": payment["payment_terms_days"],
        "currency": preview["currency"],
        "first": Decimal(first["gross"]),
        "regular": Decimal(preview["regular_bill"]["gross"]),
        "issue": date.fromisoformat(first["issue_date"]),
        "due": date.fromisoformat(first["due_date"]),
    }


def _context(
    request: Request,
    db: Session,
    me: Customer,
    account: Account,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    locale: str = request.state.locale
    billing = _billing(db, account)
    methods = billing_service.payment_methods(db, billing.id) if billing is not None else []
    meta = packs.current_meta(db)
    translate = translator(locale)
    return {
        "accounts": _accounts(db, me),
        "account": account,
        "billing": billing,
        "methods": [
            {"method": m, "iban": mask_iban(m.iban) if m.iban else None}
            for m in methods
            if m.status == PaymentMethodStatus.ACTIVE
        ],
        "plain": _plain(_preview(db, account, billing, locale), billing),
        "creditor": meta.operator.get("legal_name", meta.name),
        "creditor_id": meta.operator.get("sepa_creditor_id", ""),
        "verified_email": customers_service.contact_for(db, me.id, "email"),
        "bill_languages": [(code, web_locale.NAMES[code]) for code in SUPPORTED_LOCALES],
        "errors": {k: translate(v) for k, v in (errors or {}).items()},
        "values": dict(values or {}),
        "saved": request.query_params.get("saved"),
    }


@router.get("/portal/payment", response_class=HTMLResponse)
def payment_page(
    request: Request,
    db: Db,
    me: PortalCustomer,
    account: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    chosen = _account(db, me, account)
    return render(request, "portal/payment.html", _context(request, db, me, chosen))


def _errors(exc: ValidationError | FirstmileError) -> dict[str, str]:
    if isinstance(exc, FirstmileError):
        name = (exc.field or "").split(".")[-1]
        return {name or "kind": FIELD_ERRORS.get(name, CHECK)}
    out: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ())]
        name = next((p for p in reversed(loc) if p in FIELD_ERRORS), loc[-1] if loc else "kind")
        out.setdefault(name, FIELD_ERRORS.get(name, CHECK))
    return out


def _again(
    request: Request,
    db: Session,
    me: Customer,
    account_id: str,
    errors: Mapping[str, str],
    values: Mapping[str, str],
) -> Response:
    db.rollback()
    account = _account(db, me, account_id)
    context = _context(request, db, me, account, errors=errors, values=values)
    return render(request, "portal/payment.html", context, status=422)


@router.post("/portal/payment/settings", response_class=HTMLResponse)
def save_settings(
    request: Request,
    db: Db,
    me: PortalCustomer,
    account_id: Annotated[str, Form(max_length=36)] = "",
    cycle_day: Annotated[str, Form(max_length=3)] = "1",
    paperless: Annotated[str, Form(max_length=5)] = "",
    bill_email: Field = "",
    bill_language: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    account = _account(db, me, account_id or None)
    values = {"cycle_day": cycle_day, "paperless": paperless, "bill_email": bill_email}
    data: dict[str, Any] = {
        "cycle_day": cycle_day.strip(),
        "paperless": paperless in ("1", "on", "true"),
    }
    if bill_email.strip():  # left empty: the address on file (or the verified one) stays
        data["bill_email"] = bill_email.strip()
    if bill_language:
        data["bill_language"] = bill_language
    billing = _billing(db, account)
    try:
        if billing is None:
            created = BillingAccountCreate.model_validate({"account_id": account.id, **data})
            billing_service.create_billing_account(db, created, actor=customer_actor(me))
        else:
            update = BillingAccountUpdate.model_validate(data)
            billing_service.update_billing_account(db, billing.id, update, actor=customer_actor(me))
    except (ValidationError, FirstmileError) as exc:
        if isinstance(exc, FirstmileError) and exc.status_code != 422:
            raise
        return _again(request, db, me, account.id, _errors(exc), values)
    return redirect(request, f"/portal/payment?account={account.id}&saved=settings")


def _ensure_billing(db: Session, me: Customer, account: Account) -> BillingAccount:
    """The account's billing account; a new one with the defaults when it has none."""
    billing = _billing(db, account)
    if billing is not None:
        return billing
    paperless = customers_service.contact_for(db, me.id, "email") is not None
    data = BillingAccountCreate(account_id=account.id, paperless=paperless)
    return billing_service.create_billing_account(db, data, actor=customer_actor(me))


@router.post("/portal/payment/methods", response_class=HTMLResponse)
def add_method(
    request: Request,
    db: Db,
    me: PortalCustomer,
    account_id: Annotated[str, Form(max_length=36)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    holder_name: Annotated[str, Form(max_length=70)] = "",
    iban: Annotated[str, Form(max_length=50)] = "",
    bic: Annotated[str, Form(max_length=14)] = "",
    mandate: Annotated[str, Form(max_length=5)] = "",
    provider: Annotated[str, Form(max_length=20)] = "",
    token_reference: Field = "",
    brand: Annotated[str, Form(max_length=20)] = "",
    last4: Annotated[str, Form(max_length=4)] = "",
    expiry_month: Annotated[str, Form(max_length=2)] = "",
    expiry_year: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    account = _account(db, me, account_id or None)
    values = {"holder_name": holder_name, "iban": iban, "bic": bic, "provider": provider}
    values |= {"brand": brand, "last4": last4, "expiry_month": expiry_month}
    values |= {"expiry_year": expiry_year, "kind": kind}
    try:
        data: SepaDirectDebitCreate | CardCreate
        if kind == "sepa_direct_debit":
            if mandate not in ("1", "on", "true"):
                return _again(
                    request, db, me, account.id, {"mandate": FIELD_ERRORS["mandate"]}, values
                )
            data = SepaDirectDebitCreate.model_validate(
                {
                    "kind": kind,
                    "holder_name": holder_name.strip(),
                    "iban": iban,
                    "bic": bic.strip() or None,
                    "mandate_signed_on": _today(db),
                }
            )
        elif kind == "card":
            data = CardCreate.model_validate(
                {
                    "kind": kind,
                    "provider": provider.strip().lower(),
                    "token_reference": token_reference.strip(),
                    "brand": brand.strip(),
                    "last4": last4.strip(),
                    "expiry_month": expiry_month.strip() or "0",
                    "expiry_year": expiry_year.strip() or "0",
                }
            )
        else:
            return _again(request, db, me, account.id, {"kind": FIELD_ERRORS["kind"]}, values)
        billing = _ensure_billing(db, me, account)
        billing_service.add_payment_method(
            db, billing.id, data, actor=customer_actor(me), repeatable=True
        )
    except (ValidationError, FirstmileError) as exc:
        if isinstance(exc, FirstmileError) and exc.status_code != 422:
            raise
        return _again(request, db, me, account.id, _errors(exc), values)
    return redirect(request, f"/portal/payment?account={account.id}&saved=method")


def _today(db: Session) -> date:
    """Today where the operator is: the mandate's date of signature."""
    return today_in(packs.current_meta(db).timezone)


@router.post("/portal/payment/methods/{method_id}/revoke")
def revoke_method(
    request: Request,
    method_id: str,
    db: Db,
    me: PortalCustomer,
    account_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    account = _account(db, me, account_id or None)
    billing = _billing(db, account)
    if billing is None:
        raise NotFound("payment method", method_id)
    billing_service.revoke_payment_method(db, billing.id, method_id[:36], actor=customer_actor(me))
    return redirect(request, f"/portal/payment?account={account.id}&saved=revoked")
