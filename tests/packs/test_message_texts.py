"""The shipped packs' message texts as customers read them, in all five languages: prices in
the locale's format, counts with the language's plural forms, one full stop after the
operator's name, no contract id in the signing code message."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from firstmile.kit.i18n import SUPPORTED_LOCALES
from firstmile.messaging import templates
from firstmile.messaging.channels.sms.encoding import GSM7, encoding_for
from firstmile.messaging.pack import SAMPLE_LINKS
from firstmile.packs import loader

NBSP, RLM = "\u00a0", "\u200f"
PRICE = {"amount": "398.0900", "currency": "CZK"}  # what the journey passes for a 398.09 order
CZK = {
    "en": f"CZK{NBSP}398.09",
    "ja": f"CZK{NBSP}398.09",
    "cs": f"398,09{NBSP}Kč",
    "sv": f"398,09{NBSP}CZK",
    "ar": f"{RLM}398.09{NBSP}CZK",
}
PRICED = ["order_received", "abandoned_order_offer", "first_bill_explained"]
CODES = ["contact_verification", "portal_login", "contract_signature"]


@cache
def _pack(code: str) -> loader.ValidatedPack:
    return loader.validate(code)


def _contents(code: str) -> dict[str, dict[str, Any]]:
    parts = _pack(code).parts["messages"]
    return {loaded.path.stem: model.content() for loaded, model in parts}


def _channels(content: dict[str, Any]) -> list[str]:
    return [c for c in templates.CHANNEL_PARTS if c in content["channels"]]


def _uses(content: dict[str, Any], channel: str, name: str) -> bool:
    parts = content["channels"][channel].values()
    return any(name in text for part in parts if isinstance(part, dict) for text in part.values())


def _render(
    code: str, purpose: str, channel: str, locale: str, data: dict[str, Any] | None = None
) -> templates.RenderedMessage:
    meta, content = _pack(code).meta, _contents(code)[purpose]
    return templates.render_content(
        content,
        purpose=purpose,
        version=1,
        channel=channel,
        locale=locale,
        data=content["sample_data"] if data is None else data,
        default_locale=meta.default_locale,
        operator={"name": meta.name, **meta.operator},
        links=SAMPLE_LINKS,
    )


# -- prices -------------------------------------------------------------------------------

ORDER_RECEIVED = {
    "en": "thank you for your order with Firstmile Telco s.r.o. Your new services will cost "
    f"CZK{NBSP}398.09 a month.",
    "ja": f"新しいサービスの月額料金はCZK{NBSP}398.09です。",
    "cs": "děkujeme za vaši objednávku u Firstmile Telco s.r.o. Nové služby vás budou stát "
    f"398,09{NBSP}Kč měsíčně.",
    "sv": "tack för din beställning hos Firstmile Telco s.r.o. Dina nya tjänster kostar "
    f"398,09{NBSP}CZK i månaden.",
    "ar": f"شكرًا لطلبك من Firstmile Telco s.r.o. ستكلّفك خدماتك الجديدة {RLM}398.09{NBSP}CZK شهريًا.",
}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_order_received_writes_the_price_the_customers_way(locale: str) -> None:
    email = _render("telco", "order_received", "email", locale, {"monthly_price": PRICE})
    assert ORDER_RECEIVED[locale] in email.text
    assert "398.0900" not in email.text


@pytest.mark.parametrize("code", ["telco", "energy"])
@pytest.mark.parametrize("purpose", PRICED)
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_priced_text_formats_the_amount(code: str, purpose: str, locale: str) -> None:
    content = _contents(code)[purpose]
    for channel in _channels(content):
        rendered = _render(code, purpose, channel, locale, {"monthly_price": PRICE})
        price = CZK[locale].replace(NBSP, " ") if channel == "sms" else CZK[locale]
        shown = rendered.subject + rendered.text
        assert (price in shown) == _uses(content, channel, "monthly_price"), channel
        assert "398.0900" not in shown


def test_a_price_in_an_sms_keeps_it_in_the_gsm_alphabet() -> None:
    """A no-break space is not in GSM 03.38: one would make the SMS UCS-2 (70 a segment)."""
    sms = _render("telco", "order_received", "sms", "en", {"monthly_price": PRICE})
    assert sms.text.startswith(
        "Firstmile Telco s.r.o.: thank you for your order (CZK 398.09 a month)."
    )
    assert encoding_for(sms.text) == GSM7


def test_a_journey_started_before_the_change_still_gets_its_price_written() -> None:
    """Running instances keep their journey version, which sent "398.0900 CZK"."""
    email = _render("telco", "order_received", "email", "cs", {"monthly_price": "398.0900 CZK"})
    assert ORDER_RECEIVED["cs"] in email.text


# -- counts -------------------------------------------------------------------------------

VALID_FOR = {
    "en": {1: "It is valid for 1 minute.", 10: "It is valid for 10 minutes."},
    "ja": {1: "有効期間は1分です。", 10: "有効期間は10分です。"},
    "cs": {1: "Platí 1 minutu.", 3: "Platí 3 minuty.", 10: "Platí 10 minut."},
    "sv": {1: "Den gäller i 1 minut.", 10: "Den gäller i 10 minuter."},
    "ar": {
        1: "صالح لمدة دقيقة واحدة.",
        2: "صالح لمدة دقيقتين.",
        10: "صالح لمدة 10 دقائق.",
        15: "صالح لمدة 15 دقيقة.",
    },
}


@pytest.mark.parametrize("code", ["telco", "energy"])
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_signing_code_email_counts_minutes_in_the_language(code: str, locale: str) -> None:
    for minutes, expected in VALID_FOR[locale].items():
        data = {"code": "955144", "minutes": minutes}
        assert expected in _render(code, "contract_signature", "email", locale, data).text


SMS_VALID_FOR = {
    "en": ("Valid for 1 minute.", "Valid for 10 minutes."),
    "ja": ("1 分間有効です。", "10 分間有効です。"),
    "cs": ("Platí 1 minutu.", "Platí 10 minut."),
    "sv": ("Gäller i 1 minut.", "Gäller i 10 minuter."),
    "ar": ("صالح لمدة دقيقة واحدة.", "صالح لمدة 10 دقائق."),
}


@pytest.mark.parametrize("purpose", ["contact_verification", "portal_login"])
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_code_texts_count_minutes_in_the_language(purpose: str, locale: str) -> None:
    one, ten = SMS_VALID_FOR[locale]
    assert one in _render("telco", purpose, "sms", locale, {"code": "1", "minutes": 1}).text
    assert ten in _render("telco", purpose, "sms", locale, {"code": "1", "minutes": 10}).text


@pytest.mark.parametrize("code", ["telco", "energy"])
@pytest.mark.parametrize("purpose", CODES)
def test_no_code_text_writes_a_bare_count(code: str, purpose: str) -> None:
    """Every count goes through `plural`: "1 minutes" and "10 دقيقة" were the bugs."""
    content = _contents(code)[purpose]
    for channel in _channels(content):
        assert _uses(content, channel, "minutes | plural(")
        assert not _uses(content, channel, "{{ minutes }}")


# -- the contract's id, the operator's full stop ------------------------------------------


@pytest.mark.parametrize("code", ["telco", "energy"])
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_signing_code_message_does_not_show_the_contract_id(code: str, locale: str) -> None:
    contract_id = "c1c6c9ba-7e02-4b4e-9a3c-0d2f5e7b8a11"
    data = {"code": "955144", "minutes": 10, "contract_number": contract_id}
    for channel in ("email", "sms"):
        rendered = _render(code, "contract_signature", channel, locale, data)
        assert contract_id not in rendered.text
        assert "955144" in rendered.text
    english = _render(code, "contract_signature", "email", "en", data)
    assert english.text.startswith("Your code to sign your contract is 955144.")


@pytest.mark.parametrize("code", ["telco", "energy"])
def test_no_shipped_text_prints_two_full_stops(code: str) -> None:
    """Firstmile Telco s.r.o. ends with a full stop; the sentences that end with it do not
    add a second one."""
    for purpose, content in _contents(code).items():
        for channel in _channels(content):
            for locale in SUPPORTED_LOCALES:
                rendered = _render(code, purpose, channel, locale)
                for text in (rendered.subject, rendered.text, rendered.html or ""):
                    assert ".." not in text, (purpose, channel, locale)


@pytest.mark.parametrize("locale", ["en", "cs", "sv", "ar"])
def test_welcome_ends_the_sentence_with_the_operators_own_full_stop(locale: str) -> None:
    first = {
        "en": "thank you for choosing Firstmile Telco s.r.o. Your onboarding has started",
        "cs": "děkujeme, že jste si vybrali Firstmile Telco s.r.o. Zřízení vašich služeb začalo",
        "sv": "tack för att du valde Firstmile Telco s.r.o. Din anslutning har börjat",
        "ar": "شكرًا لاختيارك Firstmile Telco s.r.o. بدأت إجراءات اشتراكك",
    }
    assert first[locale] in _render("telco", "welcome", "email", locale).text
