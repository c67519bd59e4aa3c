"""Pure pricing: quote lines, taxes, totals and bills. No database, no clock.

Rounding rules (the customer can redo every sum by hand):
- a line's net is `round(unit_net x quantity)`; a percentage discount is
  `-round(target line net x percent / 100)`; a fixed discount is `-round(amount x quantity)`;
- a line's tax is `round(net x tax rate)` and its gross is `net + tax`;
- all rounding is half-up to the currency's minor unit (cents; whole yen), per line;
  totals are the plain sums of their lines, so lines always add up to the totals;
- usage rates (per MB, per minute, per kWh) are unit prices, kept to 4 decimals, half-up;
- the first bill runs from the start date to the day before the next cycle day; each
  recurring line is prorated by `days used / days in that cycle` and rounded per line, and
  one-time charges are added in full. Time-limited discounts count the first (partial)
  cycle as month 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from firstmile.kit.errors import InvalidInput
from firstmile.kit.i18n import pick
from firstmile.kit.money import q

UNIT_PLACES = Decimal("0.0001")
ONE_TIME = "one_time"
RECURRING = "recurring"


def q4(amount: Decimal) -> Decimal:
    return amount.quantize(UNIT_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Line:
    """One charge (or discount, negative) on the quote, for a full month or once."""

    item: int
    source: str  # the offering (plan, component or add-on) the charge belongs to
    code: str  # the price, feature, discount or network charge code
    kind: str  # price | feature | discount | network
    name: str
    names: dict[str, str]
    charge: str  # one_time | recurring
    quantity: int
    unit_net: Decimal
    net: Decimal
    tax_rate: Decimal
    tax: Decimal
    gross: Decimal
    months: int | None = None  # a discount that ends after this many cycles

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("unit_net", "net", "tax_rate", "tax", "gross"):
            out[key] = str(out[key])
        return out


def make_line(
    *,
    net: Decimal,
    tax_rate: Decimal,
    currency: str,
    unit_net: Decimal | None = None,
    **fields: Any,
) -> Line:
    """A line of `net` (already rounded) with its tax rounded in `currency`."""
    tax = q(net * tax_rate, currency)
    unit = net if unit_net is None else unit_net
    return Line(net=net, tax_rate=tax_rate, tax=tax, gross=net + tax, unit_net=unit, **fields)


def line_from_json(data: Mapping[str, Any]) -> Line:
    values = dict(data)
    for key in ("unit_net", "net", "tax_rate", "tax", "gross"):
        values[key] = Decimal(str(values[key]))
    return Line(**values)


def usage_rate(*, unit_net: Decimal, tax_rate: Decimal, **fields: Any) -> dict[str, Any]:
    """A JSON-safe usage rate: net, tax and gross per unit, 4 decimals each."""
    net = q4(unit_net)
    tax = q4(net * tax_rate)
    return {**fields, "unit_net": str(net), "tax": str(tax), "unit_gross": str(net + tax)}


def discount_line(
    target: Line,
    *,
    percent: Decimal,
    code: str,
    name: str,
    names: dict[str, str],
    months: int | None,
    currency: str,
) -> Line:
    net = -q(target.net * percent / Decimal(100), currency)
    return make_line(
        currency=currency,
        item=target.item,
        source=target.source,
        code=code,
        kind="discount",
        name=name,
        names=names,
        charge=target.charge,
        quantity=target.quantity,
        net=net,
        tax_rate=target.tax_rate,
        months=months,
    )


def totals(lines: Iterable[Line], currency: str) -> dict[str, str]:
    net = tax = gross = q(Decimal(0), currency)
    for line in lines:
        net, tax, gross = net + line.net, tax + line.tax, gross + line.gross
    return {"net": str(net), "tax": str(tax), "gross": str(gross)}


def _add_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month)


def first_cycle(start: date, cycle_day: int) -> tuple[date, date, int, int]:
    """(period start, period end, days billed, days in that cycle) of the first bill."""
    if not 1 <= cycle_day <= 28:
        raise InvalidInput("the cycle day must be between 1 and 28", field="cycle_day")
    previous = start.replace(day=cycle_day)
    if previous > start:
        previous = _month_before(previous)
    following = _add_month(previous)
    days, cycle_days = (following - start).days, (following - previous).days
    return start, following - timedelta(days=1), days, cycle_days


def _month_before(day: date) -> date:
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return day.replace(year=year, month=month)


def _prorated(line: Line, days: int, cycle_days: int, currency: str) -> Line:
    net = q(line.net * days / cycle_days, currency)
    tax = q(net * line.tax_rate, currency)
    return replace(line, net=net, tax=tax, gross=net + tax)


def _active(line: Line, month: int) -> bool:
    return line.charge == RECURRING and (line.months is None or line.months >= month)


def _bill(lines: list[Line], currency: str) -> dict[str, Any]:
    return {**totals(lines, currency), "lines": [line.to_json() for line in lines]}


def _schedule(lines: list[Line], currency: str) -> list[dict[str, Any]]:
    """The monthly bill from month 2 on, one entry per stretch with the same discounts."""
    ends = sorted({line.months for line in lines if line.months is not None and line.months >= 2})
    starts = [2, *(m + 1 for m in ends)]
    out = []
    for i, first in enumerate(starts):
        last = starts[i + 1] - 1 if i + 1 < len(starts) else None
        month_lines = [line for line in lines if _active(line, first)]
        out.append({"from_month": first, "to_month": last, **totals(month_lines, currency)})
    return out


def bill_preview(snapshot: Mapping[str, Any], *, start: date, cycle_day: int) -> dict[str, Any]:
    """First (prorated) and regular monthly bill of a quote snapshot, for a billing cycle day.

    The first bill holds every one-time charge and each recurring line prorated to the days
    from `start` to the end of its cycle. The regular bill is a full month once every
    time-limited discount has ended; `schedule` shows the months in between.
    """
    lines = [line_from_json(raw) for raw in snapshot["lines"]]
    currency = snapshot["currency"]
    period_start, period_end, days, cycle_days = first_cycle(start, cycle_day)
    first = [line for line in lines if line.charge == ONE_TIME]
    first += [_prorated(line, days, cycle_days, currency) for line in lines if _active(line, 1)]
    regular = [line for line in lines if line.charge == RECURRING and line.months is None]
    return {
        "currency": snapshot["currency"],
        "cycle_day": cycle_day,
        "first": {
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
            "days": days,
            "cycle_days": cycle_days,
            **_bill(first, currency),
        },
        "regular": _bill(regular, currency),
        "schedule": _schedule(lines, currency),
    }


def with_features(
    snapshot: Mapping[str, Any], units: Mapping[int, Sequence[Mapping[str, bool]]]
) -> Mapping[str, Any]:
    """The snapshot's lines with each item's priced features as its products have them now
    (`units`: quote item -> each unit's features, after changes ordered since): a feature
    pays its monthly, at the price the snapshot locked, for each unit that has it on. The
    snapshot itself when nothing changed."""
    rate = Decimal(str((snapshot.get("tax") or {}).get("rate") or "0"))
    lines = [dict(line) for line in snapshot["lines"]]
    changed = False
    for item in snapshot.get("items", []):
        index, features = item["index"], units.get(item["index"])
        if not features:
            continue
        for spec in item.get("features", []):
            if spec.get("monthly_net") is None:
                continue
            code = spec["code"]
            on = sum(1 for unit in features if unit.get(code, False))
            mine = [
                line
                for line in lines
                if line["item"] == index and line["kind"] == "feature" and line["code"] == code
            ]
            if sum(int(line["quantity"]) for line in mine) == on:
                continue
            changed = True
            lines = [line for line in lines if not any(line is m for m in mine)]
            if on:
                unit_net = Decimal(str(spec["monthly_net"]))
                line = make_line(
                    item=index,
                    source=spec["source"],
                    code=code,
                    kind="feature",
                    name=spec["name"],
                    names=dict(spec["names"]),
                    charge=RECURRING,
                    quantity=on,
                    unit_net=unit_net,
                    net=q(unit_net * on, snapshot["currency"]),
                    tax_rate=rate,
                    currency=snapshot["currency"],
                )
                lines.append(line.to_json())
    return {**snapshot, "lines": lines} if changed else snapshot


def _texts(o: Mapping[str, Any], locale: str) -> tuple[str, dict[str, str]]:
    names: dict[str, str] = dict(o["name"])
    return pick(names, locale), names


def _offering_lines(
    o: Mapping[str, Any],
    *,
    item: int,
    features: Mapping[str, bool],
    quantity: int,
    tax_rate: Decimal,
    currency: str,
    locale: str,
) -> list[Line]:
    base = {
        "item": item,
        "source": o["code"],
        "quantity": quantity,
        "tax_rate": tax_rate,
        "currency": currency,
    }
    lines: dict[str, Line] = {}
    for price in o["prices"]:
        if price["type"] == "usage":
            continue
        unit = Decimal(price["amount"])
        name, names = _texts(price, locale)
        lines[price["code"]] = make_line(
            **base,
            code=price["code"],
            kind="price",
            name=name,
            names=names,
            charge=price["type"],
            unit_net=unit,
            net=q(unit * quantity, currency),
        )
    out = list(lines.values())
    for feature in o["features"]:
        if feature.get("monthly") is not None and features.get(feature["code"], False):
            unit = Decimal(feature["monthly"])
            name, names = _texts(feature, locale)
            out.append(
                make_line(
                    **base,
                    code=feature["code"],
                    kind="feature",
                    name=name,
                    names=names,
                    charge=RECURRING,
                    unit_net=unit,
                    net=q(unit * quantity, currency),
                )
            )
    for discount in o["discounts"]:
        name, names = _texts(discount, locale)
        common = {"code": discount["code"], "name": name, "names": names}
        if discount.get("percent") is not None:
            target = lines[discount["price"]]
            percent = Decimal(discount["percent"])
            out.append(
                discount_line(
                    target,
                    percent=percent,
                    months=discount.get("months"),
                    currency=currency,
                    **common,
                )
            )
        else:
            unit = -Decimal(discount["amount"])
            out.append(
                make_line(
                    **base,
                    **common,
                    kind="discount",
                    charge=discount["charge"],
                    unit_net=unit,
                    net=q(unit * quantity, currency),
                    months=discount.get("months"),
                )
            )
    return out


def item_lines(
    *,
    item: int,
    offerings: Iterable[Mapping[str, Any]],
    features: Mapping[str, bool],
    quantity: int,
    tax_rate: Decimal,
    currency: str,
    locale: str,
) -> list[Line]:
    """Full-month and one-time lines of one cart item: plan(s), bundle, add-ons, in order."""
    out: list[Line] = []
    for o in offerings:
        out += _offering_lines(
            o,
            item=item,
            features=features,
            quantity=quantity,
            tax_rate=tax_rate,
            currency=currency,
            locale=locale,
        )
    return out


def item_usage_rates(
    *,
    item: int,
    offerings: Iterable[Mapping[str, Any]],
    unit_taxes: Iterable[Mapping[str, Any]],
    tax_rate: Decimal,
    locale: str,
) -> list[dict[str, Any]]:
    """Per-unit prices (and per-unit taxes) that apply to what the customer will use."""
    out = []
    kinds = set()
    for o in offerings:
        kinds.add(o["kind"])
        for price in o["prices"]:
            if price["type"] != "usage":
                continue
            name, names = _texts(price, locale)
            out.append(
                usage_rate(
                    item=item,
                    source=o["code"],
                    code=price["code"],
                    kind="price",
                    name=name,
                    names=names,
                    unit=price["unit"],
                    window=price.get("window"),
                    indexed=price.get("indexed"),
                    unit_net=Decimal(price["amount"]),
                    tax_rate=tax_rate,
                )
            )
    for tax in unit_taxes:
        if kinds & set(tax["kinds"]):
            name, names = _texts(tax, locale)
            out.append(
                usage_rate(
                    item=item,
                    source="tax",
                    code=tax["code"],
                    kind="tax",
                    name=name,
                    names=names,
                    unit=tax["unit"],
                    window=None,
                    indexed=None,
                    unit_net=Decimal(tax["amount"]),
                    tax_rate=tax_rate,
                )
            )
    return out
