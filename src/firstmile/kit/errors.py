"""One error base class. Domains subclass it in their own errors.py."""

from __future__ import annotations

from typing import Any


class FirstmileError(Exception):
    """An expected failure with the HTTP status it maps to and a stable machine code."""

    status_code: int = 400
    code: str = "error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(FirstmileError):
    """Malformed or impossible input; `field` names the offending field path."""

    status_code = 422
    code = "invalid_input"


class NotFound(FirstmileError):
    status_code = 404
    code = "not_found"

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found", what=what, id=str(ident))


class Conflict(FirstmileError):
    """The request is well formed but clashes with the current state."""

    status_code = 409
    code = "conflict"


class Forbidden(FirstmileError):
    status_code = 403
    code = "forbidden"


class Unauthorized(FirstmileError):
    status_code = 401
    code = "unauthorized"


class TooManyRequests(FirstmileError):
    """The caller asked too often; it may try again later."""

    status_code = 429
    code = "too_many_requests"


class Unavailable(FirstmileError):
    status_code = 503
    code = "unavailable"
