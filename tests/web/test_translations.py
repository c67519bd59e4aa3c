"""Every text the pages show exists in Japanese, Czech, Swedish and Arabic."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from firstmile.kit.i18n import translations

WEB = Path(__file__).resolve().parents[2] / "src" / "firstmile" / "web"
# _("...") or _('...') with a single literal; the template and Python forms alike
_CALL = re.compile(r"""\b_\(\s*(?P<q>["'])(?P<text>(?:(?!(?P=q)).)+)(?P=q)\s*[,)]""", re.S)
LANGUAGES = ("ja", "cs", "sv", "ar")


def _texts() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted([*WEB.rglob("*.html"), *WEB.rglob("*.py")]):
        for match in _CALL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group("text"), str(path.relative_to(WEB)))
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_pages_have_texts_to_translate() -> None:
    assert len(_texts()) > 40


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_text_is_translated(language: str) -> None:
    catalog = translations(language)._catalog  # type: ignore[attr-defined]
    missing = [f"{where}: {text}" for text, where in _texts().items() if not catalog.get(text)]
    assert not missing, f"{len(missing)} texts without a {language} translation:\n" + "\n".join(
        missing[:40]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    catalog = translations(language)._catalog  # type: ignore[attr-defined]
    wrong = [
        text for text in _texts() if catalog.get(text) and _fields(catalog[text]) != _fields(text)
    ]
    assert not wrong, wrong
