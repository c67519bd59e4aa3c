"""Every text the pages show exists in Japanese, Czech, Swedish and Arabic, with each plural
form the language has.

The texts are found as gettext tools find them, not by a pattern: Python through its syntax
tree (a literal split over lines, `_("a " "b")`, is one text), templates through Jinja's Babel
extractor. Calls of `_`, `gettext` and `ngettext` count, under any object (`self.ngettext`).
"""

from __future__ import annotations

import ast
import string
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from firstmile.kit.i18n import LOCALE_DIR, plural_forms, translations
from firstmile.web.pages import plural_translator

SRC = Path(__file__).resolve().parents[2] / "src" / "firstmile"
WEB = SRC / "web"
# texts the pages show that live outside web/: the usage units of the price tables
OTHER_SOURCES = (SRC / "contracts" / "document.py",)
KEYWORDS = ("_", "gettext", "ngettext")
LANGUAGES = ("ja", "cs", "sv", "ar")
PLURAL_FORMS = {"en": 2, "ja": 1, "cs": 3, "sv": 2, "ar": 6}

Key = tuple[str, str | None]  # (msgid, msgid_plural or None)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def python_texts(path: Path) -> Iterator[Key]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call) or _name(node.func) not in KEYWORDS:
            continue
        args = [*node.args, None, None]
        singular = _literal(args[0])
        if _name(node.func) == "ngettext":
            plural = _literal(args[1])
            if singular and plural:
                yield singular, plural
        elif singular:
            yield singular, None


def template_texts(path: Path) -> Iterator[Key]:
    with path.open("rb") as fh:
        for _line, func, message, _comments in babel_extract(fh, KEYWORDS, [], {}):
            # a call with keyword arguments comes as a tuple: (text, None, ...)
            parts = message if isinstance(message, tuple) else (message,)
            if func == "ngettext":
                if len(parts) > 1 and parts[0] and parts[1]:
                    yield parts[0], parts[1]
            elif parts[0]:
                yield parts[0], None


@cache
def _texts() -> dict[Key, str]:
    found: dict[Key, str] = {}
    sources: list[tuple[Path, Callable[[Path], Iterator[Key]]]] = [
        *((p, python_texts) for p in sorted(WEB.rglob("*.py"))),
        *((p, python_texts) for p in OTHER_SOURCES),
        *((p, template_texts) for p in sorted(WEB.rglob("*.html"))),
    ]
    for path, extract in sources:
        for key in extract(path):
            found.setdefault(key, str(path.relative_to(SRC)))
    return found


def _singular() -> dict[str, str]:
    return {text: where for (text, plural), where in _texts().items() if plural is None}


def _plural() -> dict[tuple[str, str], str]:
    return {(s, p): where for (s, p), where in _texts().items() if p is not None}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_pages_have_texts_to_translate() -> None:
    assert len(_singular()) > 800
    assert len(_plural()) >= 10


def test_a_text_split_over_lines_is_found(tmp_path: Path) -> None:
    module = tmp_path / "page.py"
    module.write_text(
        "def page(_, ngettext, n):\n"
        "    _(\n        'first half, '\n        'second half'\n    )\n"
        "    ngettext(\n        'one day',\n        '{n} days',\n        n,\n        n=n,\n    )\n",
        encoding="utf-8",
    )
    template = tmp_path / "page.html"
    template.write_text(
        '<p>{{ _("one line,\n   and the next", x=1) }}</p>\n'
        '{{ ngettext("a month",\n  "{m} months", m, m=m) }}\n',
        encoding="utf-8",
    )
    assert set(python_texts(module)) == {
        ("first half, second half", None),
        ("one day", "{n} days"),
    }
    assert set(template_texts(template)) == {
        ("one line,\n   and the next", None),
        ("a month", "{m} months"),
    }
    assert (
        "Type the machine-readable zone exactly: 2 lines of 44 characters in a passport, "
        "3 lines of 30 in an identity card, with every < sign."
    ) in _singular()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_text_is_translated(language: str) -> None:
    catalog = translations(language)._catalog  # type: ignore[attr-defined]
    missing = [f"{where}: {text}" for text, where in _singular().items() if not catalog.get(text)]
    assert not missing, f"{len(missing)} texts without a {language} translation:\n" + "\n".join(
        missing[:40]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    catalog = translations(language)._catalog  # type: ignore[attr-defined]
    wrong = [
        text
        for text in _singular()
        if catalog.get(text) and _fields(catalog[text]) != _fields(text)
    ]
    assert not wrong, wrong


@pytest.mark.parametrize("language", [*LANGUAGES, "en"])
def test_every_catalog_declares_the_plural_forms_of_its_language(language: str) -> None:
    for po in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        assert "Plural-Forms" in dict(catalog.mime_headers), po.name
        assert catalog.num_plurals == PLURAL_FORMS[language], po.name


def _forms_for_one_number(rule: Callable[[int], int]) -> set[int]:
    """The forms a language uses for a single number (Czech "1 měsíc", Arabic "شهران"): only
    these may leave the count out."""
    uses: dict[int, int] = {}
    for n in range(1000):
        uses[rule(n)] = uses.get(rule(n), 0) + 1
    return {form for form, count in uses.items() if count == 1}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_text_has_each_form_with_its_placeholders(language: str) -> None:
    rule, forms = plural_forms(language)
    single = _forms_for_one_number(rule)
    problems = []
    for (singular, plural), where in _plural().items():
        found = forms.get(singular)
        if found is None or len(found) != PLURAL_FORMS[language]:
            problems.append(f"{where}: {singular!r} lacks its {language} plural forms")
            continue
        count = _fields(plural) - _fields(singular)  # the number the singular spells out
        for index, text in enumerate(found):
            may_miss = count if index in single else set()
            if not _fields(text) <= _fields(plural) or _fields(plural) - _fields(text) - may_miss:
                problems.append(f"{where}: {singular!r} form {index}: {text!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", ["Minimum term: 1 month", "Minimum term: 2 months", "Minimum term: 5 months"]),
        ("cs", ["Minimální doba: 1 měsíc", "Minimální doba: 2 měsíce", "Minimální doba: 5 měsíců"]),
        ("sv", ["Bindningstid: 1 månad", "Bindningstid: 2 månader", "Bindningstid: 5 månader"]),
        ("ja", ["最低契約期間：1か月", "最低契約期間：2か月", "最低契約期間：5か月"]),
        (
            "ar",
            [
                "الحد الأدنى للمدة: شهر واحد",
                "الحد الأدنى للمدة: شهران",
                "الحد الأدنى للمدة: 5 أشهر",
            ],
        ),
    ],
)
def test_a_count_takes_the_plural_form_of_the_language(language: str, shown: list[str]) -> None:
    ngettext = plural_translator(language)
    texts = [
        ngettext("Minimum term: 1 month", "Minimum term: {months} months", n, months=n)
        for n in (1, 2, 5)
    ]
    assert texts == shown
