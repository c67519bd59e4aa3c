"""Every back-office text exists in Japanese, Czech, Swedish and Arabic, with the same
placeholders (the whole-web check in test_translations.py covers every area at once)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from firstmile.kit.i18n import translations
from tests.web.test_translations import _CALL

WEB = Path(__file__).resolve().parents[2] / "src" / "firstmile" / "web"
SHELL = {"login.html", "totp.html", "base.html", "login.py"}  # the sign-in shell's own texts


def _texts() -> set[str]:
    paths = [*(WEB / "templates" / "backoffice").glob("*.html"), *(WEB / "backoffice").glob("*.py")]
    return {
        match.group("text")
        for path in paths
        if path.name not in SHELL
        for match in _CALL.finditer(path.read_text(encoding="utf-8"))
    }


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
