"""The first-bill preview: what the customer pays first and every month, how and when.

Amounts come from the ONE proration rule, `catalog.pricing.bill_preview`, applied to each
ordered quote snapshot with the billing account's real cycle day. Every amount is given as the
exact Decimal string and formatted for the locale (Babel), next to each other.

When the first bill is due: the first bill is issued on the cycle day that ends the first
(prorated) period and is due `PAYMENT_TERMS_DAYS` later. 14 days is the demo operators' term
and also the SEPA Core Direct Debit rulebook's default pre-notification period, so the bill
itself serves as the pre-notification of the collection. A pack may set
`operator.payment_terms_days` to use another term.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date

from firstmile.billing import repository as repo
from firstmile.billing.models import BillDelivery, BillingAccount, PaymentMethod, PaymentMethodKind
from firstmile.billing.service import ordered as ordered_source
from firstmile.billing.service.accounts import billable, get_billing_account
from firstmile.billing.texts import LABELS
from firstmile.billing.validation import mask_iban
from firstmile.catalog import pricing
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput
from firstmile.kit.i18n import SUPPORTED_LOCALES, is_rtl, is_supported, language_of, pick
from firstmile.kit.money import format_money, q
from firstmile.packs import loader as packs

PAYMENT_TERMS_DAYS = 14


def first_bill_preview(
    db: Session, billing_account_id: str, *, locale: str | None = None
) -> dict[str, Any]:
    """The first and the regular bill of what the account ordered, in `locale`.

    Conflict when the account has ordered nothing yet (there is no bill to preview).
    """
    billing = get_billing_account(db, billing_account_id)
    chosen = _locale(locale, billing.bill_language)
    orders = ordered_source.orders_for(db, billing.customer_id, billing.account_id)
    if not orders:
        raise Conflict("the account has ordered nothing yet, so there is no bill to preview")
    return compose_preview(
        billing,
        orders,
        method=repo.default_method(db, billing.id),
        locale=chosen,
        payment_terms_days=_payment_terms(db),
        billable=billable(db, billing.account_id),
    )


def _locale(requested: str | None, default: str) -> str:
    if requested is None:
        return language_of(default)
    if not is_supported(requested):
        raise InvalidInput(f"locale must be one of {', '.join(SUPPORTED_LOCALES)}", field="locale")
    return language_of(requested)


def _payment_terms(db: Session) -> int:
    raw = packs.current_meta(db).operator.get("payment_terms_days")
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) <= 90 else PAYMENT_TERMS_DAYS


def compose_preview(
    billing: BillingAccount,
    orders: Sequence[ordered_source.Ordered],
    *,
    method: PaymentMethod | None,
    locale: str,
    payment_terms_days: int = PAYMENT_TERMS_DAYS,
    billable: bool = False,
) -> dict[str, Any]:
    """Pure: the preview of `orders` for `billing`, no database."""
    fmt = _Formatter(locale, billing.currency)
    per_order, firsts, regulars = [], [], []
    for item in orders:
        bills = pricing.bill_preview(item.snapshot, start=item.start, cycle_day=billing.cycle_day)
        if bills["currency"] != billing.currency:
            raise Conflict(
                f"order {item.order_id} is priced in {bills['currency']}, "
                f"the billing account bills in {billing.currency}"
            )
        firsts.append((item, bills["first"]))
        regulars.append((item, bills["regular"]))
        per_order.append(_order_summary(item, bills, fmt))
    # The account's first bill ends its first cycle: it holds the orders whose first period
    # ends then; an order that starts in a later cycle comes on the bill that ends that one
    # (by then the earlier orders' full months are billed on the bills between).
    ends = min(date.fromisoformat(b["period_end"]) for _, b in firsts)
    issue = ends + timedelta(days=1)
    due = issue + timedelta(days=payment_terms_days)
    on_first = [(item, b) for item, b in firsts if date.fromisoformat(b["period_end"]) == ends]
    first_bill = {
        **_bill(on_first, fmt),
        "issue_date": issue.isoformat(),
        "issue_date_formatted": fmt.day(issue),
        "due_date": due.isoformat(),
        "due_date_formatted": fmt.day(due),
    }
    return {
        "billing_account_id": billing.id,
        "account_id": billing.account_id,
        "locale": locale,
        "direction": "rtl" if is_rtl(locale) else "ltr",
        "currency": billing.currency,
        "cycle_day": billing.cycle_day,
        "labels": {key: pick(texts, locale) for key, texts in LABELS.items()},
        "orders": per_order,
        "first_bill": first_bill,
        "regular_bill": _bill(regulars, fmt),
        "payment": _payment(billing, method, first_bill, payment_terms_days, fmt),
        "billable": billable,
    }


class _Formatter:
    def __init__(self, locale: str, currency: str) -> None:
        self.locale, self.currency = locale, currency

    def money(self, amount: str | Decimal) -> str:
        return format_money(Decimal(amount), self.currency, self.locale)

    def day(self, value: date) -> str:
        return format_date(value, "long", locale=self.locale)

    def text(self, key: str, **values: object) -> str:
        return pick(LABELS[key], self.locale).format(**values)


def _amounts(totals: Mapping[str, Any], fmt: _Formatter) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in ("net", "tax", "gross"):
        out[key] = str(totals[key])
        out[f"{key}_formatted"] = fmt.money(totals[key])
    return out


def _bill(
    parts: Sequence[tuple[ordered_source.Ordered, Mapping[str, Any]]], fmt: _Formatter
) -> dict[str, Any]:
    lines = []
    for item, bill in parts:
        for line in bill["lines"]:
            lines.append(
                {
                    "order_id": item.order_id,
                    "code": line["code"],
                    "kind": line["kind"],
                    "charge": line["charge"],
                    "name": pick(line["names"], fmt.locale) or line["name"],
                    "quantity": line["quantity"],
                    **_amounts(line, fmt),
                }
            )
    sums = {
        key: str(sum((Decimal(b[key]) for _, b in parts), q(Decimal(0), fmt.currency)))
        for key in ("net", "tax", "gross")
    }
    return {**_amounts(sums, fmt), "lines": lines}


def _order_summary(
    item: ordered_source.Ordered, bills: Mapping[str, Any], fmt: _Formatter
) -> dict[str, Any]:
    first = bills["first"]
    start, end = date.fromisoformat(first["period_start"]), date.fromisoformat(first["period_end"])
    return {
        "order_id": item.order_id,
        "status": item.status,
        "first_period_start": first["period_start"],
        "first_period_end": first["period_end"],
        "first_period_formatted": f"{fmt.day(start)} – {fmt.day(end)}",
        "days": first["days"],
        "cycle_days": first["cycle_days"],
        "prorated": fmt.text("prorated", days=first["days"], cycle_days=first["cycle_days"]),
        "first": _amounts(first, fmt),
        "regular": _amounts(bills["regular"], fmt),
        "schedule": bills["schedule"],
    }


def method_label(method: PaymentMethod | None, fmt: _Formatter) -> str:
    if method is None:
        return fmt.text("no_method")
    if method.kind == PaymentMethodKind.SEPA_DIRECT_DEBIT and method.iban is not None:
        return fmt.text("sepa_direct_debit", account=mask_iban(method.iban))
    return fmt.text("card", brand=(method.brand or "").capitalize(), last4=method.last4)


def _payment(
    billing: BillingAccount,
    method: PaymentMethod | None,
    first_bill: Mapping[str, Any],
    terms: int,
    fmt: _Formatter,
) -> dict[str, Any]:
    label = method_label(method, fmt)
    values = {"amount": first_bill["gross_formatted"], "due_date": first_bill["due_date_formatted"]}
    collected = method is not None
    summary = (
        fmt.text("how_you_pay", method=label, **values)
        if collected
        else fmt.text("pay_by", **values)
    )
    paperless = billing.bill_delivery == BillDelivery.EMAIL
    return {
        "method": _method_facts(method),
        "method_label": label,
        "due_date": first_bill["due_date"],
        "due_date_formatted": first_bill["due_date_formatted"],
        "payment_terms_days": terms,
        "paperless": billing.paperless,
        "delivery": billing.bill_delivery,
        "delivery_label": fmt.text("paperless", email=billing.bill_email)
        if paperless
        else fmt.text("paper"),
        "summary": summary,
    }


def _method_facts(method: PaymentMethod | None) -> dict[str, Any] | None:
    if method is None:
        return None
    facts: dict[str, Any] = {"id": method.id, "kind": method.kind}
    if method.kind == PaymentMethodKind.SEPA_DIRECT_DEBIT and method.iban is not None:
        facts |= {
            "iban_masked": mask_iban(method.iban),
            "mandate_reference": method.mandate_reference,
        }
    else:
        facts |= {"brand": method.brand, "last4": method.last4}
    return facts
