from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin
from firstmile.kit.time import utcnow


class ApiToken(IdMixin, Base):
    """A bearer token. Only the SHA-256 of the secret is stored; the secret is shown once."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(120))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class StaffRole(StrEnum):
    """Back-office roles, each including the ones before it."""

    AGENT = "agent"  # care and sales agents: customers, queues, calendars
    SUPERVISOR = "supervisor"  # + journeys and their funnels, template previews
    ADMIN = "admin"  # + staff accounts

    @property
    def rank(self) -> int:
        return list(StaffRole).index(self)

    def allows(self, needed: StaffRole | str) -> bool:
        return self.rank >= StaffRole(needed).rank


class StaffUser(IdMixin, Base):
    """A back-office user: password (scrypt) and a TOTP second factor (secret sealed)."""

    __tablename__ = "staff_users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[StaffRole] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    last_totp_step: Mapped[int] = mapped_column(default=0)  # a code is accepted only once
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSession(IdMixin, Base):
    """A signed-in browser: a customer in the portal or a staff user in the back office.

    The cookie holds a random secret; only its SHA-256 is stored. A session ends when idle
    too long, at its absolute expiry, or at logout. A staff session is `pending` between the
    password and the second factor, and then grants nothing but the TOTP page."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_subject", "kind", "subject_id"),)

    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # customer | staff
    subject_id: Mapped[str] = mapped_column(String(36))
    pending: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
