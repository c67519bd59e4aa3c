"""Personalised offers: the pack's rules fill a template's offer slots per customer.

A template that names `offer_slots` (e.g. [offer_name, monthly_price]) gets their values
from the pack's `offers.yaml` unless the sender gives them: the first offer, by priority,
whose condition holds for the customer and which fills every missing slot. Conditions are
in the expression language and see what segments see (facts.py): the customer with their
accounts (the household) and products (the plan), `now`, and counts of their events
(usage reported as events). Slot values are text or {locale: text}.

    offers:
      - code: mobile_upgrade
        priority: 10
        when: customer.products.exists(p, p.offering == "mobile-10gb" && p.status == "active")
        slots:
          offer_name: {en: Mobile 30 GB, cs: Mobil 30 GB, ...}
          monthly_price: "499 Kč"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from firstmile.kit.db import Session
from firstmile.kit.expressions import CompileError, EvaluationError
from firstmile.kit.i18n import fallback_chain, is_supported
from firstmile.kit.time import utcnow
from firstmile.messaging.models import OfferRule
from firstmile.messaging.segments import facts as facts_module
from firstmile.messaging.segments.service import program
from firstmile.packs import loader as packs
from firstmile.packs.loader import PackMeta, Section, section
from firstmile.packs.yamlfile import LoadedYaml, PackIssue

SlotValue = str | dict[str, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OfferDefinition(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    priority: int = Field(default=0, ge=-1000, le=1000)
    when: str = Field(default="true", min_length=1, max_length=4000)
    slots: dict[str, SlotValue] = Field(min_length=1)


class OffersFile(_Strict):
    offers: list[OfferDefinition]


@dataclass(frozen=True, slots=True)
class ChosenOffer:
    code: str
    values: dict[str, str]


def choose(
    db: Session, customer_id: str, needed: list[str], locale: str, default_locale: str
) -> ChosenOffer | None:
    """The customer's offer for the `needed` slots, in their locale; None when none fits."""
    rules = list(
        db.scalars(
            select(OfferRule)
            .where(OfferRule.pack == packs.current_meta(db).code)
            .order_by(OfferRule.priority.desc(), OfferRule.position)
        )
    )
    candidates = [r for r in rules if all(slot in r.slots for slot in needed)]
    if not candidates:
        return None
    facts = facts_module.load(db, customer_id, utcnow())
    if facts is None:
        return None
    for rule in candidates:
        try:
            if not program(rule.condition).test(facts.activation()):
                continue
        except EvaluationError:
            continue
        values = {slot: _localised(rule.slots[slot], locale, default_locale) for slot in needed}
        return ChosenOffer(rule.code, values)
    return None


def _localised(value: Any, locale: str, default_locale: str) -> str:
    if isinstance(value, str):
        return value
    for candidate in fallback_chain(locale, default_locale):
        if candidate in value:
            return str(value[candidate])
    return str(next(iter(value.values())))


# -- the pack section -------------------------------------------------------------------------


def _check(meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> list[PackIssue]:
    issues: list[PackIssue] = []
    for loaded, model in parts:
        issues.extend(_check_file(meta, loaded, model))
    return issues


def _check_file(meta: PackMeta, loaded: LoadedYaml, model: OffersFile) -> list[PackIssue]:
    issues: list[PackIssue] = []

    def issue(loc: tuple[str | int, ...], message: str) -> None:
        where = ".".join(map(str, loc))
        issues.append(PackIssue(loaded.path.name, loaded.line_of(loc), where, message))

    codes: set[str] = set()
    for i, offer in enumerate(model.offers):
        if offer.code in codes:
            issue(("offers", i, "code"), "the code is used twice")
        codes.add(offer.code)
        try:
            facts_module.ENVIRONMENT.compile(offer.when)
        except CompileError as exc:
            issue(("offers", i, "when"), f"{exc.message} (column {exc.column})")
        for slot, value in offer.slots.items():
            if not isinstance(value, dict):
                continue
            unknown = [k for k in value if not is_supported(k)]
            missing = [m for m in meta.locales if not any(k.startswith(m) for k in value)]
            if unknown:
                issue(("offers", i, "slots", slot), f"unsupported locale(s): {', '.join(unknown)}")
            elif missing:
                issue(
                    ("offers", i, "slots", slot), f"text missing in locale(s): {', '.join(missing)}"
                )
    return issues


def _store(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    for row in db.scalars(select(OfferRule).where(OfferRule.pack == meta.code)):
        db.delete(row)
    db.flush()
    position = 0
    for _loaded, model in parts:
        for offer in model.offers:
            db.add(
                OfferRule(
                    pack=meta.code,
                    code=offer.code,
                    priority=offer.priority,
                    position=position,
                    condition=offer.when,
                    slots=offer.model_dump(mode="json")["slots"],
                )
            )
            position += 1
    db.flush()


def check_slots(content: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    """The template's offer slots that `data` leaves open."""
    return [slot for slot in content.get("offer_slots", []) if slot not in data]


section(
    Section(
        name="offers",
        pattern="offers.yaml",
        model=OffersFile,
        store=_store,
        check=_check,
        required=False,
        order=95,
    )
)
