"""Billing made clear: every line of the first and the regular bill, in plain words.

    GET /portal/billing

Amounts come from the billing domain's first-bill preview (the one proration rule, the
billing account's real cycle day, how and when the customer pays). An order whose account
has no billing set up yet is shown from its own quote snapshot (the pack's standard cycle
day) and marked as an estimate. Usage rates, time-limited discounts and the tax come from
the ordered quote snapshot, which the preview does not repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.billing import service as billing_service
from firstmile.billing.models import PaymentMethodKind
from firstmile.contracts import document as contract_document
from firstmile.kit.errors import Conflict
from firstmile.kit.http import Db
from firstmile.kit.i18n import pick
from firstmile.orders import service as orders_service
from firstmile.orders.models import Order, OrderKind, OrderStatus
from firstmile.web import locale as web_locale
from firstmile.web.pages import PageRoute, PortalCustomer, plural_translator, render, translator

router = APIRouter(route_class=PageRoute, include_in_schema=False)
BILLED = (OrderStatus.AWAITING_SIGNATURE, OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED)
Period = tuple[int, int, date, date]  # days billed, days in the cycle, first day, last day


class _Words:
    """The plain-words explanations, in the page's locale."""

    def __init__(self, request: Request, fmt_date: Callable[[date], str]) -> None:
        self._ = translator(request.state.locale)
        self.ngettext = plural_translator(request.state.locale)
        self.fmt_date = fmt_date

    def when(self, line: Mapping[str, Any]) -> str:
        _ = self._
        return _("one-time") if line["charge"] == "one_time" else _("monthly")

    def line(
        self, line: Mapping[str, Any], *, first: bool, months: int | None, period: Period | None
    ) -> str:
        _ = self._
        kind, once = line["kind"], line["charge"] == "one_time"
        if once:
            if kind == "discount":
                return _("A one-time discount, taken off your first bill.")
            return _("Charged once, on your first bill.")
        if kind == "discount":
            if months:
                return self.ngettext(
                    "Taken off for your first month only; your first bill counts as month 1.",
                    "Taken off every month for your first {months} months; your first bill "
                    "counts as month 1.",
                    months,
                    months=months,
                )
            return _("Taken off every month for as long as you keep the plan.")
        text = {
            "feature": _("An option you chose: charged every month while it is switched on."),
            "network": _(
                "The grid operator's fixed monthly fee for your supply point, passed on at cost."
            ),
        }.get(kind, _("Your monthly price, charged in advance for each month."))
        if first and period is not None and period[0] < period[1]:
            days, cycle, start, end = period
            text += " " + _(
                "On this first bill only for {days} of the {cycle} days of the month, "
                "from {start} to {end}.",
                days=days,
                cycle=cycle,
                start=self.fmt_date(start),
                end=self.fmt_date(end),
            )
        return text

    def usage(self, usage: Mapping[str, Any]) -> str:
        _ = self._
        if usage.get("kind") == "tax":
            return _("A tax set by law on every unit you use.")
        if usage.get("kind") == "network":
            return _("The grid operator's fee for each unit delivered, passed on at cost.")
        if usage.get("indexed") == "spot":
            return _("Added to the hourly market (spot) price; billed after the month you used it.")
        return _("Only for what you use; billed after the month you used it.")


def _snapshot_facts(order: Order) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """(months of each time-limited discount by code, usage rates) of an ordered snapshot."""
    months = {
        str(line["code"]): int(line["months"])
        for line in order.snapshot.get("lines", [])
        if line.get("kind") == "discount" and line.get("months")
    }
    usage = [
        dict(u) for item in order.snapshot.get("items", []) for u in item.get("usage_rates", [])
    ]
    return months, usage


def _totals(bill: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(bill[key]) for key in ("net", "tax", "gross")}


def _lines(
    words: _Words,
    lines: Sequence[Mapping[str, Any]],
    first: bool,
    months: Mapping[tuple[str, str], int],
    periods: Mapping[str, Period],
    locale: str,
) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        order_id = str(line.get("order_id", ""))
        names = line.get("names")
        out.append(
            {
                "name": pick(names, locale) if isinstance(names, dict) else line["name"],
                "when": words.when(line),
                "kind": line["kind"],
                "charge": line["charge"],
                "quantity": line.get("quantity", 1),
                "explanation": words.line(
                    line,
                    first=first,
                    months=months.get((order_id, str(line["code"]))),
                    period=periods.get(order_id),
                ),
                "net": line["net"],
                "tax": line["tax"],
                "gross": line["gross"],
            }
        )
    return out


def _period(days: Any, cycle_days: Any, start: str, end: str) -> Period:
    return int(days), int(cycle_days), date.fromisoformat(start), date.fromisoformat(end)


def _usage(
    words: _Words, orders: Sequence[Order], currency: str, locale: str
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for order in orders:
        for usage in _snapshot_facts(order)[1]:
            names = usage.get("names")
            row = {
                "name": pick(names, locale) if isinstance(names, dict) else usage["name"],
                "price": web_locale.Formats(locale).unit_price(usage["unit_gross"], currency),
                "per_unit": contract_document.per_unit(usage.get("unit"), locale),
                "explanation": words.usage(usage),
            }
            if row not in out:  # two lines of one plan share their rates
                out.append(row)
    return out


def _tax(orders: Sequence[Order], locale: str) -> dict[str, Any] | None:
    for order in orders:
        tax = order.snapshot.get("tax")
        if isinstance(tax, dict) and tax.get("rate") is not None:
            names = tax.get("names")
            name = pick(names, locale) if isinstance(names, dict) else str(tax.get("name", ""))
            return {"name": name, "rate": Decimal(str(tax["rate"]))}
    return None


def _from_preview(
    words: _Words, preview: Mapping[str, Any], orders: Sequence[Order], locale: str
) -> dict[str, Any]:
    months = {(o.id, code): n for o in orders for code, n in _snapshot_facts(o)[0].items()}
    summaries = preview["orders"]
    periods = {
        str(o["order_id"]): _period(
            o["days"], o["cycle_days"], o["first_period_start"], o["first_period_end"]
        )
        for o in summaries
    }
    first, regular, payment = preview["first_bill"], preview["regular_bill"], preview["payment"]
    method = payment.get("method") or None
    return {
        "estimate": False,
        "currency": preview["currency"],
        "cycle_day": preview["cycle_day"],
        "first": {
            **_totals(first),
            "lines": _lines(words, first["lines"], True, months, periods, locale),
            "issue_date": date.fromisoformat(first["issue_date"]),
            "due_date": date.fromisoformat(first["due_date"]),
        },
        "regular": {
            **_totals(regular),
            "lines": _lines(words, regular["lines"], False, {}, {}, locale),
        },
        # stretches of one order only: several orders' discounts do not add up stretch by stretch
        "schedule": summaries[0]["schedule"] if len(summaries) == 1 else [],
        "usage": _usage(words, orders, preview["currency"], locale),
        "tax": _tax(orders, locale),
        "payment": {
            "label": payment["method_label"],
            "kind": method["kind"] if method else None,
            "mandate": method.get("mandate_reference") if method else None,
            "delivery": payment["delivery_label"],
        },
    }


def _from_snapshot(words: _Words, order: Order, locale: str) -> dict[str, Any]:
    bills = order.snapshot["bills"]
    first, regular = bills["first"], bills["regular"]
    months = {(order.id, code): n for code, n in _snapshot_facts(order)[0].items()}
    periods = {
        order.id: _period(
            first["days"], first["cycle_days"], first["period_start"], first["period_end"]
        )
    }
    tagged = [{**line, "order_id": order.id} for line in first["lines"]]
    return {
        "estimate": True,
        "currency": order.currency,
        "cycle_day": bills["cycle_day"],
        "first": {
            **_totals(first),
            "lines": _lines(words, tagged, True, months, periods, locale),
            "issue_date": None,
            "due_date": None,
        },
        "regular": {
            **_totals(regular),
            "lines": _lines(words, regular["lines"], False, {}, {}, locale),
        },
        "schedule": list(bills.get("schedule", [])),
        "usage": _usage(words, [order], order.currency, locale),
        "tax": _tax([order], locale),
        "payment": None,
    }


def statements(request: Request, db: Db, customer_id: str, words: _Words) -> list[dict[str, Any]]:
    """One statement per billing account with something ordered, then one estimate per
    billed order of an account without billing set up."""
    locale = request.state.locale
    orders, _total = orders_service.search_orders(db, customer_id=customer_id, limit=100)
    mine = [o for o in orders if o.kind == OrderKind.NEW and o.status in BILLED]
    by_id = {o.id: o for o in mine}
    out: list[dict[str, Any]] = []
    covered: set[str] = set()
    for account in billing_service.find_billing_accounts(db, customer_id=customer_id):
        try:
            preview = billing_service.first_bill_preview(db, account.id, locale=locale)
        except Conflict:
            continue  # nothing ordered on this account yet, or priced in another currency
        ids = [str(o["order_id"]) for o in preview["orders"]]
        covered.update(ids)
        out.append(_from_preview(words, preview, [by_id[i] for i in ids if i in by_id], locale))
    out += [_from_snapshot(words, o, locale) for o in reversed(mine) if o.id not in covered]
    return out


@router.get("/portal/billing", response_class=HTMLResponse)
def billing(request: Request, db: Db, me: PortalCustomer) -> Response:
    formats = web_locale.Formats(request.state.locale, me.time_zone)
    words = _Words(request, lambda day: formats.date(day, "long"))
    context = {
        "statements": statements(request, db, me.id, words),
        "card": PaymentMethodKind.CARD,
        "sepa": PaymentMethodKind.SEPA_DIRECT_DEBIT,
    }
    return render(request, "portal/billing.html", context)
