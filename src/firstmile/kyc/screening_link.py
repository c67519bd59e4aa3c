"""Where verification meets screening: one call per name, open hits as reasons."""

from __future__ import annotations

from datetime import date
from typing import Any

from firstmile.auth.scopes import Actor
from firstmile.kit.db import Session


def screen(
    db: Session,
    customer_id: str,
    name: str,
    birth_date: date | None,
    country: str | None,
    schema: str,
    *,
    subject: str = "customer",
) -> list[str]:
    """The hits that stand for `name`, open or confirmed (a false positive already decided
    does not come back until its list entry changes), each described for the reviewer:
    which list entry, how strongly, why."""
    from firstmile.kyc.screening import service as screening

    if not name.strip():
        return []
    hits = screening.screen_customer(
        db,
        customer_id,
        name=name,
        birth_date=birth_date,
        nationality=country,
        schema=schema,
        subject=subject,
    )
    return [screening.describe(hit) for hit in hits]


def alpha2(icao_code: str | None) -> str | None:
    """An MRZ nationality (ICAO three letters, Germany D) as the ISO two letters the lists use."""
    from firstmile.kyc.mrz.codes import nationality_name
    from firstmile.kyc.screening.countries import iso_code

    name = nationality_name(icao_code) if icao_code else None
    return iso_code(name) if name else None


def after_load(db: Session, load_result: Any, *, actor: Actor) -> list[Any]:
    """Re-screen the customers screened before against what a list load added or changed;
    each customer with a new hit gets a review case (one per customer, with every hit)."""
    from firstmile.kyc.screening import service as screening

    return open_cases(db, screening.rescreen_after_load(db, load_result), actor=actor)


def open_cases(db: Session, new_hits: list[Any], *, actor: Actor) -> list[Any]:
    """A review case per customer with new hits, every hit a reason."""
    from firstmile.kyc import service as kyc_service
    from firstmile.kyc.screening import service as screening

    by_customer: dict[str, list[str]] = {}
    for hit in new_hits:
        by_customer.setdefault(hit.customer_id, []).append(screening.describe(hit))
    return [
        kyc_service.open_screening_case(db, customer_id, reasons, actor=actor)
        for customer_id, reasons in sorted(by_customer.items())
    ]
