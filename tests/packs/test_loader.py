"""Pack loading: every error reported with file and line; nothing stored when any is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from firstmile.packs import loader


def _copy(tmp_path: Path, code: str = "telco") -> Path:
    target = tmp_path / code
    shutil.copytree(loader.PACKS_DIR / code, target)
    return target


@pytest.mark.parametrize("code", ["telco", "energy"])
def test_shipped_packs_are_valid(code: str) -> None:
    pack = loader.validate(code)
    assert pack.meta.code == code
    assert set(pack.meta.locales) >= {"en", "ja", "cs", "sv", "ar"}


def test_reports_field_error_with_file_and_line(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    meta = pack / "pack.yaml"
    lines = meta.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("currency:"))
    lines[index] = "currency: crowns"
    meta.write_text("\n".join(lines) + "\n")
    with pytest.raises(loader.PackInvalid) as caught:
        loader.validate(pack)
    issue = caught.value.issues[0]
    assert (issue.file, issue.line, issue.field) == ("pack.yaml", index + 1, "currency")


def test_reports_yaml_syntax_error_with_line(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    (pack / "pack.yaml").write_text("code: telco\nname: [unclosed\n")
    with pytest.raises(loader.PackInvalid) as caught:
        loader.validate(pack)
    assert caught.value.issues[0].file == "pack.yaml"
    assert caught.value.issues[0].line >= 2
    assert "YAML syntax" in caught.value.issues[0].message


def test_reports_every_error_not_just_the_first(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    meta = pack / "pack.yaml"
    text = meta.read_text().replace("country: CZ", "country: Czechia")
    text = text.replace("cooling_off_days: 14", "cooling_off_days: -1")
    meta.write_text(text)
    with pytest.raises(loader.PackInvalid) as caught:
        loader.validate(pack)
    assert {i.field for i in caught.value.issues} >= {"country", "cooling_off_days"}


def test_invalid_pack_changes_nothing(tmp_path: Path, db: Session) -> None:
    pack = _copy(tmp_path)
    (pack / "pack.yaml").write_text("code: telco\n")
    with pytest.raises(loader.PackInvalid):
        loader.load(db, pack)
    db.rollback()
    assert loader.current(db) is None


def test_unknown_pack_folder_names_the_path() -> None:
    with pytest.raises(loader.InvalidInput) as caught:
        loader.validate("/nonexistent/pack")
    assert caught.value.field == "path"


@pytest.mark.parametrize("code", ["telco", "energy"])
def test_a_catalog_device_model_must_have_a_guide(tmp_path: Path, code: str) -> None:
    base = tmp_path / code
    shutil.copytree(loader.resolve(code), base)
    catalog = base / "catalog.yaml"
    text = catalog.read_text()
    first = "router-fm-ax3000" if code == "telco" else "meter-fm-electricity"
    catalog.write_text(text.replace(f"device_models: [{first}]", "device_models: [no-such-box]", 1))
    with pytest.raises(loader.PackInvalid) as caught:
        loader.validate(base)
    issue = next(i for i in caught.value.issues if "no-such-box" in i.message)
    assert issue.file == "catalog.yaml"
    assert issue.line > 1
    assert issue.field.endswith("device_models.0")
