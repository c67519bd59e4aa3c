"""The catalog pack sections: what loads, and every mistake reported at its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.catalog import service
from firstmile.catalog.models import CoverageEntry, GridArea, Offering
from firstmile.eventlog.models import Event
from firstmile.packs import loader as packs


def _pack_copy(tmp_path: Path, code: str = "telco") -> Path:
    target = tmp_path / code
    shutil.copytree(packs.resolve(code), target)
    return target


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _issues(pack: Path) -> list[str]:
    with pytest.raises(packs.PackInvalid) as err:
        packs.validate(pack)
    return [str(issue) for issue in err.value.issues]


def test_telco_catalog_loads_every_offering(telco: str, db: Session) -> None:
    codes = {o.code for o in service.offerings(db)}
    assert {"mobile-10gb", "fibre-300", "tv-basic", "static-ip", "fibre-tv-bundle"} <= codes
    event = db.scalar(select(Event).where(Event.type == "catalog.loaded"))
    assert event is not None
    assert event.payload["bundles"] == 1
    assert event.payload["offerings"] == len(codes)
    assert db.scalar(select(CoverageEntry).where(CoverageEntry.postcode == "13000")) is not None


def test_energy_catalog_loads_grid_areas(energy: str, db: Session) -> None:
    assert service.offering(db, "el-time-of-use").kind == "electricity"
    areas = {a.area for a in db.scalars(select(GridArea))}
    assert areas == {"SE1", "SE2", "SE3", "SE4"}
    assert service.current_release(db).currency == "SEK"


def test_loading_another_pack_retires_offerings_it_lacks(
    telco: str, energy: str, db: Session
) -> None:
    retired = db.scalar(select(Offering).where(Offering.code == "mobile-10gb"))
    assert retired is not None
    assert retired.active is False
    assert "mobile-10gb" not in {o.code for o in service.offerings(db)}
    assert db.scalar(select(CoverageEntry)) is None  # energy has no coverage table


def test_add_on_for_unknown_offering_is_reported_at_its_line(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    catalog = pack / "catalog.yaml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace("for: [mobile-10gb]", "for: [mobile-99gb]"),
        encoding="utf-8",
    )
    line = _line_of(catalog, "for: [mobile-99gb]")
    assert any(
        i.startswith(f"catalog.yaml:{line}:") and "unknown plan or bundle 'mobile-99gb'" in i
        for i in _issues(pack)
    )


def test_missing_locale_text_is_reported_at_its_line(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    catalog = pack / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace(", ar: التلفزيون الأساسي}", "}"), encoding="utf-8")
    line = _line_of(catalog, "name: {en: TV Basic,")
    assert any(
        i.startswith(f"catalog.yaml:{line}:") and "missing in locale(s): ar" in i
        for i in _issues(pack)
    )


def test_float_amount_is_refused(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    catalog = pack / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace('amount: "329.00"', "amount: 329.10"), encoding="utf-8")
    line = _line_of(catalog, "amount: 329.10")
    assert any(
        i.startswith(f"catalog.yaml:{line}:") and "never as floats" in i for i in _issues(pack)
    )


def test_discount_on_unknown_price_is_reported(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    catalog = pack / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("price: installation", "price: instalation"), encoding="utf-8")
    line = _line_of(catalog, "price: instalation")
    assert any(
        i.startswith(f"catalog.yaml:{line}:") and "no one-time or recurring price" in i
        for i in _issues(pack)
    )


def test_overlapping_grid_areas_are_reported(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path, "energy")
    eligibility = pack / "eligibility.yaml"
    text = eligibility.read_text(encoding="utf-8")
    eligibility.write_text(text.replace('["95000-98999"]', '["85000-98999"]'), encoding="utf-8")
    issues = _issues(pack)
    assert any(i.startswith("eligibility.yaml:") and "overlaps" in i for i in issues)


def test_invalid_pack_changes_nothing(tmp_path: Path, telco: str, db: Session) -> None:
    pack = _pack_copy(tmp_path, "energy")
    (pack / "catalog.yaml").write_text("tax: {}\nofferings: []\n", encoding="utf-8")
    with pytest.raises(packs.PackInvalid):
        packs.load(db, pack)
    db.rollback()
    assert service.current_release(db).currency == "CZK"


def test_fixed_discount_above_the_charges_it_reduces_is_reported(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    catalog = pack / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    # The bundle's components cost 857 a month: 600 off is allowed, 2,000 is not.
    catalog.write_text(text.replace('amount: "150.00"', 'amount: "2000.00"'), encoding="utf-8")
    line = _line_of(catalog, 'amount: "2000.00"')
    assert any(
        i.startswith(f"catalog.yaml:{line}:") and "more than the recurring charges" in i
        for i in _issues(pack)
    )
    catalog.write_text(text.replace('amount: "150.00"', 'amount: "600.00"'), encoding="utf-8")
    packs.validate(pack)


def test_amounts_finer_than_the_currency_are_reported(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    meta = pack / "pack.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("currency: CZK", "currency: JPY"))
    catalog = pack / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace('amount: "329.00"', 'amount: "329.50"'), encoding="utf-8")
    issues = _issues(pack)
    line = _line_of(catalog, 'amount: "329.50"')
    assert any(
        i.startswith(f"catalog.yaml:{line}:") and "finer than a JPY bill shows" in i for i in issues
    )
    # Usage rates are unit prices: "0.1000" yen per MB is not reported.
    assert len([i for i in issues if "finer than" in i]) == 1
