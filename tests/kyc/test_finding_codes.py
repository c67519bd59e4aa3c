"""Every finding keeps a stable code and its values beside its English words, in the
verification's JSON (so the back office can word it in the reviewer's language), and the
purges that blank the words take the codes' values with them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit import time as clock
from firstmile.kyc import identifiers, mrz, risk, service
from firstmile.kyc.service.findings import document_findings
from tests.conftest import RunJobs
from tests.factories import customers as make
from tests.kyc import factories as f
from tests.kyc.test_verification import EVA, eva_passport, submitted

TODAY = date(2026, 12, 1)


def test_an_under_age_holder_keeps_the_code_and_the_values_of_the_finding() -> None:
    parsed = mrz.parse(f.td3(birth="100304", expiry="341231"), today=TODAY, adult_age=18)
    adult = parsed.verdict("adult")
    assert adult.code == "mrz.adult.under_age"
    assert adult.params == {"adult_age": 18, "years": 16, "on_date": "2026-12-01", "raw": "100304"}
    assert adult.message == "holder is under 18: 16 years old on 2026-12-01 (date of birth 100304)"
    [finding] = [x for x in document_findings(parsed) if x.rule == "minor"]
    assert (finding.code, finding.params, finding.detail) == (
        adult.code,
        adult.params,
        adult.message,
    )


def test_a_passed_check_has_a_code_too() -> None:
    parsed = mrz.parse(f.td3(birth="850304"), today=TODAY, adult_age=18)
    assert parsed.verdict("adult").code == "mrz.adult.ok"
    assert parsed.verdict("adult").params == {"years": 41, "on_date": "2026-12-01"}
    assert parsed.verdict("birth_date_check_digit").code == "mrz.check_digit.ok"
    assert all(check.code.startswith("mrz.") for check in parsed.checks)


def test_a_date_that_is_not_one_names_its_problem() -> None:
    parsed = mrz.parse(f.td3(birth="851304"), today=TODAY, adult_age=18)
    birth = parsed.verdict("birth_date")
    assert (birth.code, birth.params) == ("mrz.date.no_month", {"raw": "851304", "month": "13"})


def test_a_mismatch_keeps_what_the_zone_and_the_customer_said() -> None:
    parsed = mrz.parse(eva_passport(), today=TODAY, adult_age=18)
    [surname] = mrz.compare(parsed, surname="Novak").fields
    assert (surname.code, surname.params) == (
        "mrz.compare.mismatch",
        {"mrz": "NOVAKOVA", "typed": "NOVAK"},
    )
    assert mrz.compare(parsed, surname="Novak").to_dict()["fields"][0].keys() == {
        "field",
        "verdict",
        "mrz",
        "typed",
        "message",
    }


@pytest.mark.parametrize(
    ("kind", "value", "country", "code", "params"),
    [
        ("iban", "   ", None, "empty", {}),
        ("national_id", "710319/2746", "CZ", "check_digit", {}),
        ("phone", "+42060112345", None, "phone_too_short_in", {"country": "CZ"}),
        (
            "iban",
            "CZ650800000019200014539",
            None,
            "iban_length",
            {"length": 23, "expected": 24, "country": "CZ"},
        ),
    ],
)
def test_an_identifier_names_its_reason(
    kind: str, value: str, country: str | None, code: str, params: dict[str, object]
) -> None:
    result = identifiers.check(kind, value, country)
    assert not result.valid
    assert (result.reason_code, result.reason_params) == (code, params)
    assert result.reason  # the English words stay


def test_a_reason_carries_the_code_and_values_of_its_finding() -> None:
    finding = risk.Finding(
        "velocity", "the same phone ...", "phone", "finding.velocity_phone", {"others": 5}
    )
    decision = risk.decide([finding], risk.Policy(weights={"velocity": 40}))
    assert decision.reasons == [
        {
            "rule": "velocity",
            "weight": 40,
            "detail": "the same phone ...",
            "field": "phone",
            "code": "finding.velocity_phone",
            "params": {"others": 5},
        }
    ]
    old_style = risk.decide([risk.Finding("velocity", "text")], risk.Policy(weights={}))
    assert "code" not in old_style.reasons[0]


@pytest.mark.usefixtures("telco")
def test_a_submission_stores_codes_in_checks_and_reasons(db: Session) -> None:
    eva = make.registered(db, contacts=[make.email("eva@mailinator.com")])
    verification = submitted(db, eva.id, EVA)
    checks = {c["name"]: c for c in verification.checks}
    assert checks["adult"]["code"] in ("mrz.adult.ok", "mrz.adult.ok_at_least")
    assert checks["matches_typed_surname"]["code"] == "mrz.compare.match"
    [reason] = verification.reasons
    assert reason["code"] == "finding.disposable_email"
    assert reason["params"] == {"email": "eva@mailinator.com"}


@pytest.mark.usefixtures("telco")
def test_the_retention_purge_takes_the_codes_values_with_the_words(
    db: Session, sessions: sessionmaker[Session], run_jobs: RunJobs
) -> None:
    eva = make.registered(db)
    verification = submitted(db, eva.id, lines=eva_passport(expiry="240101"))  # rejected
    assert any(r.get("params") for r in verification.reasons)
    db.commit()
    clock.travel(timedelta(days=1826))
    run_jobs()
    with sessions() as s:
        kept = service.get_verification(s, verification.id)
        assert kept.checks == []
        assert kept.reasons
        assert all(set(reason) == {"rule", "weight"} for reason in kept.reasons)
