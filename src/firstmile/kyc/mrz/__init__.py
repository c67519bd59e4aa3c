"""Machine-readable zones of travel and identity documents (ICAO Doc 9303, 8th edition).

`parse` reads a TD1, TD2, TD3, MRV-A or MRV-B zone into its fields and checks it: every
check digit, the character set, the codes, the dates, expiry and the holder's age on a given
day. `compare` matches the result against what the customer typed.
"""

from __future__ import annotations

from firstmile.kyc.mrz.compare import FieldComparison, MrzComparison, Verdict, compare
from firstmile.kyc.mrz.layouts import Layout, check_digit
from firstmile.kyc.mrz.reader import DEFAULT_ADULT_AGE, parse
from firstmile.kyc.mrz.result import MrzCheck, MrzFields, MrzResult

__all__ = [
    "DEFAULT_ADULT_AGE",
    "FieldComparison",
    "Layout",
    "MrzCheck",
    "MrzComparison",
    "MrzFields",
    "MrzResult",
    "Verdict",
    "check_digit",
    "compare",
    "parse",
]
