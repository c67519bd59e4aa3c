"""What a date of birth and a nationality add to a name match, and the final score.

Date of birth (the customer's full date against each date the entry lists; the best
counts): the same full date +0.10; within what the list gives (the year, the month, a
range of years) +0.05; the same year but another day -0.05; one year apart -0.05; further
apart -0.15; nothing to compare on one side 0.
Nationality: the customer's country among the entry's countries +0.05; the entry lists
countries and not the customer's -0.10; nothing to compare 0.
Final score: the name score (x 0.9 for a weak alias), plus both effects, kept within 0..1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WEAK_ALIAS_FACTOR = 0.9


@dataclass(frozen=True, slots=True)
class Effect:
    delta: float
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"effect": self.delta, "reason": self.reason}


def birth_date_effect(birth_date: date | None, listed: Sequence[str]) -> Effect:
    """The best effect over the listed dates (rules in the module doc)."""
    if birth_date is None or not listed:
        return Effect(0.0, "no date of birth to compare")
    return max((_one_date(birth_date, text) for text in listed), key=lambda e: e.delta)


def _one_date(birth_date: date, text: str) -> Effect:
    day = birth_date.isoformat()
    if "/" in text:
        first, _, last = text.partition("/")
        if int(first) <= birth_date.year <= int(last):
            return Effect(0.05, f"born {birth_date.year}, within the listed {text}")
        gap = min(abs(birth_date.year - int(first)), abs(birth_date.year - int(last)))
        return _apart(birth_date, text, gap)
    if text == day:
        return Effect(0.1, f"same date of birth {text}")
    if len(text) < 10 and day.startswith(text):
        return Effect(0.05, f"born {day}, listed {text}")
    if text[:4] == day[:4]:
        return Effect(-0.05, f"same year of birth, another day: {day}, listed {text}")
    return _apart(birth_date, text, abs(birth_date.year - int(text[:4])))


def _apart(birth_date: date, text: str, years: int) -> Effect:
    delta = -0.05 if years <= 1 else -0.15
    return Effect(delta, f"born {birth_date.isoformat()}, listed {text}")


def nationality_effect(country: str | None, listed: Sequence[str]) -> Effect:
    if country is None or not listed:
        return Effect(0.0, "no nationality to compare")
    code = country.upper()
    if code in listed:
        return Effect(0.05, f"{code} is listed")
    return Effect(-0.1, f"{code}, listed {', '.join(listed)}")


def final_score(name_score: float, weak: bool, *effects: Effect) -> float:
    base = name_score * (WEAK_ALIAS_FACTOR if weak else 1.0)
    return round(min(1.0, max(0.0, base + sum(e.delta for e in effects))), 4)
