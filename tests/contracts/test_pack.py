"""The pack's contract.yaml: every shipped pack loads; broken placeholders name file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firstmile.contracts.service import mask_address
from firstmile.packs import loader


@pytest.mark.parametrize("pack", ["telco", "energy"])
def test_shipped_packs_have_a_complete_contract_template(pack: str) -> None:
    template = loader.validate(pack).parts["contract"][0][1]
    assert len(template.sections) >= 5
    assert set(template.title) == {"en", "ja", "cs", "sv", "ar"}


def test_unknown_placeholder_is_reported_with_file_and_line(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(loader.resolve("telco"), pack)
    path = pack / "contract.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{{ cooling_off_days }} days", "{{ cooling_days }} days"), "utf-8")
    line = next(
        i for i, row in enumerate(path.read_text("utf-8").splitlines(), 1) if "cooling_days" in row
    )
    with pytest.raises(loader.PackInvalid) as err:
        loader.validate(pack)
    issues = [str(i) for i in err.value.issues]
    assert any(i.startswith(f"contract.yaml:{line}:") and "cooling_days" in i for i in issues)


def test_missing_locale_is_reported(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(loader.resolve("energy"), pack)
    path = pack / "contract.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  ar: عقد توريد الكهرباء والغاز\n", ""), "utf-8")
    with pytest.raises(loader.PackInvalid) as err:
        loader.validate(pack)
    assert any("contract.yaml" in str(i) and "ar" in str(i) for i in err.value.issues)


@given(st.emails())
def test_masked_email_keeps_the_domain_and_hides_the_rest(email: str) -> None:
    masked = mask_address(email)
    local, _, domain = email.partition("@")
    assert masked == f"{local[0]}***@{domain}"  # only the first letter of the mailbox shows


@given(st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True))
def test_masked_phone_shows_only_prefix_and_last_two_digits(phone: str) -> None:
    masked = mask_address(phone)
    assert len(masked) == len(phone)
    assert masked[:4] == phone[:4]
    assert masked[-2:] == phone[-2:]
    assert set(masked[4:-2]) <= {"*"}
