"""Contracts JSON routes. TxRoute owns the transaction; nothing here commits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from firstmile.contracts import service as contracts_service
from firstmile.contracts.schemas import (
    ContractRead,
    SignatureCreate,
    SignatureRead,
    SignatureRequestCreate,
    SignatureRequestRead,
    ValidationRead,
)
from firstmile.kit.http import AnyActor, Db, TxRoute

router = APIRouter(prefix="/api/contracts", tags=["contracts"], route_class=TxRoute)


@router.get("", response_model=list[ContractRead])
def find_contracts(
    db: Db,
    _actor: AnyActor,
    order_id: Annotated[str | None, Query(max_length=36)] = None,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
) -> list[ContractRead]:
    found = contracts_service.contracts_for(db, order_id=order_id, customer_id=customer_id)
    return [ContractRead.model_validate(c) for c in found]


@router.get("/{contract_id}", response_model=ContractRead)
def read_contract(contract_id: str, db: Db, _actor: AnyActor) -> ContractRead:
    return ContractRead.model_validate(contracts_service.get_contract(db, contract_id))


@router.get(
    "/{contract_id}/document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def download_contract(contract_id: str, db: Db, _actor: AnyActor) -> Response:
    """The sealed PDF once sealed, else the unsigned one; 409 while it is being prepared."""
    pdf = contracts_service.document(db, contract_id)
    headers = {"Content-Disposition": f'inline; filename="contract-{contract_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.post(
    "/{contract_id}/signature-requests", status_code=202, response_model=SignatureRequestRead
)
def request_signature(
    contract_id: str, data: SignatureRequestCreate, db: Db, actor: AnyActor
) -> SignatureRequestRead:
    """Send a one-time code to the customer's verified email or mobile number."""
    request = contracts_service.request_signature(
        db, contract_id, channel=data.channel, actor=actor, signatory_id=data.signatory_id
    )
    return SignatureRequestRead.model_validate(request)


@router.post("/{contract_id}/sign", response_model=ContractRead)
def sign_contract(
    contract_id: str, data: SignatureCreate, request: Request, db: Db, actor: AnyActor
) -> ContractRead:
    """Sign with the one-time code; the signer's IP and User-Agent go into the audit trail."""
    contract = contracts_service.sign(
        db,
        contract_id,
        code=data.code,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        actor=actor,
    )
    return ContractRead.model_validate(contract)


@router.get("/{contract_id}/signature", response_model=SignatureRead)
def read_signature(contract_id: str, db: Db, _actor: AnyActor) -> SignatureRead:
    return SignatureRead.model_validate(contracts_service.get_signature(db, contract_id))


@router.get("/{contract_id}/validation", response_model=ValidationRead)
def validate_contract(contract_id: str, db: Db, _actor: AnyActor) -> ValidationRead:
    """pyHanko's validation of the operator's seal on the sealed PDF (409 until sealed)."""
    return ValidationRead.model_validate(contracts_service.validation_of(db, contract_id))
