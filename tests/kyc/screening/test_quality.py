"""Precision and recall of the matcher on the labelled name pairs, at the default threshold.

Each pair's candidate is put in one index with every other candidate; a pair counts as
predicted when screening its query (retrieval and scoring, as in production) returns its
candidate. Names only: no dates of birth or nationalities. Run with -s to see the numbers:

    uv run pytest -q -p no:cacheprovider -s tests/kyc/screening/test_quality.py
"""

from __future__ import annotations

import csv
from collections import Counter

from firstmile.kyc.screening.entries import ListedName, Listing, Schema
from firstmile.kyc.screening.index import Index
from firstmile.kyc.screening.matching import DEFAULT_THRESHOLD, Query, search
from tests.kyc.screening.factories import DATA

PRECISION_FLOOR = 0.93  # measured 0.958 (7 false positives among 166 predicted)
RECALL_FLOOR = 0.93  # measured 0.964 (6 misses among 165 positives)
CROSS_SCRIPT = {"arabic", "cyrillic", "japanese"}


def pairs() -> list[dict[str, str]]:
    with (DATA / "name_pairs.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def schema_of(row: dict[str, str]) -> Schema:
    return Schema.COMPANY if row["script"] == "company" else Schema.PERSON


def test_the_labelled_set_is_large_mixed_and_cross_script() -> None:
    rows = pairs()
    assert len(rows) >= 200
    assert sum(r["script"] in CROSS_SCRIPT for r in rows) * 3 >= len(rows)
    assert set(Counter(r["label"] for r in rows)) == {"0", "1"}
    assert all(r["query"] and r["candidate"] and r["note"] for r in rows)


def test_precision_and_recall_at_the_default_threshold() -> None:
    rows = pairs()
    ids: dict[tuple[str, Schema], str] = {}
    for row in rows:
        ids.setdefault((row["candidate"], schema_of(row)), str(len(ids)))
    index = Index(
        Listing(i, "pairs", i, schema, (ListedName(name),), (), (), ("sanction",), "")
        for (name, schema), i in ids.items()
    )
    outcome: Counter[tuple[str, str]] = Counter()
    for row in rows:
        query = Query(row["query"], schema=schema_of(row))
        found = {m.listing.id for m in search(index, query, DEFAULT_THRESHOLD)}
        predicted = ids[(row["candidate"], schema_of(row))] in found
        kind = {(True, "1"): "tp", (True, "0"): "fp", (False, "1"): "fn"}.get(
            (predicted, row["label"]), "tn"
        )
        outcome[(kind, row["script"])] += 1
    precision, recall = _report(outcome)
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


def _report(outcome: Counter[tuple[str, str]]) -> tuple[float, float]:
    def total(kind: str, scripts: set[str] | None = None) -> int:
        return sum(
            n for (k, s), n in outcome.items() if k == kind and (not scripts or s in scripts)
        )

    tp, fp, fn = total("tp"), total("fp"), total("fn")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nthreshold {DEFAULT_THRESHOLD}: precision {precision:.3f}, recall {recall:.3f}")
    print(f"  tp {tp}  fp {fp}  fn {fn}  tn {total('tn')}")
    for script in ("latin", "company", "arabic", "cyrillic", "japanese"):
        s_tp, s_fp, s_fn = (total(k, {script}) for k in ("tp", "fp", "fn"))
        s_precision, s_recall = s_tp / max(1, s_tp + s_fp), s_tp / max(1, s_tp + s_fn)
        print(f"  {script:9} precision {s_precision:.3f}, recall {s_recall:.3f}")
    return precision, recall
