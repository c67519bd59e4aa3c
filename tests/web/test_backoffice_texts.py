"""Every back-office text exists in Japanese, Czech, Swedish and Arabic, with the same
placeholders (the whole-web check in test_translations.py covers every area at once)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from firstmile.kit.i18n import translations
from tests.web.test_translations import python_texts, template_texts

WEB = Path(__file__).resolve().parents[2] / "src" / "firstmile" / "web"
SHELL = {"login.html", "totp.html", "base.html", "login.py"}  # the sign-in shell's own texts


def _texts() -> set[str]:
    """The singular texts (plural ones are checked form by form in test_translations.py)."""
    pages = (WEB / "templates" / "backoffice").glob("*.html")
    templates = [p for p in pages if p.name not in SHELL]
    modules = [p for p in (WEB / "backoffice").glob("*.py") if p.name not in SHELL]
    keys = [
        *(key for path in templates for key in template_texts(path)),
        *(key for path in modules for key in python_texts(path)),
    ]
    return {text for text, plural in keys if plural is None}


def test_the_back_office_has_texts() -> None:
    assert len(_texts()) > 300


@pytest.mark.parametrize("language", ["ja", "cs", "sv", "ar"])
def test_every_back_office_text_is_translated_with_its_placeholders(language: str) -> None:
    catalog = translations(language)._catalog  # type: ignore[attr-defined]
    missing = sorted(text for text in _texts() if not catalog.get(text))
    assert not missing, missing

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    wrong = sorted(t for t in _texts() if fields(catalog[t]) != fields(t))
    assert not wrong, wrong
