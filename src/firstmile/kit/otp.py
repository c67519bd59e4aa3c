"""One-time codes (contract signature, contact verification), stored only as salted hashes.

A code belongs to a (purpose, subject) pair, e.g. ("contract_signature", contract id). Issuing
a new one supersedes the open ones of that pair; issuing is rate-limited per subject.

Wrong attempts must stay counted although the request that made them fails: the API edge
(`TxRoute`) rolls its transaction back on any error, which would also roll back the counter.
A second transaction while the request's is open is no way out either: on SQLite every
transaction starts with BEGIN IMMEDIATE, so it would wait on the request's own write lock.
So a wrong attempt is counted in the caller's transaction AND remembered on the session; if
that transaction ends without committing, a listener replays the increment in a short
transaction of its own, after the rollback released the locks. Either way it counts once.
(A wrong attempt inside a savepoint that is rolled back while the outer transaction commits
is not replayed; no caller does that.)
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, String, func, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, SessionTransaction, mapped_column

from firstmile.kit.db import Base, IdMixin, Session, serialize_on
from firstmile.kit.errors import Conflict, InvalidInput, TooManyRequests
from firstmile.kit.time import utcnow

log = logging.getLogger("firstmile.otp")

MAX_PER_HOUR = 5
DEFAULT_MAX_ATTEMPTS = 5
_PENDING = "firstmile.otp.pending_attempts"
_LISTENING = "firstmile.otp.listening"


class OneTimeCode(IdMixin, Base):
    __tablename__ = "one_time_codes"
    __table_args__ = (Index("ix_one_time_codes_subject", "subject_id", "purpose", "created_at"),)

    purpose: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=DEFAULT_MAX_ATTEMPTS)
    consumed_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def attempts_left(self) -> int:
        return max(self.max_attempts - self.attempts, 0)


def _digest(salt: str, code: str) -> str:
    return hmac.new(bytes.fromhex(salt), code.encode(), hashlib.sha256).hexdigest()


def issue(
    db: Session,
    *,
    purpose: str,
    subject_id: str,
    ttl_seconds: int = 600,
    length: int = 6,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    max_per_hour: int = MAX_PER_HOUR,
) -> str:
    """A fresh numeric code for (purpose, subject); only its salted hash is stored.

    Earlier open codes of the pair stop working. More than `max_per_hour` codes for one
    subject within an hour -> TooManyRequests (with `retry_after_seconds`).
    """
    if not 4 <= length <= 10:
        raise InvalidInput("must be between 4 and 10 digits", field="length")
    if ttl_seconds <= 0:
        raise InvalidInput("must be positive", field="ttl_seconds")
    serialize_on(db, f"otp:{subject_id}")  # two requests at once must not both pass the limit
    now = utcnow()
    _check_rate(db, subject_id, now, max_per_hour)
    db.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.purpose == purpose,
            OneTimeCode.subject_id == subject_id,
            OneTimeCode.consumed_at.is_(None),
            OneTimeCode.superseded_at.is_(None),
        )
        .values(superseded_at=now)
    )
    code = f"{secrets.randbelow(10**length):0{length}d}"
    salt = secrets.token_hex(16)
    db.add(
        OneTimeCode(
            purpose=purpose,
            subject_id=subject_id,
            salt=salt,
            code_hash=_digest(salt, code),
            expires_at=now + timedelta(seconds=ttl_seconds),
            max_attempts=max_attempts,
            created_at=now,
        )
    )
    db.flush()
    return code


def _check_rate(db: Session, subject_id: str, now: datetime, max_per_hour: int) -> None:
    count, oldest = db.execute(
        select(func.count(), func.min(OneTimeCode.created_at)).where(
            OneTimeCode.subject_id == subject_id,
            OneTimeCode.created_at > now - timedelta(hours=1),
        )
    ).one()
    if count < max_per_hour:
        return
    wait = int((oldest + timedelta(hours=1) - now).total_seconds()) + 1
    raise TooManyRequests(
        f"too many codes requested; try again in {wait} seconds", retry_after_seconds=wait
    )


def verify(db: Session, *, purpose: str, subject_id: str, code: str) -> None:
    """Accept the current code of (purpose, subject) once, or raise.

    Wrong -> InvalidInput on `code` with the attempts left (the attempt stays counted even if
    the caller's transaction rolls back); expired -> InvalidInput on `code`; already used,
    locked after too many wrong attempts, or none requested -> Conflict.
    """
    row = db.scalar(
        select(OneTimeCode)
        .where(
            OneTimeCode.purpose == purpose,
            OneTimeCode.subject_id == subject_id,
            OneTimeCode.superseded_at.is_(None),
        )
        .order_by(OneTimeCode.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    now = utcnow()
    if row is None:
        raise Conflict("no code has been requested; ask for a new one")
    if row.consumed_at is not None:
        raise Conflict("this code has already been used; ask for a new one")
    if row.attempts >= row.max_attempts:
        raise Conflict("too many wrong attempts; ask for a new code")
    if row.expires_at <= now:
        raise InvalidInput("the code has expired; ask for a new one", field="code")
    given = _digest(row.salt, code.strip())
    if not hmac.compare_digest(given, row.code_hash):
        _count_wrong_attempt(db, row)
        raise InvalidInput(
            f"the code is not correct; {row.attempts_left} attempts left", field="code"
        )
    row.consumed_at = now
    db.flush()


def _count_wrong_attempt(db: Session, row: OneTimeCode) -> None:
    row.attempts += 1
    db.flush()
    _listen(db)
    db.info.setdefault(_PENDING, []).append(row.id)


def _listen(db: Session) -> None:
    if db.info.get(_LISTENING):
        return
    db.info[_LISTENING] = True
    sa_event.listen(db, "after_commit", _committed)
    sa_event.listen(db, "after_transaction_end", _transaction_ended)


def _committed(db: Session) -> None:
    if db.get_nested_transaction() is None:  # the outermost transaction committed
        db.info.pop(_PENDING, None)


def _transaction_ended(db: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    pending: list[str] = db.info.pop(_PENDING, [])
    if pending:
        _replay_attempts(db.get_bind().engine, pending)


def _replay_attempts(engine: Any, code_ids: list[str]) -> None:
    """Re-count attempts whose transaction rolled back; never raises into the rollback."""
    try:
        with Session(engine) as own:
            for code_id in code_ids:
                own.execute(
                    update(OneTimeCode)
                    .where(OneTimeCode.id == code_id)
                    .values(attempts=OneTimeCode.attempts + 1)
                )
            own.commit()
    except Exception:
        log.exception("could not keep the count of wrong one-time code attempts")
