"""The risk decision: findings from the checks, weighed by the pack's rules, give a score
and an outcome (approve, review, reject), with every reason kept.

Pure: the service gathers the findings; this module only weighs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import field as dataclass_field
from typing import Any

APPROVE, REVIEW, REJECT = "approve", "review", "reject"

# The rules a pack can weigh (kyc.yaml `risk.rules`), with what each finding means.
RULES = {
    "document_invalid": "the machine-readable zone is malformed or a check digit does not match",
    "document_expired": "the document has expired",
    "minor": "the holder is under the adult age",
    "data_mismatch": "the typed details differ from the document",
    "identifier_invalid": "an identifier (national id, tax id, IBAN, ...) is not valid",
    "disposable_email": "the email address is at a disposable-mail domain",
    "non_mobile_phone": "the phone number cannot receive SMS",
    "velocity": "the same document, phone, email or IBAN is used by other customers",
    "outside_service_area": "the address is outside the operator's service area",
    "screening_hit": "a sanctions or PEP list entry matches",
}


@dataclass(frozen=True)
class Finding:
    """One thing a check found. `detail` says it in English; `code` names it (`mrz.adult.
    under_age`, `finding.velocity_phone`) and `params` hold its values (numbers, ISO dates,
    country codes) so the back office can word it in the reviewer's language. Both are kept
    in the reason beside `detail` (and blanked with it when the details are purged)."""

    rule: str
    detail: str
    field: str | None = None
    code: str | None = None
    params: dict[str, Any] = dataclass_field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Policy:
    weights: dict[str, int]
    review_at: int = 30
    reject_at: int = 100
    # A rule listed here decides alone, whatever the score (e.g. an expired document).
    reject_rules: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    outcome: str
    score: int
    reasons: list[dict[str, Any]]


def decide(findings: list[Finding], policy: Policy) -> Decision:
    """Each finding adds its rule's weight (a rule counts once, however many findings it
    has); the outcome follows the thresholds, and a reject rule rejects on its own."""
    reasons = [
        {
            "rule": f.rule,
            "weight": policy.weights.get(f.rule, 0),
            "detail": f.detail,
            **({"field": f.field} if f.field else {}),
            **({"code": f.code, "params": dict(f.params)} if f.code else {}),
        }
        for f in findings
    ]
    fired = {f.rule for f in findings}
    score = sum(policy.weights.get(rule, 0) for rule in fired)
    if fired & policy.reject_rules or score >= policy.reject_at:
        outcome = REJECT
    elif score >= policy.review_at:
        outcome = REVIEW
    else:
        outcome = APPROVE
    return Decision(outcome, score, reasons)
