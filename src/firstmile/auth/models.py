from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
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
