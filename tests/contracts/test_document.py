"""The contract PDF: every language renders, with its fonts embedded and its text present."""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from firstmile.auth.scopes import SYSTEM
from firstmile.catalog import service as catalog_service
from firstmile.contracts.document import TABLES, Formats, per_unit, render
from firstmile.kit.i18n import gettext_for, pick
from firstmile.packs import loader
from tests.factories import contracts as factories
from tests.factories.catalog import (
    SUPPLY_POINT,
    customer_with_account,
    quote_create,
    stockholm_address,
)

POPPLER = shutil.which("pdftotext") is not None


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    pack = loader.validate("telco")
    return dict(pack.parts["contract"][0][1].model_dump(mode="json"))


@pytest.fixture(scope="module")
def pdfs(template: dict[str, Any]) -> dict[str, bytes]:
    return {
        lang: render(factories.contract_input(template, language=lang))
        for lang in factories.LOCALES
    }


def _fonts(pdf: bytes) -> set[str]:
    """Embedded font names (/FontName /ABCDEF+Name) and whether each has its program."""
    return {m.decode() for m in re.findall(rb"/FontName\s*/[A-Z]{6}\+([A-Za-z0-9-]+)", pdf)}


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


@pytest.mark.parametrize("lang", factories.LOCALES)
def test_renders_a_pdf_in_every_language(pdfs: dict[str, bytes], lang: str) -> None:
    pdf = pdfs[lang]
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in pdf  # the TrueType programs are embedded, not referenced


def test_japanese_contract_embeds_a_japanese_font(pdfs: dict[str, bytes]) -> None:
    assert "DroidSansFallback" in _fonts(pdfs["ja"])


def test_arabic_contract_embeds_the_arabic_font(pdfs: dict[str, bytes]) -> None:
    assert {"FirstmileArabic", "FirstmileArabicBold"} <= _fonts(pdfs["ar"])


def test_arabic_contract_declares_its_language(pdfs: dict[str, bytes]) -> None:
    assert b"/Lang (ar)" in pdfs["ar"]


@pytest.mark.skipif(not POPPLER, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "Contract for electronic communications services",
                "within 14 days",
                "worked out for billing on day 1 of each month",
            ],
        ),
        ("ja", ["電気通信サービス契約書", "14日以内"]),
        (
            "cs",
            ["Smlouva o poskytování služeb", "1 001,88 Kč", "10. března 2026", "dne 1. v každém"],
        ),
        ("sv", ["Avtal om elektroniska kommunikationstjänster", "Ångerrätt"]),
        ("ar", ["حق الانسحاب", "14"]),
    ],
)
def test_contract_text_is_extractable(
    pdfs: dict[str, bytes], tmp_path: Path, lang: str, expected: list[str]
) -> None:
    text = _text(pdfs[lang], tmp_path).replace("\u00a0", " ")
    for fragment in expected:
        assert fragment in text, fragment


@pytest.mark.skipif(not POPPLER, reason="pdftotext (poppler-utils) is not installed")
def test_contract_prints_customer_operator_and_terms(
    pdfs: dict[str, bytes], tmp_path: Path
) -> None:
    text = _text(pdfs["en"], tmp_path)
    assert "Eva Nováková" in text
    assert "Firstmile Telco s.r.o." in text
    assert "20% of the monthly fees left in the minimum term" in text
    assert "CZK 1,001.88" in text  # CLDR's en format for the regular bill, spaced


@pytest.mark.skipif(not POPPLER, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize(("lang", "label"), [("en", "Page"), ("ja", "ページ"), ("ar", "صفحة")])
def test_every_page_shows_its_number_and_the_total(
    pdfs: dict[str, bytes], tmp_path: Path, lang: str, label: str
) -> None:
    text = _text(pdfs[lang], tmp_path)
    assert label in text
    assert re.search(r"1/[1-9]", text)


def test_a_latin_contract_loads_no_fallback_font_it_does_not_need(
    pdfs: dict[str, bytes],
) -> None:
    assert _fonts(pdfs["cs"]) <= {"NotoSans-Regular", "NotoSans-Bold", "NotoSans", "NotoSansBold"}


def test_a_customer_name_in_another_script_still_prints(template: dict[str, Any]) -> None:
    customer = factories.Party(name="山田 太郎 / يوسف", address="Praha")
    pdf = render(factories.contract_input(template, language="cs", customer=customer))
    assert {"DroidSansFallback", "FirstmileArabic"} <= _fonts(pdf)


def test_a_character_no_guess_foresaw_makes_a_second_pass_with_every_font(
    template: dict[str, Any],
) -> None:
    """The first pass looks only at customer and operator data; an offer name in Japanese
    in a Czech contract is found missing and the contract is laid out again."""

    def japanese(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: dict.fromkeys(factories.LOCALES, "テスト") if k == "names" else japanese(v)
                for k, v in value.items()
            }
        return [japanese(v) for v in value] if isinstance(value, list) else value

    snap = japanese(factories.snapshot())
    pdf = render(factories.contract_input(template, language="cs", snapshot=snap))
    assert "DroidSansFallback" in _fonts(pdf)


@pytest.mark.parametrize(
    ("lang", "per_mb"),
    [
        ("en", "per MB"),
        ("ja", "1MBあたり"),
        ("cs", "za MB"),
        ("sv", "per MB"),
        ("ar", "لكل ميغابايت"),
    ],
)
def test_a_usage_rate_names_its_unit_in_the_contracts_language(
    template: dict[str, Any], lang: str, per_mb: str
) -> None:
    data = factories.contract_input(template, language=lang)
    labels = collections.defaultdict(str)
    _header, rows, _widths, _numeric = TABLES["usage"](data, Formats(lang, "CZK"), labels, lang)
    (price,) = (row[2] for row in rows)
    assert price.endswith(f" {per_mb}")
    assert "/ MB" not in price
    assert per_unit("MB", lang) == per_mb  # the same words as the portal's price table


def test_a_unit_without_a_label_is_still_printed() -> None:
    assert per_unit("m³", "cs") == "/ m³"
    assert per_unit(None, "cs") == ""


# --- an energy contract, from a real quote ------------------------------------------------


@pytest.fixture(scope="module")
def energy_template() -> dict[str, Any]:
    pack = loader.validate("energy")
    return dict(pack.parts["contract"][0][1].model_dump(mode="json"))


@pytest.fixture
def energy_snapshot(energy: str, db: Session) -> dict[str, Any]:
    """Spot-priced electricity with the green add-on, the metering point typed loosely."""
    customer, account = customer_with_account(db)
    address = stockholm_address(supply_point="735 999 000 000 000 013")
    item = {"offering": "el-spot", "add_ons": ["green-origin"]}
    data = quote_create(customer, account, item, address=address)
    return catalog_service.quote_snapshot(catalog_service.create_quote(db, data, actor=SYSTEM))


def _table(
    name: str, template: dict[str, Any], snapshot: dict[str, Any], lang: str
) -> list[list[str]]:
    data = factories.contract_input(template, language=lang, snapshot=snapshot)
    labels = {key: pick(texts, lang) for key, texts in template["labels"].items()}
    _header, rows, _widths, _numeric = TABLES[name](
        data, Formats(lang, snapshot["currency"]), labels, lang
    )
    return rows


def _in(lang: str, text: str) -> str:
    return gettext_for(lang).gettext(text)


@pytest.mark.parametrize("lang", factories.LOCALES)
def test_the_green_add_ons_fee_is_printed_under_its_name(
    energy_template: dict[str, Any], energy_snapshot: dict[str, Any], lang: str
) -> None:
    [green] = energy_snapshot["items"][0]["add_ons"]
    fee = next(x for x in energy_snapshot["lines"] if x["source"] == "green-origin")
    named = f"{pick(green['names'], lang)}: {pick(fee['names'], lang)}"
    rows = _table("lines", energy_template, energy_snapshot, lang)
    assert named in [row[0] for row in rows]
    plan_fee = pick(energy_snapshot["lines"][0]["names"], lang)
    assert plan_fee in [row[0] for row in rows]  # the plan's own charge, unprefixed


@pytest.mark.parametrize("lang", factories.LOCALES)
def test_a_spot_indexed_price_says_it_is_on_top_of_the_hourly_spot_price(
    energy_template: dict[str, Any], energy_snapshot: dict[str, Any], lang: str
) -> None:
    rates = energy_snapshot["items"][0]["usage_rates"]
    margin = pick(next(r for r in rates if r["code"] == "margin")["names"], lang)
    rows = {row[0]: row[2] for row in _table("usage", energy_template, energy_snapshot, lang)}
    on_top = _in(lang, "on top of the hourly spot price")
    assert lang == "en" or on_top != "on top of the hourly spot price"  # translated
    assert rows[margin].endswith(f" {on_top}")
    energy_tax = pick(next(r for r in rates if r["code"] == "energy-tax")["names"], lang)
    assert on_top not in rows[energy_tax]


@pytest.mark.parametrize("lang", factories.LOCALES)
def test_a_feature_nobody_can_switch_says_it_cannot_be_switched_off(
    energy_template: dict[str, Any], energy_snapshot: dict[str, Any], lang: str
) -> None:
    features = energy_snapshot["items"][0]["features"]
    names = {f["code"]: pick(f["names"], lang) for f in features}
    rows = {row[0]: row[2] for row in _table("features", energy_template, energy_snapshot, lang)}
    fixed = _in(lang, "Cannot be switched off")
    assert lang == "en" or fixed != "Cannot be switched off"
    assert rows[names["hourly-metering"]] == fixed
    assert rows[names["usage-alerts"]] == pick(energy_template["labels"]["switchable"], lang)
    assert pick(energy_template["labels"]["none"], lang) not in rows.values()


@pytest.mark.parametrize("lang", factories.LOCALES)
def test_an_energy_contract_prints_the_supply_address_and_metering_point(
    energy_template: dict[str, Any], energy_snapshot: dict[str, Any], lang: str
) -> None:
    rows = _table("parties", energy_template, energy_snapshot, lang)
    assert [_in(lang, "Supply address"), "", "Kungsgatan 1, 111 43 Stockholm, SE"] in rows
    assert [_in(lang, "Metering point ID"), "", SUPPLY_POINT] in rows


def test_a_telco_contract_has_no_supply_rows(template: dict[str, Any]) -> None:
    rows = _table("parties", template, factories.snapshot(), "en")
    assert not [row for row in rows if row[0] in ("Supply address", "Metering point ID")]


def test_an_energy_contract_renders(
    energy_template: dict[str, Any], energy_snapshot: dict[str, Any]
) -> None:
    data = factories.contract_input(energy_template, language="sv", snapshot=energy_snapshot)
    assert render(data).startswith(b"%PDF-")


@pytest.mark.skipif(not POPPLER, reason="pdftotext (poppler-utils) is not installed")
def test_a_contract_without_a_right_of_withdrawal_says_so(
    template: dict[str, Any], pdfs: dict[str, bytes], tmp_path: Path
) -> None:
    business = _text(render(factories.contract_input(template, cooling_off_days=0)), tmp_path)
    assert "carries no right of withdrawal" in business
    assert "within 0 days" not in business
    consumer = _text(pdfs["en"], tmp_path)
    assert "You may withdraw from this contract within 14 days" in consumer
    assert "carries no right of withdrawal" not in consumer


def test_a_withdrawal_clause_without_its_business_wording_is_refused(
    template: dict[str, Any],
) -> None:
    from firstmile.contracts.pack import TemplateSection

    section = next(s for s in template["sections"] if s["code"] == "withdrawal")
    with pytest.raises(ValueError, match="clauses_without_cooling_off"):
        TemplateSection.model_validate({**section, "clauses_without_cooling_off": []})
