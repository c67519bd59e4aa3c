"""Comparing what a customer typed with what their document's MRZ says.

Names are compared after writing the typed name in the MRZ alphabet (see `names`), so
"Müller" matches MUELLER, MULLER and MUXXLLER, and "Jean-Luc" matches JEAN<LUC. When the
name fills the MRZ field, the issuer may have cut its end: the part that reaches the end of
the field (the given names, or the surname when there are none) then matches if the MRZ holds
a leading part of the typed name. Document numbers are compared ignoring case, blanks,
hyphens, slashes and full stops. A partly unknown MRZ date of birth is compared on its known
parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from enum import StrEnum
from typing import Any

from firstmile.kit.errors import InvalidInput
from firstmile.kyc.mrz.layouts import FILLER
from firstmile.kyc.mrz.names import matches, transliterate, untransliterable
from firstmile.kyc.mrz.result import MrzResult

_NUMBER_NOISE = re.compile(r"[\s\-/.]")
# label, verb and pronoun of each name part, for messages
_NAME_WORDS = {
    "surname": ("surname", "matches", "it"),
    "given_names": ("given names", "match", "them"),
}


class Verdict(StrEnum):
    MATCH = "match"
    TRUNCATED_MATCH = "truncated_match"  # the MRZ holds a leading part of the typed value
    MISMATCH = "mismatch"
    NOT_COMPARABLE = "not_comparable"  # the MRZ value is unreadable or the typed one unwritable


@dataclass(frozen=True)
class FieldComparison:
    """One field's verdict; `message` in English, `code` and `params` name it for pages
    that word it in another language (`mrz.compare.mismatch`, {"mrz": ..., "typed": ...})."""

    field: str
    verdict: Verdict
    mrz: str | None
    typed: str
    message: str
    code: str = ""
    params: dict[str, Any] = dataclass_field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return self.verdict in (Verdict.MATCH, Verdict.TRUNCATED_MATCH)


@dataclass(frozen=True)
class MrzComparison:
    fields: tuple[FieldComparison, ...]

    @property
    def matches(self) -> bool:
        """True when every compared field matches (a truncated match counts)."""
        return all(item.ok for item in self.fields)

    def to_dict(self) -> dict[str, Any]:
        keys = ("field", "verdict", "mrz", "typed", "message")
        shown = [{key: getattr(item, key) for key in keys} for item in self.fields]
        return {"matches": self.matches, "fields": shown}


def compare(
    parsed: MrzResult,
    *,
    surname: str | None = None,
    given_names: str | None = None,
    birth_date: date | None = None,
    document_number: str | None = None,
) -> MrzComparison:
    """Per-field verdicts for the fields given; `InvalidInput` if none is."""
    fields = parsed.fields
    results: list[FieldComparison] = []
    if surname is not None:
        cut = fields.name_may_be_truncated and not fields.given_names
        results.append(_name("surname", surname, fields.surname, truncatable=cut))
    if given_names is not None:
        cut = fields.name_may_be_truncated
        results.append(_name("given_names", given_names, fields.given_names, truncatable=cut))
    if birth_date is not None:
        results.append(_birth_date(birth_date, parsed))
    if document_number is not None:
        results.append(_document_number(document_number, fields.document_number))
    if not results:
        raise InvalidInput("give at least one field to compare with the MRZ", field="fields")
    return MrzComparison(tuple(results))


def _name(field: str, typed: str, mrz_words: str, *, truncatable: bool) -> FieldComparison:
    label, verb, pronoun = _NAME_WORDS[field]
    mrz = mrz_words.replace(" ", FILLER)
    strange = untransliterable(typed)
    if strange:
        listed = ", ".join(repr(char) for char in strange)
        message = f"typed {label} has characters with no MRZ transliteration: {listed}"
        return FieldComparison(
            field,
            Verdict.NOT_COMPARABLE,
            mrz_words,
            typed,
            message,
            "mrz.compare.untransliterable",
            {"chars": listed},
        )
    if matches(typed, mrz, allow_truncation=False):
        message = f"{label} {verb}"
        return FieldComparison(field, Verdict.MATCH, mrz_words, typed, message, "mrz.compare.match")
    if truncatable and matches(typed, mrz, allow_truncation=True):
        message = f"{label} {verb}: the MRZ holds {pronoun} truncated ({mrz})"
        code, params = "mrz.compare.truncated_match", {"mrz": mrz}
        return FieldComparison(
            field, Verdict.TRUNCATED_MATCH, mrz_words, typed, message, code, params
        )
    return _mismatch(field, label, mrz_words, mrz, typed, transliterate(typed))


def _mismatch(
    field: str, label: str, mrz_value: str | None, mrz: str, typed: str, shown: str
) -> FieldComparison:
    message = f"{label} does not match: the MRZ has {mrz or '(nothing)'}, typed is {shown}"
    code = "mrz.compare.mismatch" if mrz else "mrz.compare.mismatch_empty"
    params = {"mrz": mrz, "typed": shown} if mrz else {"typed": shown}
    return FieldComparison(field, Verdict.MISMATCH, mrz_value, typed, message, code, params)


def _birth_date(typed: date, parsed: MrzResult) -> FieldComparison:
    raw = parsed.fields.birth_date_raw
    known = parsed.fields.birth_date
    shown = typed.isoformat()
    birth_check = parsed.verdict("birth_date")
    if not birth_check.ok:
        message = f"date of birth cannot be compared: {birth_check.message}"
        code = "mrz.compare.birth_date_not_comparable"
        return FieldComparison("birth_date", Verdict.NOT_COMPARABLE, raw, shown, message, code)
    if known is not None:
        same = known == typed
        mrz_shown = known.isoformat()
    else:  # partly unknown: compare the digits that are there
        digits = typed.strftime("%y%m%d")
        same = all(m in (FILLER, t) for m, t in zip(raw, digits, strict=True))
        mrz_shown = raw
    if same:
        matched = (
            "date of birth matches"
            if known
            else f"date of birth matches the MRZ's known parts ({raw})"
        )
        code = "mrz.compare.match" if known else "mrz.compare.known_parts_match"
        params = {} if known else {"raw": raw}
        return FieldComparison("birth_date", Verdict.MATCH, mrz_shown, shown, matched, code, params)
    message = f"date of birth does not match: the MRZ has {mrz_shown}, typed is {shown}"
    code = "mrz.compare.birth_date_mismatch"
    params = {"mrz_date": mrz_shown, "typed_date": shown}
    return FieldComparison("birth_date", Verdict.MISMATCH, mrz_shown, shown, message, code, params)


def _document_number(typed: str, mrz: str) -> FieldComparison:
    cleaned = _NUMBER_NOISE.sub("", typed).upper()
    if cleaned == mrz and mrz:
        return FieldComparison(
            "document_number",
            Verdict.MATCH,
            mrz,
            typed,
            "document number matches",
            "mrz.compare.match",
        )
    return _mismatch("document_number", "document number", mrz, mrz, typed, cleaned)
