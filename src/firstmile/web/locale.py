"""The page's locale and locale-aware formatting (Babel).

The locale is, in order: `?lang=` (remembered in a cookie), the cookie, the signed-in
customer's language, the browser's Accept-Language, English.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal, format_percent
from starlette.requests import Request

from firstmile.kit.i18n import (
    DEFAULT_LOCALE,
    SUPPORTED_LOCALES,
    is_rtl,
    language_of,
)
from firstmile.kit.money import format_money

COOKIE = "fm_lang"
NAMES = {loc: Locale.parse(loc).get_display_name(loc) or loc for loc in SUPPORTED_LOCALES}


def supported(value: str | None) -> str | None:
    if not value:
        return None
    language = language_of(value)
    return language if language in SUPPORTED_LOCALES else None


def from_accept_language(header: str) -> str | None:
    ranked: list[tuple[float, str]] = []
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if supported(tag):
            ranked.append((quality, language_of(tag)))
    ranked.sort(key=lambda item: -item[0])
    return ranked[0][1] if ranked and ranked[0][0] > 0 else None


def choose(request: Request, customer_language: str | None = None) -> str:
    return (
        supported(request.query_params.get("lang"))
        or supported(request.cookies.get(COOKIE))
        or supported(customer_language)
        or from_accept_language(request.headers.get("accept-language", ""))
        or DEFAULT_LOCALE
    )


class Formats:
    """Formatting for one locale and time zone, handed to templates as `fmt`."""

    def __init__(self, locale: str, time_zone: str = "UTC") -> None:
        self.locale = locale
        self.rtl = is_rtl(locale)
        try:
            self.tz = ZoneInfo(time_zone)
        except (KeyError, ValueError):
            self.tz = ZoneInfo("UTC")

    def money(self, amount: Decimal | str | int, currency: str) -> str:
        return format_money(Decimal(str(amount)), currency, self.locale)

    def unit_price(self, amount: Decimal | str, currency: str) -> str:
        """A usage rate with every significant decimal and no more: `money` would round
        1.036 to 1.04; 0.1210 CZK per MB shows as 0.121 (at least the currency's digits)."""
        return format_money(Decimal(str(amount)), currency, self.locale, all_digits=True)

    def number(self, value: Decimal | float | int) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, value: Decimal | float) -> str:
        return format_percent(value, locale=self.locale)

    def date(self, value: dt.date | dt.datetime | None, style: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, format=style, locale=self.locale)

    def datetime(self, value: dt.datetime | None, style: str = "medium") -> str:
        if value is None:
            return ""
        return format_datetime(value, format=style, tzinfo=self.tz, locale=self.locale)

    def time(self, value: dt.datetime | None, style: str = "short") -> str:
        if value is None:
            return ""
        return format_time(value, format=style, tzinfo=self.tz, locale=self.locale)
