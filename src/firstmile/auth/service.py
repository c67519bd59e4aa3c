"""API tokens: issue, verify, revoke."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import event as sa_event
from sqlalchemy import select

from firstmile.auth.events import TOKEN_CREATED, TOKEN_REVOKED
from firstmile.auth.models import ApiToken
from firstmile.auth.scopes import Actor, Scope
from firstmile.eventlog import service as events
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound, Unauthorized
from firstmile.kit.settings import current as current_settings
from firstmile.kit.time import utcnow

PREFIX = "fm"


@dataclass(frozen=True, slots=True)
class _Verified:
    secret_hash: str
    actor: Actor
    until: float  # time.monotonic() after which the token is read again


class TokenCache:
    """Tokens this process verified lately, so a request need not read its token row.

    Holds the stored hash, never the secret: every request's secret is still hashed and
    compared. An entry lives `token_cache_seconds`; revoking a token drops its entry here
    at once (other processes read the row again within that time)."""

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._entries: dict[str, _Verified] = {}
        self._lock = threading.Lock()

    def get(self, token_id: str, now: float) -> _Verified | None:
        entry = self._entries.get(token_id)
        return entry if entry is not None and entry.until > now else None

    def put(self, token_id: str, entry: _Verified) -> None:
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()  # rare: a fresh start costs one read per token
            self._entries[token_id] = entry

    def drop(self, token_id: str) -> None:
        with self._lock:
            self._entries.pop(token_id, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


verified_tokens = TokenCache()


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
    token_id, digest = parts[1], _digest(parts[2])
    now = time.monotonic()
    cached = verified_tokens.get(token_id, now)
    if cached is not None:
        if not hmac.compare_digest(cached.secret_hash, digest):
            raise Unauthorized("unknown or revoked token")
        return cached.actor
    # Every API request runs this: read the four columns it needs, not an ORM object.
    row = db.execute(
        select(ApiToken.name, ApiToken.secret_hash, ApiToken.scopes, ApiToken.revoked_at).where(
            ApiToken.id == token_id
        )
    ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("unknown or revoked token")
    if not hmac.compare_digest(row.secret_hash, digest):
        raise Unauthorized("unknown or revoked token")
    actor = Actor("token", token_id, row.name, frozenset(Scope(s) for s in row.scopes))
    ttl = current_settings().token_cache_seconds
    if ttl > 0:
        verified_tokens.put(token_id, _Verified(row.secret_hash, actor, now + ttl))
    return actor


def revoke_token(db: Session, token_id: str, *, actor: Actor) -> ApiToken:
    token = db.get(ApiToken, token_id)
    if token is None:
        raise NotFound("api token", token_id)
    # Dropped now and again once the revocation is committed: a request of this process
    # that read the row before the commit may have cached it in between.
    verified_tokens.drop(token.id)
    sa_event.listen(db, "after_commit", lambda _db: verified_tokens.drop(token_id), once=True)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        events.record(db, TOKEN_REVOKED, actor=actor.ref, subject_id=token.id)
    return token


def list_tokens(db: Session) -> list[ApiToken]:
    return list(db.scalars(select(ApiToken).order_by(ApiToken.created_at)))
