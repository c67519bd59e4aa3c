"""Event types the contracts domain records. Subject: the contract; customer_id always set."""

from firstmile.eventlog.catalogue import declare

CONTRACT_PREPARED = declare(
    "contract.prepared",
    "A contract was opened for a placed order; its PDF is being rendered by a job.",
    subject="contract",
    payload={"order_id": "the order the contract is for", "language": "the contract's locale"},
)
CONTRACT_READY = declare(
    "contract.ready",
    "The unsigned contract PDF was rendered; the customer can ask for a signature code.",
    subject="contract",
    payload={
        "order_id": "the order the contract is for",
        "document_sha256": "SHA-256 (hex) of the unsigned PDF, the bytes the customer signs",
        "size_bytes": "size of the unsigned PDF",
    },
)
CONTRACT_SIGNATURE_REQUESTED = declare(
    "contract.signature_requested",
    "A one-time signature code was sent to the customer's verified email or mobile number.",
    subject="contract",
    payload={
        "order_id": "the order the contract is for",
        "channel": "email | sms",
        "masked_address": "where the code went, masked (e.g. e***@example.com, +42******56)",
        "message_id": "the messaging request carrying the code",
    },
)
CONTRACT_SIGNED = declare(
    "contract.signed",
    "The customer signed the contract with the one-time code (simple electronic signature).",
    subject="contract",
    payload={
        "order_id": "the order the contract is for",
        "document_sha256": "SHA-256 (hex) of the exact unsigned PDF bytes that were signed",
    },
)
CONTRACT_SEALED = declare(
    "contract.sealed",
    "The operator sealed the signed contract with a PAdES signature (pyHanko).",
    subject="contract",
    payload={
        "order_id": "the order the contract is for",
        "sealed_sha256": "SHA-256 (hex) of the sealed PDF",
        "certificate_subject": "the sealing certificate's subject",
    },
)
CONTRACT_VOIDED = declare(
    "contract.voided",
    "The contract was voided before signature because its order was cancelled.",
    subject="contract",
    payload={"order_id": "the order the contract is for", "reason": "why, as given by orders"},
)
