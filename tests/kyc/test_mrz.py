from __future__ import annotations

import json
import string
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firstmile.kit.errors import InvalidInput
from firstmile.kyc import mrz
from firstmile.kyc.mrz import Layout
from tests.kyc import factories as f

TODAY = date(2025, 3, 1)


def read(lines: list[str], **options: object) -> mrz.MrzResult:
    options.setdefault("today", TODAY)
    return mrz.parse(lines, **options)  # type: ignore[arg-type]


def read_specimen(lines: list[str]) -> mrz.MrzResult:
    return mrz.parse(lines, today=f.SPECIMEN_DAY, allow_specimen=True)


def failed(result: mrz.MrzResult) -> dict[str, str]:
    return {check.name: check.message for check in result.failures}


# --- ICAO specimens ---------------------------------------------------------------------


def test_reads_the_td3_specimen() -> None:
    result = read_specimen(f.TD3_SPECIMEN)
    assert result.valid, failed(result)
    fields = result.fields
    assert result.layout is Layout.TD3
    assert (fields.document_code, fields.document_type) == ("P", "passport")
    assert (fields.issuing_state, fields.nationality) == ("UTO", "UTO")
    assert (fields.surname, fields.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert fields.document_number == "L898902C3"
    assert fields.birth_date == date(1974, 8, 12)
    assert fields.sex == "F"
    assert fields.expiry_date == date(2012, 4, 15)
    assert fields.personal_number == "ZE184226B"
    assert fields.optional_data is None


def test_reads_the_td1_specimen() -> None:
    result = read_specimen(f.TD1_SPECIMEN)
    assert result.valid, failed(result)
    assert result.layout is Layout.TD1
    assert result.fields.document_number == "D23145890"
    assert result.fields.document_type == "identity card"
    assert (result.fields.surname, result.fields.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert result.fields.optional_data == ""
    assert result.fields.optional_data_2 == ""


def test_reads_a_td1_document_number_longer_than_nine_characters() -> None:
    result = read_specimen(f.TD1_LONG_NUMBER_SPECIMEN)
    assert result.valid, failed(result)
    assert result.fields.document_number == "D23145890734"
    assert result.verdict("document_number_check_digit").message == (
        "check digit of the document number matches (9)"
    )
    assert result.fields.birth_date == date(1934, 7, 12)
    assert result.fields.sex == "M"


def test_reads_the_td2_specimen() -> None:
    result = read_specimen(f.TD2_SPECIMEN)
    assert result.valid, failed(result)
    assert result.layout is Layout.TD2
    assert result.fields.document_number == "D23145890"
    assert result.fields.expiry_date == date(2012, 4, 15)


@pytest.mark.parametrize(
    ("lines", "layout"),
    [(f.MRV_A_SPECIMEN, Layout.MRV_A), (f.MRV_B_SPECIMEN, Layout.MRV_B)],
)
def test_reads_the_visa_specimens_which_have_no_composite_digit(
    lines: list[str], layout: Layout
) -> None:
    result = read_specimen(lines)
    assert result.valid, failed(result)
    assert result.layout is layout
    assert result.fields.document_type == "visa"
    assert result.fields.document_number == "L8988901C"
    assert result.fields.nationality == "XXX"
    assert result.fields.birth_date == date(1940, 9, 7)
    assert result.fields.expiry_date == date(1996, 12, 10)
    assert "composite_check_digit" not in {check.name for check in result.checks}


def test_visas_keep_their_optional_data() -> None:
    assert read_specimen(f.MRV_A_SPECIMEN).fields.optional_data == "6ZE184226B"
    assert read_specimen(f.MRV_B_SPECIMEN).fields.optional_data == ""


def test_check_digit_matches_the_specimens() -> None:
    assert mrz.check_digit("L898902C3") == 6
    assert mrz.check_digit("740812") == 2
    assert mrz.check_digit("ZE184226B<<<<<") == 1
    assert mrz.check_digit("D23145890734") == 9
    assert mrz.check_digit("ab") is None


def test_specimen_state_is_refused_unless_allowed() -> None:
    result = mrz.parse(f.TD3_SPECIMEN, today=f.SPECIMEN_DAY)
    assert failed(result) == {
        "issuing_state": "issuing state UTO is Utopia, the ICAO specimen state: "
        "no real document carries it",
        "nationality": "nationality UTO is Utopia, the ICAO specimen state: "
        "no real document carries it",
    }


# --- check digits -----------------------------------------------------------------------

TD3_DIGITS = {
    "document_number": (2, 10, "document number"),
    "birth_date": (2, 20, "date of birth"),
    "expiry_date": (2, 28, "date of expiry"),
    "personal_number": (2, 43, "personal number"),
    "composite": (2, 44, "composite (document number, dates and optional data)"),
}
TD1_DIGITS = {
    "document_number": (1, 15),
    "birth_date": (2, 7),
    "expiry_date": (2, 15),
    "composite": (2, 30),
}
TD2_DIGITS = {
    "document_number": (2, 10),
    "birth_date": (2, 20),
    "expiry_date": (2, 28),
    "composite": (2, 36),
}


@pytest.mark.parametrize("field", sorted(TD3_DIGITS))
def test_names_each_wrong_td3_check_digit(field: str) -> None:
    line, position, label = TD3_DIGITS[field]
    good = f.td3(personal="ZE184226B")
    printed = good[line - 1][position - 1]
    wrong = f.other_digit(printed)
    result = read(f.with_char(good, line, position, wrong))
    messages = failed(result)
    assert messages[f"{field}_check_digit"] == (
        f"check digit of the {label} does not match: expected {printed}, found {wrong}"
    )
    assert set(messages) <= {f"{field}_check_digit", "composite_check_digit"}
    assert not result.valid


@pytest.mark.parametrize(
    ("build", "digits"),
    [(f.td1, TD1_DIGITS), (f.td2, TD2_DIGITS)],
    ids=["TD1", "TD2"],
)
def test_names_each_wrong_td1_and_td2_check_digit(
    build: object, digits: dict[str, tuple[int, int]]
) -> None:
    good = build()  # type: ignore[operator]
    for field, (line, position) in digits.items():
        printed = good[line - 1][position - 1]
        result = read(f.with_char(good, line, position, f.other_digit(printed)))
        assert f"{field}_check_digit" in failed(result), field


def test_a_filler_where_a_check_digit_belongs_is_reported() -> None:
    result = read(f.td3(checks={"birth_date": "<"}))
    assert failed(result)["birth_date_check_digit"] == (
        "check digit of the date of birth does not match: expected 6, found '<'"
    )


@pytest.mark.parametrize("printed", ["<", "0"])
def test_an_unused_personal_number_may_have_a_filler_or_zero_check_digit(printed: str) -> None:
    result = read(f.td3(personal="", checks={"personal_number": printed}))
    assert result.valid, failed(result)


def test_an_unused_personal_number_with_another_check_digit_fails() -> None:
    result = read(f.td3(personal="", checks={"personal_number": "5"}))
    assert "personal_number_check_digit" in failed(result)


def test_long_td1_number_without_its_continuation_fails() -> None:
    lines = f.with_char(f.td1(number="T22000129"), 1, 15, "<")
    messages = failed(read(lines))
    assert messages["document_number"] == (
        "document number has a filler in place of its check digit, but no continuation of "
        "the number follows in the optional data"
    )


def test_td1_check_digit_of_a_long_number_covers_all_of_it() -> None:
    lines = f.td1(number="D23145890734", checks={"document_number": "1"})
    assert failed(read(lines))["document_number_check_digit"] == (
        "check digit of the document number does not match: expected 9, found 1"
    )


# --- characters and layout --------------------------------------------------------------


def test_reports_characters_outside_the_mrz_set_with_line_and_position() -> None:
    lines = f.with_char(f.td3(), 2, 3, "a")
    lines = f.with_char(lines, 1, 12, " ")
    message = failed(read(lines))["characters"]
    assert "line 1, position 12: ' '" in message
    assert "line 2, position 3: 'a'" in message


def test_a_digit_in_the_name_is_reported() -> None:
    result = read(f.td3(name="MUSTERMANN<<ER1KA"))
    assert failed(result)["name"] == (
        "name has '1' at line 1, position 20: names hold only A-Z and <"
    )


def test_a_name_must_start_with_a_surname() -> None:
    assert "name" in failed(read(f.td3(name="<<ERIKA")))


@pytest.mark.parametrize(
    ("lines", "message", "field"),
    [
        (
            [f.TD3_SPECIMEN[0], f.TD3_SPECIMEN[1][:-1]],
            "line 2 has 43 characters; a TD3 (passport) line has 44",
            "lines.1",
        ),
        (
            [f.TD1_SPECIMEN[0] + "<", *f.TD1_SPECIMEN[1:]],
            "line 1 has 31 characters; a TD1 (identity card) line has 30",
            "lines.0",
        ),
        (
            ["P<UTO" * 8, "L898902C36" * 4],
            "line 1 has 40 characters and line 2 has 40; MRZ lines have 30 (TD1), "
            "36 (TD2, MRV-B) or 44 (TD3, MRV-A)",
            "lines",
        ),
        ([f.TD3_SPECIMEN[0]], "a machine-readable zone has 2 or 3 lines; got 1", "lines"),
    ],
)
def test_zones_of_the_wrong_size_cannot_be_read(lines: list[str], message: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read(lines)
    assert (caught.value.message, caught.value.field) == (message, field)


def test_accepts_one_string_with_line_breaks_and_blanks_around() -> None:
    text = "\n  " + f.TD2_SPECIMEN[0] + "  \n\n" + f.TD2_SPECIMEN[1] + "\n"
    assert mrz.parse(text, today=f.SPECIMEN_DAY, allow_specimen=True).valid


def test_accepts_a_zone_read_without_its_line_breaks() -> None:
    result = read_specimen(["".join(f.TD1_SPECIMEN)])
    assert result.layout is Layout.TD1
    assert result.valid


def test_a_visa_is_told_from_a_passport_by_its_document_code() -> None:
    assert read(f.td3(code="V")).layout is Layout.MRV_A
    assert read(f.td2(code="V")).layout is Layout.MRV_B


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (f.td3(code="I"), "document code 'I<' must start with P on a TD3 (passport)"),
        (f.td1(code="P"), "document code 'P<' must start with A, C or I on a TD1 (identity card)"),
        (f.td2(code="I1"), "document code 'I1': its second character must be a letter or <"),
    ],
)
def test_document_code_must_fit_the_layout(lines: list[str], message: str) -> None:
    assert failed(read(lines))["document_code"] == message


# --- codes and sex ----------------------------------------------------------------------


def test_germany_is_d_and_its_iso_code_is_refused_with_a_hint() -> None:
    assert read(f.td3(state="D", nationality="D")).valid
    message = failed(read(f.td3(state="DEU")))["issuing_state"]
    assert message == (
        "issuing state 'DEU' is not an ICAO Doc 9303 code: Germany's code in an MRZ is D, not DEU"
    )


def test_unknown_codes_are_refused() -> None:
    assert failed(read(f.td3(nationality="ABC")))["nationality"] == (
        "nationality 'ABC' is not an ICAO Doc 9303 code"
    )
    assert failed(read(f.td3(state="<<<")))["issuing_state"] == "issuing state is missing"


@pytest.mark.parametrize("code", ["UNO", "XOM", "EUE", "XPO", "GBN", "RKS"])
def test_organisations_may_issue(code: str) -> None:
    assert read(f.td3(state=code, nationality=code)).valid


@pytest.mark.parametrize("code", ["XXA", "XXB", "XXC", "XXX"])
def test_stateless_and_refugee_codes_are_nationalities_not_issuers(code: str) -> None:
    assert read(f.td3(nationality=code)).valid
    assert failed(read(f.td3(state=code)))["issuing_state"] == (
        f"issuing state {code} describes a holder, not an issuer of documents"
    )


def test_sex_is_m_f_or_a_filler() -> None:
    assert read(f.td3(sex="<")).fields.sex is None
    assert read(f.td3(sex="M")).fields.sex == "M"
    assert failed(read(f.td3(sex="X")))["sex"] == ("sex must be M, F or < (unspecified); found 'X'")


# --- dates, expiry and age --------------------------------------------------------------


def test_expired_document_names_the_day() -> None:
    result = read(f.td3(expiry="250228"))
    assert failed(result) == {"not_expired": "expired on 2025-02-28"}


def test_document_is_valid_through_its_expiry_day() -> None:
    assert read(f.td3(expiry="250301")).valid


def test_minor_is_refused_and_the_adult_age_is_configurable() -> None:
    lines = f.td3(birth="080302")  # 16 on 2025-03-01, 17 the next day
    assert failed(read(lines))["adult"] == (
        "holder is under 18: 16 years old on 2025-03-01 (date of birth 080302)"
    )
    assert read(lines, adult_age=16).valid


def test_holder_is_an_adult_on_the_eighteenth_birthday() -> None:
    assert read(f.td3(birth="070301")).valid
    assert not read(f.td3(birth="070302")).valid


@pytest.mark.parametrize("age", [0, 151])
def test_adult_age_out_of_range_is_unusable(age: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        read(f.td3(), adult_age=age)
    assert caught.value.field == "adult_age"


@pytest.mark.parametrize(
    ("birth", "message"),
    [
        ("741332", "date of birth 741332 has no month 13"),
        ("741200", "date of birth 741200 has no day 00"),
        ("750229", "date of birth 750229 is not a valid date (1975-02-29)"),
        ("74O812", "date of birth 74O812 is not a date (YYMMDD, with << for an unknown part)"),
    ],
)
def test_invalid_birth_dates_are_reported(birth: str, message: str) -> None:
    result = read(f.td3(birth=birth))
    assert failed(result)["birth_date"] == message
    assert result.fields.birth_date is None
    assert failed(result)["adult"] == "age cannot be established: the date of birth is not known"


def test_invalid_expiry_date_is_reported() -> None:
    messages = failed(read(f.td3(expiry="251131")))
    assert messages["expiry_date"] == "date of expiry 251131 is not a valid date (2025-11-31)"
    assert messages["not_expired"] == ("expiry cannot be checked: the date of expiry is not a date")


def test_birth_century_makes_the_holder_0_to_99_years_old() -> None:
    assert read(f.td3(birth="000229")).fields.birth_date == date(2000, 2, 29)
    assert read(f.td3(birth="250301")).fields.birth_date == date(2025, 3, 1)
    assert read(f.td3(birth="250302")).fields.birth_date == date(1925, 3, 2)


def test_expiry_century_is_within_fifty_years_of_today() -> None:
    assert read(f.td3(expiry="740101")).fields.expiry_date == date(2074, 1, 1)
    assert read(f.td3(expiry="760101")).fields.expiry_date == date(1976, 1, 1)


def test_expiry_before_birth_is_reported() -> None:
    message = failed(read(f.td3(birth="990101", expiry="760101")))["expiry_date"]
    assert message == "date of expiry 1976-01-01 is not after the date of birth 1999-01-01"


def test_partly_unknown_birth_date_is_allowed_and_judged_by_its_latest_day() -> None:
    result = read(f.td3(birth="0703<<"))
    assert result.fields.birth_date is None
    assert result.verdict("birth_date").message == "date of birth is partly unknown (0703<<)"
    # born in March 2007 at the latest on 31 March: not 18 for certain on 1 March 2025
    assert failed(result)["adult"].startswith("holder is under 18: at least 17 years old")
    assert read(f.td3(birth="0702<<")).valid


def test_unknown_birth_date_cannot_prove_age() -> None:
    result = read(f.td3(birth="<<<<<<"))
    assert failed(result) == {"adult": "age cannot be established: the date of birth is not known"}


# --- names, fields, serialisation -------------------------------------------------------


def test_name_filling_the_field_is_flagged_as_maybe_truncated() -> None:
    result = read(f.td1(name="MUSTERMANN<<ERIKA<ANNA<MARIA<L"))
    assert result.fields.name_may_be_truncated
    assert result.fields.given_names == "ERIKA ANNA MARIA L"
    assert result.verdict("name").message == (
        "name MUSTERMANN, ERIKA ANNA MARIA L (it fills the field, so it may be truncated)"
    )
    assert not read(f.td1()).fields.name_may_be_truncated


def test_name_without_given_names() -> None:
    fields = read(f.td3(name="MUSTERMANN")).fields
    assert (fields.surname, fields.given_names) == ("MUSTERMANN", "")


def test_result_serialises_to_json_with_check_digit_verdicts() -> None:
    body = read_specimen(f.TD3_SPECIMEN).to_dict()
    assert json.loads(json.dumps(body)) == body
    assert body["valid"] is True
    assert body["fields"]["birth_date"] == "1974-08-12"
    assert body["check_digits"] == {
        "document_number": True,
        "birth_date": True,
        "expiry_date": True,
        "personal_number": True,
        "composite": True,
    }


def test_unknown_check_name_raises_key_error() -> None:
    with pytest.raises(KeyError):
        read(f.td3()).verdict("nope")


# --- properties -------------------------------------------------------------------------

_ALNUM = string.ascii_uppercase + string.digits
_dates = st.dates(min_value=date(1926, 3, 2), max_value=date(2007, 3, 1))


@settings(deadline=None)
@given(
    number=st.text(_ALNUM, min_size=1, max_size=9),
    personal=st.text(_ALNUM, max_size=14),
    born=_dates,
    expiry=st.dates(min_value=date(2025, 3, 1), max_value=date(2074, 12, 31)),
    sex=st.sampled_from("MF<"),
)
def test_any_well_formed_td3_is_valid_and_reads_back(
    number: str, personal: str, born: date, expiry: date, sex: str
) -> None:
    lines = f.td3(
        number=number,
        personal=personal,
        birth=born.strftime("%y%m%d"),
        expiry=expiry.strftime("%y%m%d"),
        sex=sex,
    )
    result = read(lines)
    assert result.valid, failed(result)
    assert result.fields.document_number == number
    assert (result.fields.birth_date, result.fields.expiry_date) == (born, expiry)
    assert result.fields.personal_number == personal


@settings(deadline=None)
@given(position=st.integers(min_value=1, max_value=44), data=st.data())
def test_changing_any_digit_of_a_td3_second_line_is_detected(
    position: int, data: st.DataObject
) -> None:
    lines = f.td3(number="123456789", personal="98765432101234")
    printed = lines[1][position - 1]
    if not printed.isdigit():
        return
    other = data.draw(st.sampled_from([d for d in string.digits if d != printed]))
    assert not read(f.with_char(lines, 2, position, other)).valid
