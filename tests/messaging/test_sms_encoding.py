"""SMS encoding and segmentation (3GPP TS 23.038 / 23.040) and `firstmile messaging sms-info`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from firstmile.cli import app
from firstmile.kit.errors import InvalidInput
from firstmile.messaging.channels.sms.encoding import GSM7, UCS2, analyse


def test_plain_latin_text_is_gsm7_in_one_segment() -> None:
    info = analyse("Your code is 123456. Ahoj, vítejte!")  # "í" is not GSM-7
    assert info.encoding == UCS2
    latin = analyse("Your code is 123456. Welcome to Firstmile!")
    assert (latin.encoding, latin.segments, latin.characters_per_segment) == (GSM7, 1, 160)


def test_160_gsm7_characters_fit_one_segment_and_161_need_two() -> None:
    assert analyse("a" * 160).segments == 1
    two = analyse("a" * 161)
    assert (two.segments, two.characters_per_segment) == (2, 153)
    assert [len(p) for p in two.parts] == [153, 8]


def test_extension_characters_take_two_septets() -> None:
    info = analyse("€" * 80)
    assert (info.encoding, info.characters, info.units, info.segments) == (GSM7, 80, 160, 1)
    assert analyse("€" * 81).segments == 2


def test_a_segment_never_splits_an_escape_sequence() -> None:
    text = "a" * 152 + "€" + "b" * 10  # the euro sign would straddle septets 153 and 154
    parts = analyse(text).parts
    assert parts[0] == "a" * 152
    assert parts[1].startswith("€")
    assert "".join(parts) == text


def test_70_ucs2_characters_fit_one_segment_and_71_need_two() -> None:
    assert analyse("ж" * 70).segments == 1
    two = analyse("ж" * 71)
    assert (two.encoding, two.segments, two.characters_per_segment) == (UCS2, 2, 67)


def test_arabic_and_japanese_are_ucs2() -> None:
    assert analyse("رمز التحقق الخاص بك").encoding == UCS2
    assert analyse("確認コードは123456です").encoding == UCS2


def test_emoji_take_two_code_units_and_are_never_split() -> None:
    info = analyse("🙂" * 35)
    assert (info.characters, info.units, info.segments) == (35, 70, 1)
    text = "x" * 66 + "🙂" + "y" * 4
    parts = analyse(text).parts
    assert parts[0] == "x" * 66
    assert parts[1] == "🙂yyyy"


def test_text_beyond_255_segments_is_refused_on_the_text_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        analyse("a" * (153 * 255 + 1))
    assert caught.value.field == "text"


def test_cli_prints_one_json_object() -> None:
    result = CliRunner().invoke(app, ["messaging", "sms-info", "a" * 161])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "encoding": GSM7,
        "characters": 161,
        "units": 161,
        "segments": 2,
        "characters_per_segment": 153,
    }


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [("Hej! Välkommen", GSM7, 1), ("Dobrý den", UCS2, 1), ("مرحبا", UCS2, 1)],
)
def test_cli_for_the_supported_languages(text: str, encoding: str, segments: int) -> None:
    body = json.loads(CliRunner().invoke(app, ["messaging", "sms-info", text]).output)
    assert (body["encoding"], body["segments"]) == (encoding, segments)
