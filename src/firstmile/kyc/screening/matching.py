"""Screening one name against an index: candidates, comparison, effects, explained hits.

A listing is a hit when its best-scoring name reaches the threshold. DEFAULT_THRESHOLD is
chosen on the labelled pairs in tests/kyc/screening/data/name_pairs.csv (names only, no
dates): at 0.80 precision is 0.958 and recall 0.964 there (test_quality prints them);
between 0.75 and 0.80 they barely move, above 0.85 recall drops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from firstmile.kyc.screening import scoring
from firstmile.kyc.screening.entries import ListedName, Listing, NameKind, Schema
from firstmile.kyc.screening.index import Index
from firstmile.kyc.screening.names import PreparedName, prepare
from firstmile.kyc.screening.similarity import NameComparison, compare

DEFAULT_THRESHOLD = 0.80


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    birth_date: date | None = None
    country: str | None = None  # ISO alpha-2 nationality (a company: its country)
    schema: Schema | None = None  # None: persons and companies alike


@dataclass(frozen=True, slots=True)
class Match:
    """A listing that matched, and why."""

    listing: Listing
    score: float
    threshold: float
    query: PreparedName
    listed: ListedName
    comparison: NameComparison
    birth_date: scoring.Effect
    nationality: scoring.Effect

    def explain(self) -> dict[str, Any]:
        c = self.comparison
        return {
            "score": self.score,
            "threshold": self.threshold,
            "name": {
                "query": self.query.text,
                "listed": self.listed.name,
                "listed_kind": self.listed.kind.value,
                "score": c.score,
                "tokens": [
                    {
                        "query": p.query.text,
                        "listed": p.listed.text,
                        "read_as": [p.query.latin, p.listed.latin],
                        "similarity": round(p.similarity, 3),
                        "method": p.method,
                    }
                    for p in c.pairs
                ],
                "unmatched_query": [t.text for t in c.unpaired_query],
                "unmatched_listed": [t.text for t in c.unpaired_listed],
                "ignored": list(self.query.dropped),
            },
            "birth_date": self.birth_date.to_dict(),
            "nationality": self.nationality.to_dict(),
        }

    def to_dict(self) -> dict[str, Any]:
        entry = self.listing
        return {
            "entry": {
                "id": entry.id,
                "source": entry.source,
                "external_id": entry.external_id,
                "schema": entry.schema.value,
                "name": entry.names[0].name,
                "topics": list(entry.topics),
                "birth_dates": list(entry.birth_dates),
                "countries": list(entry.countries),
            },
            **self.explain(),
        }


def search(index: Index, query: Query, threshold: float = DEFAULT_THRESHOLD) -> list[Match]:
    """The listings of `index` that match `query` at `threshold` or above, best first."""
    prepared = prepare(
        query.name, company=query.schema == Schema.COMPANY, japanese=query.country == "JP"
    )
    if not prepared.tokens:
        return []
    best: dict[int, Match] = {}
    for name_id in index.candidates(prepared, query.schema):
        indexed = index.names[name_id]
        listing = index.listings[indexed.listing]
        comparison = compare(prepared.tokens, indexed.prepared.tokens)
        previous = best.get(indexed.listing)
        if previous is not None and previous.comparison.score >= comparison.score:
            continue
        listed = ListedName(indexed.prepared.text, indexed.kind)
        best[indexed.listing] = _match(listing, prepared, listed, comparison, query, threshold)
    hits = [m for m in best.values() if m.score >= threshold]
    return sorted(hits, key=lambda m: (-m.score, m.listing.source, m.listing.external_id))


def _match(
    listing: Listing,
    prepared: PreparedName,
    listed: ListedName,
    comparison: NameComparison,
    query: Query,
    threshold: float,
) -> Match:
    born = scoring.birth_date_effect(query.birth_date, listing.birth_dates)
    nationality = scoring.nationality_effect(query.country, listing.countries)
    weak = listed.kind == NameKind.WEAK
    score = scoring.final_score(comparison.score, weak, born, nationality)
    return Match(listing, score, threshold, prepared, listed, comparison, born, nationality)
