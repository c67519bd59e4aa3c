"""Locales, right-to-left layout, and translated text.

Code strings go through gettext catalogs (`src/firstmile/locale/<lang>/LC_MESSAGES/*.po`,
read directly with Babel, no compile step). Pack texts are mappings locale -> text and are
picked with the same fallback rule: exact locale -> language -> the pack default -> English.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import Translations

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "ja", "cs", "sv", "ar")
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
DEFAULT_LOCALE = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def language_of(locale: str) -> str:
    return locale.replace("-", "_").split("_", 1)[0].lower()


def is_rtl(locale: str) -> bool:
    return language_of(locale) in RTL_LANGUAGES


def is_supported(locale: str) -> bool:
    return language_of(locale) in SUPPORTED_LOCALES


def fallback_chain(locale: str, default: str = DEFAULT_LOCALE) -> list[str]:
    chain = [locale, language_of(locale), default, DEFAULT_LOCALE]
    seen: list[str] = []
    for item in chain:
        if item and item not in seen:
            seen.append(item)
    return seen


def pick(texts: Mapping[str, str], locale: str, default: str = DEFAULT_LOCALE) -> str:
    """The text for `locale` with the standard fallback; '' only if the mapping is empty."""
    for candidate in fallback_chain(locale, default):
        if candidate in texts:
            return texts[candidate]
    return next(iter(texts.values()), "")


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """Every catalog of the language merged: each area (messaging, portal, back office)
    keeps its own .po file, so their texts can be edited without touching each other."""
    folder = LOCALE_DIR / language_of(locale) / "LC_MESSAGES"
    result = Translations(domain="firstmile")
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language_of(locale))
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                key = message.id if isinstance(message.id, str) else message.id[0]
                value = message.string if isinstance(message.string, str) else message.string[0]
                result._catalog[key] = value
    return result


def gettext_for(locale: str) -> gettext.NullTranslations:
    return translations(language_of(locale))
