"""What pack texts get besides Jinja2: money and plural forms in the text's locale, and no
double full stop after a value that ends with one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from firstmile.kit.errors import InvalidInput
from firstmile.kit.money import format_money
from firstmile.messaging.rendering import render_text

NBSP, RLM = "\u00a0", "\u200f"
PRICE = {"amount": "398.0900", "currency": "CZK"}
MINUTES = {
    "en": "{{ n | plural(one='# minute', other='# minutes') }}",
    "ja": "{{ n | plural(other='#分') }}",
    "cs": "{{ n | plural(one='# minuta', few='# minuty', many='# minuty', other='# minut') }}",
    "sv": "{{ n | plural(one='# minut', other='# minuter') }}",
    "ar": (
        "{{ n | plural(zero='# دقيقة', one='دقيقة واحدة', two='دقيقتان', few='# دقائق',"
        " many='# دقيقة', other='# دقيقة') }}"
    ),
}


def _render(source: str, locale: str, html: bool = False, **data: Any) -> str:
    return render_text(source, data, "email.text." + locale, locale=locale, html=html)


# -- money --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", f"CZK{NBSP}398.09"),
        ("ja", f"CZK{NBSP}398.09"),
        ("cs", f"398,09{NBSP}Kč"),
        ("sv", f"398,09{NBSP}CZK"),
        ("ar", f"{RLM}398.09{NBSP}CZK"),
    ],
)
def test_money_is_written_the_way_the_locale_writes_it(locale: str, expected: str) -> None:
    assert _render("{{ price | money }}", locale, price=PRICE) == expected


def test_money_takes_an_amount_and_a_currency_given_apart() -> None:
    text = "{{ amount | money(currency) }}"
    assert _render(text, "sv", amount=Decimal("49"), currency="SEK") == f"49,00{NBSP}kr"
    assert _render(text, "ja", amount=1200, currency="JPY") == "￥1,200"
    assert _render(text, "en", amount="1234567.5", currency="CZK") == f"CZK{NBSP}1,234,567.50"
    assert _render(text, "cs", amount="1234567.5", currency="CZK") == (
        f"1{NBSP}234{NBSP}567,50{NBSP}Kč"
    )


def test_money_reads_the_amount_string_journeys_sent_before() -> None:
    """An instance keeps its journey version: a running one still sends "398.0900 CZK"."""
    assert _render("{{ price | money }}", "cs", price="398.0900 CZK") == f"398,09{NBSP}Kč"


def test_money_rounds_half_up_to_the_currency_digits() -> None:
    assert format_money(Decimal("0.125"), "CZK", "en") == f"CZK{NBSP}0.13"
    assert format_money(Decimal("0.135"), "CZK", "en") == f"CZK{NBSP}0.14"
    assert format_money(Decimal("1500.5"), "JPY", "ja") == "￥1,501"


def test_a_symbol_is_not_spaced_from_the_amount() -> None:
    assert format_money(Decimal("5"), "USD", "en") == "$5.00"
    assert format_money(Decimal("5"), "EUR", "en") == "€5.00"


@pytest.mark.parametrize(
    "price",
    [
        398.09,
        {"amount": 398.09, "currency": "CZK"},
        {"amount": "398.09"},
        {"amount": "lots", "currency": "CZK"},
        {"amount": "398.09", "currency": "Kč"},
        "398.09",
        "NaN CZK",
    ],
)
def test_money_refuses_what_is_not_an_amount_with_a_currency(price: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        _render("{{ price | money }}", "en", price=price)
    assert caught.value.field == "data"
    assert caught.value.details["text"] == "email.text.en"


def test_money_escapes_nothing_it_should_not_in_html() -> None:
    assert _render("<p>{{ price | money }}</p>", "cs", html=True, price=PRICE) == (
        f"<p>398,09{NBSP}Kč</p>"
    )


# -- plural forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "counts"),
    [
        ("en", {1: "1 minute", 2: "2 minutes", 10: "10 minutes"}),
        ("ja", {1: "1分", 10: "10分"}),
        ("cs", {1: "1 minuta", 2: "2 minuty", 4: "4 minuty", 5: "5 minut", 10: "10 minut"}),
        ("sv", {1: "1 minut", 10: "10 minuter"}),
        (
            "ar",
            {
                0: "0 دقيقة",
                1: "دقيقة واحدة",
                2: "دقيقتان",
                3: "3 دقائق",
                10: "10 دقائق",
                11: "11 دقيقة",
                99: "99 دقيقة",
                100: "100 دقيقة",
                103: "103 دقائق",
            },
        ),
    ],
)
def test_plural_picks_the_form_by_the_locale_rules(locale: str, counts: dict[int, str]) -> None:
    for n, expected in counts.items():
        assert _render(MINUTES[locale], locale, n=n) == expected, n


def test_plural_writes_the_count_in_the_locale() -> None:
    assert _render(MINUTES["en"], "en", n=1000) == "1,000 minutes"
    assert _render(MINUTES["cs"], "cs", n=Decimal("1.5")) == "1,5 minuty"  # many
    assert _render(MINUTES["cs"], "cs", n="3") == "3 minuty"


@pytest.mark.parametrize(
    ("locale", "source", "message"),
    [
        ("en", "{{ n | plural(other='# minutes') }}", "needs exactly the forms one, other"),
        ("cs", MINUTES["en"], "needs exactly the forms one, few, many, other"),
        ("ja", MINUTES["en"], "needs exactly the forms other"),
        ("en", "{{ n | plural(one='#', other='#', plenty='#') }}", "unknown categories plenty"),
    ],
)
def test_plural_needs_exactly_the_forms_of_the_language(
    locale: str, source: str, message: str
) -> None:
    """Checked for every count, so loading the pack with its sample data shows it."""
    with pytest.raises(InvalidInput) as caught:
        _render(source, locale, n=5)
    assert caught.value.field == "email.text." + locale
    assert message in caught.value.message


def test_plural_refuses_a_count_that_is_not_a_number() -> None:
    with pytest.raises(InvalidInput) as caught:
        _render(MINUTES["en"], "en", n="ten")
    assert caught.value.field == "data"


def test_a_region_cldr_does_not_know_formats_as_its_language() -> None:
    assert _render(MINUTES["en"], "en-XX", n=1) == "1 minute"
    assert _render("{{ price | money }}", "cs-XX", price=PRICE) == f"398,09{NBSP}Kč"


# -- full stop ----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "cs", "sv", "ar"])
def test_a_name_ending_with_a_full_stop_ends_the_sentence_once(locale: str) -> None:
    text = "Thank you for choosing {{ operator.legal_name }}. Welcome."
    operator = {"legal_name": "Firstmile Telco s.r.o."}
    assert _render(text, locale, operator=operator) == (
        "Thank you for choosing Firstmile Telco s.r.o. Welcome."
    )
    assert _render(text, locale, operator={"legal_name": "Firstmile Energi AB"}) == (
        "Thank you for choosing Firstmile Energi AB. Welcome."
    )


def test_the_full_stop_rule_keeps_filters_escaping_and_the_rest_of_the_text() -> None:
    data = {"name": "s.r.o.", "tag": "<b>a.</b>."}
    assert _render("{{ name | upper }}.\n{{ name }}", "en", **data) == "S.R.O.\ns.r.o."
    assert _render("{{ name }}... and {{ name }}.x", "en", **data) == "s.r.o... and s.r.o.x"
    assert _render("{% if 1 %}{{ name }}.{% endif %}", "en", **data) == "s.r.o."
    assert _render("<p>{{ tag }}.</p>", "en", html=True, **data) == (
        "<p>&lt;b&gt;a.&lt;/b&gt;.</p>"
    )


def test_the_full_stop_rule_keeps_missing_data_an_error() -> None:
    with pytest.raises(InvalidInput) as caught:
        _render("Hello {{ name }}.", "en")
    assert caught.value.field == "data"
