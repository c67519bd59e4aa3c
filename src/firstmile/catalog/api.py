"""JSON routes: offerings, eligibility and quotes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from firstmile.catalog import service
from firstmile.catalog.models import Quote
from firstmile.catalog.schemas import (
    EligibilityCheck,
    EligibilityRead,
    OfferingRead,
    QuoteCreate,
    QuoteRead,
)
from firstmile.kit.errors import InvalidInput
from firstmile.kit.http import AnyActor, Db, TxRoute
from firstmile.kit.i18n import is_supported, language_of

router = APIRouter(prefix="/api", tags=["catalog"], route_class=TxRoute)

Locale = Annotated[str, Query(max_length=20, description="en, ja, cs, sv or ar")]


def _locale(locale: str) -> str:
    if not is_supported(locale):
        raise InvalidInput(f"unsupported locale {locale!r}", field="locale")
    return language_of(locale)


def _quote_read(quote: Quote) -> QuoteRead:
    read = QuoteRead.model_validate(quote)
    return read.model_copy(update={"status": service.quote_status(quote)})


@router.get("/offerings", response_model=list[OfferingRead])
def list_offerings(db: Db, _actor: AnyActor, locale: Locale = "en") -> list[OfferingRead]:
    lang = _locale(locale)
    return [service.describe(db, row, locale=lang) for row in service.offerings(db)]


@router.get("/offerings/{code}", response_model=OfferingRead)
def read_offering(code: str, db: Db, _actor: AnyActor, locale: Locale = "en") -> OfferingRead:
    lang = _locale(locale)
    return service.describe(db, service.offering(db, code), locale=lang)


@router.post("/eligibility", response_model=EligibilityRead)
def check_eligibility(body: EligibilityCheck, db: Db, _actor: AnyActor) -> EligibilityRead:
    result = service.check_eligibility(
        db, offering_code=body.offering, customer_kind=body.customer_kind, address=body.address
    )
    return EligibilityRead(
        offering=result.offering,
        eligible=result.eligible,
        reasons=result.reasons,
        technology=result.technology,
        max_down_mbps=result.max_down_mbps,
        grid_area=result.grid_area,
        supply_point=result.supply_point,
    )


@router.post("/quotes", response_model=QuoteRead, status_code=201)
def create_quote(body: QuoteCreate, db: Db, actor: AnyActor) -> QuoteRead:
    return _quote_read(service.create_quote(db, body, actor=actor))


@router.get("/quotes/{quote_id}", response_model=QuoteRead)
def read_quote(quote_id: str, db: Db, _actor: AnyActor) -> QuoteRead:
    return _quote_read(service.get_quote(db, quote_id))
