"""`/portal/contract`: the customer's contracts, reading one (terms, prices, the cooling-off
notice, the PDF) and signing it with a one-time code sent to a verified email or phone.

Signing follows the contracts service: a code is requested (`request_signature`), then
entered (`sign`); a wrong code is a 422 on the code field, and the service limits attempts
(the attempt counts even though the refused request rolls back). After the operator's seal
the sealed PDF is what `/document` serves, to its owner only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.contracts import repository as contracts_repository
from firstmile.contracts import service as contracts_service
from firstmile.contracts.models import Contract, ContractStatus
from firstmile.customers import service as customers_service
from firstmile.customers.models import Customer, CustomerKind
from firstmile.kit.db import Session
from firstmile.kit.errors import FirstmileError
from firstmile.kit.http import Db
from firstmile.kit.time import utcnow
from firstmile.kyc import business
from firstmile.kyc.models import PartyRole
from firstmile.packs import loader as packs
from firstmile.web.pages import (
    PageRoute,
    PortalCustomer,
    customer_actor,
    own,
    redirect,
    render,
    translator,
)
from firstmile.web.portal import plan_view

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SIGNED = (ContractStatus.SIGNED, ContractStatus.SEALED)
CHANNELS = ("email", "sms")


def own_contract(db: Session, me: Customer, contract_id: str) -> Contract:
    contract = contracts_service.get_contract(db, contract_id[:36])
    own(me, contract.customer_id, "contract", contract_id)
    return contract


def _signatories(db: Session, me: Customer) -> list[Any]:
    if me.kind != CustomerKind.ORGANIZATION:
        return []
    return [
        p
        for p in business.parties(db, me.id)
        if PartyRole.SIGNATORY in p.roles and p.removed_at is None
    ]


def _context(db: Session, me: Customer, contract: Contract, locale: str) -> dict[str, Any]:
    meta = packs.current_meta(db)
    latest = contracts_repository.latest_request(db, contract.id)
    waiting = (
        latest
        if latest is not None
        and contract.status == ContractStatus.READY
        and latest.expires_at > utcnow()
        else None
    )
    signatories = _signatories(db, me)
    channels = []
    for channel in CHANNELS:
        # a business's code goes to its signatory's own email or phone, not the company's
        address = None if signatories else customers_service.contact_for(db, me.id, channel)
        if address or signatories:
            channels.append((channel, contracts_service.mask_address(address) if address else ""))
    return {
        "contract": contract,
        "b": plan_view.breakdown(contract.content, locale),
        "cooling_off_days": meta.cooling_off_for(contract.content.get("account_kind")),
        "operator": meta.operator,
        "code_request": waiting,
        "channels": channels,
        "signatories": signatories,
        "signature": contracts_repository.signature_of(db, contract.id)
        if contract.status in SIGNED
        else None,
        "errors": {},
    }


@router.get("/portal/contract", response_class=HTMLResponse)
def contracts_page(request: Request, db: Db, me: PortalCustomer) -> Response:
    found = contracts_service.contracts_for(db, customer_id=me.id)
    rows = [
        {"contract": c, "b": plan_view.breakdown(c.content, request.state.locale)}
        for c in found
        if c.customer_id == me.id
    ]
    return render(request, "portal/contract_list.html", {"rows": rows})


@router.get("/portal/contract/{contract_id}", response_class=HTMLResponse)
def contract_page(request: Request, contract_id: str, db: Db, me: PortalCustomer) -> Response:
    contract = own_contract(db, me, contract_id)
    return render(request, "portal/contract.html", _context(db, me, contract, request.state.locale))


def _again(
    request: Request,
    db: Session,
    me: Customer,
    contract_id: str,
    errors: dict[str, str],
    status: int,
) -> Response:
    """The contract page again with the field errors (the failed request's writes undone)."""
    db.rollback()
    contract = own_contract(db, me, contract_id)
    context = _context(db, me, contract, request.state.locale) | {"errors": errors}
    return render(request, "portal/contract.html", context, status=status)


@router.post("/portal/contract/{contract_id}/code", response_class=HTMLResponse)
def send_code(
    request: Request,
    contract_id: str,
    db: Db,
    me: PortalCustomer,
    channel: Annotated[str, Form(max_length=10)] = "email",
    signatory_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    contract = own_contract(db, me, contract_id)
    if contract.status != ContractStatus.READY:
        return redirect(request, f"/portal/contract/{contract.id}")
    _ = translator(request.state.locale)
    try:
        contracts_service.request_signature(
            db,
            contract.id,
            channel=channel,
            actor=customer_actor(me),
            signatory_id=signatory_id or None,
        )
    except FirstmileError as exc:
        if exc.status_code not in (404, 409, 422, 429):
            raise
        messages = {
            429: _("You asked for many codes. Please wait a while, then ask again."),
            404: _("Choose who signs for your company."),
        }
        default = _("We cannot send a code this way. Choose another way, or contact us.")
        field = (
            "signatory_id" if exc.field == "signatory_id" or exc.status_code == 404 else "channel"
        )
        errors = {field: messages.get(exc.status_code, default)}
        return _again(request, db, me, contract.id, errors, exc.status_code)
    return redirect(request, f"/portal/contract/{contract.id}#sign")


@router.post("/portal/contract/{contract_id}/sign", response_class=HTMLResponse)
def sign(
    request: Request,
    contract_id: str,
    db: Db,
    me: PortalCustomer,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    contract = own_contract(db, me, contract_id)
    if contract.status != ContractStatus.READY:
        return redirect(request, f"/portal/contract/{contract.id}")
    _ = translator(request.state.locale)
    try:
        contracts_service.sign(
            db,
            contract.id,
            code=code,
            ip=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
            actor=customer_actor(me),
        )
    except FirstmileError as exc:
        if exc.status_code not in (409, 422, 429):
            raise
        message = _("This code is not right or has expired. Check it, or ask for a new one.")
        if exc.status_code != 422:
            message = _("This code can no longer be used. Ask for a new one.")
        return _again(request, db, me, contract.id, {"code": message}, exc.status_code)
    return redirect(request, f"/portal/contract/{contract.id}?signed=1")


@router.get("/portal/contract/{contract_id}/document")
def document(contract_id: str, db: Db, me: PortalCustomer) -> Response:
    """The sealed PDF once sealed, else the unsigned one; only to the contract's owner."""
    contract = own_contract(db, me, contract_id)
    pdf = contracts_service.document(db, contract.id)
    suffix = "-signed" if contract.status == ContractStatus.SEALED else ""
    headers = {"Content-Disposition": f'attachment; filename="contract-{contract.id}{suffix}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
