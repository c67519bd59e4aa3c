"""Idempotency-Key support for every write endpoint: a repeat replays the stored answer."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin, Session, serialize_on
from firstmile.kit.errors import InvalidInput
from firstmile.kit.time import utcnow

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


class IdempotencyRecord(IdMixin, Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("actor", "key"),)

    actor: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"must be 1-{MAX_KEY_LENGTH} printable characters", field=f"header.{HEADER}"
        )
    return key


def find(db: Session, actor: str, key: str) -> IdempotencyRecord | None:
    """The stored answer to `actor`'s request with `key`. A request with the same key still
    running elsewhere is waited for first (until its transaction ends), so a repeat sent
    while the first is in flight gets the first's answer instead of running again."""
    serialize_on(db, f"idempotency:{actor}:{key}")
    return db.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.actor == actor, IdempotencyRecord.key == key
        )
    )


def check_replay(record: IdempotencyRecord, digest: str) -> None:
    if record.request_hash != digest:
        raise InvalidInput(
            "this idempotency key was used for a different request", field=f"header.{HEADER}"
        )
