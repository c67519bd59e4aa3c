"""Back-office users: passwords (scrypt), TOTP second factor (RFC 6238, pyotp), lockout.

The TOTP secret is stored sealed (AES-GCM, a key derived from the installation's secret) so a
copy of the database alone cannot mint codes. A code's time step is remembered, so one code
signs in once. Five failures in a row lock the user for 15 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select

from firstmile.auth import sessions as web_sessions
from firstmile.auth.events import (
    STAFF_CREATED,
    STAFF_DEACTIVATED,
    STAFF_LOGGED_IN,
    STAFF_LOGIN_FAILED,
)
from firstmile.auth.models import StaffRole, StaffUser
from firstmile.auth.scopes import Actor, Scope
from firstmile.eventlog import service as events
from firstmile.kit import secrets as kit_secrets
from firstmile.kit.db import Session, new_id
from firstmile.kit.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthorized
from firstmile.kit.settings import current as current_settings
from firstmile.kit.time import utcnow

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 12
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
ISSUER = "firstmile"


@dataclass(frozen=True, slots=True)
class NewStaff:
    user: StaffUser
    password: str  # shown once
    totp_uri: str  # otpauth:// for an authenticator app, shown once


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    scheme, _, rest = stored.partition("$")
    salt_hex, _, digest_hex = rest.partition("$")
    if scheme != "scrypt" or not salt_hex or not digest_hex:
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), dklen=32, **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


def _key() -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"firstmile staff totp"
    ).derive(kit_secrets.secret_key(current_settings()))


def _seal(user_id: str, secret: str) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(_key()).encrypt(nonce, secret.encode(), user_id.encode())


def totp_secret(user: StaffUser) -> str:
    sealed = bytes(user.totp_sealed)
    return AESGCM(_key()).decrypt(sealed[:12], sealed[12:], user.id.encode()).decode()


def actor_of(user: StaffUser) -> Actor:
    scopes = {Scope.ADMIN} if user.role == StaffRole.ADMIN else {Scope.AGENT}
    return Actor("staff", user.id, user.name, frozenset(scopes))


def create_staff(
    db: Session, *, email: str, name: str, role: str, actor: Actor, password: str | None = None
) -> NewStaff:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidInput("must be an email address", field="email")
    if not name.strip():
        raise InvalidInput("must not be empty", field="name")
    try:
        parsed_role = StaffRole(role)
    except ValueError as exc:
        raise InvalidInput("must be agent, supervisor or admin", field="role") from exc
    if password is not None and len(password) < MIN_PASSWORD:
        raise InvalidInput(f"must be at least {MIN_PASSWORD} characters", field="password")
    if db.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict("a staff user with this email exists", field="email")
    password = password or secrets.token_urlsafe(15)
    secret = pyotp.random_base32()
    user = StaffUser(email=email, name=name.strip(), role=parsed_role, password_hash="")
    user.id = new_id()  # the sealed secret is bound to the id
    user.password_hash = hash_password(password)
    user.totp_sealed = _seal(user.id, secret)
    db.add(user)
    db.flush()
    events.record(
        db, STAFF_CREATED, actor=actor.ref, subject_id=user.id, payload={"role": str(parsed_role)}
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return NewStaff(user, password, uri)


def find_by_email(db: Session, email: str) -> StaffUser | None:
    return db.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))


def get_staff(db: Session, user_id: str) -> StaffUser:
    user = db.get(StaffUser, user_id)
    if user is None:
        raise NotFound("staff user", user_id)
    return user


def staff_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(StaffUser)) or 0


def staff_users(db: Session) -> list[StaffUser]:
    """Every back-office user, active ones first, then by name."""
    return list(db.scalars(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.name)))


def deactivate_staff(db: Session, user_id: str, *, actor: Actor) -> StaffUser:
    """The user can no longer sign in, and their open sessions end now. Nobody deactivates
    themself: an admin cannot lock the last admin out by mistake."""
    user = get_staff(db, user_id)
    if actor.ref == f"staff:{user.id}":
        raise Conflict("you cannot deactivate your own account", field="user_id")
    if not user.active:
        raise Conflict("this staff user is already deactivated", field="user_id")
    user.active = False
    web_sessions.end_all(db, kind=web_sessions.STAFF, subject_id=user.id)
    db.flush()
    events.record(db, STAFF_DEACTIVATED, actor=actor.ref, subject_id=user.id)
    return user


def _check_usable(user: StaffUser) -> None:
    if not user.active:
        raise Unauthorized("this account is disabled")
    if user.locked_until is not None and user.locked_until > utcnow():
        seconds = int((user.locked_until - utcnow()).total_seconds()) + 1
        raise TooManyRequests("too many failed sign-ins; try later", retry_after_seconds=seconds)


def _fail(db: Session, user: StaffUser, step: str) -> None:
    user.failed_logins += 1
    locked = user.failed_logins >= MAX_FAILURES
    if locked:
        user.locked_until = utcnow() + timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
    events.record(
        db,
        STAFF_LOGIN_FAILED,
        actor=f"staff:{user.id}",
        subject_id=user.id,
        payload={"step": step, "locked": locked},
    )
    db.flush()


def check_password(db: Session, email: str, password: str) -> StaffUser | None:
    """The user when the password is right and the account usable; None otherwise, the
    same answer for an unknown email, a disabled account, a locked one and a wrong password,
    with the same work (no answer or timing tells which emails are staff's). A wrong
    password is counted and kept (the caller commits it: the sign-in answer is a normal
    page, not an error); while locked, the password is not even compared, so guessing on
    learns nothing until the lock ends."""
    user = find_by_email(db, email)
    if user is None:
        hash_password(password)  # the same work as a real check: no timing oracle for emails
        return None
    refused = _unusable(user)
    if refused is not None:
        hash_password(password)
        events.record(
            db,
            STAFF_LOGIN_FAILED,
            actor=f"staff:{user.id}",
            subject_id=user.id,
            payload={"step": refused, "locked": refused == "locked"},
        )
        return None
    if not password_matches(password, user.password_hash):
        _fail(db, user, "password")
        return None
    return user


def _unusable(user: StaffUser) -> str | None:
    """Why the account cannot sign in now ("disabled", "locked"), or None."""
    if not user.active:
        return "disabled"
    if user.locked_until is not None and user.locked_until > utcnow():
        return "locked"
    return None


def check_totp(db: Session, user: StaffUser, code: str) -> bool:
    _check_usable(user)
    totp = pyotp.TOTP(totp_secret(user))
    now = utcnow()
    code = code.strip().replace(" ", "")
    for drift in (0, -1, 1):  # one step of clock drift either way
        at = now + timedelta(seconds=30 * drift)
        step = totp.timecode(at)
        if step > user.last_totp_step and hmac.compare_digest(totp.at(at), code):
            user.last_totp_step = step
            user.failed_logins = 0
            events.record(db, STAFF_LOGGED_IN, actor=f"staff:{user.id}", subject_id=user.id)
            db.flush()
            return True
    _fail(db, user, "totp")
    return False


def current_code(user: StaffUser) -> str:
    """The code an authenticator shows now (tests and the demo set-up use it)."""
    return pyotp.TOTP(totp_secret(user)).at(utcnow())
