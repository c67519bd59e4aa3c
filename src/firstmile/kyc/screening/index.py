"""The candidate index: from a query name to the few list names worth comparing.

Every token of every listed name is keyed three ways: its canonical form (c:muhammad), its
consonant skeleton (s:mhmd) and the skeleton an abjad writes (a:mhmd, without w). A query
token looks up the same keys, and also the canonical forms of each split of a long token in
two (スズキイチロウ: suzuki + ichiro) and of each pair of adjacent tokens joined (Suzuki
Ichiro: suzukiichiro, ichirosuzuki).
Each listed name collects, per query token, the weight of the rarest key it shares
(log(N / (1 + postings))); the names with the highest sums, CANDIDATES at most, go on to
the full comparison. Keys of one letter, and keys shared by more than MAX_POSTINGS names
while the query has rarer ones, are not looked up: they would select half the list.

The index lives in memory, one per process and database (see `service.current_index`):
about 0.4 KB per listed name (38,000 names: ~15 MB, built in about 1.5 s from the entries
table, and again after any list load). A screening costs the same whatever the list size
up to the candidate cut: the postings looked up grow with the list, the comparisons do not.
Lists of millions of names (all of OpenSanctions) would move the postings into a database
table keyed the same way, looked up with one query per screening.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from firstmile.kyc.screening.entries import Listing, NameKind, Schema
from firstmile.kyc.screening.names import PreparedName, Token, prepare
from firstmile.kyc.screening.similarity import abjad_skeleton
from firstmile.kyc.screening.variants import canonical

CANDIDATES = 40
MAX_POSTINGS = 5_000
_SPLIT_FROM = 6  # tokens this long may be two names written as one


@dataclass(frozen=True, slots=True)
class IndexedName:
    listing: int  # position in Index.listings
    kind: NameKind
    prepared: PreparedName


def token_keys(token: Token) -> set[str]:
    keys = {f"c:{token.canonical}"}
    if len(token.skeleton) > 1:
        keys.add(f"s:{token.skeleton}")
    abjad = abjad_skeleton(token.loose)
    if len(abjad) > 1:
        keys.add(f"a:{abjad}")
    return keys


class Index:
    """Listings and their names, keyed for retrieval (rules in the module doc)."""

    def __init__(self, listings: Iterable[Listing]) -> None:
        self.listings: list[Listing] = []
        self.names: list[IndexedName] = []
        self.postings: dict[str, list[int]] = {}
        for listing in listings:
            self._add(listing)

    def _add(self, listing: Listing) -> None:
        position = len(self.listings)
        self.listings.append(listing)
        company = listing.schema == Schema.COMPANY
        for listed in listing.names:
            prepared = prepare(listed.name, company=company)
            if not prepared.tokens:
                continue
            name_id = len(self.names)
            self.names.append(IndexedName(position, listed.kind, prepared))
            keys = set().union(*(token_keys(t) for t in prepared.tokens))
            for key in keys:
                self.postings.setdefault(key, []).append(name_id)

    def candidates(self, query: PreparedName, schema: Schema | None) -> list[int]:
        """The names (positions in `names`) most worth comparing with `query`, best first."""
        total = len(self.names) or 1
        scores: dict[int, float] = {}
        for keys in _query_keys(query.tokens):
            found = [(k, self.postings[k]) for k in keys if k in self.postings]
            rare = [(k, p) for k, p in found if len(p) <= MAX_POSTINGS] or found
            best: dict[int, float] = {}
            for _key, names in rare:
                weight = math.log(total / (1 + len(names))) + 1.0
                for name_id in names:
                    if best.get(name_id, 0.0) < weight:
                        best[name_id] = weight
            for name_id, weight in best.items():
                scores[name_id] = scores.get(name_id, 0.0) + weight
        ranked = sorted(scores, key=scores.__getitem__, reverse=True)
        if schema is not None:
            ranked = [n for n in ranked if self._schema(n) == schema]
        return ranked[:CANDIDATES]

    def _schema(self, name_id: int) -> Schema:
        return self.listings[self.names[name_id].listing].schema


def _query_keys(tokens: tuple[Token, ...]) -> Iterator[set[str]]:
    """Per query token, every key it may be listed under (see the module doc)."""
    for position, token in enumerate(tokens):
        keys = token_keys(token)
        if len(token.latin) >= _SPLIT_FROM:
            for cut in range(3, len(token.latin) - 2):
                keys.add(f"c:{canonical(token.latin[:cut])}")
                keys.add(f"c:{canonical(token.latin[cut:])}")
        if position + 1 < len(tokens):
            following = tokens[position + 1].latin
            keys.add(f"c:{token.latin}{following}")
            keys.add(f"c:{following}{token.latin}")
        yield keys
