"""The pack's tutorials section: shipped tutorials load, and every problem of a tutorial
file is reported with its file and line (as `firstmile pack load` prints it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from firstmile.care.models import Tutorial
from firstmile.care.pack import svg_problem
from firstmile.cli import app
from firstmile.packs import loader


def _copy(tmp_path: Path, code: str = "telco") -> Path:
    target = tmp_path / code
    shutil.copytree(loader.PACKS_DIR / code, target)
    return target


def _issues(pack: Path) -> list[str]:
    with pytest.raises(loader.PackInvalid) as caught:
        loader.validate(pack)
    return [str(i) for i in caught.value.issues if i.file.startswith("tutorials/")]


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(("code", "expected"), [("telco", 4), ("energy", 2)])
def test_shipped_tutorials_load_with_four_steps_or_more(
    db: Session, code: str, expected: int
) -> None:
    loader.load(db, code)
    tutorials = list(db.scalars(select(Tutorial)))
    assert len(tutorials) == expected
    assert all(len(t.steps) >= 4 for t in tutorials)
    assert all(any(s.get("needs_active_service") for s in t.steps) for t in tutorials)
    assert all(set(t.title) == {"en", "ja", "cs", "sv", "ar"} for t in tutorials)


def test_loading_again_replaces_the_tutorials(db: Session) -> None:
    loader.load(db, "telco")
    loader.load(db, "energy")
    codes = set(db.scalars(select(Tutorial.code)))
    assert codes == {"smart-meter-display", "energy-app"}


def test_a_missing_locale_is_reported_with_file_and_line(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    path = pack / "tutorials" / "tv-box.yaml"
    path.write_text(path.read_text().replace("  sv: Installera din tv-box\n", ""))
    line = _line_of(path, "title:")
    assert _issues(pack) == [f"tutorials/tv-box.yaml:{line}: title: missing locales: sv"]


def test_a_schema_error_is_reported_with_file_and_line(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    path = pack / "tutorials" / "tv-box.yaml"
    path.write_text(path.read_text().replace("services: [tv]", "services: [radio]"))
    line = _line_of(path, "services: [radio]")
    [issue] = _issues(pack)
    assert issue.startswith(f"tutorials/tv-box.yaml:{line}: applies_to.services.0:")


def test_an_unknown_device_model_and_a_missing_image_are_reported(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    path = pack / "tutorials" / "tv-box.yaml"
    text = path.read_text().replace("[stb-fm-4k]", "[stb-fm-8k]")
    path.write_text(text.replace("file: tv-hdmi.svg", "file: tv-gone.svg"))
    issues = _issues(pack)
    assert issues == [
        f"tutorials/tv-box.yaml:{_line_of(path, 'file: tv-gone.svg')}: steps.0.image.file: "
        "tutorials/images/tv-gone.svg is not in the pack",
        f"tutorials/tv-box.yaml:{_line_of(path, 'stb-fm-8k')}: applies_to.device_models.0: "
        "unknown device model 'stb-fm-8k'",
    ]


def test_the_code_must_be_the_files_name(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    path = pack / "tutorials" / "tv-box.yaml"
    path.write_text(path.read_text().replace("code: tv-box", "code: tv-setup"))
    assert _issues(pack) == [
        f"tutorials/tv-box.yaml:{_line_of(path, 'code: tv-setup')}: code: "
        "must be the file's name ('tv-box')"
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><text>Hi</text></svg>',
            "<text>",
        ),
        ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><script/></svg>', "<script>"),
        ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" onload="x()"/>', "handlers"),
        (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1">'
            '<image href="https://example.com/x.png"/></svg>',
            "outside",
        ),
        ('<svg xmlns="http://www.w3.org/2000/svg"/>', "viewBox"),
        ('<!DOCTYPE svg [<!ENTITY a "b">]><svg/>', "DOCTYPE"),
        ("<svg", "well-formed"),
    ],
)
def test_unsafe_or_wordy_drawings_are_refused(tmp_path: Path, body: str, problem: str) -> None:
    path = tmp_path / "x.svg"
    path.write_text(body)
    found = svg_problem(path)
    assert found is not None
    assert problem in found


def test_every_shipped_drawing_is_accepted() -> None:
    drawings = sorted(loader.PACKS_DIR.glob("*/tutorials/images/*.svg"))
    assert len(drawings) >= 15
    assert {p.name: svg_problem(p) for p in drawings} == {p.name: None for p in drawings}


def test_the_cli_prints_a_broken_tutorial_with_file_and_line(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    path = pack / "tutorials" / "mobile-sim.yaml"
    path.write_text(path.read_text().replace("minutes: 10", "minutes: 0"))
    result = CliRunner().invoke(app, ["pack", "validate", str(pack)])
    assert result.exit_code != 0
    line = _line_of(path, "minutes: 0")
    assert f"tutorials/mobile-sim.yaml:{line}: minutes:" in result.output
