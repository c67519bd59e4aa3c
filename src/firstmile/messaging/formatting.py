"""What pack texts get besides plain Jinja2: money and plural forms in the text's locale, and
one repair of punctuation. Each text renders in one locale (templates.choose_locale), so the
filters are bound to it and a text never names its locale.

    {{ monthly_price | money }}              {"amount": "398.09", "currency": "CZK"}
    {{ amount | money(currency) }}           an amount, and an ISO 4217 code beside it
    {{ minutes | plural(one="# minute", other="# minutes") }}

`money` formats as every page and document does (`kit.money.format_money`: CLDR, rounded
half up to the currency's digits, with CLDR's currency spacing): amounts
are Decimals, integers or decimal strings, never floats. It also takes the "398.0900 CZK"
string that journeys sent before amounts were structured data: an instance keeps the
journey version it started on, so a running one still sends that form.

`plural` picks the form for the count by the locale's CLDR plural rules; `#` in the form is
the count written in the locale. A text gives exactly the categories its language has
(English one/other, Czech one/few/many/other, Arabic zero/one/two/few/many/other, Japanese
other), so a missing form shows when the pack is loaded, not with an unusual count.

A value that ends with a full stop ("Firstmile Telco s.r.o.") written right before the
text's own full stop would print two; the text's one is dropped then (`FullStopAfterValue`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from babel.numbers import (
    format_decimal,
)
from jinja2 import TemplateRuntimeError
from jinja2.ext import Extension
from jinja2.lexer import (
    TOKEN_DATA,
    TOKEN_LPAREN,
    TOKEN_NAME,
    TOKEN_PIPE,
    TOKEN_RPAREN,
    TOKEN_VARIABLE_BEGIN,
    TOKEN_VARIABLE_END,
    Token,
    TokenStream,
)
from markupsafe import soft_str

from firstmile.kit.i18n import cldr_locale
from firstmile.kit.money import format_money

CATEGORIES = ("zero", "one", "two", "few", "many", "other")
CURRENCY = re.compile(r"[A-Z]{3}")
LEGACY_MONEY = re.compile(r"(-?\d+(?:\.\d+)?) ([A-Z]{3})")
FULL_STOP_FILTER = "_then_full_stop"


class BadValue(ValueError):
    """The data a filter got cannot be formatted; the message says what was expected."""


def filters(locale: str) -> dict[str, Callable[..., str]]:
    """The filters of the texts of `locale`."""
    return {
        "money": partial(money, locale),
        "plural": partial(plural, locale),
        FULL_STOP_FILTER: then_full_stop,
    }


# -- money --------------------------------------------------------------------------------


def money(locale: str, value: Any, currency: str | None = None) -> str:
    """`value` in `locale`: a {"amount", "currency"} mapping, an amount with `currency`, or
    the legacy "<amount> <currency>" string."""
    amount, code = _money_parts(value, currency)
    return format_money(amount, code, locale)


def _money_parts(value: Any, currency: str | None) -> tuple[Decimal, str]:
    if isinstance(value, Mapping):
        if currency is not None:
            raise BadValue("money: the amount already names its currency")
        if "amount" not in value or "currency" not in value:
            raise BadValue("money: a mapping needs an amount and a currency")
        return decimal_of(value["amount"], "money"), _currency(value["currency"])
    if currency is None:
        legacy = LEGACY_MONEY.fullmatch(value) if isinstance(value, str) else None
        if legacy is None:
            raise BadValue(f"money: no currency for the amount {value!r}")
        return Decimal(legacy[1]), legacy[2]
    return decimal_of(value, "money"), _currency(currency)


def _currency(code: Any) -> str:
    if not isinstance(code, str) or not CURRENCY.fullmatch(code):
        raise BadValue(f"money: {code!r} is not an ISO 4217 currency code")
    return code


def decimal_of(value: Any, name: str) -> Decimal:
    """A Decimal from a Decimal, an int or a decimal string; floats are refused (binary
    fractions are not amounts)."""
    if isinstance(value, float):
        raise BadValue(f"{name}: {value!r} must be a decimal string or an integer, not a float")
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise BadValue(f"{name}: {value!r} is not a number") from None
    else:
        raise BadValue(f"{name}: {value!r} is not a number")
    if not number.is_finite():
        raise BadValue(f"{name}: {value!r} is not a number")
    return number


# -- plural forms -------------------------------------------------------------------------


def plural(locale: str, count: Any, **forms: str) -> str:
    """The form of `forms` (keyed by CLDR category) for `count`, with `#` as the count."""
    number: int | Decimal = count if _is_int(count) else decimal_of(count, "plural")
    rules = cldr_locale(locale).plural_form
    needed = set(rules.tags) | {"other"}
    if set(forms) != needed:
        unknown = sorted(set(forms) - set(CATEGORIES))
        if unknown:
            raise TemplateRuntimeError(
                f"plural: unknown categories {', '.join(unknown)} "
                f"(CLDR has {', '.join(CATEGORIES)})"
            )
        wanted = ", ".join(c for c in CATEGORIES if c in needed)
        raise TemplateRuntimeError(f"plural: the {locale} text needs exactly the forms {wanted}")
    form = forms[rules(number)]
    return form.replace("#", format_decimal(number, locale=cldr_locale(locale)))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- a full stop after a value ------------------------------------------------------------


def then_full_stop(value: Any) -> str:
    """`value` and a full stop, unless it ends with one already."""
    text: str = soft_str(value)
    return text if text.endswith(".") else text + "."


class FullStopAfterValue(Extension):
    """Rewrites `{{ expr }}.` to `{{ (expr) | _then_full_stop }}`: the text's full stop is
    printed only when the value does not end with one ("s.r.o." then ends the sentence)."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        expression: list[Token] | None = None  # the tokens of an open {{ ... }}
        closed: list[Token] | None = None  # a {{ ... }} waiting to see what follows it
        for token in stream:
            current: Token | None = token
            if closed is not None:
                if token.type == TOKEN_DATA and token.value.startswith("."):
                    yield from _absorbing(closed)
                    rest = token.value[1:]
                    current = Token(token.lineno, TOKEN_DATA, rest) if rest else None
                else:
                    yield from closed
                closed = None
            if current is None:
                continue
            if expression is not None:
                expression.append(current)
                if current.type == TOKEN_VARIABLE_END:
                    closed, expression = expression, None
            elif current.type == TOKEN_VARIABLE_BEGIN:
                expression = [current]
            else:
                yield current
        if closed is not None:
            yield from closed


def _absorbing(tokens: list[Token]) -> list[Token]:
    begin, *inner, end = tokens
    line = end.lineno
    return [
        begin,
        Token(begin.lineno, TOKEN_LPAREN, "("),
        *inner,
        Token(line, TOKEN_RPAREN, ")"),
        Token(line, TOKEN_PIPE, "|"),
        Token(line, TOKEN_NAME, FULL_STOP_FILTER),
        end,
    ]
