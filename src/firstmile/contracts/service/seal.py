"""The operator's seal on a signed contract (a job), and validating a sealed PDF."""

from __future__ import annotations

import hashlib
from typing import Any

from firstmile.auth.scopes import SYSTEM
from firstmile.contracts import events, sealing
from firstmile.contracts import repository as repo
from firstmile.contracts.errors import ContractNotReady
from firstmile.contracts.models import Contract, ContractStatus, Signature
from firstmile.contracts.service.preparation import record_event
from firstmile.kit import jobs
from firstmile.kit import settings as settings_module
from firstmile.kit.db import Session
from firstmile.kit.errors import NotFound
from firstmile.kit.time import utcnow
from firstmile.packs import loader as packs

SEAL_JOB = "contracts.seal"


def seal_reason(signature: Signature) -> str:
    """The seal's reason names the simple electronic signature record it confirms."""
    return (
        f"Simple electronic signature {signature.id}: signed by {signature.signer_name} "
        f"(customer {signature.customer_id}) at {signature.signed_at.isoformat()} "
        f"from {signature.ip or 'unknown address'} with a one-time code sent by "
        f"{signature.channel} to {signature.masked_address}; "
        f"document SHA-256 {signature.document_sha256}"
    )


def seal_contract(db: Session, contract_id: str) -> Contract | None:
    """The job: seal the signed PDF once; `signed` -> `sealed`. Idempotent."""
    contract = repo.find(db, contract_id, for_update=True, with_pdfs=True)
    if contract is None or contract.status != ContractStatus.SIGNED:
        return contract
    signature = repo.signature_of(db, contract.id)
    if signature is None or contract.unsigned_pdf is None:
        raise jobs.PermanentJobError(f"contract {contract.id} is signed without a record")
    operator = packs.current_meta(db).operator
    settings = settings_module.current()
    sealed = sealing.seal(
        contract.unsigned_pdf,
        reason=seal_reason(signature),
        location=operator.get("address", "firstmile"),
        contact=operator.get("support_email", ""),
        settings=settings,
    )
    contract.sealed_pdf, contract.sealed_sha256 = sealed, hashlib.sha256(sealed).hexdigest()
    contract.status, contract.sealed_at = ContractStatus.SEALED, utcnow()
    db.flush()
    record_event(
        db,
        events.CONTRACT_SEALED,
        contract,
        SYSTEM,
        sealed_sha256=contract.sealed_sha256,
        certificate_subject=sealing.certificate_subject(settings),
    )
    return contract


def validation_of(db: Session, contract_id: str) -> dict[str, Any]:
    """The seal's validation report of the contract's sealed PDF (Conflict until sealed)."""
    contract = repo.find(db, contract_id, with_pdfs=True)
    if contract is None:
        raise NotFound("contract", contract_id)
    if contract.sealed_pdf is None:
        raise ContractNotReady(f"the contract is {contract.status}, not sealed yet")
    report = sealing.validate(contract.sealed_pdf)
    signed = contract.unsigned_pdf or b""
    report["contract_id"] = contract.id
    # The seal is an incremental update: the customer's signed bytes are still its prefix.
    report["customer_signed_bytes_intact"] = bool(signed) and contract.sealed_pdf.startswith(signed)
    return report
