"""CSRF protection: a signed double-submit token.

A random value lives in an HttpOnly, SameSite=Strict cookie; every form carries
HMAC(secret key, value) in `csrf_token` and every HTMX request in the `X-CSRF-Token` header
(set once on <body hx-headers>). A cross-site page can neither read the cookie nor compute
the token. The value is replaced at every sign-in, so a token from before does not carry over.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

from firstmile.kit import secrets as kit_secrets
from firstmile.kit.settings import current as current_settings

COOKIE = "fm_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def new_value() -> str:
    return secrets.token_urlsafe(24)


def token_for(value: str) -> str:
    return kit_secrets.sign(current_settings(), "csrf", value)


async def is_valid(request: Request) -> bool:
    value = request.cookies.get(COOKIE)
    if not value:
        return False
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            await request.body()  # read (and kept) first: the edge and the endpoint read it again
            form = await request.form()
            field = form.get(FIELD)
            sent = field if isinstance(field, str) else None
    return sent is not None and hmac.compare_digest(sent, token_for(value))
