"""The installation's secret key, for links that must not be forged (unsubscribe links).

`FIRSTMILE_SECRET_KEY` in production (the same on every process and machine); without it,
a random key is made once in the data directory (fine for one machine and the demo).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache
from pathlib import Path

from firstmile.kit.files import create_once
from firstmile.kit.settings import Settings

KEY_FILE = "secret.key"


def secret_key(settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    return _key_file(settings.data_dir / KEY_FILE)


@cache
def _key_file(path: Path) -> bytes:
    """Read once per process: every signed link needs the key."""
    made = create_once(path, lambda: secrets.token_urlsafe(48).encode())
    return made.read_bytes().strip()


def sign(settings: Settings, purpose: str, message: str) -> str:
    """A short MAC of `message` for `purpose` (hex, 128 bits)."""
    key = secret_key(settings)
    digest = hmac.new(key, f"{purpose}\x00{message}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def verify(settings: Settings, purpose: str, message: str, signature: str) -> bool:
    return hmac.compare_digest(sign(settings, purpose, message), signature)


def signed_token(settings: Settings, purpose: str, value: str) -> str:
    """`value` and its MAC in one URL-safe token: "<value>.<signature>"."""
    return f"{value}.{sign(settings, purpose, value)}"


def value_of(settings: Settings, purpose: str, token: str) -> str | None:
    """The value a token of `purpose` carries, or None when it is forged or damaged."""
    value, _, signature = token.rpartition(".")
    if not value or not verify(settings, purpose, value, signature):
        return None
    return value
