"""The installation's secret key, for links that must not be forged (unsubscribe links).

`FIRSTMILE_SECRET_KEY` in production (the same on every process and machine); without it,
a random key is made once in the data directory (fine for one machine and the demo).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile

from firstmile.kit.settings import Settings

KEY_FILE = "secret.key"


def secret_key(settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    target = settings.data_dir / KEY_FILE
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".secret-")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(tmp, target)  # atomic: never a half-written key under the name
        finally:
            os.unlink(tmp)
    return target.read_bytes().strip()


def sign(settings: Settings, purpose: str, message: str) -> str:
    """A short MAC of `message` for `purpose` (hex, 128 bits)."""
    key = secret_key(settings)
    digest = hmac.new(key, f"{purpose}\x00{message}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def verify(settings: Settings, purpose: str, message: str, signature: str) -> bool:
    return hmac.compare_digest(sign(settings, purpose, message), signature)
