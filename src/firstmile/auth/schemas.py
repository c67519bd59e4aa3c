from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from firstmile.auth.scopes import Scope


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    scopes: list[Scope] = Field(min_length=1)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class TokenIssued(TokenRead):
    token: str = Field(description="The bearer string; shown only in this answer")
