"""Locales, right-to-left layout, and translated text.

Code strings go through gettext catalogs (`src/firstmile/locale/<lang>/LC_MESSAGES/*.po`,
read directly with Babel, no compile step). Pack texts are mappings locale -> text and are
picked with the same fallback rule: exact locale -> language -> the pack default -> English.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.support import Translations

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "ja", "cs", "sv", "ar")
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
DEFAULT_LOCALE = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def later(text: str) -> str:
    """Marks a text for translation where it is shown, not here (module-level messages):
    imported as `_` so that the catalogue's extraction finds it."""
    return text


def language_of(locale: str) -> str:
    return locale.replace("-", "_").split("_", 1)[0].lower()


@cache
def cldr_locale(tag: str) -> Locale:
    """The CLDR locale of a tag ("cs", "en-GB"); its language where CLDR lacks the region."""
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(language_of(tag))


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


PluralForms = tuple[Callable[[int], int], Mapping[str, tuple[str, ...]]]


@cache
def _catalogs(language: str) -> tuple[Catalog, ...]:
    """The language's catalogs, each area's (messaging, portal, back office) its own file,
    so their texts can be edited without touching each other."""
    catalogs = []
    for po in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            catalogs.append(read_po(fh, locale=language))
    return tuple(catalogs)


@cache
def plural_forms(locale: str) -> PluralForms:
    """The language's plural rule (its catalogs' Plural-Forms header: English and Swedish
    two forms, Czech three, Arabic six, Japanese one) and every text translated in all its
    forms, by singular msgid; one missing a form is left out (English is used)."""
    rule: Callable[[int], int] = gettext.c2py("(n != 1)")
    forms: dict[str, tuple[str, ...]] = {}
    for catalog in _catalogs(language_of(locale)):
        rule = gettext.c2py(catalog.plural_expr)  # the same header in each of them
        for message in catalog:
            strings = message.string
            if (
                message.pluralizable
                and not message.fuzzy
                and isinstance(strings, tuple | list)
                and len(strings) == catalog.num_plurals
                and all(strings)
            ):
                forms[message.id[0]] = tuple(strings)
    return rule, forms


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """Every catalog of the language merged, plural forms included (`ngettext` picks the
    form by the language's rule)."""
    language = language_of(locale)
    result = Translations(domain="firstmile")
    for catalog in _catalogs(language):
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                key = message.id if isinstance(message.id, str) else message.id[0]
                value = message.string if isinstance(message.string, str) else message.string[0]
                result._catalog[key] = value
    rule, forms = plural_forms(language)
    result.plural = lambda n: rule(int(n))  # Babel types it for any number
    for singular, strings in forms.items():
        for index, text in enumerate(strings):
            result._catalog[(singular, index)] = text
    return result


def gettext_for(locale: str) -> gettext.NullTranslations:
    return translations(language_of(locale))
