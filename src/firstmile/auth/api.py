from __future__ import annotations

from fastapi import APIRouter

from firstmile.auth import service
from firstmile.auth.schemas import TokenCreate, TokenIssued, TokenRead
from firstmile.kit.http import AdminActor, Db, TxRoute

router = APIRouter(prefix="/api/tokens", tags=["access"], route_class=TxRoute)


@router.post("", response_model=TokenIssued, status_code=201)
def create_token(body: TokenCreate, db: Db, actor: AdminActor) -> TokenIssued:
    token, bearer = service.create_token(
        db, name=body.name, scopes=[s.value for s in body.scopes], actor=actor
    )
    return TokenIssued(**TokenRead.model_validate(token).model_dump(), token=bearer)


@router.get("", response_model=list[TokenRead])
def list_tokens(db: Db, _actor: AdminActor) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in service.list_tokens(db)]


@router.delete("/{token_id}", response_model=TokenRead)
def revoke_token(token_id: str, db: Db, actor: AdminActor) -> TokenRead:
    return TokenRead.model_validate(service.revoke_token(db, token_id, actor=actor))
