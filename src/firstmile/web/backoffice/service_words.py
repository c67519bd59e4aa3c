"""Products and services as the customer page shows them: offerings by their catalogue names
and a service's identifiers as labelled values (dates in the page's locale, a feature map as
each feature's name, on or off) instead of codes and raw mappings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from firstmile.catalog import service as catalog_service
from firstmile.kit.db import Session
from firstmile.kit.i18n import pick
from firstmile.web import locale as web_locale
from firstmile.web.backoffice import code_labels
from firstmile.web.backoffice.common import Translate

DATES = frozenset({"switch_date", "terminated_on"})


@dataclass(frozen=True)
class Identifier:
    label: str
    value: str
    code: bool  # a number or a code (read left to right), not words


@dataclass(frozen=True)
class CatalogueNames:
    """Offering and feature names of the catalogue on sale, in one locale; an add-on is
    named among the features too, as a service's feature map holds the add-ons it has."""

    offerings: dict[str, str]
    features: dict[str, str]

    def offering(self, code: str) -> str:
        return self.offerings.get(code, code)


def catalogue_names(db: Session, locale: str) -> CatalogueNames:
    offerings: dict[str, str] = {}
    features: dict[str, str] = {}
    for row in catalog_service.offerings(db):
        offerings[row.code] = pick(row.name, locale)
        for feature in row.features:
            features.setdefault(feature["code"], pick(feature["name"], locale))
    return CatalogueNames(offerings, offerings | features)


def identifiers(
    values: Mapping[str, Any], names: CatalogueNames, fmt: web_locale.Formats, _: Translate
) -> list[Identifier]:
    """A service's identifiers, each under its label (an unknown key under itself)."""
    labels = code_labels.service_identifiers(_)
    return [
        _identifier(labels.get(key, key), key, value, names, fmt, _)
        for key, value in values.items()
    ]


def _identifier(
    label: str, key: str, value: Any, names: CatalogueNames, fmt: web_locale.Formats, _: Translate
) -> Identifier:
    if isinstance(value, Mapping):
        switched = [
            f"{names.features.get(str(code), str(code))}: {_('on') if on else _('off')}"
            for code, on in value.items()
        ]
        return Identifier(label, ", ".join(switched), code=False)
    if isinstance(value, bool):
        return Identifier(label, _("Yes") if value else _("No"), code=False)
    if key in DATES and isinstance(value, str):
        try:
            return Identifier(label, fmt.date(date.fromisoformat(value)), code=False)
        except ValueError:
            pass
    return Identifier(label, str(value), code=True)
