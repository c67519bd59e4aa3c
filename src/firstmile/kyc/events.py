"""KYC event types. Payloads carry verdicts and reasons, never document numbers or images."""

from __future__ import annotations

from firstmile.eventlog.catalogue import declare

KYC_STARTED = declare(
    "kyc.started",
    "An identity verification was started for the customer; documents are awaited.",
    subject="kyc_verification",
    payload={"started_by": "who started it (a journey, an agent, the customer)"},
)
KYC_DOCUMENTS_SUBMITTED = declare(
    "kyc.documents_submitted",
    "The customer submitted their identity details and document; the checks ran.",
    subject="kyc_verification",
    payload={
        "submission": "the submission's number (1 for the first)",
        "score": "the risk score",
        "outcome": "approve, review or reject",
        "reasons": "the rules that added to the score",
    },
)
KYC_REVIEW_OPENED = declare(
    "kyc.review_opened",
    "The risk decision needs an agent: a review case is open with an SLA.",
    subject="kyc_verification",
    payload={"score": "the risk score", "reasons": "why", "sla_due_at": "when it is due"},
)
KYC_REVIEW_OVERDUE = declare(
    "kyc.review_overdue",
    "A review case is still undecided when its SLA is due.",
    subject="kyc_verification",
    payload={"assignee": "who has it (null: nobody)", "hours_late": "hours past the SLA"},
)
KYC_APPROVED = declare(
    "kyc.approved",
    "The customer's identity is verified (by the rules, or by a reviewer).",
    subject="kyc_verification",
    payload={"by": "rules or the reviewer", "score": "the risk score"},
)
KYC_REJECTED = declare(
    "kyc.rejected",
    "The identity verification failed (by the rules, or by a reviewer).",
    subject="kyc_verification",
    payload={"by": "rules or the reviewer", "reasons": "why"},
)
KYC_INFO_REQUESTED = declare(
    "kyc.info_requested",
    "A reviewer asked the customer for more information; the customer submits again.",
    subject="kyc_verification",
    payload={"by": "the reviewer", "note": "what is asked for"},
)
KYC_CASE_ASSIGNED = declare(
    "kyc.case_assigned",
    "A review case was assigned to an agent.",
    subject="kyc_verification",
    payload={"assignee": "the agent", "by": "who assigned it"},
)
KYC_DOCUMENTS_PURGED = declare(
    "kyc.documents_purged",
    "Document images past their retention period were erased.",
    subject="kyc_verification",
    payload={"documents": "how many were erased"},
)
KYC_DETAILS_PURGED = declare(
    "kyc.details_purged",
    "A decided verification's details (typed data, document fields, checks) reached the end "
    "of their retention period and were erased; the verdict stays.",
    subject="kyc_verification",
)
PRIVACY_EXPORTED = declare(
    "privacy.data_exported",
    "Everything held about the customer was exported (a data-subject access request).",
    subject="customer",
    payload={"tables": "the tables the export holds rows of"},
)
PRIVACY_ERASED = declare(
    "privacy.data_erased",
    "The customer's personal data was erased, except what a law requires to keep.",
    subject="customer",
    payload={
        "erased": "what was erased",
        "held": "what is kept under a legal hold",
        "reason": "the request's reason, as given",
    },
)
