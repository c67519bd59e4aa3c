"""The contract document: the pack's template filled with the order's frozen quote.

Pure: no database. `render(ContractInput) -> bytes` is all the PDF job needs; everything it
prints comes from its input (and, for the few words no pack writes, such as a usage unit, the
code's own catalogs), so the same input renders the same document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_percent

from firstmile.contracts.pdf import (
    ContractPdf,
    PageInfo,
    clean,
    fallbacks_for,
    isolate,
    ltr_isolate,
)
from firstmile.contracts.templating import fill
from firstmile.kit.i18n import gettext_for, is_rtl, language_of, pick
from firstmile.kit.i18n import later as _
from firstmile.kit.money import format_money

Rows = list[list[str]]
Grid = tuple[list[str], Rows, list[int], list[bool]]


# a usage rate's unit as the contract and the portal's price pages print it after the price
UNITS = {
    "MB": _("per MB"),
    "GB": _("per GB"),
    "minute": _("per minute"),
    "kWh": _("per kWh"),
    "SMS": _("per SMS"),
}


# what an indexed usage price is added to, printed after its unit (the portal's words)
INDEXED = {"spot": _("on top of the hourly spot price")}
# the words no pack's labels hold: the energy supply's rows and a fixed feature's column
SUPPLY_ADDRESS = _("Supply address")
METERING_POINT = _("Metering point ID")
FIXED_ON = _("Cannot be switched off")
FIXED_OFF = _("Cannot be switched on")
ENERGY_KINDS = frozenset({"electricity", "gas"})


def _word(text: str, language: str) -> str:
    return gettext_for(language).gettext(text)


def per_unit(unit: str | None, language: str) -> str:
    """The words after a usage price, in `language` ("per minute", "za minutu"); a unit
    without a label as "/ unit"; "" for no unit."""
    if not unit:
        return ""
    if unit in UNITS:
        return _word(UNITS[unit], language)
    return f"/ {unit}"


@dataclass(frozen=True)
class Party:
    name: str
    address: str = ""
    registration_number: str = ""
    vat_number: str = ""
    contact: str = ""


@dataclass(frozen=True)
class ContractInput:
    contract_number: str
    order_number: str
    language: str
    created_at: datetime
    timezone: str
    cooling_off_days: int
    operator: Mapping[str, str]
    customer: Party
    snapshot: Mapping[str, Any]
    template: Mapping[str, Any]  # a validated `contract.yaml` (ContractTemplateFile, as JSON)


class Formats:
    """Money, dates and percentages in the contract's language (Babel, CLDR data)."""

    def __init__(self, language: str, currency: str) -> None:
        self.locale = language_of(language)
        self.currency = currency
        self.rtl = is_rtl(language)

    def money(self, amount: str | Decimal | None, *, unit: bool = False) -> str:
        if amount is None:
            return ""
        text = format_money(Decimal(str(amount)), self.currency, self.locale, all_digits=unit)
        return ltr_isolate(clean(text)) if self.rtl else text

    def day(self, value: str | date) -> str:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, format="long", locale=self.locale)

    def percent(self, value: str | Decimal) -> str:
        return format_percent(Decimal(str(value)) / 100, locale=self.locale)


def clause_context(data: ContractInput, fmt: Formats) -> dict[str, Any]:
    """What a template text may use; keep in step with `SAMPLE_CONTEXT`."""
    snap = data.snapshot
    totals, bills = snap.get("totals", {}), snap.get("bills", {})
    local_day = data.created_at.astimezone(ZoneInfo(data.timezone)).date()
    return {
        "operator": {key: data.operator.get(key, "") for key in OPERATOR_KEYS},
        "customer": {"name": data.customer.name, "address": data.customer.address},
        "contract": {
            "number": data.contract_number,
            "order_number": data.order_number,
            "date": fmt.day(local_day),
        },
        "offer": {
            "start_date": fmt.day(snap["start_date"]),
            "currency": snap["currency"],
            "one_time_total": fmt.money(totals.get("one_time", {}).get("gross")),
            "monthly_total": fmt.money(totals.get("monthly", {}).get("gross")),
            "first_bill_total": fmt.money(bills.get("first", {}).get("gross")),
            "regular_bill_total": fmt.money(bills.get("regular", {}).get("gross")),
            # the billing day the bills table was worked out for (the account's, if set up
            # when quoted; else the operator's default)
            "cycle_day": snap.get("cycle_day") or bills.get("cycle_day") or 1,
        },
        "cooling_off_days": data.cooling_off_days,
    }


OPERATOR_KEYS = (
    "legal_name",
    "address",
    "registration_number",
    "vat_number",
    "support_email",
    "support_phone",
)
SAMPLE_CONTEXT: dict[str, Any] = {
    "operator": dict.fromkeys(OPERATOR_KEYS, "x"),
    "customer": {"name": "x", "address": "x"},
    "contract": {"number": "x", "order_number": "x", "date": "x"},
    "offer": dict.fromkeys(
        (
            "start_date",
            "currency",
            "one_time_total",
            "monthly_total",
            "first_bill_total",
            "regular_bill_total",
            "cycle_day",
        ),
        "x",
    ),
    "cooling_off_days": 14,
}


def render(data: ContractInput) -> bytes:
    """The unsigned contract PDF.

    Parsing a fallback font costs more than laying out the whole contract (the CJK one is
    4 MB), so a first pass loads only the fallbacks the customer's and operator's data seem
    to need; if any glyph then had no font, the contract is laid out again with them all.
    """
    pdf = _render(data, fallbacks=fallbacks_for(_data_text(data)))
    if pdf.missing_glyphs():  # checked before output(): subsetting rewrites the fonts
        pdf = _render(data, fallbacks=None)
    return bytes(pdf.output())


def _data_text(data: ContractInput) -> str:
    """The operator's and the customer's data in one string (the offer's texts come in every
    language and are picked per language, so they say nothing; the second pass covers them)."""
    return json.dumps([data.operator, vars(data.customer)], ensure_ascii=False, default=str)


def _render(data: ContractInput, *, fallbacks: Sequence[str] | None) -> ContractPdf:
    lang = language_of(data.language)
    tpl = data.template
    fmt = Formats(lang, data.snapshot["currency"])
    ctx = clause_context(data, fmt)
    if fmt.rtl:
        ctx = _isolated(ctx)
    label = _labels(tpl["labels"], lang, ctx)
    title = fill(pick(tpl["title"], lang), ctx, where="title")
    pdf = ContractPdf(
        PageInfo(lang, title, data.operator.get("legal_name", ""), label["page"], data.created_at),
        fallbacks=fallbacks,
    )
    pdf.add_page()
    pdf.heading(title, size=16)
    pdf.paragraph(
        f"{label['contract_number']}: {data.contract_number}    "
        f"{label['order_number']}: {data.order_number}    "
        f"{label['date']}: {ctx['contract']['date']}",
        size=8.5,
    )
    pdf.paragraph(fill(pick(tpl["intro"], lang), ctx, where="intro"))
    for i, sec in enumerate(tpl["sections"]):
        pdf.heading(fill(pick(sec["title"], lang), ctx, where=f"sections.{i}.title"))
        key = "clauses"
        if not data.cooling_off_days and sec.get("clauses_without_cooling_off"):
            key = "clauses_without_cooling_off"
        for j, clause in enumerate(sec.get(key, [])):
            pdf.paragraph(fill(pick(clause, lang), ctx, where=f"sections.{i}.{key}.{j}"))
        if sec.get("table"):
            header, rows, widths, numeric = TABLES[sec["table"]](data, fmt, label, lang)
            if rows:
                pdf.grid(header, rows, widths, numeric=numeric)
    pdf.ln(4)
    pdf.paragraph(label["signature"], size=8.5)
    return pdf


def _isolated(value: Any) -> Any:
    """Every text value of a placeholder context wrapped in a bidi isolate (RTL pages)."""
    if isinstance(value, dict):
        return {key: _isolated(item) for key, item in value.items()}
    return isolate(value) if isinstance(value, str) else value


def _labels(
    texts: Mapping[str, Mapping[str, str]], lang: str, ctx: dict[str, Any]
) -> dict[str, str]:
    """Every label filled, except `remaining_monthly`, filled per term with its percent."""
    return {
        key: pick(value, lang)
        if key == "remaining_monthly"
        else fill(pick(value, lang), ctx, where=f"labels.{key}")
        for key, value in texts.items()
    }


def _parties(data: ContractInput, fmt: Formats, label: dict[str, str], lang: str) -> Grid:
    op, cu = data.operator, data.customer
    contact = " · ".join(v for v in (op.get("support_email"), op.get("support_phone")) if v)
    rows = [
        [label["name"], op.get("legal_name", ""), cu.name],
        [label["address"], op.get("address", ""), cu.address],
        [label["registration_number"], op.get("registration_number", ""), cu.registration_number],
        [label["vat_number"], op.get("vat_number", ""), cu.vat_number],
        [label["contact"], contact, cu.contact],
    ]
    rows = [r for r in [*rows, *_supply(data.snapshot, lang)] if r[1] or r[2]]
    return ["", label["operator"], label["customer"]], rows, [26, 50, 50], []


def _supply(snapshot: Mapping[str, Any], lang: str) -> Rows:
    """An energy supply's address and metering point ID, in the customer's column."""
    kinds = {
        part.get("kind")
        for item in snapshot.get("items", [])
        for part in [item, *item.get("components", [])]
    }
    if not kinds & ENERGY_KINDS:
        return []
    where = snapshot.get("service_address") or {}
    street = " ".join(p for p in (where.get("street"), where.get("house_number")) if p)
    town = " ".join(p for p in (where.get("postcode"), where.get("city")) if p)
    address = ", ".join(p for p in (street, town, where.get("country")) if p)
    return [
        [_word(SUPPLY_ADDRESS, lang), "", address],
        [_word(METERING_POINT, lang), "", where.get("supply_point") or ""],
    ]


def _lines(data: ContractInput, fmt: Formats, label: dict[str, str], lang: str) -> Grid:
    names = _item_names(data.snapshot, lang)
    owners = _owners(data.snapshot, lang)
    rows: Rows = []
    for line in data.snapshot.get("lines", []):
        name = pick(line.get("names") or {}, lang) or line.get("name", "")
        item = owners.get((line.get("item"), line.get("source"))) or names.get(line.get("item"), "")
        charge = label["one_time"] if line["charge"] == "one_time" else label["monthly"]
        money = [fmt.money(line[k]) for k in ("net", "tax", "gross")]
        rows.append([f"{item}: {name}" if item else name, charge, *money])
    totals = data.snapshot.get("totals", {})
    for key in ("one_time", "monthly"):
        if key in totals:
            t = totals[key]
            rows.append(["Σ", label[key], *(fmt.money(t[k]) for k in ("net", "tax", "gross"))])
    header = [label["item"], "", label["net"], label["tax"], label["gross"]]
    return header, rows, [62, 22, 26, 22, 26], [False, False, True, True, True]


def _usage(data: ContractInput, fmt: Formats, label: dict[str, str], lang: str) -> Grid:
    rows: Rows = []
    for item in data.snapshot.get("items", []):
        for rate in item.get("usage_rates", []):
            name = pick(rate.get("names") or {}, lang) or rate.get("name", "")
            window = rate.get("window")
            hours = f"{window['hours_from']:02d}–{window['hours_to']:02d}" if window else ""
            gross = fmt.money(rate["unit_gross"], unit=True)  # isolated on RTL pages
            unit = per_unit(rate.get("unit"), lang)
            if fmt.rtl and unit.startswith("/"):
                unit = ltr_isolate(unit)
            price = f"{gross} {unit}" if unit else gross
            if rate.get("indexed") in INDEXED:
                price = f"{price} {_word(INDEXED[rate['indexed']], lang)}"
            rows.append([name, hours, price])
    header = [label["usage"], label["period"], label["unit_price"]]
    return header, rows, [80, 30, 50], [False, False, True]


def _features(data: ContractInput, fmt: Formats, label: dict[str, str], lang: str) -> Grid:
    rows: Rows = []
    for item in data.snapshot.get("items", []):
        for feat in item.get("features", []):
            name = pick(feat.get("names") or {}, lang) or feat.get("name", "")
            price = fmt.money(feat["monthly_net"]) if feat.get("monthly_net") else ""
            state = label["state_on"] if feat.get("on") else label["state_off"]
            switch = label["switchable"] if feat.get("switchable") else _fixed(feat, lang)
            rows.append([name, state, switch, price])
    header = [label["feature"], "", label["switchable"], f"{label['monthly']} ({label['net']})"]
    return header, rows, [70, 22, 36, 32], [False, False, False, True]


def _fixed(feature: Mapping[str, Any], lang: str) -> str:
    """What a feature nobody can switch says in the switchable column."""
    return _word(FIXED_ON if feature.get("on") else FIXED_OFF, lang)


def _bills(data: ContractInput, fmt: Formats, label: dict[str, str], lang: str) -> Grid:
    bills = data.snapshot.get("bills") or {}
    rows: Rows = []
    first = bills.get("first")
    if first:
        period = f"{fmt.day(first['period_start'])} – {fmt.day(first['period_end'])}"
        rows.append([label["first_bill"], period, *(fmt.money(first[k]) for k in _AMOUNTS)])
    regular = bills.get("regular")
    if regular:
        rows.append([label["regular_bill"], "", *(fmt.money(regular[k]) for k in _AMOUNTS)])
    header = ["", label["period"], label["net"], label["tax"], label["gross"]]
    return header, rows, [40, 56, 22, 20, 22], [False, False, True, True, True]


_AMOUNTS = ("net", "tax", "gross")


def _terms(data: ContractInput, fmt: Formats, label: dict[str, str], lang: str) -> Grid:
    rows: Rows = []
    for item in data.snapshot.get("items", []):
        terms = item.get("terms") or {}
        name = pick(item.get("names") or {}, lang) or item.get("name", "")
        rows.append(
            [
                name,
                str(terms.get("minimum_term_months", 0)),
                str(terms.get("notice_days", 0)),
                _early_termination(terms.get("early_termination") or {}, fmt, label),
            ]
        )
    header = [label["item"], label["minimum_term"], label["notice"], label["early_termination"]]
    return header, rows, [48, 30, 30, 52], [False, True, True, False]


def _early_termination(rule: Mapping[str, Any], fmt: Formats, label: dict[str, str]) -> str:
    if rule.get("rule") == "fixed":
        return fmt.money(rule.get("amount"))
    if rule.get("rule") == "remaining_monthly" and rule.get("percent"):
        percent = fmt.percent(rule["percent"])
        return fill(
            label["remaining_monthly"], {"percent": percent}, where="labels.remaining_monthly"
        )
    return label["none"]


def _owners(snapshot: Mapping[str, Any], lang: str) -> dict[tuple[int, str], str]:
    """(item, source) -> the name a line is printed under when its charge belongs to an
    add-on or to one plan of a bundle, not to the item's own plan ("Green electricity:
    Monthly fee", not the plan's "Monthly fee")."""
    out: dict[tuple[int, str], str] = {}
    for it in snapshot.get("items", []):
        parts = it.get("components") or []
        owned = [*(parts if len(parts) > 1 else []), *it.get("add_ons", [])]
        for part in owned:
            name = pick(part.get("names") or {}, lang) or part.get("name", "")
            out[(it["index"], part["offering"])] = name
    return out


def _item_names(snapshot: Mapping[str, Any], lang: str) -> dict[int, str]:
    items = snapshot.get("items", [])
    if len(items) < 2:
        return {}
    return {it["index"]: pick(it.get("names") or {}, lang) or it.get("name", "") for it in items}


TABLES: dict[str, Callable[[ContractInput, Formats, dict[str, str], str], Grid]] = {
    "parties": _parties,
    "lines": _lines,
    "usage": _usage,
    "features": _features,
    "bills": _bills,
    "terms": _terms,
}
