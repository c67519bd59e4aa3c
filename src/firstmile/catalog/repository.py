"""Every catalog query."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Integer, cast, delete, select

from firstmile.catalog.models import CatalogRelease, CoverageEntry, GridArea, Offering, Quote
from firstmile.customers.models import Account
from firstmile.kit.db import Session


def current_release(db: Session) -> CatalogRelease | None:
    return db.scalar(select(CatalogRelease).order_by(CatalogRelease.loaded_at.desc()).limit(1))


def offering_by_code(db: Session, code: str, *, active_only: bool = True) -> Offering | None:
    stmt = select(Offering).where(Offering.code == code)
    if active_only:
        stmt = stmt.where(Offering.active.is_(True))
    return db.scalar(stmt)


def offerings_by_codes(db: Session, codes: Iterable[str]) -> dict[str, Offering]:
    rows = db.scalars(select(Offering).where(Offering.code.in_(list(codes))))
    return {row.code: row for row in rows}


def active_offerings(db: Session, *, role: str | None = None) -> list[Offering]:
    stmt = select(Offering).where(Offering.active.is_(True))
    if role is not None:
        stmt = stmt.where(Offering.role == role)
    return list(db.scalars(stmt.order_by(Offering.position, Offering.code)))


def all_offerings(db: Session) -> list[Offering]:
    return list(db.scalars(select(Offering)))


def replace_coverage(db: Session, rows: list[CoverageEntry]) -> None:
    db.execute(delete(CoverageEntry))
    db.add_all(rows)


def replace_grid_areas(db: Session, rows: list[GridArea]) -> None:
    db.execute(delete(GridArea))
    db.add_all(rows)


def coverage_at(db: Session, country: str, postcode: str) -> list[CoverageEntry]:
    stmt = select(CoverageEntry).where(
        CoverageEntry.country == country, CoverageEntry.postcode == postcode
    )
    return list(db.scalars(stmt))


def grid_area_for(db: Session, country: str, postcode: int) -> GridArea | None:
    """The grid area whose postcode range holds `postcode`, compared as numbers (the pack's
    ranges are digits only)."""
    stmt = select(GridArea).where(
        GridArea.country == country,
        cast(GridArea.postcode_from, Integer) <= postcode,
        cast(GridArea.postcode_to, Integer) >= postcode,
    )
    return db.scalar(stmt.limit(1))


def find_account(db: Session, account_id: str) -> Account | None:
    """Read-only look-up of a customers-domain account."""
    return db.get(Account, account_id)


def find_quote(db: Session, quote_id: str, *, for_update: bool = False) -> Quote | None:
    stmt = select(Quote).where(Quote.id == quote_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.scalar(stmt)
