from __future__ import annotations

import json
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from firstmile.cli import app as root_app
from firstmile.kyc.cli import app as kyc_app
from tests.kyc import factories as f


def run(*args: str, app: typer.Typer = root_app, prefix: tuple[str, ...] = ("kyc",)) -> Any:
    result = CliRunner().invoke(app, [*prefix, *args])
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output  # exactly one JSON object
    return result.exit_code, json.loads(lines[0])


def test_mrz_prints_fields_check_digits_and_validity() -> None:
    code, body = run("mrz", *f.TD3_SPECIMEN, "--today", "2010-01-01", "--allow-specimen")
    assert code == 0
    assert body["valid"] is True
    assert body["layout"] == "TD3"
    assert body["fields"]["surname"] == "ERIKSSON"
    assert body["fields"]["birth_date"] == "1974-08-12"
    assert set(body["check_digits"].values()) == {True}
    assert {
        "name": "not_expired",
        "ok": True,
        "message": "valid until 2012-04-15 (on 2010-01-01)",
    } in body["checks"]


def test_an_invalid_zone_still_exits_0() -> None:
    code, body = run("mrz", *f.TD3_SPECIMEN, "--today", "2020-01-01")
    assert code == 0
    assert body["valid"] is False
    failures = {check["name"]: check["message"] for check in body["checks"] if not check["ok"]}
    assert failures["not_expired"] == "expired on 2012-04-15"


def test_adult_age_option() -> None:
    lines = f.td3(birth="050101", expiry="300101")
    assert run("mrz", *lines, "--today", "2025-03-01")[1]["valid"] is True
    code, body = run("mrz", *lines, "--today", "2025-03-01", "--adult-age", "21")
    assert (code, body["valid"]) == (0, False)


def test_mrz_of_no_known_size_exits_2_with_a_json_error() -> None:
    code, body = run("mrz", f.TD3_SPECIMEN[0], f.TD3_SPECIMEN[1][:40])
    assert code == 2
    assert body == {
        "error": {
            "code": "invalid_input",
            "message": "line 2 has 40 characters; a TD3 (passport) line has 44",
            "field": "lines.1",
        }
    }


def test_malformed_today_exits_2() -> None:
    code, body = run("mrz", *f.TD3_SPECIMEN, "--today", "1.1.2020")
    assert code == 2
    assert body["error"]["field"] == "today"


def test_identifier_valid_and_invalid_both_exit_0() -> None:
    code, body = run("identifier", "--country", "CZ", "--kind", "national_id", "710319/2745")
    assert (code, body["valid"], body["normalised"]) == (0, True, "7103192745")
    assert body["scheme"] == "RČ (Rodné číslo, the Czech birth number)"  # not escaped
    code, body = run("identifier", "--country", "CZ", "--kind", "national_id", "7103192746")
    assert (code, body["valid"], body["reason"]) == (0, False, "check digit does not match")


def test_identifier_require_mobile() -> None:
    args = ("identifier", "--country", "SE", "--kind", "phone", "08-123 456 78")
    assert run(*args)[1]["mobile"] is False
    code, body = run(*args, "--require-mobile")
    assert (code, body["valid"], body["reason"]) == (0, False, "not a mobile number (fixed line)")


@pytest.mark.parametrize(
    ("args", "error_code"),
    [
        (("--kind", "passport", "X"), "invalid_input"),
        (("--kind", "national_id", "--country", "AE", "784"), "unsupported_identifier"),
        (("--kind", "national_id", "7103192745"), "invalid_input"),
    ],
)
def test_unanswerable_identifier_questions_exit_2(args: tuple[str, ...], error_code: str) -> None:
    code, body = run("identifier", *args)
    assert code == 2
    assert body["error"]["code"] == error_code


def test_the_kyc_app_works_on_its_own() -> None:
    code, body = run(
        "identifier", "--kind", "iban", "DE89370400440532013000", app=kyc_app, prefix=()
    )
    assert (code, body["valid"]) == (0, True)
