"""The kyc domain's service (see docs/kyc.md and docs/domain-interfaces.md).

`verification`: start, upload, submit (every check, the risk decision); `review`: the
queue, cases and decisions, audited; `retention`: what is erased when its time is over;
`findings`: the checks beyond the document; `common`: policy, decisions, audit, events.
"""

from firstmile.kyc.service.common import (
    decide,
    documents,
    get_verification,
    policy,
    record,
    risk_policy,
)
from firstmile.kyc.service.findings import check_entry, identifier_finding
from firstmile.kyc.service.retention import purge_details, purge_documents
from firstmile.kyc.service.review import (
    SLA_JOB,
    approve,
    assign,
    audit_trail,
    case,
    check_sla,
    document_image,
    open_review,
    queue,
    queue_size,
    reject,
    request_info,
)
from firstmile.kyc.service.verification import (
    DOCUMENT_KINDS,
    DOCUMENT_TYPES,
    MAX_DOCUMENT_BYTES,
    SUBMITTABLE,
    Typed,
    open_screening_case,
    settle,
    start,
    submit,
    upload,
    verifications_of,
)

__all__ = [
    "DOCUMENT_KINDS",
    "DOCUMENT_TYPES",
    "MAX_DOCUMENT_BYTES",
    "SLA_JOB",
    "SUBMITTABLE",
    "Typed",
    "approve",
    "assign",
    "audit_trail",
    "case",
    "check_entry",
    "check_sla",
    "decide",
    "document_image",
    "documents",
    "get_verification",
    "identifier_finding",
    "open_review",
    "open_screening_case",
    "policy",
    "purge_details",
    "purge_documents",
    "queue",
    "queue_size",
    "record",
    "reject",
    "request_info",
    "risk_policy",
    "settle",
    "start",
    "submit",
    "upload",
    "verifications_of",
]
