"""The simple electronic signature: a one-time code to a verified address, then `sign`."""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import timedelta
from typing import Any

from firstmile.auth.scopes import Actor
from firstmile.contracts import events
from firstmile.contracts import repository as repo
from firstmile.contracts.errors import ContractNotReady, ContractStateConflict, NoVerifiedContact
from firstmile.contracts.models import (
    Contract,
    ContractStatus,
    Signature,
    SignatureChannel,
    SignatureRequest,
)
from firstmile.contracts.service.preparation import record_event
from firstmile.contracts.service.seal import SEAL_JOB
from firstmile.customers import service as customers_service
from firstmile.kit import jobs, otp
from firstmile.kit import settings as settings_module
from firstmile.kit.db import Session, serialize_order
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.messaging import service as messaging_service
from firstmile.messaging.models import MessageStatus

SIGNATURE_PURPOSE = "contract_signature"
_WHAT = {SignatureChannel.EMAIL: "email address", SignatureChannel.SMS: "mobile number"}


def mask_address(address: str) -> str:
    """e***@example.com, +420*******56: enough for the customer to recognise, no more."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    keep = 4 if address.startswith("+") else 2
    return address[:keep] + "*" * max(len(address) - keep - 2, 0) + address[-2:]


def _channel(value: str) -> SignatureChannel:
    try:
        return SignatureChannel(value)
    except ValueError:
        raise InvalidInput("must be 'email' or 'sms'", field="channel") from None


def _ensure_ready(contract: Contract) -> None:
    if contract.status == ContractStatus.READY:
        return
    if contract.status == ContractStatus.PREPARING:
        raise ContractNotReady("the contract document is still being prepared; retry shortly")
    if contract.status == ContractStatus.VOID:
        raise ContractStateConflict("the contract is void: its order was cancelled")
    raise ContractStateConflict("the contract is already signed")


def request_signature(
    db: Session,
    contract_id: str,
    *,
    channel: str,
    actor: Actor,
    signatory_id: str | None = None,
) -> SignatureRequest:
    """Send a fresh one-time code to the customer's verified email or mobile number; for a
    business, to the authorised signatory named by `signatory_id` (only they may sign)."""
    the_channel = _channel(channel)
    contract = repo.find(db, contract_id, for_update=True)
    if contract is None:
        raise NotFound("contract", contract_id)
    _ensure_ready(contract)
    signatory = _signatory(db, contract.customer_id, signatory_id)
    if signatory is not None:
        address = signatory.email if the_channel == SignatureChannel.EMAIL else signatory.phone
    else:
        address = customers_service.contact_for(db, contract.customer_id, the_channel.value)
    if not address:
        raise NoVerifiedContact(
            f"the customer has no verified {_WHAT[the_channel]}; verify one or use the other "
            "channel",
            field="channel",
        )
    settings = settings_module.current()
    code = otp.issue(
        db,
        purpose=SIGNATURE_PURPOSE,
        subject_id=contract.id,
        ttl_seconds=settings.otp_ttl_seconds,
        max_attempts=settings.otp_max_attempts,
        max_per_hour=settings.otp_max_per_hour,
    )
    request = SignatureRequest(
        contract_id=contract.id,
        channel=the_channel,
        masked_address=mask_address(address),
        expires_at=utcnow() + timedelta(seconds=settings.otp_ttl_seconds),
        requested_by=actor.ref,
        signatory_id=signatory.id if signatory is not None else None,
    )
    db.add(request)
    db.flush()
    request.message_id = _send_code(db, contract, request, code, address, actor)
    db.flush()
    record_event(
        db,
        events.CONTRACT_SIGNATURE_REQUESTED,
        contract,
        actor,
        channel=str(the_channel),
        masked_address=request.masked_address,
        message_id=request.message_id,
    )
    return request


def _send_code(
    db: Session,
    contract: Contract,
    request: SignatureRequest,
    code: str,
    address: str,
    actor: Actor,
) -> str:
    minutes = max(math.ceil((request.expires_at - utcnow()).total_seconds() / 60), 1)
    message = messaging_service.send(
        db,
        customer_id=contract.customer_id,
        purpose=SIGNATURE_PURPOSE,
        channel=request.channel.value,
        data={"code": code, "minutes": minutes, "contract_number": contract.id},
        idempotency_key=f"{SIGNATURE_PURPOSE}:{request.id}",
        actor=actor,
        recipient=address,
        sensitive=True,
    )
    if message.status == MessageStatus.SUPPRESSED:
        raise Conflict(
            f"the customer does not accept service messages by {request.channel}",
            field="channel",
        )
    return message.id


def sign(
    db: Session,
    contract_id: str,
    *,
    code: str,
    ip: str | None,
    user_agent: str | None,
    actor: Actor,
) -> Contract:
    """Accept the customer's signature with the current code; `ready` -> `signed`."""
    unlocked = repo.find(db, contract_id)
    if unlocked is None:
        raise NotFound("contract", contract_id)
    serialize_order(db, unlocked.order_id)
    contract = repo.find(db, contract_id, for_update=True, with_pdfs=True)
    if contract is None:
        raise NotFound("contract", contract_id)
    _ensure_ready(contract)
    cleaned = code.strip()
    if not cleaned.isdigit() or not 4 <= len(cleaned) <= 10:
        raise InvalidInput("must be the 4 to 10 digit code we sent", field="code")
    request = repo.latest_request(db, contract.id)
    if request is None:
        raise Conflict("no code has been requested; ask for one first")
    otp.verify(db, purpose=SIGNATURE_PURPOSE, subject_id=contract.id, code=cleaned)
    digest = _document_hash(contract)
    customer = customers_service.get_customer(db, contract.customer_id)
    # a business signs through its signatory, who must still be one when signing
    signatory = _signatory(db, customer.id, request.signatory_id)
    signer_name = signatory.full_name if signatory is not None else customer.display_name
    now = utcnow()
    db.add(
        Signature(
            contract_id=contract.id,
            customer_id=customer.id,
            signer_name=signer_name,
            actor=actor.ref,
            signed_at=now,
            ip=(ip or None) and ip[:64],
            user_agent=(user_agent or None) and user_agent[:500],
            channel=request.channel,
            masked_address=request.masked_address,
            request_id=request.id,
            document_sha256=digest,
        )
    )
    contract.status, contract.signed_at = ContractStatus.SIGNED, now
    db.flush()
    record_event(db, events.CONTRACT_SIGNED, contract, actor, document_sha256=digest)
    jobs.enqueue(
        db,
        SEAL_JOB,
        {"contract_id": contract.id},
        key=f"{SEAL_JOB}:{contract.id}",
        priority=jobs.HIGH,
    )
    return contract


def _signatory(db: Session, customer_id: str, signatory_id: str | None) -> Any:
    """The business's authorised signatory (None for a person, who signs for themselves)."""
    from firstmile.customers.models import CustomerKind
    from firstmile.kyc import business

    customer = customers_service.get_customer(db, customer_id)
    if customer.kind != CustomerKind.ORGANIZATION:
        if signatory_id is not None:
            raise InvalidInput("only a business signs through a signatory", field="signatory_id")
        return None
    return business.signatory(db, customer_id, signatory_id)


def _document_hash(contract: Contract) -> str:
    """SHA-256 of the exact unsigned bytes; they must still be the ones rendered."""
    pdf = contract.unsigned_pdf or b""
    digest = hashlib.sha256(pdf).hexdigest()
    if not pdf or not hmac.compare_digest(digest, contract.unsigned_sha256 or ""):
        raise ContractStateConflict("the contract document changed after it was rendered")
    return digest


def get_signature(db: Session, contract_id: str) -> Signature:
    if repo.find(db, contract_id) is None:
        raise NotFound("contract", contract_id)
    signature = repo.signature_of(db, contract_id)
    if signature is None:
        raise NotFound("signature of contract", contract_id)
    return signature
