"""API tokens: issue, verify, revoke."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from firstmile.auth.events import TOKEN_CREATED, TOKEN_REVOKED
from firstmile.auth.models import ApiToken
from firstmile.auth.scopes import Actor, Scope
from firstmile.eventlog import service as events
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound, Unauthorized
from firstmile.kit.time import utcnow

PREFIX = "fm"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    db: Session, *, name: str, scopes: list[str], actor: Actor
) -> tuple[ApiToken, str]:
    """Issue a token; returns it and the plain bearer string, which is never stored."""
    if not name.strip():
        raise InvalidInput("name must not be empty", field="name")
    try:
        parsed = sorted({Scope(s).value for s in scopes})
    except ValueError as exc:
        raise InvalidInput(f"unknown scope: {exc}", field="scopes") from exc
    if not parsed:
        raise InvalidInput("at least one scope is required", field="scopes")
    secret = secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip(), secret_hash=_digest(secret), scopes=parsed)
    db.add(token)
    db.flush()
    events.record(
        db,
        TOKEN_CREATED,
        actor=actor.ref,
        subject_id=token.id,
        payload={"name": token.name, "scopes": parsed},
    )
    return token, f"{PREFIX}_{token.id}_{secret}"


def authenticate(db: Session, bearer: str) -> Actor:
    parts = bearer.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise Unauthorized("malformed bearer token")
    # Every API request runs this: read the four columns it needs, not an ORM object.
    row = db.execute(
        select(ApiToken.name, ApiToken.secret_hash, ApiToken.scopes, ApiToken.revoked_at).where(
            ApiToken.id == parts[1]
        )
    ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("unknown or revoked token")
    if not hmac.compare_digest(row.secret_hash, _digest(parts[2])):
        raise Unauthorized("unknown or revoked token")
    return Actor("token", parts[1], row.name, frozenset(Scope(s) for s in row.scopes))


def revoke_token(db: Session, token_id: str, *, actor: Actor) -> ApiToken:
    token = db.get(ApiToken, token_id)
    if token is None:
        raise NotFound("api token", token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        events.record(db, TOKEN_REVOKED, actor=actor.ref, subject_id=token.id)
    return token


def list_tokens(db: Session) -> list[ApiToken]:
    return list(db.scalars(select(ApiToken).order_by(ApiToken.created_at)))
